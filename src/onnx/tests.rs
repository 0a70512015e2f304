//! The importer on models written here with the protobuf types: each node
//! type against values computed by hand, batch normalization folding, and
//! the errors (unsupported node, attribute, opset; malformed bytes).

use prost::Message;

use super::OnnxModel;
use super::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto, tensor_shape_proto::Dimension, tensor_shape_proto::dimension, type_proto,
};
use crate::nn::PrivatePredictor;
use crate::session::{LocalOptions, Transport};

fn node(op: &str, inputs: &[&str], outputs: &[&str], attributes: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(format!("{}_{}", op.to_lowercase(), outputs.first().unwrap_or(&""))),
        input: inputs.iter().map(|s| (*s).into()).collect(),
        output: outputs.iter().map(|s| (*s).into()).collect(),
        attribute: attributes,
        ..NodeProto::default()
    }
}

fn ml(mut n: NodeProto) -> NodeProto {
    n.domain = Some("ai.onnx.ml".into());
    n
}

fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto { name: Some(name.into()), ints: v.to_vec(), r#type: Some(7), ..AttributeProto::default() }
}

fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto { name: Some(name.into()), i: Some(v), r#type: Some(2), ..AttributeProto::default() }
}

fn float(name: &str, v: f32) -> AttributeProto {
    AttributeProto { name: Some(name.into()), f: Some(v), r#type: Some(1), ..AttributeProto::default() }
}

fn floats(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto { name: Some(name.into()), floats: v.to_vec(), r#type: Some(6), ..AttributeProto::default() }
}

fn string(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        s: Some(v.as_bytes().to_vec()),
        r#type: Some(3),
        ..AttributeProto::default()
    }
}

fn tensor(name: &str, shape: &[i64], data: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: shape.to_vec(),
        data_type: Some(1),
        raw_data: Some(data.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..TensorProto::default()
    }
}

fn int_tensor(name: &str, data: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: vec![data.len() as i64],
        data_type: Some(7),
        int64_data: data.to_vec(),
        ..TensorProto::default()
    }
}

fn value_info(name: &str, shape: &[i64]) -> ValueInfoProto {
    let dim = |d: i64| Dimension {
        value: Some(if d < 0 { dimension::Value::DimParam("N".into()) } else { dimension::Value::DimValue(d) }),
        ..Dimension::default()
    };
    let tensor = type_proto::Tensor {
        elem_type: Some(1),
        shape: Some(TensorShapeProto { dim: shape.iter().map(|&d| dim(d)).collect() }),
    };
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto { value: Some(type_proto::Value::TensorType(tensor)), ..TypeProto::default() }),
        ..ValueInfoProto::default()
    }
}

/// A model of `nodes` with input "x" of [N, sample...] and the outputs.
fn model(nodes: Vec<NodeProto>, inits: Vec<TensorProto>, sample: &[i64], outputs: &[&str], opset: i64) -> Vec<u8> {
    let input = [&[-1][..], sample].concat();
    let graph = GraphProto {
        node: nodes,
        initializer: inits,
        input: vec![value_info("x", &input)],
        output: outputs.iter().map(|o| value_info(o, &[])).collect(),
        ..GraphProto::default()
    };
    let opset_import = vec![
        OperatorSetIdProto { domain: Some(String::new()), version: Some(opset) },
        OperatorSetIdProto { domain: Some("ai.onnx.ml".into()), version: Some(3) },
    ];
    ModelProto { ir_version: Some(8), opset_import, graph: Some(graph), ..ModelProto::default() }.encode_to_vec()
}

fn predict(bytes: &[u8], x: &[f64], batch: usize) -> Vec<Vec<f64>> {
    let model = OnnxModel::from_bytes(bytes).unwrap();
    let options = LocalOptions { transport: Transport::Memory, ..LocalOptions::default() };
    let mut p = PrivatePredictor::local(&model, batch, "owner", "client", options).unwrap();
    p.predict_outputs(x).unwrap()
}

