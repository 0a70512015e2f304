//! `tfe train` as players of a hostmap (issue 16, item 9): six processes
//! over TLS — three servers, the model owner, and two data owners holding
//! two features each of the same samples, one of them also the label
//! owner — train a logistic regression, validated on a quarter of the
//! samples held out (`--validation-split`) or on files of their own
//! (`--validation-data`). Only the model owner learns the losses and the
//! weights; they match a local `tfe train` of the same data and initial
//! weights. A player that declares another shape for an input builds
//! another graph and is refused.

use std::process::{Child, Stdio};
use std::time::Duration;

use tfe::deploy::data::read_values;
use tfe::internals::{unit_interval, xorshift};

mod common;

use common::hosts::{Folder, finish};

const PLAYERS: [&str; 6] = ["server0", "server1", "server2", "model-owner", "alice", "bob"];
const SAMPLES: usize = 64;

/// The same arguments at every player, validating on a quarter of the
/// samples; `alice` and `bob` stand for their inputs (a file at their
/// owner, its shape elsewhere).
fn common_args(alice: &str, bob: &str, labels: &str) -> Vec<String> {
    let mut args = training_args(alice, bob, labels);
    args.extend(["--validation-split".into(), "0.25".into()]);
    args
}

/// `common_args` without the validation.
fn training_args(alice: &str, bob: &str, labels: &str) -> Vec<String> {
    [
        "--model",
        "dense:1,sigmoid",
        "--split",
        "features",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--learning-rate",
        "0.5",
        "--seed-for-tests",
        "3",
    ]
    .iter()
    .map(ToString::to_string)
    .chain([format!("--data=alice={alice}"), format!("--data=bob={bob}"), format!("--labels=bob={labels}")])
    .collect()
}

/// Each player's view of the inputs: its own files, the others' shapes.
fn args_of(name: &str) -> Vec<String> {
    let (alice, bob, labels) = match name {
        "alice" => ("alice.csv", "64x2", "64"),
        "bob" => ("64x2", "bob.csv", "labels.csv"),
        _ => ("64x2", "64x2", "64"),
    };
    common_args(alice, bob, labels)
}

/// Each player's view with validation files of 16 samples (the training
/// files' first 16 rows, `write_data`'s `*_val.csv`) instead of a split.
fn args_with_validation_files(name: &str) -> Vec<String> {
    let view = |owner: &str, file: &str, shape: &str| if name == owner { file.to_string() } else { shape.to_string() };
    let mut args = training_args(
        &view("alice", "alice.csv", "64x2"),
        &view("bob", "bob.csv", "64x2"),
        &view("bob", "labels.csv", "64"),
    );
    args.extend([
        format!("--validation-data=alice={}", view("alice", "alice_val.csv", "16x2")),
        format!("--validation-data=bob={}", view("bob", "bob_val.csv", "16x2")),
        format!("--validation-labels={}", view("bob", "labels_val.csv", "16")),
    ]);
    args
}

/// Two features each for alice and bob, labels 1 where the sum of the
/// first of alice's and of bob's is positive.
fn write_data(folder: &Folder) {
    let mut words = xorshift(0x2545_F491_4F6C_DD1D);
    let mut next = || unit_interval(words.next().unwrap()) * 4.0 - 2.0;
    let rows: Vec<[f64; 4]> = (0..SAMPLES).map(|_| [next(), next(), next(), next()]).collect();
    let csv = |f: &dyn Fn(&[f64; 4]) -> String| rows.iter().map(|r| f(r) + "\n").collect::<String>();
    std::fs::write(folder.0.join("alice.csv"), csv(&|r| format!("{:.4},{:.4}", r[0], r[1]))).unwrap();
    std::fs::write(folder.0.join("bob.csv"), csv(&|r| format!("{:.4},{:.4}", r[2], r[3]))).unwrap();
    std::fs::write(folder.0.join("labels.csv"), csv(&|r| format!("{}", u8::from(r[0] + r[2] > 0.0)))).unwrap();
    for file in ["alice", "bob", "labels"] {
        let text = std::fs::read_to_string(folder.0.join(format!("{file}.csv"))).unwrap();
        let head = text.lines().take(16).collect::<Vec<_>>().join("\n") + "\n";
        std::fs::write(folder.0.join(format!("{file}_val.csv")), head).unwrap();
    }
}

