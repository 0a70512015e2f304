//! Tests of the canonical encoding: round trips, old format versions,
//! malformed bytes.

use std::fmt::Write as _;

use super::*;
use crate::ring::layout::Padding;
use crate::vocabulary::{Comparison, Reduce, SortOrder, Unary};

fn seed_graph() -> Graph {
    let mut g = Graph::default();
    let w = g.private_variable("w", "server0", &[10, 10]).unwrap();
    let x = g.private_input("x", "input-provider", &[5, 10]).unwrap();
    let y = g.matmul(x, w).unwrap();
    let s = g.reduce_sum(y, Some(1)).unwrap();
    g.reveal(s, Some("result-receiver")).unwrap();
    g.reveal(y, None).unwrap();
    g
}

#[test]
fn round_trip_keeps_graph_and_digest() {
    let g = seed_graph();
    let back = Graph::from_bytes(&g.to_bytes()).unwrap();
    assert_eq!(back, g);
    assert_eq!(back.digest(), g.digest());
    let mut other = seed_graph();
    other.neg(TensorId(0)).unwrap();
    assert_ne!(other.digest(), g.digest());
}

/// A graph with a node of every op, every variant of each field enum
/// (function, comparison, reduction, pooling, padding, sort order) and
/// both values of each flag.
fn every_op_graph() -> Graph {
    let mut g = Graph::default();
    let x = g.private_input("x", "client", &[2, 6, 6, 3]).unwrap();
    let w = g.private_variable("w", "owner", &[3, 3, 3, 4]).unwrap();
    let c = g.constant(&[4], vec![0.5, -1.25, 3.0, 0.0]).unwrap();
    let conv = g.conv2d(x, w, (2, 1), Padding::Same).unwrap();
    let conv_valid = g.conv2d(x, w, (1, 2), Padding::Valid).unwrap();
    let max = g.max_pool2d(conv, (2, 2), (2, 2), Padding::Valid).unwrap();
    g.avg_pool2d(conv_valid, (1, 2), (1, 1), Padding::Same).unwrap();
    let pooled = g.global_avg_pool2d(max).unwrap();
    let window = crate::ring::layout::Window { kh: 3, kw: 2, sh: 2, sw: 1, padding: Padding::Same };
    for zero_outside in [false, true] {
        let windows = g.patches(x, window, zero_outside).unwrap();
        g.patches_add(windows, window, zero_outside, &[2, 6, 6, 3]).unwrap();
    }
    for f in [
        Unary::Relu,
        Unary::Sigmoid,
        Unary::HardSigmoid,
        Unary::Exp,
        Unary::Reciprocal,
        Unary::InvSqrt,
        Unary::Softmax,
        Unary::Abs,
        Unary::Tanh,
        Unary::Log,
        Unary::Sqrt,
    ] {
        g.unary(f, pooled).unwrap();
    }
    for cmp in
        [Comparison::Less, Comparison::LessEqual, Comparison::Greater, Comparison::GreaterEqual, Comparison::Equal]
    {
        g.compare(cmp, pooled, c).unwrap();
    }
    for r in [Reduce::Max, Reduce::ArgMax, Reduce::ArgMaxOneHot, Reduce::Min, Reduce::ArgMin] {
        let reduced = g.reduce(r, pooled, 1).unwrap();
        let kept = if r == Reduce::ArgMaxOneHot { vec![2, 4] } else { vec![2] };
        assert_eq!(g.shape(reduced).unwrap(), kept, "{r:?}");
    }
    for order in [SortOrder::Ascending, SortOrder::Descending] {
        g.sort(pooled, 1, order).unwrap();
    }
    for (exclusive, reverse) in [(false, true), (true, false)] {
        g.cumsum(pooled, 0, exclusive, reverse).unwrap();
    }
    let sum = g.add(pooled, c).unwrap();
    let diff = g.sub(sum, c).unwrap();
    let neg = g.neg(diff).unwrap();
    let prod = g.mul(neg, c).unwrap();
    let t = g.transpose(prod, None).unwrap();
    let mm = g.matmul(prod, t).unwrap();
    let sq = g.square(mm).unwrap();
    g.reduce_sum(sq, Some(1)).unwrap();
    let total = g.reduce_sum(sq, None).unwrap();
    let flat = g.reshape(sq, &[4]).unwrap();
    g.maximum(flat, total).unwrap();
    g.minimum(flat, total).unwrap();
    let cond = g.less(flat, total).unwrap();
    let sel = g.select(cond, flat, total).unwrap();
    assert_eq!(g.shape(sel).unwrap(), &[4]);
    let e = g.expand_dims(flat, 0).unwrap();
    let s = g.squeeze(e, 0).unwrap();
    let cat = g.concat(s, flat, 0).unwrap();
    let sl = g.slice(cat, &[1], &[5]).unwrap();
    let pd = g.pad(sl, &[(2, 3)]).unwrap();
    let ga = g.gather(pd, &[0, 9, 3], 0).unwrap();
    assert_eq!(g.shape(ga).unwrap(), &[3]);
    g.count_outside(ga, 2.0, &[1, 2]).unwrap();
    g.reduce_mean(ga, Some(0)).unwrap();
    g.reduce_mean(ga, None).unwrap();
    let q = g.div_public(ga, 3.0).unwrap();
    g.reveal(q, Some("client")).unwrap();
    g.reveal(q, None).unwrap();
    let v = g.private_variable("v", "owner", &[4]).unwrap();
    g.assign(v, flat).unwrap();
    g.private_input_parts("parts", &[2, 4]).unwrap();
    g
}