fn assert_close(got: &[f64], want: &[f64], bound: f64) {
    assert_eq!(got.len(), want.len(), "got {got:?}, want {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= bound, "element {i}: got {g}, want {want:?} (all: {got:?})");
    }
}

fn load_error(bytes: &[u8]) -> String {
    OnnxModel::from_bytes(bytes).unwrap_err().to_string()
}

#[test]
fn gemm_activations_softmax_and_argmax() {
    // y = relu(2 · x · Bᵀ + 3 · c), B [2, 3]
    let nodes = vec![
        node("Gemm", &["x", "B", "c"], &["g"], vec![int("transB", 1), float("alpha", 2.0), float("beta", 3.0)]),
        node("LeakyRelu", &["g"], &["r"], vec![float("alpha", 0.25)]),
        node("Softmax", &["r"], &["p"], vec![int("axis", 1)]),
        node("ArgMax", &["r"], &["k"], vec![int("axis", 1), int("keepdims", 0)]),
        node("Tanh", &["r"], &["t"], vec![]),
        node("Neg", &["t"], &["n"], vec![]),
    ];
    let inits = vec![tensor("B", &[2, 3], &[1.0, -1.0, 0.5, 0.25, 2.0, -1.0]), tensor("c", &[2], &[0.5, -0.25])];
    let bytes = model(nodes, inits, &[3], &["r", "p", "k", "n"], 13);
    let x = [1.0, 2.0, -1.0, -0.5, 0.25, 1.5];
    let out = predict(&bytes, &x, 2);
    let mut r = Vec::new();
    for row in x.chunks(3) {
        for (b, c) in [([1.0, -1.0, 0.5], 0.5), ([0.25, 2.0, -1.0], -0.25)] {
            let g: f64 = 2.0 * row.iter().zip(b).map(|(x, b)| x * b).sum::<f64>() + 3.0 * c;
            r.push(if g > 0.0 { g } else { 0.25 * g });
        }
    }
    assert_close(&out[0], &r, 1e-3);
    let p: Vec<f64> = r
        .chunks(2)
        .flat_map(|row| {
            let e: Vec<f64> = row.iter().map(|v| v.exp()).collect();
            let s: f64 = e.iter().sum();
            e.into_iter().map(move |v| v / s)
        })
        .collect();
    assert_close(&out[1], &p, 0.01);
    let k: Vec<f64> = r.chunks(2).map(|row| if row[1] > row[0] { 1.0 } else { 0.0 }).collect();
    assert_close(&out[2], &k, 1e-3);
    assert_close(&out[3], &r.iter().map(|v| -v.tanh()).collect::<Vec<_>>(), 0.01);
}

/// NCHW convolution of 3x3 filters with zero padding, as ONNX defines it.
fn conv_ref(x: &[f64], (c, h, w): (usize, usize, usize), k: &[f64], o: usize, b: &[f64], pad: usize) -> Vec<f64> {
    let filter = Filter { outputs: o, size: (3, 3), groups: 1, dilations: (1, 1) };
    grouped_conv_ref(x, (c, h, w), k, &filter, b, pad)
}

/// A filter [outputs, C/groups, size.0, size.1] with its attributes.
struct Filter {
    outputs: usize,
    size: (usize, usize),
    groups: usize,
    dilations: (usize, usize),
}

