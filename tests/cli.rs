//! The `tfe` command line itself: help for every subcommand, `--version`,
//! and usage errors that say what to do; `tfe train` on one data owner and
//! on data split by rows and by features, and its errors. (What the
//! deployment subcommands do is tested in tests/deployment.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tfe::deploy::data::{read_values, write_values};
use tfe::internals::{unit_interval, xorshift};

const TFE: &str = env!("CARGO_BIN_EXE_tfe");

fn tfe(args: &[&str]) -> Output {
    Command::new(TFE).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_subcommand_has_help() {
    let cases: [(&[&str], &[&str]); 13] = [
        (&["demo"], &["--transport", "--trace"]),
        (&["predict"], &["--model", "--input", "--output"]),
        (&["bench"], &["--quick", "--only", "--model", "--runs"]),
        (
            &["party"],
            &[
                "--config",
                "--name",
                "--graph",
                "--key",
                "--insecure-plaintext",
                "--input",
                "--output",
                "--quiet",
                "--runs",
            ],
        ),
        (&["serve"], &["--model", "--listen", "--max-batch", "--batch-window-us", "--insecure-plaintext"]),
        (&["certs"], &["--config", "--out", "local tests only"]),
        (&["keygen"], &["--name", "--out"]),
        (&["hostmap"], &["pin"]),
        (&["hostmap", "pin"], &["--config", "--dir", "NAME=CERT"]),
        (
            &["train"],
            &[
                "--model",
                "--data",
                "--split",
                "--labels",
                "--epochs",
                "--batch-size",
                "--optimizer",
                "--output",
                "--quiet",
            ],
        ),
        (&["graph"], &["seed", "show"]),
        (&["graph", "seed"], &["--out", "--receiver"]),
        (&["graph", "show"], &["<FILE>"]),
    ];
    for (command, options) in cases {
        for help in ["--help", "-h"] {
            let out = tfe(&[command, &[help]].concat());
            let text = stdout(&out);
            assert!(out.status.success(), "tfe {command:?} {help}: {}", stderr(&out));
            assert!(text.contains(&format!("Usage: tfe {}", command.join(" "))), "{text}");
            for option in options {
                assert!(text.contains(option), "tfe {command:?} {help} does not mention {option}: {text}");
            }
        }
    }
    let out = tfe(&["--help"]);
    assert!(out.status.success());
    for command in ["demo", "bench", "party", "keygen", "hostmap", "certs", "graph", "train", "version"] {
        assert!(stdout(&out).contains(command), "{}", stdout(&out));
    }
}

#[test]
fn version_is_printed_by_the_flag_and_the_subcommand() {
    let expected = format!("tfe {}\n", env!("CARGO_PKG_VERSION"));
    for args in [&["--version"][..], &["-V"], &["version"]] {
        let out = tfe(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), expected, "{args:?}");
    }
}

