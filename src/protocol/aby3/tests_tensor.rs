//! Tensor ops on shares (layout, conv2d, pooling, maxima) against plaintext
//! f64 references on odd shapes with negative values, with their costs.

use super::tests::{assert_close, ctx, encode, private_op, steps, values, with_eight_round_sign};
use crate::net::Counters;
use crate::protocol::Operand;
use crate::ring::layout::{Padding, Window};

/// Fixed-point products of values on the grid: the result is within one
/// unit (2^-16) of exact, plus the rounding of 1/count for averages.
const TOL: f64 = 1.0 / 4096.0;

/// Plain NHWC convolution with TensorFlow's padding.
fn conv_ref(x: &[f64], xs: [usize; 4], w: &[f64], ws: [usize; 4], s: (usize, usize), pad: Padding) -> Vec<f64> {
    let [n, h, wd, c] = xs;
    let [kh, kw, _, o] = ws;
    let (oh, top) = crate::ring::layout::window_output(h, kh, s.0, pad).unwrap();
    let (ow, left) = crate::ring::layout::window_output(wd, kw, s.1, pad).unwrap();
    let mut out = vec![0.0; n * oh * ow * o];
    for b in 0..n {
        for y in 0..oh {
            for xx in 0..ow {
                for f in 0..o {
                    let mut acc = 0.0;
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = (y * s.0 + ky) as isize - top as isize;
                            let ix = (xx * s.1 + kx) as isize - left as isize;
                            if iy < 0 || ix < 0 || iy as usize >= h || ix as usize >= wd {
                                continue;
                            }
                            for ch in 0..c {
                                acc += x[((b * h + iy as usize) * wd + ix as usize) * c + ch]
                                    * w[((ky * kw + kx) * c + ch) * o + f];
                            }
                        }
                    }
                    out[((b * oh + y) * ow + xx) * o + f] = acc;
                }
            }
        }
    }
    out
}

/// Plain pooling: max, or the mean of the elements inside the input.
fn pool_ref(x: &[f64], xs: [usize; 4], w: Window, max: bool) -> Vec<f64> {
    let [n, h, wd, c] = xs;
    let (oh, top) = crate::ring::layout::window_output(h, w.kh, w.sh, w.padding).unwrap();
    let (ow, left) = crate::ring::layout::window_output(wd, w.kw, w.sw, w.padding).unwrap();
    let mut out = Vec::new();
    for b in 0..n {
        for y in 0..oh {
            for xx in 0..ow {
                for ch in 0..c {
                    let mut inside = Vec::new();
                    for ky in 0..w.kh {
                        for kx in 0..w.kw {
                            let iy = (y * w.sh + ky) as isize - top as isize;
                            let ix = (xx * w.sw + kx) as isize - left as isize;
                            if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd {
                                inside.push(x[((b * h + iy as usize) * wd + ix as usize) * c + ch]);
                            }
                        }
                    }
                    out.push(if max {
                        inside.iter().copied().fold(f64::MIN, f64::max)
                    } else {
                        inside.iter().sum::<f64>() / inside.len() as f64
                    });
                }
            }
        }
    }
    out
}

#[test]
fn conv2d_matches_plaintext_for_both_paddings_strides_and_filters() {
    let xs = [2, 7, 6, 3];
    let ws = [3, 2, 3, 4];
    let x = values(2 * 7 * 6 * 3, 41, 4.0);
    let w = values(3 * 2 * 3 * 4, 42, 1.0);
    for (strides, padding) in [((1, 1), Padding::Valid), ((2, 1), Padding::Same), ((2, 3), Padding::Valid)] {
        let want = conv_ref(&x, xs, &w, ws, strides, padding);
        let inputs = [(x.clone(), xs.to_vec()), (w.clone(), ws.to_vec())];
        let (got, costs) =
            private_op(&inputs, |net, p, s| p.conv2d(net, ctx(10), &s[0], Operand::Private(&s[1]), strides, padding));
        assert_close(&got, &want, TOL);
        assert!(costs[..3].iter().all(|c| c.rounds <= 2 && c.bytes_sent <= 40 * want.len() as u64), "{costs:?}");
        let public = encode(&w, &ws);
        let (got, _) = private_op(&inputs[..1], |net, p, s| {
            p.conv2d(net, ctx(10), &s[0], Operand::Public(&public), strides, padding)
        });
        assert_close(&got, &want, TOL);
    }
}

#[test]
fn average_pooling_counts_only_elements_inside_the_input() {
    let xs = [2, 5, 5, 3];
    let x = values(2 * 5 * 5 * 3, 43, 50.0);
    for w in [
        Window { kh: 2, kw: 2, sh: 2, sw: 2, padding: Padding::Same },
        Window { kh: 3, kw: 2, sh: 1, sw: 2, padding: Padding::Valid },
    ] {
        let (got, costs) = private_op(&[(x.clone(), xs.to_vec())], |net, p, s| p.avg_pool2d(net, ctx(10), &s[0], w));
        assert_close(&got, &pool_ref(&x, xs, w, false), TOL);
        assert!(costs[..3].iter().all(|c| c.rounds <= 2), "{costs:?}");
    }
    let (got, _) = private_op(&[(x.clone(), xs.to_vec())], |net, p, s| p.global_avg_pool2d(net, ctx(10), &s[0]));
    let want: Vec<f64> =
        (0..6).map(|bc| (0..25).map(|hw| x[(bc / 3) * 75 + hw * 3 + bc % 3]).sum::<f64>() / 25.0).collect();
    assert_close(&got, &want, TOL);
}

