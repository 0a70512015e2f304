//! Tests of the canonical encoding: round trips, old format versions,
//! malformed bytes.

use super::*;

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

#[test]
fn every_new_op_round_trips() {
    let mut g = Graph::default();
    let x = g.private_input("x", "client", &[2, 6, 6, 3]).unwrap();
    let w = g.private_variable("w", "owner", &[3, 3, 3, 4]).unwrap();
    let c = g.conv2d(x, w, (2, 1), Padding::Same).unwrap();
    let p = g.max_pool2d(c, (2, 2), (2, 2), Padding::Valid).unwrap();
    let a = g.avg_pool2d(p, (1, 2), (1, 1), Padding::Same).unwrap();
    let gp = g.global_avg_pool2d(a).unwrap();
    let r = g.relu(gp).unwrap();
    let s = g.softmax(r).unwrap();
    let m = g.maximum(s, r).unwrap();
    let l = g.less(m, s).unwrap();
    let rm = g.reduce_max(l, 1).unwrap();
    let am = g.argmax(l, 0).unwrap();
    let hot = g.argmax_one_hot(l, 0).unwrap();
    let sel = g.select(l, m, s).unwrap();
    assert_eq!(g.shape(sel).unwrap(), g.shape(l).unwrap());
    assert_eq!(g.shape(hot).unwrap(), g.shape(l).unwrap());
    let e = g.expand_dims(rm, 1).unwrap();
    let q = g.squeeze(e, 1).unwrap();
    let cat = g.concat(q, am, 0).unwrap();
    let sl = g.slice(cat, &[1], &[5]).unwrap();
    let pd = g.pad(sl, &[(2, 3)]).unwrap();
    let ga = g.gather(pd, &[0, 9, 3], 0).unwrap();
    g.reveal(ga, Some("client")).unwrap();
    assert_eq!(g.shape(ga).unwrap(), &[3]);
    let back = Graph::from_bytes(&g.to_bytes()).unwrap();
    assert_eq!(back, g);
    let mut other = g.clone();
    other.sigmoid(r).unwrap();
    assert_ne!(other.digest(), g.digest());
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
    let mut fields = vec![initial.is_some() as u8];
    if let Some(values) = initial {
        fields.extend((values.len() as u64).to_le_bytes());
        values.iter().for_each(|v| fields.extend(v.to_bits().to_le_bytes()));
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
fn old_files_load_unless_a_variable_carries_its_value_in_the_graph() {
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
    future[4..8].copy_from_slice(&4u32.to_le_bytes());
    assert!(Graph::from_bytes(&future).unwrap_err().to_string().contains("expected 1 to 3"));
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