/// NCHW convolution with groups, dilations and zero padding `pad` on each
/// side, stride 1, as ONNX defines it.
fn grouped_conv_ref(
    x: &[f64],
    (c, h, w): (usize, usize, usize),
    k: &[f64],
    f: &Filter,
    b: &[f64],
    pad: usize,
) -> Vec<f64> {
    let (per_group, (kh, kw), (dh, dw)) = (c / f.groups, f.size, f.dilations);
    let (oh, ow) = (h + 2 * pad - (kh - 1) * dh, w + 2 * pad - (kw - 1) * dw);
    let mut y = vec![0.0; f.outputs * oh * ow];
    for oc in 0..f.outputs {
        let first_input = oc / (f.outputs / f.groups) * per_group;
        for i in 0..oh {
            for j in 0..ow {
                let mut s = b[oc];
                for ic in 0..per_group {
                    for di in 0..kh {
                        for dj in 0..kw {
                            let (r, q) = ((i + di * dh) as isize - pad as isize, (j + dj * dw) as isize - pad as isize);
                            if r >= 0 && q >= 0 && (r as usize) < h && (q as usize) < w {
                                let input = x[((first_input + ic) * h + r as usize) * w + q as usize];
                                s += input * k[((oc * per_group + ic) * kh + di) * kw + dj];
                            }
                        }
                    }
                }
                y[(oc * oh + i) * ow + j] = s;
            }
        }
    }
    y
}

/// Grouped (depthwise and two groups) and dilated convolutions, as a
/// depthwise-separable block and a dilated layer export them.
#[test]
fn grouped_and_dilated_convolutions() {
    let x: Vec<f64> = (0..4 * 6 * 6).map(|i| (f64::from(i * 5 % 13) - 6.0) / 4.0).collect();
    let cases = [
        (Filter { outputs: 4, size: (3, 3), groups: 4, dilations: (1, 1) }, 1), // depthwise
        (Filter { outputs: 6, size: (3, 2), groups: 2, dilations: (1, 1) }, 0),
        (Filter { outputs: 2, size: (3, 3), groups: 1, dilations: (2, 1) }, 2),
        (Filter { outputs: 8, size: (2, 2), groups: 4, dilations: (2, 3) }, 1),
    ];
    for (f, pad) in cases {
        let (kh, kw) = f.size;
        let per_group = 4 / f.groups;
        let k: Vec<f32> = (0..f.outputs * per_group * kh * kw).map(|i| ((i * 7 % 11) as f32 - 5.0) / 8.0).collect();
        let b: Vec<f32> = (0..f.outputs).map(|i| i as f32 / 4.0 - 0.5).collect();
        let p = pad as i64;
        let attributes = vec![
            int("group", f.groups as i64),
            ints("dilations", &[f.dilations.0 as i64, f.dilations.1 as i64]),
            ints("pads", &[p, p, p, p]),
        ];
        let shape = [f.outputs as i64, per_group as i64, kh as i64, kw as i64];
        let inits = vec![tensor("K", &shape, &k), tensor("b", &[f.outputs as i64], &b)];
        let bytes = model(vec![node("Conv", &["x", "K", "b"], &["y"], attributes)], inits, &[4, 6, 6], &["y"], 13);
        let out = predict(&bytes, &x, 1);
        let (kd, bd): (Vec<f64>, Vec<f64>) =
            (k.iter().map(|&v| v.into()).collect(), b.iter().map(|&v| v.into()).collect());
        assert_close(&out[0], &grouped_conv_ref(&x, (4, 6, 6), &kd, &f, &bd, pad), 2e-3);
    }
    // A dilated filter reaching past the input is an error.
    let k = tensor("K", &[2, 2, 2, 1], &[1.0; 8]);
    let dilated = node("Conv", &["x", "K"], &["y"], vec![ints("dilations", &[7, 1])]);
    let msg = load_error(&model(vec![dilated], vec![k], &[2, 6, 6], &["y"], 13));
    assert!(msg.contains("window of 8 does not fit an input of 6"), "{msg}");
    // A dense filter past 2^26 weights is refused before it is allocated:
    // 4,096 channels of depthwise 3x3 would be [3, 3, 4096, 4096].
    let k = tensor("K", &[4096, 1, 3, 3], &vec![0.5; 4096 * 9]);
    let depthwise = node("Conv", &["x", "K"], &["y"], vec![int("group", 4096)]);
    let msg = load_error(&model(vec![depthwise], vec![k], &[4096, 3, 3], &["y"], 13));
    let expected = "the filter [4096, 1, 3, 3] with group 4096 and dilations (1, 1) as one dense filter would hold more than \
                    67108864 weights";
    assert!(msg.contains(expected), "{msg}");
}