fn start(folder: &Folder, name: &str, args: &[String]) -> Child {
    let mut cmd = folder.player("train", name);
    if name == "model-owner" {
        cmd.args(["--output", "trained"]);
    }
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn epoch_lines(stdout: &str) -> Vec<String> {
    stdout.lines().filter(|l| l.starts_with("epoch ")).map(|l| l.split(" (").next().unwrap().to_string()).collect()
}

/// Trains as the six players with `args_of` each, then in one process with
/// `local`, and compares: only the model owner learns, `steps` steps, the
/// same losses and weights.
fn train_as_six_and_compare(test: &str, args_of: fn(&str) -> Vec<String>, local: Vec<String>, steps: usize) {
    let folder = Folder::new(test, &PLAYERS);
    write_data(&folder);
    let children: Vec<(&str, Child)> =
        PLAYERS.iter().map(|&name| (name, start(&folder, name, &args_of(name)))).collect();
    let outputs = finish(children, Duration::from_secs(240));
    let mut owner_stdout = String::new();
    for (name, out) in &outputs {
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{name} failed: {stderr}");
        assert!(stdout.contains(&format!("{name}: trained {steps} steps")), "{name}: {stdout}");
        if name == "model-owner" {
            owner_stdout = stdout.to_string();
        } else {
            assert!(!stdout.contains("epoch") && !stdout.contains("accuracy"), "{name} learned a loss: {stdout}");
            assert!(stdout.contains("went to 'model-owner'"), "{name}: {stdout}");
        }
    }

    // The same training with every player in one process.
    let mut local = local;
    local.extend(["--output".into(), "local".into()]);
    let out =
        folder.tfe(&[&["train"][..], &local.iter().map(String::as_str).collect::<Vec<_>>()].concat()).output().unwrap();
    assert!(out.status.success(), "local: {}", String::from_utf8_lossy(&out.stderr));
    let local_stdout = String::from_utf8_lossy(&out.stdout);
    let deployed = epoch_lines(&owner_stdout);
    assert_eq!(deployed.len(), 2, "{owner_stdout}");
    // Both are private runs with their own randomness: the losses agree to
    // the printed 4 decimals up to the truncations' last bits.
    for (d, l) in deployed.iter().zip(epoch_lines(&local_stdout)) {
        let number = |line: &str, key: &str| -> f64 {
            let rest = &line[line.find(key).unwrap() + key.len()..];
            rest.split_whitespace().next().unwrap().parse().unwrap()
        };
        for key in ["loss ", "val_loss "] {
            assert!((number(d, key) - number(&l, key)).abs() < 2e-3, "{key}: {d} vs {l}");
        }
        for key in ["accuracy ", "val_accuracy "] {
            assert_eq!(number(d, key), number(&l, key), "{key}: {d} vs {l}");
        }
    }
    for file in ["layer0.w.npy", "layer0.b.npy"] {
        let (shape, deployed) = read_values(&folder.0.join("trained").join(file)).unwrap();
        let (local_shape, local) = read_values(&folder.0.join("local").join(file)).unwrap();
        assert_eq!(shape, local_shape, "{file}");
        for (d, l) in deployed.iter().zip(&local) {
            assert!((d - l).abs() < 2e-3, "{file}: deployed {deployed:?}, local {local:?}");
        }
    }
}

#[test]
fn six_processes_train_as_one_local_run_and_only_the_model_owner_learns() {
    // 48 of the 64 samples train (batches of 16), 16 validate.
    train_as_six_and_compare("train-six", args_of, common_args("alice.csv", "bob.csv", "labels.csv"), 6);
}

#[test]
fn six_processes_validate_on_files_of_their_own_as_one_local_run() {
    // All 64 samples train (4 batches of 16 an epoch, 2 epochs), the 16 of the files validate.
    let mut local = training_args("alice.csv", "bob.csv", "labels.csv");
    local.extend([
        "--validation-data=alice=alice_val.csv".into(),
        "--validation-data=bob=bob_val.csv".into(),
        "--validation-labels=labels_val.csv".into(),
    ]);
    train_as_six_and_compare("train-six-val", args_with_validation_files, local, 8);
}

#[test]
fn a_player_declaring_another_shape_builds_another_graph_and_is_refused() {
    // The others wait for a server2 that never joins with their graph.
    let folder = Folder::with_connect_timeout("train-shape", &PLAYERS, 5000);
    write_data(&folder);
    let children: Vec<(&str, Child)> = PLAYERS
        .iter()
        .map(|&name| {
            let args = if name == "server2" { common_args("64x3", "64x2", "64") } else { args_of(name) };
            (name, start(&folder, name, &args))
        })
        .collect();
    let outputs = finish(children, Duration::from_secs(120));
    for (name, out) in &outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name} should have failed");
        if name == "server2" {
            // Its split no longer adds up to the model's input: its own
            // check, or the peers' refusal of its graph.
            assert!(stderr.contains("graph") || stderr.contains("features"), "{name}: {stderr}");
        } else {
            assert!(stderr.contains("graph") || stderr.contains("server2"), "{name}: {stderr}");
        }
    }
}

#[test]
fn inputs_at_the_wrong_player_get_clear_errors() {
    let folder = Folder::new("train-errors", &PLAYERS);
    write_data(&folder);
    let refused = |name: &str, args: Vec<String>, message: &str| {
        let out = folder.player("train", name).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(message), "{name}: {stderr}");
    };
    refused("server0", common_args("alice.csv", "64x2", "64"), "'server0' is not 'alice', so expected the shape");
    refused("alice", common_args("64x2", "64x2", "64"), "'alice' owns this input, so expected its file, not a shape");
    refused("bob", common_args("64x2", "bob.csv", "64"), "'bob' owns this input, so expected its file, not a shape");
    refused("server0", common_args("64x2", "64x2", "63"), "--labels bob: 63 samples, expected the data owners' 64");
    let mut with_output = args_of("server1");
    with_output.extend(["--output".into(), "x".into()]);
    refused("server1", with_output, "--output: only the model owner ('model-owner') learns the trained weights");
}