/// The bytes of every op, every field variant and flag, as the format has
/// them: a changed digest means a changed format. Adding an op adds a node
/// to [`every_op_graph`], and a new digest here.
#[test]
fn every_op_round_trips_and_its_encoding_is_pinned() {
    let g = every_op_graph();
    for kind in OpKind::ALL {
        assert!(g.nodes().iter().any(|n| n.op.kind() == *kind), "every_op_graph has no {} node", kind.name());
    }
    let back = Graph::from_bytes(&g.to_bytes()).unwrap();
    assert_eq!(back, g);
    let hex = g.digest().iter().fold(String::new(), |mut s, b| {
        write!(s, "{b:02x}").unwrap();
        s
    });
    assert_eq!(hex, "9b19203f638c6ad7ff1a7445157d29090c08b87efee2db5b1c64904a24eca0e5");
}

#[test]
fn op_codes_run_without_gaps_and_name_each_kind_once() {
    crate::vocabulary::tests::check_codes(OpKind::ALL, 1, "op");
    assert_eq!(OpKind::try_from(21).unwrap(), OpKind::Conv2d);
    assert_eq!(u8::from(OpKind::Sort), 33);
    let mut names: Vec<&str> = OpKind::ALL.iter().map(|k| k.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), OpKind::ALL.len(), "two kinds share a name");
    assert_eq!(Op::Unary { f: Unary::Tanh }.name(), "tanh");
    assert_eq!(Op::Reduce { r: Reduce::ArgMin, axis: 0 }.name(), "argmin");
    assert_eq!(Op::Select.arity(), 3);
}

/// The bytes of `g`, whose first node is a private variable, in format
/// version 2, with that variable carrying `initial` (or no value).
fn as_version_2(g: &Graph, initial: Option<&[f64]>) -> Vec<u8> {
    let mut prefix = Graph::new(g.fixed()).unwrap();
    for p in &g.players()[3..] {
        prefix.add_player(p).unwrap();
    }
    let Op::PrivateVariable { name, owner, shape } = &g.nodes()[0].op else { panic!("node 0 is a variable") };
    prefix.private_variable(name, &g.players()[*owner], shape).unwrap();
    let end_of_variable = prefix.to_bytes().len();
    let mut bytes = g.to_bytes();
    bytes[4..8].copy_from_slice(&2u32.to_le_bytes());
    let mut fields = vec![u8::from(initial.is_some())];
    if let Some(values) = initial {
        fields.extend((values.len() as u64).to_le_bytes());
        for v in values {
            fields.extend(v.to_bits().to_le_bytes());
        }
    }
    bytes.splice(end_of_variable..end_of_variable, fields);
    bytes
}

#[test]
fn comparison_width_is_encoded_and_version_1_reads_as_full() {
    let g = seed_graph();
    let mut full = Graph::new(FixedConfig::default().with_comparison(ComparisonWidth::Full)).unwrap();
    full.private_input("x", "client", &[2]).unwrap();
    let back = Graph::from_bytes(&full.to_bytes()).unwrap();
    assert_eq!(back.fixed().comparison, ComparisonWidth::Full);
    assert_ne!(Graph::default().digest(), Graph::new(full.fixed()).unwrap().digest());
    // A version 1 header: no width field.
    let mut v1 = as_version_2(&g, None);
    v1[4..8].copy_from_slice(&1u32.to_le_bytes());
    v1.drain(16..20);
    let old = Graph::from_bytes(&v1).unwrap();
    assert_eq!(old.fixed().comparison, ComparisonWidth::Full);
    assert_eq!(old.nodes, g.nodes);
    let mut bad = g.to_bytes();
    bad[16] = 7;
    assert!(Graph::from_bytes(&bad).unwrap_err().to_string().contains("comparison width code 7"));
}