#[test]
fn convolution_batch_normalization_and_pooling() {
    let k: Vec<f32> = (0..2 * 2 * 9).map(|i| ((i * 7 % 11) as f32 - 5.0) / 8.0).collect();
    let (gamma, beta, mean, var) = ([1.5f32, 0.5], [0.1f32, -0.2], [0.3f32, -0.1], [4.0f32, 0.25]);
    let nodes = vec![
        node("Conv", &["x", "K", "b"], &["c"], vec![ints("pads", &[1, 1, 1, 1]), ints("kernel_shape", &[3, 3])]),
        node("BatchNormalization", &["c", "gamma", "beta", "mean", "var"], &["n"], vec![float("epsilon", 1e-3)]),
        node(
            "MaxPool",
            &["n"],
            &["m"],
            vec![ints("kernel_shape", &[2, 2]), ints("pads", &[1, 1, 0, 0]), ints("strides", &[2, 2])],
        ),
        node("AveragePool", &["n"], &["a"], vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])]),
        node("GlobalAveragePool", &["n"], &["g"], vec![]),
        node("Flatten", &["g"], &["f"], vec![]),
    ];
    let inits = vec![
        tensor("K", &[2, 2, 3, 3], &k),
        tensor("b", &[2], &[0.25, -0.5]),
        tensor("gamma", &[2], &gamma),
        tensor("beta", &[2], &beta),
        tensor("mean", &[2], &mean),
        tensor("var", &[2], &var),
    ];
    let bytes = model(nodes, inits, &[2, 4, 4], &["n", "m", "a", "f"], 11);
    let x: Vec<f64> = (0..32).map(|i| (f64::from(i * 5 % 13) - 6.0) / 4.0).collect();
    let out = predict(&bytes, &x, 1);
    let kd: Vec<f64> = k.iter().map(|&v| f64::from(v)).collect();
    let mut n = conv_ref(&x, (2, 4, 4), &kd, 2, &[0.25, -0.5], 1);
    for (i, v) in n.iter_mut().enumerate() {
        let ch = i / 16;
        let scale = f64::from(gamma[ch]) / (f64::from(var[ch]) + 1e-3).sqrt();
        *v = (*v - f64::from(mean[ch])) * scale + f64::from(beta[ch]);
    }
    assert_close(&out[0], &n, 2e-3);
    // Max over 2x2 windows, stride 2, with one row and column of padding
    // before: floor((4 + 1 - 2) / 2) + 1 = 2 windows per axis.
    let mut m = Vec::new();
    let mut a = Vec::new();
    for ch in 0..2 {
        let at = |i: usize, j: usize| n[ch * 16 + i * 4 + j];
        for i in 0..2usize {
            for j in 0..2usize {
                let rows = [(2 * i).saturating_sub(1), 2 * i];
                let cols = [(2 * j).saturating_sub(1), 2 * j];
                m.push(
                    rows.iter()
                        .flat_map(|&r| cols.iter().map(move |&c| (r, c)))
                        .map(|(r, c)| at(r, c))
                        .fold(f64::MIN, f64::max),
                );
            }
        }
        for i in 0..2 {
            for j in 0..2 {
                a.push(
                    (at(2 * i, 2 * j) + at(2 * i + 1, 2 * j) + at(2 * i, 2 * j + 1) + at(2 * i + 1, 2 * j + 1)) / 4.0,
                );
            }
        }
    }
    assert_close(&out[1], &m, 2e-3);
    assert_close(&out[2], &a, 2e-3);
    let g: Vec<f64> = (0..2).map(|ch| n[ch * 16..(ch + 1) * 16].iter().sum::<f64>() / 16.0).collect();
    assert_close(&out[3], &g, 2e-3);
    // The batch normalization is folded: the filter and bias are the only weights.
    let onnx = OnnxModel::from_bytes(&bytes).unwrap();
    let mut graph = crate::graph::Graph::default();
    let input = graph.private_input("x", "client", &[1, 2, 4, 4]).unwrap();
    let (_, weights) = crate::nn::Model::build_outputs(&onnx, &mut graph, input, "owner").unwrap();
    assert_eq!(weights.len(), 2, "{:?}", weights.iter().map(|w| &w.0).collect::<Vec<_>>());
}

