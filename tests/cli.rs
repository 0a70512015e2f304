//! The `tfe` command line itself: help for every subcommand, `--version`,
//! and usage errors that say what to do. (What the subcommands do is
//! tested in tests/deployment.rs.)

use std::process::{Command, Output};

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
    let cases: [(&[&str], &[&str]); 12] = [
        (&["demo"], &["--transport", "--trace"]),
        (&["predict"], &["--model", "--input", "--output"]),
        (&["bench"], &["--quick", "--only"]),
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
    for command in ["demo", "bench", "party", "keygen", "hostmap", "certs", "graph", "version"] {
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
    assert!(stderr(&out).contains("Usage: tfe <COMMAND>"), "{}", stderr(&out));
}
