//! Conversion of the `ai.onnx.ml` nodes that scikit-learn's converter
//! (skl2onnx) emits for linear models and MLPs: `Scaler`, `LinearClassifier`,
//! `LinearRegressor`, `Normalizer`, and `ArrayFeatureExtractor` (which also
//! turns an `ArgMax` into a class label). Their coefficients are the model owner's
//! weights, like initializers.

use super::convert::{ArgMaxOf, Converter, SUPPORTED, Value, shape_error};
use super::convert_nn::{private, transpose2};
use super::decode::{Attributes, Tensor};
use super::proto::NodeProto;
use crate::error::{Error, Result};
use crate::graph::TensorId;

impl Converter<'_> {
    pub(super) fn ml_domain(&mut self, node: &NodeProto) -> Result<Vec<Value>> {
        match node.op_type() {
            "Scaler" => Ok(vec![self.scaler(node)?]),
            "LinearClassifier" => self.linear_classifier(node),
            "LinearRegressor" => Ok(vec![self.linear_regressor(node)?]),
            "Normalizer" => Ok(vec![self.normalizer(node)?]),
            "ArrayFeatureExtractor" => Ok(vec![self.array_feature_extractor(node)?]),
            "ZipMap" => Err(Error::invalid(
                "ZipMap is not supported: export the scikit-learn model with zipmap=False \
                 (skl2onnx: options={'zipmap': False})",
            )),
            other => Err(Error::invalid(format!("op type {other} is not supported (supported: {SUPPORTED})"))),
        }
    }

    /// (x − offset) · scale, per feature.
    fn scaler(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["offset", "scale"])?;
        let x = self.private_computed(node, 0)?;
        let features = *self.shape(x)?.last().unwrap_or(&1);
        let key = node.output.first().cloned().unwrap_or_default();
        let mut y = x;
        for (what, default) in [("offset", 0.0), ("scale", 1.0)] {
            let values = a.floats(what).unwrap_or_else(|| vec![default]);
            let values = match values.len() {
                1 => vec![values[0]; features],
                n if n == features => values,
                n => return Err(Error::invalid(format!("{what} has {n} values, expected 1 or {features}"))),
            };
            let v = self.lift(&format!("{key}#{what}"), &Tensor::new(vec![features], values)?)?;
            y = if what == "offset" { self.g.sub(y, v)? } else { self.g.mul(y, v)? };
        }
        Ok(private(y))
    }

    /// x · Wᵀ + b for coefficients W of [targets, features].
    fn linear(&mut self, node: &NodeProto, targets: usize) -> Result<TensorId> {
        let a = Attributes::of(node);
        let x = self.private_computed(node, 0)?;
        let shape = self.shape(x)?;
        if shape.len() != 2 {
            return Err(shape_error("an input [N, features]", &shape));
        }
        let features = shape[1];
        let coefficients = a.floats("coefficients").unwrap_or_default();
        if coefficients.len() != targets * features {
            return Err(Error::invalid(format!(
                "{} coefficients, expected {targets} x {features} for inputs of {features} features",
                coefficients.len()
            )));
        }
        let intercepts = a.floats("intercepts").unwrap_or_else(|| vec![0.0; targets]);
        if intercepts.len() != targets {
            return Err(Error::invalid(format!("{} intercepts, expected {targets}", intercepts.len())));
        }
        let key = node.output.iter().find(|o| !o.is_empty()).cloned().unwrap_or_default();
        let w = transpose2(&Tensor::new(vec![targets, features], coefficients)?);
        let w = self.lift(&format!("{key}#coefficients"), &w)?;
        let b = self.lift(&format!("{key}#intercepts"), &Tensor::new(vec![targets], intercepts)?)?;
        let y = self.g.matmul(x, w)?;
        self.g.add(y, b)
    }

    /// Scores of each class and the label of the highest (outputs: label,
    /// scores). One column of coefficients (a binary model) is refused.
    fn linear_classifier(&mut self, node: &NodeProto) -> Result<Vec<Value>> {
        let a = Attributes::of(node);
        a.only(&[
            "classlabels_ints",
            "classlabels_strings",
            "coefficients",
            "intercepts",
            "multi_class",
            "post_transform",
        ])?;
        if a.get("classlabels_strings").is_some() {
            return Err(Error::invalid("string class labels are not supported: train with integer labels"));
        }
        let labels: Vec<f64> = a.ints("classlabels_ints").unwrap_or_default().iter().map(|&l| l as f64).collect();
        let targets = a.floats("intercepts").map_or(labels.len(), |i| i.len());
        if targets < 2 || targets != labels.len() {
            return Err(Error::invalid(format!(
                "{targets} score columns for {} class labels: expected one column per class (2 or more)",
                labels.len()
            )));
        }
        let scores = self.linear(node, targets)?;
        let label = self.label(scores, 1, &labels)?;
        let post = a.string("post_transform").unwrap_or_else(|| "NONE".into());
        let transformed = match post.as_str() {
            "NONE" => scores,
            "LOGISTIC" => self.g.sigmoid(scores)?,
            "SOFTMAX" => {
                let y = self.g.softmax(scores)?;
                self.normalized.insert(y);
                y
            }
            other => return Err(Error::invalid(format!("post_transform {other} is not supported"))),
        };
        Ok(vec![label, private(transformed)])
    }

    fn linear_regressor(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["coefficients", "intercepts", "targets", "post_transform"])?;
        if a.string("post_transform").is_some_and(|p| p != "NONE") {
            return Err(Error::invalid("post_transform other than NONE is not supported"));
        }
        let targets = usize::try_from(a.int("targets", 1)).map_err(|_| Error::invalid("targets is negative"))?;
        self.linear(node, targets).map(private)
    }

    /// Rows scaled to unit L1 or L2 norm. A softmax's rows are already
    /// (L1), so they pass unchanged.
    fn normalizer(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["norm"])?;
        let x = self.private_computed(node, 0)?;
        let shape = self.shape(x)?;
        if shape.len() != 2 {
            return Err(shape_error("an input [N, features]", &shape));
        }
        let norm = a.string("norm").unwrap_or_else(|| "MAX".into());
        if norm == "L1" && self.normalized.contains(&x) {
            return Ok(private(x));
        }
        let total = match norm.as_str() {
            "L1" => {
                let m = self.g.abs(x)?;
                let s = self.g.reduce_sum(m, Some(1))?;
                self.g.reciprocal(s)?
            }
            "L2" => {
                let m = self.g.square(x)?;
                let s = self.g.reduce_sum(m, Some(1))?;
                self.g.inv_sqrt(s)?
            }
            other => return Err(Error::invalid(format!("norm {other} is not supported (L1 or L2)"))),
        };
        let total = self.g.reshape(total, &[shape[0], 1])?;
        self.g.mul(x, total).map(private)
    }

    /// Elements of X at known indices along its last axis; or, for known
    /// class labels X indexed by an `ArgMax`, the label of each argmax.
    fn array_feature_extractor(&mut self, node: &NodeProto) -> Result<Value> {
        Attributes::of(node).only(&[])?;
        match (self.input(node, 0)?, self.input(node, 1)?) {
            (Value::Known(classes), Value::Private { id, argmax: Some(of) }) => {
                if classes.shape.len() != 1 {
                    return Err(shape_error("class labels of rank 1", &classes.shape));
                }
                let shape = self.shape(id)?;
                let label = self.label_of(of, &classes.data)?;
                let Value::Private { id: label, .. } = label else { unreachable!("labels are private") };
                let y = self.g.reshape(label, &shape)?;
                self.integral.insert(y);
                Ok(Value::Private { id: y, argmax: Some(of).filter(|_| is_range(&classes.data)) })
            }
            (x, Value::Known(indices)) => {
                let x = self.private(&node.input[0], x)?;
                let shape = self.shape(x)?;
                let last =
                    shape.len().checked_sub(1).ok_or_else(|| shape_error("an input of rank 1 or more", &shape))?;
                let n = shape[last] as i64;
                let index = indices
                    .ints("indices")?
                    .iter()
                    .map(|&i| {
                        if (0..n).contains(&i) {
                            Ok(i as usize)
                        } else {
                            Err(Error::invalid(format!("index {i} outside 0..{n}")))
                        }
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.g.gather(x, &index, last).map(private)
            }
            _ => Err(Error::invalid("expected known indices, or known class labels indexed by an ArgMax")),
        }
    }

    /// The label of the highest of `scores` along `axis` (removed).
    fn label(&mut self, scores: TensorId, axis: usize, labels: &[f64]) -> Result<Value> {
        self.label_of(ArgMaxOf { source: scores, axis }, labels)
    }

    /// labels[argmax]: the index itself when the labels are 0, 1, ...;
    /// else the one-hot argmax times the labels, summed.
    fn label_of(&mut self, of: ArgMaxOf, labels: &[f64]) -> Result<Value> {
        let width = self.shape(of.source)?[of.axis];
        if labels.len() != width {
            return Err(Error::invalid(format!("{} class labels for {width} scores", labels.len())));
        }
        let y = if is_range(labels) {
            self.g.argmax(of.source, of.axis)?
        } else {
            let hot = self.g.argmax_one_hot(of.source, of.axis)?;
            let mut shape = vec![1; self.shape(of.source)?.len() - of.axis];
            shape[0] = width;
            // Public: class labels are what the client receives anyway.
            let l = self.g.constant(&shape, labels.to_vec())?;
            let picked = self.g.mul(hot, l)?;
            self.g.reduce_sum(picked, Some(of.axis))?
        };
        self.integral.insert(y);
        Ok(Value::Private { id: y, argmax: Some(of).filter(|_| is_range(labels)) })
    }
}

/// 0, 1, 2, ...
fn is_range(labels: &[f64]) -> bool {
    labels.iter().enumerate().all(|(i, &l)| l == i as f64)
}
