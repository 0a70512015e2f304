//! `tfe predict` as players of a hostmap (issue 17): the model owner exports
//! the prediction graph of the committed Keras model (its structure; the
//! weights are private variables, not in the file), then five processes —
//! three servers, the model owner with the ONNX file, the client with the
//! samples — run it over TLS. The client prints the classes onnxruntime
//! gave; no other player prints them; a player given the wrong role's file
//! is refused before connecting.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tfe::deploy::data::{read_values, write_values};
use tfe::graph::{Graph, Op};
use tfe::nn::prediction_graph;
use tfe::onnx::OnnxModel;

mod common;

use common::hosts::{Folder, finish};

const PLAYERS: [&str; 5] = ["server0", "server1", "server2", "model-owner", "client"];
const SAMPLES: usize = 12;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx/models")
}

/// `tfe predict` as player `name` of the hostmap on the graph model.tfe.
fn player(folder: &Folder, name: &str, extra: &[&str]) -> Command {
    let mut cmd = folder.player("predict", name);
    cmd.args(["--graph", "model.tfe"]).args(extra);
    cmd
}

/// The class of each row of `values`: its highest score.
fn classes(values: &[f64], width: usize) -> Vec<usize> {
    values
        .chunks(width)
        .map(|row| row.iter().enumerate().fold(0, |best, (i, v)| if *v > row[best] { i } else { best }))
        .collect()
}

#[test]
fn five_processes_predict_the_keras_model_as_onnxruntime() {
    let folder = Folder::new("predict-keras", &PLAYERS);
    let model = models().join("keras_cnn.onnx");
    let model = model.to_str().unwrap();
    // The owner publishes the graph of batches of 16; the client has 12 samples.
    let out =
        folder.tfe(&["predict", "--model", model, "--batch", "16", "--export-graph", "model.tfe"]).output().unwrap();
    assert!(out.status.success(), "export: {}", String::from_utf8_lossy(&out.stderr));
    let (shape, x) = read_values(&models().join("keras_cnn.input.npy")).unwrap();
    let per_sample: usize = shape[1..].iter().product();
    write_values(&folder.0.join("x.npy"), &[&[SAMPLES][..], &shape[1..]].concat(), &x[..SAMPLES * per_sample]).unwrap();

    // The graph file holds the structure only: the weights are the owner's private variables.
    let graph = Graph::load(folder.0.join("model.tfe")).unwrap();
    let built = prediction_graph(&OnnxModel::from_file(model).unwrap(), 16, "model-owner", "client").unwrap();
    assert_eq!(graph.digest(), built.graph.digest());
    assert!(built.weights.iter().all(|(name, _)| {
        graph.find_named(name).is_some_and(|id| matches!(&graph.node(id).unwrap().op, Op::PrivateVariable { .. }))
    }));
    for node in graph.nodes() {
        if let Op::Constant { values, .. } = &node.op {
            assert!(built.weights.iter().all(|(_, w)| w.len() < 4 || !values.windows(w.len()).any(|v| v == w)));
        }
    }

    let children: Vec<(&str, Child)> = PLAYERS
        .iter()
        .map(|&name| {
            let extra: &[&str] = match name {
                "model-owner" => &["--model", model],
                "client" => &["--input", "x.npy", "--output", "out"],
                _ => &[],
            };
            let child = player(&folder, name, extra).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            (name, child)
        })
        .collect();
    let outputs = finish(children, Duration::from_secs(240));

    let (_, want) = read_values(&models().join("keras_cnn.Identity_0.npy")).unwrap();
    let want: Vec<String> = classes(&want[..SAMPLES * 10], 10).iter().map(ToString::to_string).collect();
    for (name, out) in &outputs {
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{name} failed: {stderr}");
        if name == "client" {
            let got: Vec<&str> = stdout.split_whitespace().collect();
            assert_eq!(got, want, "the client's classes, and onnxruntime's");
        } else {
            assert!(stdout.trim().is_empty(), "{name} printed {stdout}");
        }
    }
    let (shape, scores) = read_values(&folder.0.join("out/output0.npy")).unwrap();
    assert_eq!(shape, [SAMPLES, 10]);
    assert_eq!(classes(&scores, 10).len(), SAMPLES);
}

#[test]
fn a_player_with_another_roles_file_is_refused_before_connecting() {
    let folder = Folder::new("predict-roles", &PLAYERS);
    let model = models().join("keras_cnn.onnx");
    let model = model.to_str().unwrap();
    let out = folder.tfe(&["predict", "--model", model, "--export-graph", "model.tfe"]).output().unwrap();
    assert!(out.status.success(), "export: {}", String::from_utf8_lossy(&out.stderr));
    let refused = |name: &str, extra: &[&str], message: &str| {
        let out = player(&folder, name, extra).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(message), "{name} {extra:?}: {stderr}");
    };
    refused("server0", &["--model", model], "'server0' does not own the weights");
    refused("server1", &["--input", "x.npy"], "'server1' is not the client");
    refused("model-owner", &[], "--model is required: 'model-owner' owns the weights");
    refused("client", &[], "--input is required: 'client' is the client");
    let other = models().join("torch_cnn.onnx");
    refused("model-owner", &["--model", other.to_str().unwrap()], "does not give the graph model.tfe");
}
