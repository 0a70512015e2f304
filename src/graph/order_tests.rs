//! The order and reduction ops in the graph (`reduce_mean`, `div_public`, abs,
//! minimum, `reduce_min`, argmin, cumsum, sort): shape rules, the checks of
//! their operands and divisors, and their canonical encoding.

use crate::graph::Graph;
use crate::vocabulary::SortOrder;

#[test]
fn the_order_and_reduction_ops_round_trip() {
    let mut g = Graph::default();
    let x = g.private_input("x", "client", &[4, 6]).unwrap();
    let c = g.constant(&[6], vec![1.0, -2.0, 3.0, 0.5, 0.0, 7.0]).unwrap();
    let ops = [
        g.reduce_mean(x, None).unwrap(),
        g.reduce_mean(x, Some(1)).unwrap(),
        g.reduce_mean(c, Some(0)).unwrap(),
        g.div_public(x, -3.0).unwrap(),
        g.div_public(c, 0.25).unwrap(),
        g.abs(x).unwrap(),
        g.minimum(x, c).unwrap(),
        g.reduce_min(x, 0).unwrap(),
        g.argmin(x, 1).unwrap(),
        g.cumsum(x, 1, true, false).unwrap(),
        g.cumsum(c, 0, false, true).unwrap(),
        g.sort(x, 1, SortOrder::Ascending).unwrap(),
        g.sort(x, 0, SortOrder::Descending).unwrap(),
    ];
    let shapes: Vec<Vec<usize>> = ops.iter().map(|&t| g.shape(t).unwrap().to_vec()).collect();
    let want: [&[usize]; 13] =
        [&[], &[4], &[], &[4, 6], &[6], &[4, 6], &[4, 6], &[6], &[4], &[4, 6], &[6], &[4, 6], &[4, 6]];
    assert_eq!(shapes, want.map(<[usize]>::to_vec));
    let back = Graph::from_bytes(&g.to_bytes()).unwrap();
    assert_eq!(back, g);
    // The fields are part of the digest.
    let mut other = g.clone();
    other.cumsum(x, 1, true, true).unwrap();
    let mut again = g.clone();
    again.cumsum(x, 1, true, false).unwrap();
    assert_ne!(other.digest(), again.digest());
    // A flag other than 0 or 1 is an error that says so (cumsum last).
    let mut bytes = again.to_bytes();
    let at = bytes.len() - 2;
    bytes[at] = 2;
    assert!(Graph::from_bytes(&bytes).unwrap_err().to_string().contains("exclusive flag 2"));
}

#[test]
fn order_and_reduction_ops_check_their_operands_and_divisors() {
    let mut g = Graph::default();
    let x = g.private_input("x", "client", &[3, 4]).unwrap();
    let c = g.constant(&[2], vec![1.0, 2.0]).unwrap();
    for bad in [0.0, f64::NAN, f64::INFINITY, 1e-7, 65537.0] {
        let err = g.div_public(x, bad).unwrap_err().to_string();
        assert!(err.contains("div_public") && err.contains("2^-20 <= |divisor| <= 2^16"), "{err}");
    }
    assert!(g.div_public(x, -65536.0).is_ok());
    let err = g.reduce_mean(x, Some(2)).unwrap_err().to_string();
    assert!(err.contains("reduce_mean") && err.contains("[3, 4]"), "{err}");
    let empty = g.private_input("e", "client", &[0, 4]).unwrap();
    let err = g.reduce_mean(empty, Some(0)).unwrap_err().to_string();
    assert!(err.contains("no elements") && err.contains("[0, 4]"), "{err}");
    let big = g.private_input("big", "client", &[65537]).unwrap();
    let err = g.reduce_mean(big, None).unwrap_err().to_string();
    assert!(err.contains("reduce_mean over 65537 elements"), "{err}");
    let err = g.sort(c, 0, SortOrder::Ascending).unwrap_err().to_string();
    assert!(err.contains("sort") && err.contains("public"), "{err}");
    assert!(g.sort(x, 2, SortOrder::Descending).unwrap_err().to_string().contains("axis 2"));
    assert!(g.abs(c).unwrap_err().to_string().contains("abs"));
    assert!(g.minimum(c, c).unwrap_err().to_string().contains("both public"));
    assert!(g.minimum(x, c).unwrap_err().to_string().contains("[2]"));
    assert!(g.argmin(empty, 0).unwrap_err().to_string().contains("empty"));
    assert!(g.cumsum(x, 2, false, false).unwrap_err().to_string().contains("cumsum"));
    // Public operands of the linear ones stay public.
    let m = g.reduce_mean(c, None).unwrap();
    let d = g.div_public(c, 4.0).unwrap();
    let s = g.cumsum(c, 0, true, false).unwrap();
    for t in [m, d, s] {
        assert_eq!(g.node(t).unwrap().kind, crate::graph::Kind::Public);
    }
}
