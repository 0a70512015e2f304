//! ONNX models made by the real exporters (`tests/onnx/make_models.py`:
//! skl2onnx, tf2onnx, torch.onnx) predict privately as onnxruntime does on
//! their test sets: the same class for at least 99 % of the samples, and
//! every output within 0.05. Broken files are errors, never panics.

use std::path::{Path, PathBuf};

use tfe::deploy::data::read_values;
use tfe::nn::{Model, PrivatePredictor};
use tfe::onnx::OnnxModel;
use tfe::session::LocalOptions;

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx/models")
}

const MODELS: &[&str] = &["sklearn_logreg", "sklearn_mlp", "keras_cnn", "keras_separable", "torch_cnn"];

/// The class of each row: the label output's values, or the argmax of a
/// probability row.
fn classes(values: &[f64], width: usize) -> Vec<usize> {
    if width == 1 {
        return values.iter().map(|v| v.round() as usize).collect();
    }
    values
        .chunks(width)
        .map(|row| row.iter().enumerate().fold(0, |best, (i, v)| if *v > row[best] { i } else { best }))
        .collect()
}

fn check_model(name: &str) {
    let dir = models_dir();
    let model = OnnxModel::from_file(dir.join(format!("{name}.onnx"))).unwrap();
    let (shape, x) = read_values(&dir.join(format!("{name}.input.npy"))).unwrap();
    assert_eq!(&shape[1..], model.input_shape(), "{name}");
    let batch = shape[0];
    let options = LocalOptions { transport: tfe::session::Transport::Memory, ..LocalOptions::default() };
    let mut predictor = PrivatePredictor::local(&model, batch, "model-owner", "client", options).unwrap();
    let outputs = predictor.predict_outputs(&x).unwrap();
    assert_eq!(outputs.len(), model.output_names().len());
    for (output, got) in model.output_names().iter().zip(&outputs) {
        let file: String =
            output.chars().map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '_' }).collect();
        let (want_shape, want) = read_values(&dir.join(format!("{name}.{file}.npy"))).unwrap();
        assert_eq!(got.len(), want.len(), "{name}.{output}: shape {want_shape:?}");
        let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
        assert!(worst <= 0.05, "{name}.{output}: an output differs from onnxruntime's by {worst}");
        let width = want.len() / batch;
        let agree = classes(got, width).iter().zip(classes(&want, width)).filter(|(g, w)| **g == *w).count();
        assert!(agree * 100 >= batch * 99, "{name}.{output}: {agree} of {batch} classes agree with onnxruntime");
        eprintln!("{name}.{output}: max |difference| {worst:.4}, {agree}/{batch} classes agree");
    }
}

#[test]
fn sklearn_logistic_regression_predicts_as_onnxruntime() {
    check_model("sklearn_logreg");
}

#[test]
fn sklearn_mlp_predicts_as_onnxruntime() {
    check_model("sklearn_mlp");
}

#[test]
fn keras_cnn_predicts_as_onnxruntime() {
    check_model("keras_cnn");
}

/// A depthwise convolution (Conv with group 8) and a dilated one.
#[test]
fn keras_separable_predicts_as_onnxruntime() {
    check_model("keras_separable");
}

#[test]
fn torch_cnn_predicts_as_onnxruntime() {
    check_model("torch_cnn");
}

/// Prefixes of each committed model, and the model with one byte changed
/// at a spread of places, load or fail with an error: never a panic. A
/// prefix that cuts into the graph is an error (a cut among the last
/// fields, metadata or a repeated opset import, may leave a valid model).
#[test]
fn truncated_and_corrupted_models_are_errors_not_panics() {
    for name in MODELS {
        let bytes = std::fs::read(models_dir().join(format!("{name}.onnx"))).unwrap();
        let step = (bytes.len() / 300).max(1);
        for len in (0..bytes.len()).step_by(step) {
            let result = std::panic::catch_unwind(|| OnnxModel::from_bytes(&bytes[..len]).map(drop));
            assert!(result.is_ok(), "{name}: the first {len} bytes panicked");
            assert!(result.unwrap().is_err() || len * 10 > bytes.len() * 9, "{name}: {len} bytes loaded");
        }
        for at in (0..bytes.len()).step_by(step) {
            for flip in [0x01, 0x80, 0xff] {
                let mut broken = bytes.clone();
                broken[at] ^= flip;
                let result = std::panic::catch_unwind(|| OnnxModel::from_bytes(&broken).map(drop));
                assert!(result.is_ok(), "{name}: byte {at} ^ {flip:#x} panicked");
            }
        }
    }
}

/// `tfe predict` on the Keras model prints onnxruntime's classes and writes
/// the output as .npy.
#[test]
fn tfe_predict_prints_the_classes_onnxruntime_predicts() {
    let dir = models_dir();
    let out_dir = std::env::temp_dir().join(format!("tfe-predict-{}", std::process::id()));
    let model = dir.join("keras_cnn.onnx");
    let input = dir.join("keras_cnn.input.npy");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tfe"))
        .args(["predict", "--model", model.to_str().unwrap(), "--input", input.to_str().unwrap(), "--output"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Vec<usize> =
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(|c| c.parse().unwrap()).collect();
    let (_, want) = read_values(&dir.join("keras_cnn.Identity_0.npy")).unwrap();
    let want_classes = classes(&want, 10);
    assert_eq!(printed.len(), want_classes.len());
    let agree = printed.iter().zip(&want_classes).filter(|(p, w)| p == w).count();
    assert!(agree * 100 >= printed.len() * 99, "{agree} of {} classes agree", printed.len());
    let (shape, written) = read_values(&out_dir.join("Identity_0.npy")).unwrap();
    assert_eq!(shape, vec![printed.len(), 10]);
    assert!(written.iter().zip(&want).all(|(g, w)| (g - w).abs() <= 0.05));
    std::fs::remove_dir_all(&out_dir).unwrap();
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_tfe"))
        .args([
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--input",
            dir.join("sklearn_mlp.input.npy").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let msg = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && msg.contains("expected [batch, 8, 8, 1]"), "{msg}");
}