/// A residual block (`Conv`, `Relu`, `Conv`, `Add` of the block's input, `Relu`,
/// `GlobalAveragePool`) computes what the plaintext one does, and between the
/// input's transpose to NHWC and the pooling the session runs no transpose:
/// elementwise ops and the residual add take the convolutions' NHWC twins.
#[test]
fn a_residual_block_stays_in_one_layout() {
    let k1: Vec<f32> = (0..2 * 2 * 9).map(|i| ((i * 7 % 11) as f32 - 5.0) / 8.0).collect();
    let k2: Vec<f32> = (0..2 * 2 * 9).map(|i| ((i * 5 % 13) as f32 - 6.0) / 9.0).collect();
    let pads = || vec![ints("pads", &[1, 1, 1, 1]), ints("kernel_shape", &[3, 3])];
    let nodes = vec![
        node("Conv", &["x", "K1", "b1"], &["c1"], pads()),
        node("Relu", &["c1"], &["r1"], vec![]),
        node("Conv", &["r1", "K2", "b2"], &["c2"], pads()),
        node("Conv", &["x", "K1", "b1"], &["s"], pads()),
        node("Add", &["c2", "s"], &["sum"], vec![]),
        node("Relu", &["sum"], &["r2"], vec![]),
        node("GlobalAveragePool", &["r2"], &["g"], vec![]),
        node("Flatten", &["g"], &["f"], vec![]),
    ];
    let inits = vec![
        tensor("K1", &[2, 2, 3, 3], &k1),
        tensor("b1", &[2], &[0.25, -0.5]),
        tensor("K2", &[2, 2, 3, 3], &k2),
        tensor("b2", &[2], &[-0.125, 0.5]),
    ];
    let bytes = model(nodes, inits, &[2, 4, 4], &["f"], 13);
    let x: Vec<f64> = (0..32).map(|i| (f64::from(i * 5 % 13) - 6.0) / 4.0).collect();
    let wide = |k: &[f32]| k.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
    let relu = |v: Vec<f64>| v.into_iter().map(|v| v.max(0.0)).collect::<Vec<_>>();
    let r1 = relu(conv_ref(&x, (2, 4, 4), &wide(&k1), 2, &[0.25, -0.5], 1));
    let c2 = conv_ref(&r1, (2, 4, 4), &wide(&k2), 2, &[-0.125, 0.5], 1);
    let s = conv_ref(&x, (2, 4, 4), &wide(&k1), 2, &[0.25, -0.5], 1);
    let r2 = relu(c2.iter().zip(&s).map(|(a, b)| a + b).collect());
    let g: Vec<f64> = (0..2).map(|ch| r2[ch * 16..(ch + 1) * 16].iter().sum::<f64>() / 16.0).collect();
    assert_close(&predict(&bytes, &x, 1)[0], &g, 4e-3);

    let onnx = OnnxModel::from_bytes(&bytes).unwrap();
    let mut graph = crate::graph::Graph::default();
    let input = graph.private_input("x", "client", &[1, 2, 4, 4]).unwrap();
    let (outputs, _) = crate::nn::Model::build_outputs(&onnx, &mut graph, input, "owner").unwrap();
    let run = graph.dependencies(&outputs);
    let transposes = run.iter().filter(|id| graph.nodes()[id.0 as usize].op.name() == "transpose").count();
    assert_eq!(transposes, 1, "only the input's transpose to NHWC runs");
}

