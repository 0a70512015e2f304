//! Shape inference of the nonlinear, pooling, convolution and layout ops.
//! Errors name the op and the shapes that do not fit.

use super::op::{Kind, Op};
use crate::error::{Error, Result};
use crate::ring::layout;
use crate::ring::shape::{self, fmt_shape};
use crate::vocabulary::{Reduce, Unary};

/// Shape and kind of a node whose op is not one of the core ops.
pub(super) fn infer(name: &str, op: &Op, operands: &[(&[usize], Kind)]) -> Result<(Vec<usize>, Kind)> {
    let named = |e: Error| match e {
        Error::InvalidArgument(m) if !m.starts_with(name) => Error::invalid(format!("{name}: {m}")),
        other => other,
    };
    infer_inner(name, op, operands).map_err(named)
}

fn private_first(name: &str, operands: &[(&[usize], Kind)]) -> Result<()> {
    if operands[0].1 != Kind::Private {
        return Err(Error::invalid(format!(
            "{name}: the operand of shape {} is public; expected a private value (compute public values in plaintext)",
            fmt_shape(operands[0].0)
        )));
    }
    Ok(())
}

fn any_private(name: &str, operands: &[(&[usize], Kind)]) -> Result<()> {
    if operands.iter().all(|(_, k)| *k != Kind::Private) {
        return Err(Error::invalid(format!(
            "{name}: operands of shapes {} and {} are both public; expected at least one private value",
            fmt_shape(operands[0].0),
            fmt_shape(operands[1].0)
        )));
    }
    Ok(())
}

/// `count_outside`: a private vector as long as its segments together; one
/// count per segment.
fn count_outside_shape(name: &str, operands: &[(&[usize], Kind)], segments: &[usize]) -> Result<(Vec<usize>, Kind)> {
    private_first(name, operands)?;
    let total: usize = segments.iter().sum();
    if segments.is_empty() || operands[0].0 != [total] {
        return Err(Error::invalid(format!(
            "segments of {total} values in all ({} of them) need a vector of shape [{total}], found {}",
            segments.len(),
            fmt_shape(operands[0].0)
        )));
    }
    Ok((vec![segments.len()], Kind::Private))
}

/// select(cond, a, b): the three shapes broadcast together; at least one
/// operand is private (select of public values is plaintext's job).
fn select_shape(operands: &[(&[usize], Kind)]) -> Result<(Vec<usize>, Kind)> {
    let [(c, _), (a, _), (b, _)] = operands else {
        return Err(Error::internal("select takes three operands"));
    };
    if operands.iter().all(|(_, k)| *k != Kind::Private) {
        return Err(Error::invalid(format!(
            "select: condition of shape {} and values of shapes {} and {} are all public; \
             expected at least one private operand",
            fmt_shape(c),
            fmt_shape(a),
            fmt_shape(b)
        )));
    }
    let values = shape::broadcast_shapes(a, b).map_err(|_| {
        Error::invalid(format!("select: values of shapes {} and {} do not broadcast", fmt_shape(a), fmt_shape(b)))
    })?;
    let out = shape::broadcast_shapes(c, &values).map_err(|_| {
        Error::invalid(format!(
            "select: condition of shape {} does not broadcast with values of shapes {} and {} (together {})",
            fmt_shape(c),
            fmt_shape(a),
            fmt_shape(b),
            fmt_shape(&values)
        ))
    })?;
    Ok((out, Kind::Private))
}