#[test]
fn usage_errors_name_the_argument_and_suggest_the_fix() {
    let out = tfe(&["party", "--config", "hosts.json", "--nmae", "server0"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("--nmae") && err.contains("--name"), "{err}");
    let out = tfe(&["party", "--name", "server0", "--graph", "seed.tfe"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--config <HOSTS>"), "{}", stderr(&out));
    let out = tfe(&["demo", "--transport", "carrier-pigeon"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("tcp, tls, memory"), "{}", stderr(&out));
    let out = tfe(&["party", "--config", "h", "--name", "n", "--graph", "g", "--runs", "0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--runs"), "{}", stderr(&out));
    let out = tfe(&["dmeo"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("demo"), "{}", stderr(&out));
    let out = tfe(&[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("Usage: tfe [OPTIONS] <COMMAND>"), "{}", stderr(&out));
}

/// A directory of its own for a test's files, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("tfe-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn file(&self, name: &str, shape: &[usize], values: &[f64]) -> String {
        let path = self.0.join(name);
        write_values(&path, shape, values).unwrap();
        path.display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 96 samples of 4 features on the fixed-point grid, label 1 when
/// x0 − x1/2 + x3/4 > 0.1.
/// 96 samples of 4 features and their 0/1 labels, written to `dir` as
/// x.npy and y.npy: `tfe train`'s `--labels` (carol's) and `--data` (of
/// `data_owner`), then the features and the labels.
fn sample_files(dir: &Dir, data_owner: &str) -> (String, String, Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = xorshift(0x9E37_79B9_7F4A_7C15)
        .take(96 * 4)
        .map(|w| ((unit_interval(w) * 2.0 - 1.0) * 1024.0).round() / 1024.0)
        .collect();
    let y: Vec<f64> = x.chunks(4).map(|r| f64::from(u8::from(r[0] - r[1] / 2.0 + r[3] / 4.0 > 0.1))).collect();
    let labels = format!("carol={}", dir.file("y.npy", &[96], &y));
    let data = format!("{data_owner}={}", dir.file("x.npy", &[96, 4], &x));
    (labels, data, x, y)
}

fn columns(x: &[f64], from: usize, to: usize) -> Vec<f64> {
    x.chunks(4).flat_map(|r| r[from..to].to_vec()).collect()
}

/// `tfe train` of a logistic regression from seeded weights; its output
/// directory's weights.
fn train(dir: &Dir, out: &str, data: &[String], extra: &[&str]) -> (Output, Vec<f64>) {
    let mut args: Vec<String> = ["train", "--model", "dense:1,sigmoid", "--epochs", "2", "--batch-size", "16"]
        .iter()
        .map(ToString::to_string)
        .collect();
    args.extend(["--learning-rate", "0.5", "--seed-for-tests", "7", "--output"].map(String::from));
    args.push(dir.path(out));
    for d in data {
        args.extend(["--data".to_string(), d.clone()]);
    }
    args.extend(extra.iter().map(ToString::to_string));
    let out_ = Command::new(TFE).args(&args).output().unwrap();
    if !out_.status.success() {
        return (out_, Vec::new());
    }
    let w = read_values(Path::new(&dir.path(&format!("{out}/layer0.w.npy")))).unwrap();
    let b = read_values(Path::new(&dir.path(&format!("{out}/layer0.b.npy")))).unwrap();
    assert_eq!((w.0, b.0), (vec![4, 1], vec![1]));
    (out_, [w.1, b.1].concat())
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(want) {
        // Private trainings of the same batches differ in the truncations' last units.
        assert!((a - b).abs() < 1e-3, "{got:?} {want:?}");
    }
}

#[test]
fn train_writes_the_weights_and_history() {
    let dir = Dir::new("train");
    let (labels, data, ..) = sample_files(&dir, "alice");
    let (out, weights) = train(&dir, "out", &[data], &["--labels", &labels, "--validation-split", "0.25"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("epoch 2/2: loss") && text.contains("val_accuracy"), "{text}");
    // 72 training samples in batches of 16: 4 steps per epoch.
    assert!(text.contains("trained 8 steps"), "{text}");
    let history = std::fs::read_to_string(dir.path("out/history.csv")).unwrap();
    assert_eq!(history.lines().count(), 3, "{history}");
    assert!(history.starts_with("epoch,loss,accuracy,val_loss,val_accuracy\n1,"), "{history}");
    assert_eq!(std::fs::read_to_string(dir.path("out/steps.csv")).unwrap().lines().count(), 9);
    // Trained from the same seed and data, again: the same weights; from
    // the written weights (--init), different ones.
    let data = format!("alice={}", dir.path("x.npy"));
    let (_, again) =
        train(&dir, "again", std::slice::from_ref(&data), &["--labels", &labels, "--validation-split", "0.25"]);
    assert_close(&again, &weights);
    let init = dir.path("out");
    let (out, more) = train(&dir, "more", &[data], &["--labels", &labels, "--init", &init, "--quiet"]);
    assert!(out.status.success() && stdout(&out).is_empty(), "{}", stderr(&out));
    assert!(more.iter().zip(&weights).any(|(a, b)| (a - b).abs() > 0.01), "{more:?} {weights:?}");
}

#[test]
fn train_on_data_split_by_features_or_rows_gives_the_weights_of_the_joined_data() {
    let dir = Dir::new("split");
    let (labels, joined, x, y) = sample_files(&dir, "dave");
    let (out, want) = train(&dir, "joined", &[joined], &["--labels", &labels]);
    assert!(out.status.success(), "{}", stderr(&out));

    // By features: Alice holds three columns of every sample, Bob the fourth.
    let a = format!("alice={}", dir.file("a.npy", &[96, 3], &columns(&x, 0, 3)));
    let b = format!("bob={}", dir.file("b.npy", &[96, 1], &columns(&x, 3, 4)));
    let (out, got) = train(&dir, "features", &[a, b], &["--split", "features", "--labels", &labels]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_close(&got, &want);

    // By rows: Alice holds 72 samples, Bob 24; each batch of 16 takes 12
    // of Alice's and 4 of Bob's, which is the joined data in that order.
    let a = format!("alice={}", dir.file("ra.npy", &[72, 4], &x[..72 * 4]));
    let b = format!("bob={}", dir.file("rb.npy", &[24, 4], &x[72 * 4..]));
    let (out, got) = train(&dir, "rows", &[a, b], &["--labels", &labels]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (mut jx, mut jy) = (Vec::new(), Vec::new());
    for k in 0..6 {
        jx.extend_from_slice(&x[k * 12 * 4..(k + 1) * 12 * 4]);
        jx.extend_from_slice(&x[(72 + k * 4) * 4..(72 + (k + 1) * 4) * 4]);
        jy.extend_from_slice(&y[k * 12..(k + 1) * 12]);
        jy.extend_from_slice(&y[72 + k * 4..72 + (k + 1) * 4]);
    }
    let interleaved = format!("dave={}", dir.file("jx.npy", &[96, 4], &jx));
    let jlabels = format!("carol={}", dir.file("jy.npy", &[96], &jy));
    let (_, want) = train(&dir, "interleaved", &[interleaved], &["--labels", &jlabels]);
    assert_close(&got, &want);
}

#[test]
fn train_errors_name_the_spec_file_and_owner() {
    let dir = Dir::new("errors");
    let (labels, data, x, y) = sample_files(&dir, "alice");
    let fails = |args: &[&str], want: &[&str]| {
        let out = tfe(&[&["train", "--epochs", "1"], args].concat());
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        for w in want {
            assert!(err.contains(w), "{args:?}: {err} lacks {w}");
        }
    };
    let base = ["--data", data.as_str(), "--labels", labels.as_str()];
    fails(&[&["--model", "dense:1,swish"][..], &base].concat(), &["unknown layer 'swish'", "dense:UNITS"]);
    fails(&[&["--model", "dens:4"][..], &base].concat(), &["unknown layer 'dens'", "dense:UNITS"]);
    fails(&[&["--model", "dense:1,relu:2"][..], &base].concat(), &["'relu:2' has 2 fields, expected at most 1"]);
    let rate = |lr: &'static str| [&["--model", "dense:1,sigmoid", "--learning-rate", lr][..], &base].concat();
    fails(&rate("1e9"), &["the learning rate 1000000000 / batch_size 32", "lower the learning rate"]);
    fails(&rate("0.0001"), &["the learning rate 0.0001 / batch_size 32", "raise the learning rate"]);
    let mut x_nan = x.clone();
    x_nan[6] = f64::NAN;
    let nan = format!("alice={}", dir.file("nan.npy", &[96, 4], &x_nan));
    fails(
        &["--model", "dense:1", "--data", &nan, "--labels", &labels],
        &["--data alice", "nan.npy: element [1, 2] of shape [96, 4] is NaN"],
    );
    let no_epochs = tfe(&[&["train", "--model", "dense:1", "--epochs", "0"][..], &base].concat());
    assert!(!no_epochs.status.success() && stderr(&no_epochs).contains("--epochs 0, expected at least 1"));
    fails(&[&["--model", "dense:0"][..], &base].concat(), &["'dense:0'", "expected a positive integer"]);
    let pairs = format!("carol={}", dir.file("y2.npy", &[48, 2], &y));
    fails(&["--model", "dense:3", "--data", &data, "--labels", &pairs], &["has 2 values per sample, expected 3"]);
    fails(&[&["--model", "conv2d:2:3"][..], &base].concat(), &["layer 0 (conv2d:2:3)", "[height, width, channels]"]);
    let model = ["--model", "dense:1,sigmoid"];
    let missing = dir.path("missing.npy");
    fails(
        &[&model[..], &["--data", &format!("alice={missing}"), "--labels", &labels]].concat(),
        &["--data alice", "missing.npy"],
    );
    fails(&[&model[..], &["--data", "alice", "--labels", &labels]].concat(), &["--data 'alice': expected OWNER=FILE"]);
    fails(
        &[&model[..], &["--data", &data, "--data", &data, "--labels", &labels]].concat(),
        &["'alice' is given twice"],
    );
    let short = format!("carol={}", dir.file("short.npy", &[95], &y[..95]));
    fails(
        &[&model[..], &["--data", &data, "--labels", &short]].concat(),
        &["--labels carol", "95 samples, expected the data owners' 96"],
    );
    let classes = format!("carol={}", dir.file("classes.npy", &[96], &vec![3.0; 96]));
    fails(
        &[&["--model", "dense:3"][..], &["--data", &data, "--labels", &classes]].concat(),
        &["sample 0 has label 3", "0 to 2"],
    );
    // Splits: Bob's rows are not 4 features, or not a whole share of a batch;
    // Bob's columns are of other samples.
    let bob3 = format!("bob={}", dir.file("bob3.npy", &[10, 3], &x[..30]));
    fails(
        &[&model[..], &base, &["--data", &bob3]].concat(),
        &["--data bob: samples of shape [3], expected [4] as alice's"],
    );
    let bob = format!("bob={}", dir.file("bob.npy", &[10, 4], &x[..40]));
    let ten_more = format!("carol={}", dir.file("y106.npy", &[106], &[y.clone(), y[..10].to_vec()].concat()));
    fails(
        &[&model[..], &["--data", &data, "--data", &bob, "--labels", &ten_more]].concat(),
        &["data owner 'alice': 96 of the 106 samples"],
    );
    let a = format!("alice={}", dir.file("a.npy", &[96, 3], &columns(&x, 0, 3)));
    fails(
        &[&model[..], &["--data", &a, "--data", &bob3, "--split", "features", "--labels", &labels]].concat(),
        &["--data bob: 10 samples", "expected 96 samples"],
    );
}

#[test]
fn bench_onnx_runs_a_model_file_and_needs_one() {
    let out = tfe(&["bench", "--only", "onnx"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--model <FILE>"), "{}", stderr(&out));
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/onnx/models/sklearn_logreg.onnx");
    let out = tfe(&["bench", "--only", "onnx", "--model", model, "--runs", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["bench"], "onnx_private");
    assert_eq!(line["model"], "sklearn_logreg");
    assert!(line["rounds"].as_u64().unwrap() > 0 && line["bytes"].as_u64().unwrap() > 0, "{line}");
    let out = tfe(&["bench", "--only", "onnx", "--model", "no-such.onnx"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no-such.onnx"), "{}", stderr(&out));
}

#[test]
fn bench_forms_halves_the_rounds_of_networks_b_c_and_d_with_the_wans_forms() {
    let out = tfe(&["bench", "--only", "forms", "--quick"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rounds = |bench: &str, forms: &str| {
        let line = lines.iter().find(|l| l["bench"] == bench && l["forms"] == forms).unwrap();
        line["rounds"].as_u64().unwrap()
    };
    // Issue 19's targets: half of 66, 66 and 24; local mode keeps its own.
    for (network, local, wan) in [("B", 50, 30), ("C", 66, 30), ("D", 18, 12)] {
        let bench = format!("forms_network_{network}");
        assert_eq!((rounds(&bench, "local"), rounds(&bench, "wan")), (local, wan), "network {network}");
    }
}

#[test]
fn threads_must_be_a_positive_count() {
    for bad in ["0", "two", "1025"] {
        let out = tfe(&["--threads", bad, "version"]);
        assert!(!out.status.success(), "--threads {bad}");
        assert!(stderr(&out).contains("--threads <N>"), "{}", stderr(&out));
    }
    let out = Command::new(TFE).args(["version"]).env("TFE_THREADS", "0").output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--threads <N>"), "{}", stderr(&out));
    let out = Command::new(TFE).args(["--threads", "2", "version"]).env("RUST_LOG", "info").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("worker threads in the compute pool: 2"), "{}", stderr(&out));
}