#[test]
fn max_pooling_2x2_takes_two_comparison_layers_and_ignores_padding() {
    with_eight_round_sign(|| {
        let xs = [2, 6, 5, 3];
        // Negative values: a zero from padding would win if it took part.
        let x: Vec<f64> = values(2 * 6 * 5 * 3, 44, 100.0).iter().map(|v| v.abs().mul_add(-1.0, -1.0)).collect();
        let w = Window { kh: 2, kw: 2, sh: 2, sw: 2, padding: Padding::Same };
        let want = pool_ref(&x, xs, w, true);
        let (got, costs) =
            private_op(&[(x.clone(), xs.to_vec())], |net, p, s| p.max_pool2d(net, &mut steps(10), &s[0], w));
        assert_eq!(got, want);
        for c in &costs[..3] {
            assert!(c.rounds <= 2 * 10, "{c:?}");
            assert!(c.bytes_sent <= 3 * 60 * want.len() as u64, "{c:?}");
        }
        let w3 = Window { kh: 3, kw: 3, sh: 1, sw: 2, padding: Padding::Valid };
        let (got, _) =
            private_op(&[(x.clone(), xs.to_vec())], |net, p, s| p.max_pool2d(net, &mut steps(10), &s[0], w3));
        assert_eq!(got, pool_ref(&x, xs, w3, true));
    });
}

#[test]
fn reduce_max_and_argmax_along_each_axis() {
    let mut x = values(5 * 7, 45, 30.0);
    x[9] = x[12]; // a tie in row 1
    x[8] = x[12].min(x[9]) - 1.0;
    for axis in [0, 1] {
        let (rows, cols) = (5, 7);
        let lanes = if axis == 0 { cols } else { rows };
        let len = if axis == 0 { rows } else { cols };
        let at = |lane: usize, k: usize| if axis == 0 { x[k * cols + lane] } else { x[lane * cols + k] };
        let max: Vec<f64> = (0..lanes).map(|l| (0..len).map(|k| at(l, k)).fold(f64::MIN, f64::max)).collect();
        let arg: Vec<f64> = (0..lanes).map(|l| (0..len).position(|k| at(l, k) == max[l]).unwrap() as f64).collect();
        let (got, costs) =
            private_op(&[(x.clone(), vec![5, 7])], |net, p, s| p.reduce_max(net, &mut steps(10), &s[0], axis));
        assert_eq!(got, max, "axis {axis}");
        let layers = (len as f64).log2().ceil() as u64;
        assert!(costs[..3].iter().all(|c| c.rounds <= 10 * layers), "{costs:?}");
        let (got, _) = private_op(&[(x.clone(), vec![5, 7])], |net, p, s| p.argmax(net, &mut steps(10), &s[0], axis));
        assert_eq!(got, arg, "axis {axis}");
    }
}

#[test]
fn argmax_one_hot_marks_the_first_maximum_along_each_axis() {
    // [3, 5, 2] with negative values, a three-way tie and an all-equal lane.
    let (d0, d1, d2) = (3, 5, 2);
    let mut x = values(d0 * d1 * d2, 47, 20.0);
    let idx = |i: usize, j: usize, k: usize| (i * d1 + j) * d2 + k;
    for j in 0..d1 {
        x[idx(0, j, 0)] = -3.5; // lane (0, ·, 0) all equal: index 0 along axis 1
    }
    x[idx(1, 1, 1)] = 19.5;
    x[idx(1, 3, 1)] = 19.5;
    x[idx(1, 4, 1)] = 19.5;
    x[idx(2, 2, 0)] = -19.0;
    for axis in 0..3 {
        let dims = [d0, d1, d2];
        let len = dims[axis];
        let mut want = vec![0.0; x.len()];
        for (e, w) in want.iter_mut().enumerate() {
            let pos = [e / (d1 * d2), (e / d2) % d1, e % d2];
            let lane_value = |t: usize| {
                let mut q = pos;
                q[axis] = t;
                x[idx(q[0], q[1], q[2])]
            };
            let max = (0..len).map(lane_value).fold(f64::MIN, f64::max);
            let first = (0..len).position(|t| lane_value(t) == max).unwrap();
            *w = f64::from(u8::from(pos[axis] == first));
        }
        let inputs = [(x.clone(), vec![d0, d1, d2])];
        let (got, costs) = private_op(&inputs, |net, p, s| p.argmax_one_hot(net, &mut steps(10), &s[0], axis));
        assert_eq!(got, want, "axis {axis}");
        // Each comparison layer multiplies its pairs' bits into their values
        // and the one-hot parts of both candidates (at most 2·len·lanes
        // operands). Up to 256 operands: the three-round sign, 3 rounds and
        // at most 43 words per operand. Else msb (6 rounds) and one
        // injection (2 rounds); per lane and layer at most 16 + 8 bytes of
        // msb (with the padding of a small batch) and 24 per injected value,
        // at most len + 1 per pair.
        let layers = (len as f64).log2().ceil() as u64;
        let lanes = (x.len() / len) as u64;
        let operands = 2 * len as u64 * lanes;
        let (rounds, bound) = if operands <= 256 {
            (3 * layers, layers * operands * 43 * 8)
        } else {
            (8 * layers, layers * lanes * (24 + 24 * (len as u64 + 1)) + layers * 8 * 130 * 2)
        };
        assert!(costs[..3].iter().all(|c| c.rounds <= rounds && c.bytes_sent <= bound), "axis {axis}: {costs:?}");
        // The index form marks the same element: sum over the axis of t·hot_t.
        let (index, _) = private_op(&inputs, |net, p, s| p.argmax(net, &mut steps(10), &s[0], axis));
        let mut from_hot = vec![0.0; x.len() / len];
        for (e, h) in want.iter().enumerate() {
            let pos = [e / (d1 * d2), (e / d2) % d1, e % d2];
            let mut rest: Vec<usize> = pos.to_vec();
            rest.remove(axis);
            let mut rest_dims = dims.to_vec();
            rest_dims.remove(axis);
            from_hot[rest[0] * rest_dims[1] + rest[1]] += h * pos[axis] as f64;
        }
        assert_eq!(index, from_hot, "axis {axis}");
    }
}