#[test]
fn version_2_files_load_unless_a_variable_carries_its_value_in_the_graph() {
    let g = seed_graph();
    let bytes = g.to_bytes();
    assert_eq!(bytes[4..8], 3u32.to_le_bytes());
    // Version 2 without values: the same graph, the same digest.
    let old = Graph::from_bytes(&as_version_2(&g, None)).unwrap();
    assert_eq!(old, g);
    assert_eq!(old.digest(), g.digest());
    // Version 2 with values: refused, naming the variable and the way out.
    let err = Graph::from_bytes(&as_version_2(&g, Some(&[1.0; 100]))).unwrap_err().to_string();
    assert!(err.contains("private variable 'w' carries its initial value"), "{err}");
    assert!(err.contains("--input w=FILE"), "{err}");
    let mut future = bytes.clone();
    future[4..8].copy_from_slice(&5u32.to_le_bytes());
    assert!(Graph::from_bytes(&future).unwrap_err().to_string().contains("expected 1 to 4"));
}

#[test]
fn named_outputs_are_version_4_and_round_trip() {
    let mut g = seed_graph();
    let unnamed = g.to_bytes();
    let (sums, product) = (TensorId(4), TensorId(5));
    g.name_output(sums, "row_sums").unwrap();
    g.name_output(product, "y").unwrap();
    let bytes = g.to_bytes();
    assert_eq!(bytes[4..8], 4u32.to_le_bytes());
    assert_eq!(bytes[8..unnamed.len()], unnamed[8..], "the names follow the nodes");
    let back = Graph::from_bytes(&bytes).unwrap();
    assert_eq!(back.output_name(sums), Some("row_sums"));
    assert_eq!(back.output_names().len(), 2);
    assert_eq!(back, g);
    assert_ne!(back.digest(), seed_graph().digest(), "names are part of what players agree on");
    // Renaming replaces; a name twice, a node that is no reveal or a bad
    // name are errors that say which.
    g.name_output(product, "product").unwrap();
    assert_eq!(g.output_name(product), Some("product"));
    let err = g.name_output(product, "row_sums").unwrap_err().to_string();
    assert!(err.contains("node 4 is already the output named 'row_sums'"), "{err}");
    let err = g.name_output(TensorId(2), "z").unwrap_err().to_string();
    assert!(err.contains("node 2 is a matmul"), "{err}");
    assert!(g.name_output(product, "a b").is_err());
    // In a file: a name on a node that is no reveal is refused.
    let mut bad = bytes.clone();
    let at = unnamed.len() + 4;
    bad[at..at + 4].copy_from_slice(&2u32.to_le_bytes());
    let err = Graph::from_bytes(&bad).unwrap_err().to_string();
    assert!(err.contains("output name 0 ('row_sums', node 2)"), "{err}");
    assert!(Graph::from_bytes(&bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn malformed_bytes_are_errors() {
    let bytes = seed_graph().to_bytes();
    for cut in [0, 3, 10, 40, bytes.len() - 1] {
        assert!(Graph::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut bad_magic = bytes.clone();
    bad_magic[0] = b'X';
    assert!(Graph::from_bytes(&bad_magic).unwrap_err().to_string().contains("TFEG"));
    // The first node's op code is the byte after the header, which holds
    // the players.
    let mut no_nodes = Graph::default();
    for p in &seed_graph().players()[3..] {
        no_nodes.add_player(p).unwrap();
    }
    let header = no_nodes.to_bytes().len();
    let mut unknown_op = bytes.clone();
    let last = OpKind::ALL.len() as u8;
    unknown_op[header] = last + 1;
    let err = Graph::from_bytes(&unknown_op).unwrap_err().to_string();
    let want = format!("unknown op code {} (expected 1 to {last})", last + 1);
    assert!(err.starts_with(&format!("invalid argument: node 0: {want}")), "{err}");
    let file = std::env::temp_dir().join(format!("tfe-not-a-graph-{}.tfe", std::process::id()));
    std::fs::write(&file, &bad_magic).unwrap();
    let err = Graph::load(&file).unwrap_err().to_string();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(err.matches("invalid argument").count(), 1, "{err}");
    assert!(err.contains(&format!("graph file {}: not a tfe graph", file.display())), "{err}");
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(Graph::from_bytes(&trailing).unwrap_err().to_string().contains("trailing"));
    // Flipping any single byte never panics.
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0x5a;
        let _ = Graph::from_bytes(&flipped);
    }
}