fn infer_inner(name: &str, op: &Op, operands: &[(&[usize], Kind)]) -> Result<(Vec<usize>, Kind)> {
    let x = operands[0].0;
    let private = Kind::Private;
    match op {
        Op::Unary { f } => {
            private_first(name, operands)?;
            if *f == Unary::Softmax {
                crate::protocol::bounds::check_softmax_shape(x)?;
            }
            Ok((x.to_vec(), private))
        }
        Op::Compare { .. } | Op::Maximum | Op::Minimum => {
            any_private(name, operands)?;
            Ok((shape::broadcast_shapes(x, operands[1].0)?, private))
        }
        Op::Select => select_shape(operands),
        Op::Reduce { r, axis } => {
            private_first(name, operands)?;
            shape::check_axis(x, *axis)?;
            if x[*axis] == 0 {
                return Err(Error::invalid(format!("axis {axis} of shape {} is empty", fmt_shape(x))));
            }
            match r {
                Reduce::ArgMaxOneHot => Ok((x.to_vec(), private)),
                _ => Ok((shape::sum_shape(x, Some(*axis))?, private)),
            }
        }
        Op::Pool2d { window, .. } => {
            private_first(name, operands)?;
            layout::check_window_maps_size(x, *window)?;
            Ok((layout::window_geometry(x, *window)?.0.to_vec(), private))
        }
        Op::GlobalAvgPool2d => {
            private_first(name, operands)?;
            if x.len() != 4 {
                return Err(Error::invalid(format!("expected an NHWC input, found shape {}", fmt_shape(x))));
            }
            Ok((vec![x[0], x[3]], private))
        }
        Op::Conv2d { strides, padding } => {
            private_first(name, operands)?;
            Ok((shape::conv2d_shape(x, operands[1].0, *strides, *padding)?, private))
        }
        Op::Slice { begin, size } => Ok((layout::slice_shape(x, begin, size)?, operands[0].1)),
        Op::Pad { pads } => {
            if pads.len() != x.len() {
                return Err(Error::invalid(format!(
                    "expected one (before, after) pair per axis of shape {}, found {}",
                    fmt_shape(x),
                    pads.len()
                )));
            }
            Ok((layout::pad_shape(x, pads)?, operands[0].1))
        }
        Op::Concat { axis } => {
            let kind = if operands.iter().any(|(_, k)| *k == private) { private } else { Kind::Public };
            Ok((layout::concat_shape(&[x, operands[1].0], *axis)?, kind))
        }
        Op::ExpandDims { axis } => Ok((shape::expand_dims_shape(x, *axis)?, operands[0].1)),
        Op::Squeeze { axis } => Ok((shape::squeeze_shape(x, *axis)?, operands[0].1)),
        Op::Gather { indices, axis } => Ok((layout::gather_shape(x, indices, *axis)?, operands[0].1)),
        Op::Mean { axis } => {
            shape::reduced_count(x, *axis)?;
            Ok((shape::sum_shape(x, *axis)?, operands[0].1))
        }
        Op::DivPublic { .. } => Ok((x.to_vec(), operands[0].1)),
        Op::CumSum { axis, .. } => {
            shape::check_axis(x, *axis)?;
            Ok((x.to_vec(), operands[0].1))
        }
        Op::Sort { axis, .. } => {
            private_first(name, operands)?;
            shape::check_axis(x, *axis)?;
            Ok((x.to_vec(), private))
        }
        Op::CountOutside { segments, .. } => count_outside_shape(name, operands, segments),
        Op::Patches { window, .. } => Ok((layout::patches_shape(x, *window)?, operands[0].1)),
        Op::PatchesAdd { window, input, .. } => {
            layout::check_window_maps_size(input, *window)?;
            let (out, _, _) = layout::window_geometry(input, *window)?;
            let want = [out[0], out[1], out[2], window.kh * window.kw, out[3]];
            if x != want {
                return Err(Error::invalid(format!(
                    "the windows of input {} are of shape {}, found {}",
                    fmt_shape(input),
                    fmt_shape(&want),
                    fmt_shape(x)
                )));
            }
            Ok((input.clone(), operands[0].1))
        }
        other => Err(Error::internal(format!("no shape rule for {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::Graph;

    #[test]
    fn softmax_takes_rows_of_up_to_65536_values() {
        let mut g = Graph::default();
        let at_most = g.private_input("a", "client", &[2, 65536]).unwrap();
        assert!(g.softmax(at_most).is_ok());
        let wider = g.private_input("b", "client", &[2, 65537]).unwrap();
        let message = g.softmax(wider).unwrap_err().to_string();
        assert!(message.contains("softmax over rows of 65537 values, expected at most 65536"), "{message}");
        let scalar = g.private_input("c", "client", &[]).unwrap();
        let message = g.softmax(scalar).unwrap_err().to_string();
        assert!(message.contains("softmax needs at least one axis, found a scalar"), "{message}");
    }

    #[test]
    fn select_broadcasts_and_names_the_shapes_that_do_not_fit() {
        let mut g = Graph::default();
        let c = g.private_input("c", "client", &[4, 1]).unwrap();
        let a = g.private_input("a", "client", &[4, 3]).unwrap();
        let b = g.constant(&[3], vec![0.0, 1.0, 2.0]).unwrap();
        let s = g.select(c, a, b).unwrap();
        assert_eq!(g.shape(s).unwrap(), &[4, 3]);
        let wrong_values = g.private_input("w", "client", &[5]).unwrap();
        let err = g.select(c, a, wrong_values).unwrap_err().to_string();
        assert!(err.contains("select") && err.contains("[4, 3]") && err.contains("[5]"), "{err}");
        let wrong_cond = g.private_input("wc", "client", &[2, 3]).unwrap();
        let err = g.select(wrong_cond, a, b).unwrap_err().to_string();
        assert!(err.contains("[2, 3]") && err.contains("[4, 3]") && err.contains("[3]"), "{err}");
        let pc = g.constant(&[], vec![1.0]).unwrap();
        let err = g.select(pc, b, b).unwrap_err().to_string();
        assert!(err.contains("all public"), "{err}");
    }

    #[test]
    fn count_outside_takes_a_private_vector_of_its_segments_and_a_bound_in_range() {
        let mut g = Graph::default();
        let x = g.private_input("x", "client", &[10]).unwrap();
        let counts = g.count_outside(x, 4.0, &[3, 0, 7]).unwrap();
        assert_eq!(g.shape(counts).unwrap(), &[3]);
        let err = g.count_outside(x, 4.0, &[3, 8]).unwrap_err().to_string();
        assert!(err.contains("count_outside") && err.contains("[11]") && err.contains("[10]"), "{err}");
        assert!(g.count_outside(x, 4.0, &[]).unwrap_err().to_string().contains("[0]"));
        let m = g.private_input("m", "client", &[2, 5]).unwrap();
        assert!(g.count_outside(m, 4.0, &[10]).unwrap_err().to_string().contains("[2, 5]"));
        let public = g.constant(&[2], vec![1.0, 2.0]).unwrap();
        assert!(g.count_outside(public, 4.0, &[2]).unwrap_err().to_string().contains("public"));
        for bound in [0.0, -1.0, 1e-6, 2e6, f64::NAN, 3.0, f64::INFINITY] {
            let err = g.count_outside(x, bound, &[10]).unwrap_err().to_string();
            assert!(err.contains("power of two in [2^−16, 2^20]") && err.contains(&format!("{bound}")), "{err}");
        }
        g.count_outside(x, 0.5f64.powi(16), &[10]).unwrap();
        g.count_outside(x, 1048576.0, &[10]).unwrap();
    }
}