#[test]
fn layout_reduction_and_elementwise_ops() {
    let nodes = vec![
        node("Reshape", &["x", "shape"], &["r"], vec![]), // [N, 2, 3]
        node("Transpose", &["r"], &["t"], vec![ints("perm", &[0, 2, 1])]), // [N, 3, 2]
        node("Slice", &["t", "starts", "ends", "axes", "steps"], &["s"], vec![]), // rows 0 and 2
        node("Gather", &["t", "idx"], &["gt"], vec![int("axis", 2)]), // [N, 3] column 1
        node("Concat", &["s", "t"], &["cc"], vec![int("axis", 1)]), // [N, 5, 2]
        node("Pad", &["cc", "pads"], &["pd"], vec![]),    // [N, 6, 2]
        node("ReduceSum", &["pd", "axes1"], &["rs"], vec![int("keepdims", 0)]),
        node("ReduceMean", &["r"], &["rm"], vec![ints("axes", &[1, 2]), int("keepdims", 1)]),
        node("Unsqueeze", &["gt", "axes1"], &["u"], vec![]),
        node("Squeeze", &["u", "axes1"], &["sq"], vec![]),
        node("Clip", &["sq", "lo", "hi"], &["cl"], vec![]),
        node("Sub", &["cl", "half"], &["sb"], vec![]),
        node("Div", &["sb", "four"], &["dv"], vec![]),
        node("Sigmoid", &["dv"], &["sg"], vec![]),
        node(
            "Constant",
            &[],
            &["k"],
            vec![AttributeProto { t: Some(tensor("", &[1], &[2.0])), ..string("value", "") }],
        ),
        node("Mul", &["sg", "k"], &["ml"], vec![]),
        node("Identity", &["ml"], &["id"], vec![]),
        node("Cast", &["id"], &["out"], vec![int("to", 11)]),
    ];
    let mut constant = nodes[14].clone();
    constant.attribute[0].s = None;
    constant.attribute[0].r#type = Some(4);
    let mut nodes = nodes;
    nodes[14] = constant;
    let inits = vec![
        int_tensor("shape", &[0, 2, 3]),
        int_tensor("starts", &[0]),
        int_tensor("ends", &[3]),
        int_tensor("axes", &[1]),
        int_tensor("steps", &[2]),
        int_tensor("idx", &[1]),
        int_tensor("pads", &[0, 1, 0, 0, 0, 0]),
        int_tensor("axes1", &[1]),
        tensor("lo", &[], &[-1.0]),
        tensor("hi", &[], &[3.0]),
        tensor("half", &[1], &[0.5]),
        tensor("four", &[], &[4.0]),
    ];
    let bytes = model(nodes, inits, &[6], &["s", "gt", "rs", "rm", "out"], 13);
    let x = [1.0, -2.0, 3.0, 4.5, 5.0, -6.0];
    let out = predict(&bytes, &x, 1);
    // r = [[1, -2, 3], [4.5, 5, -6]]; t = [[1, 4.5], [-2, 5], [3, -6]]
    assert_close(&out[0], &[1.0, 4.5, 3.0, -6.0], 1e-4);
    assert_close(&out[1], &[4.5, 5.0, -6.0], 1e-4);
    // pd = [0,0] + s + t along axis 1; its sums per column
    assert_close(&out[2], &[1.0 + 3.0 + 1.0 - 2.0 + 3.0, 4.5 - 6.0 + 4.5 + 5.0 - 6.0], 1e-4);
    assert_close(&out[3], &[x.iter().sum::<f64>() / 6.0], 1e-3);
    let want: Vec<f64> =
        [4.5f64, 5.0, -6.0].iter().map(|v| 2.0 / (1.0 + (-((v.clamp(-1.0, 3.0) - 0.5) / 4.0)).exp())).collect();
    assert_close(&out[4], &want, 0.01);
}