#[test]
fn layout_ops_are_free_and_move_the_right_elements() {
    let x = values(3 * 4 * 2, 46, 10.0);
    let at = |i: usize, j: usize, k: usize| x[(i * 4 + j) * 2 + k];
    let inputs = [(x.clone(), vec![3, 4, 2])];
    let check = |op: &(dyn Fn(&super::Share) -> crate::Result<super::Share> + Sync), want: Vec<f64>| {
        let (got, costs) = private_op(&inputs, |_, _, s| op(&s[0]));
        assert_eq!(got, want);
        assert!(costs.iter().all(|c| *c == Counters::default()));
    };
    check(&|s| s.slice(&[1, 1, 0], &[2, 2, 1]), vec![at(1, 1, 0), at(1, 2, 0), at(2, 1, 0), at(2, 2, 0)]);
    let mut padded = vec![0.0; 3 * 4 * 4];
    for i in 0..3 {
        for j in 0..4 {
            for k in 0..2 {
                padded[(i * 4 + j) * 4 + k + 1] = at(i, j, k);
            }
        }
    }
    check(&|s| s.pad(&[(0, 0), (0, 0), (1, 1)]), padded);
    check(&|s| s.gather(&[2, 0], 0), [&x[16..24], &x[0..8]].concat());
    check(&|s| super::Share::concat(&[s, &s.slice(&[0, 0, 0], &[1, 4, 2])?], 0), [&x[..], &x[0..8]].concat());
    check(&|s| s.expand_dims(1)?.squeeze(1)?.expand_dims(3)?.squeeze(3), x.clone());
    let (_, _) = private_op(&inputs, |_, _, s| {
        assert!(s[0].squeeze(0).unwrap_err().to_string().contains("[3, 4, 2]"));
        assert!(s[0].expand_dims(4).is_err());
        Ok(s[0].clone())
    });
}

#[test]
fn argmax_levels_of_three_rounds_agree_with_plaintext_and_the_eight_round_form_at_the_range_edges() {
    // 40 rows of 6: the first level multiplies 3·2·40 = 240 values by its
    // bits, under the 256 of the three-round sign; so do the next two.
    let (rows, width) = (40, 6);
    let limit = 2f64.powi(20) - 2f64.powi(-16);
    let ulp = 2f64.powi(-16);
    let edges = [limit, -limit, 0.0, ulp, -ulp, limit - ulp, -limit + ulp, 1.0];
    let mut x = values(rows * width, 91, 2f64.powi(20) - 1.0);
    for (i, v) in x.iter_mut().enumerate() {
        if i % 3 == 0 {
            *v = edges[(i / 3) % edges.len()];
        }
    }
    // Ties: a row of equal values, a row with its maximum twice.
    x[..width].fill(-limit);
    x[width + 1] = limit;
    x[width + 4] = limit;
    let want: Vec<f64> = x
        .chunks(width)
        .map(|r| r.iter().enumerate().fold((0, f64::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b }).0 as f64)
        .collect();
    let inputs = [(x.clone(), vec![rows, width])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.argmax(net, &mut steps(10), &s[0], 1));
    assert_eq!(got, want);
    assert!(costs[..3].iter().all(|c| c.rounds == 9), "{costs:?}");
    let (eight, costs) =
        with_eight_round_sign(|| private_op(&inputs, |net, p, s| p.argmax(net, &mut steps(10), &s[0], 1)));
    assert_eq!(eight, want);
    assert!(costs[..3].iter().all(|c| c.rounds <= 24), "{costs:?}");
}