#[test]
fn scikit_learn_nodes_compute_scores_and_labels() {
    // Three classes labelled 3, 5, 7; a scaler before.
    let coefficients = [1.0f32, 0.0, 0.0, 1.0, -1.0, -1.0];
    let nodes = vec![
        ml(node("Scaler", &["x"], &["s"], vec![floats("offset", &[1.0, -1.0]), floats("scale", &[0.5, 2.0])])),
        ml(node(
            "LinearClassifier",
            &["s"],
            &["label", "scores"],
            vec![
                ints("classlabels_ints", &[3, 5, 7]),
                floats("coefficients", &coefficients),
                floats("intercepts", &[0.0, 0.5, 0.0]),
                string("post_transform", "SOFTMAX"),
            ],
        )),
        ml(node("Normalizer", &["scores"], &["probabilities"], vec![string("norm", "L1")])),
        ml(node(
            "LinearRegressor",
            &["x"],
            &["y"],
            vec![floats("coefficients", &[2.0, -1.0]), floats("intercepts", &[0.5])],
        )),
        ml(node("ArrayFeatureExtractor", &["x", "one"], &["second"], vec![])),
    ];
    let bytes = model(nodes, vec![int_tensor("one", &[1])], &[2], &["label", "probabilities", "y", "second"], 15);
    let x = [3.0, -1.0, 1.0, 2.0, -2.0, -1.5];
    let out = predict(&bytes, &x, 3);
    let mut labels = Vec::new();
    for row in x.chunks(2) {
        let s = [(row[0] - 1.0) * 0.5, (row[1] + 1.0) * 2.0];
        let z = [s[0], s[1] + 0.5, -s[0] - s[1]];
        let best = (0..3).fold(0, |b, i| if z[i] > z[b] { i } else { b });
        labels.push([3.0, 5.0, 7.0][best]);
    }
    assert_close(&out[0], &labels, 1e-3);
    assert_close(&out[2], &x.chunks(2).map(|r| 2.0 * r[0] - r[1] + 0.5).collect::<Vec<_>>(), 1e-3);
    assert_close(&out[3], &[-1.0, 2.0, -1.5], 1e-4);
    for row in out[1].chunks(3) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 0.03, "{row:?}");
    }
}

#[test]
fn unsupported_nodes_attributes_and_opsets_are_named() {
    let relu = node("Relu", &["x"], &["r"], vec![]);
    let lstm = node("LSTM", &["r"], &["y"], vec![]);
    let msg = load_error(&model(vec![relu.clone(), lstm], vec![], &[4], &["y"], 13));
    assert!(msg.contains("node 1 'lstm_y' (LSTM)") && msg.contains("not supported"), "{msg}");
    let conv = node("Conv", &["x", "K"], &["y"], vec![int("group", 3)]);
    let msg = load_error(&model(vec![conv], vec![tensor("K", &[2, 1, 1, 1], &[1.0, 1.0])], &[2, 3, 3], &["y"], 13));
    assert!(msg.contains("node 0 'conv_y' (Conv)") && msg.contains("with group 3"), "{msg}");
    let strange = node("Relu", &["x"], &["y"], vec![int("fancy", 1)]);
    let msg = load_error(&model(vec![strange], vec![], &[4], &["y"], 13));
    assert!(msg.contains("attribute 'fancy' is not supported"), "{msg}");
    let msg = load_error(&model(vec![relu.clone()], vec![], &[4], &["r"], 10));
    assert!(msg.contains("opset 10") && msg.contains("expected 11 to 28"), "{msg}");
    let zipmap = ml(node("ZipMap", &["x"], &["z"], vec![]));
    let msg = load_error(&model(vec![zipmap], vec![], &[4], &["z"], 13));
    assert!(msg.contains("(ai.onnx.ml:ZipMap)") && msg.contains("zipmap=False"), "{msg}");
    let late = node("Add", &["x", "later"], &["y"], vec![]);
    let msg = load_error(&model(vec![late], vec![], &[4], &["y"], 13));
    assert!(msg.contains("input 'later' is not defined"), "{msg}");
    let msg = load_error(&model(vec![relu], vec![], &[4], &["missing"], 13));
    assert!(msg.contains("output 'missing'"), "{msg}");
    assert!(load_error(b"\x08\x96\x01\x12").contains("not an ONNX model"));
    assert!(load_error(&[0xff; 16]).contains("not an ONNX model"));
}
