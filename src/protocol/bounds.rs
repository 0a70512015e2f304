//! The one table of the approximate ops: for each, its domain, its error
//! bound there, and what a secret input outside the domain produces.
//!
//! Everything that states these numbers reads them from [`APPROXIMATIONS`]:
//! the kernels' tests check every op over its whole domain against f64 with
//! the table's bound (`protocol/aby3/tests_bounds.rs`), `tests/bounds_docs.rs`
//! checks that the doc of each op's C function in `include/tfe.h` contains
//! [`Approximation::doc_text`] word for word, and that `docs/approximations.md`
//! is [`markdown`]'s output. A bound includes the fixed-point rounding at the
//! default 16 fractional bits.

use std::fmt::Write as _;

/// Where an approximation is accurate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// Every value of the fixed-point range (±2^20 by default).
    Range,
    /// `lo <= x < hi`; with `magnitude`, `lo <= |x| < hi` for either sign.
    Interval { lo: f64, hi: f64, magnitude: bool },
    /// Every value of the fixed-point range, in rows (along the last axis)
    /// of at most `most` values: an op over a row adds up an error per value.
    Rows { most: usize },
}

/// How far the result may be from the exact function `f(x)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// `|error| <= a`.
    Absolute(f64),
    /// `|error| <= rel·|f(x)| + units·2^-16`.
    Relative { rel: f64, units: f64 },
    /// For divisions by a public value: `|error| <= 2^-shift·|of| +
    /// units·2^-16`, where `of` is the dividend: `x` for a division, `s`
    /// (the sum of the averaged elements) for an average. `2^-shift` is the
    /// rounding of the encoded reciprocal relative to it.
    OfDividend { shift: u32, of: &'static str, units: f64 },
}

/// One row of the table. An op may have more than one row (one per part of
/// its domain).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Approximation {
    /// The op's name, as in the graph's stats.
    pub op: &'static str,
    /// The C function whose doc states this row.
    pub c_function: &'static str,
    /// The exact function, as the docs write it.
    pub function: &'static str,
    pub domain: Domain,
    pub bound: Bound,
    /// What a secret input outside the domain produces (empty for
    /// [`Domain::Range`]). No error is raised there: checking a private
    /// value would reveal it.
    pub outside: &'static str,
}

/// The fixed-point unit at the default 16 fractional bits.
pub const UNIT: f64 = 1.0 / 65536.0;

/// The widest row a softmax takes: each of its exponentials is off by up to
/// a unit or so, and their sum divides every output, so the error grows
/// with the width (rows of 131,075 values missed the bound by half).
pub const SOFTMAX_MAX_ROW: usize = 1 << 16;

/// Every approximate op of the library.
pub const APPROXIMATIONS: &[Approximation] = &[
    Approximation {
        op: "sigmoid",
        c_function: "tfe_sigmoid",
        function: "1 / (1 + e^-x)",
        domain: Domain::Range,
        bound: Bound::Absolute(0.003),
        outside: "",
    },
    Approximation {
        op: "hard_sigmoid",
        c_function: "tfe_hard_sigmoid",
        function: "clamp(0.2*x + 0.5, 0, 1)",
        domain: Domain::Range,
        bound: Bound::Absolute(4.0 * UNIT),
        outside: "",
    },
    Approximation {
        op: "tanh",
        c_function: "tfe_tanh",
        function: "tanh(x)",
        domain: Domain::Range,
        bound: Bound::Absolute(0.004),
        outside: "",
    },
    Approximation {
        op: "exp",
        c_function: "tfe_exp",
        function: "e^x",
        domain: Domain::Interval { lo: -1048576.0, hi: 10.0, magnitude: false },
        bound: Bound::Relative { rel: 2e-3, units: 2.0 },
        outside: "for 10 <= x <= 14 the relative error grows with x, to 6*10^-4 at 14; from ln(2^20) = 13.86 on it leaves the fixed-point range, and for large x it is any value",
    },
    Approximation {
        op: "log",
        c_function: "tfe_log",
        function: "ln(x)",
        domain: Domain::Interval { lo: 0.015625, hi: 1024.0, magnitude: false },
        bound: Bound::Absolute(1e-4),
        outside: "for 0 <= x < 2^-6 a value between ln(x) - 10^-4 and -4.15 (about -6.8 at x = 0); for \
                  x < 0 and for x >= 2^10 any value",
    },
    Approximation {
        op: "reciprocal",
        c_function: "tfe_reciprocal",
        function: "1 / x",
        domain: Domain::Interval { lo: 0.015625, hi: 1024.0, magnitude: true },
        bound: Bound::Relative { rel: 1e-3, units: 4.0 },
        outside: "x = 0 gives about 1365; for other |x| < 2^-6 and for |x| >= 2^10 any value (the start is \
                  off by more than a factor 2 and Newton's iteration diverges)",
    },
    Approximation {
        op: "inv_sqrt",
        c_function: "tfe_inv_sqrt",
        function: "1 / sqrt(x)",
        domain: Domain::Interval { lo: 0.015625, hi: 1024.0, magnitude: false },
        bound: Bound::Relative { rel: 1e-3, units: 4.0 },
        outside: "x = 0 gives about 46.8, 0 < x < 2^-6 a value at most 46.8 and at most 1/sqrt(x) (within the \
                  bound); for x < 0 and for x >= 2^10 any value (Newton's iteration diverges)",
    },
    Approximation {
        op: "sqrt",
        c_function: "tfe_sqrt",
        function: "sqrt(x)",
        domain: Domain::Interval { lo: 0.015625, hi: 1024.0, magnitude: false },
        bound: Bound::Relative { rel: 1e-3, units: 0.0 },
        outside: "for x < 0 and for x >= 2^10 any value",
    },
    Approximation {
        op: "sqrt",
        c_function: "tfe_sqrt",
        function: "sqrt(x)",
        domain: Domain::Interval { lo: 0.0, hi: 0.015625, magnitude: false },
        bound: Bound::Absolute(0.01),
        outside: "",
    },
    Approximation {
        op: "softmax",
        c_function: "tfe_softmax",
        function: "e^x / sum(e^x)",
        domain: Domain::Rows { most: SOFTMAX_MAX_ROW },
        bound: Bound::Absolute(0.01),
        outside: "a wider row is refused when the graph is built",
    },
    Approximation {
        op: "avg_pool2d",
        c_function: "tfe_pool2d",
        function: "mean(window)",
        domain: Domain::Range,
        bound: Bound::OfDividend { shift: 17, of: "s", units: 1.0 },
        outside: "",
    },
    Approximation {
        op: "global_avg_pool2d",
        c_function: "tfe_global_avg_pool2d",
        function: "mean over H and W",
        domain: Domain::Range,
        bound: Bound::OfDividend { shift: 17, of: "s", units: 1.0 },
        outside: "",
    },
    // 1/n and 1/d carry k = 9 bits beyond the 16 fractional ones at the
    // default configuration (`protocol::division`), so their rounding is
    // 2^-(16+9+1) relative to the dividend.
    Approximation {
        op: "mean",
        c_function: "tfe_reduce_mean",
        function: "sum(x) / n",
        domain: Domain::Range,
        bound: Bound::OfDividend { shift: 26, of: "s", units: 1.0 },
        outside: "",
    },
    Approximation {
        op: "div_public",
        c_function: "tfe_div_public",
        function: "x / d",
        domain: Domain::Range,
        bound: Bound::OfDividend { shift: 26, of: "x", units: 1.0 },
        outside: "",
    },
];

/// A softmax's input shape: at least one axis, the last at most
/// [`SOFTMAX_MAX_ROW`] long.
pub fn check_softmax_shape(shape: &[usize]) -> crate::error::Result<()> {
    match shape.last() {
        None => Err(crate::error::Error::invalid("softmax needs at least one axis, found a scalar")),
        Some(&width) if width > SOFTMAX_MAX_ROW => Err(crate::error::Error::invalid(format!(
            "softmax over rows of {width} values, expected at most {SOFTMAX_MAX_ROW}: its error grows with the width"
        ))),
        Some(_) => Ok(()),
    }
}

/// The rows of `op` (empty for an exact op).
#[cfg(test)]
pub fn rows(op: &str) -> Vec<&'static Approximation> {
    APPROXIMATIONS.iter().filter(|a| a.op == op).collect()
}

/// A number as the docs write it: powers of two from 2^5 as `2^k`,
/// others in decimal.
pub fn fmt_number(v: f64) -> String {
    let exp = v.abs().log2();
    if v != 0.0 && exp.fract() == 0.0 && exp.abs() >= 5.0 {
        format!("{}2^{}", if v < 0.0 { "-" } else { "" }, exp as i32)
    } else {
        format!("{v}")
    }
}

impl Domain {
    /// `every x in the fixed-point range` or `lo <= x < hi`.
    pub fn text(&self) -> String {
        match *self {
            Domain::Range => "every x in the fixed-point range".to_string(),
            Domain::Rows { most } => {
                format!("every x in the fixed-point range, in rows of at most {} values", fmt_number(most as f64))
            }
            Domain::Interval { lo, hi, magnitude } => {
                let x = if magnitude { "|x|" } else { "x" };
                let sign = if magnitude { ", either sign" } else { "" };
                format!("{} <= {x} < {}{sign}", fmt_number(lo), fmt_number(hi))
            }
        }
    }

    /// Whether `x` lies in the domain (the range is ±`range`).
    pub fn contains(&self, x: f64, range: f64) -> bool {
        match *self {
            Domain::Range | Domain::Rows { .. } => x.abs() <= range,
            Domain::Interval { lo, hi, magnitude } => {
                let v = if magnitude { x.abs() } else { x };
                lo <= v && v < hi
            }
        }
    }
}

impl Bound {
    /// `|error| <= ...`.
    pub fn text(&self) -> String {
        match *self {
            Bound::Absolute(a) if a < 1e-3 && (a / UNIT).fract() == 0.0 => format!("|error| <= {}*2^-16", a / UNIT),
            Bound::Absolute(a) => format!("|error| <= {}", fmt_number(a)),
            Bound::Relative { rel, units: 0.0 } => format!("|error| <= {rel}*|f(x)|"),
            Bound::Relative { rel, units } => format!("|error| <= {rel}*|f(x)| + {units}*2^-16"),
            Bound::OfDividend { shift, of, units: 1.0 } => format!("|error| <= 2^-{shift}*|{of}| + 2^-16"),
            Bound::OfDividend { shift, of, units } => format!("|error| <= 2^-{shift}*|{of}| + {units}*2^-16"),
        }
    }

    /// The largest error allowed at a point where the exact result is
    /// `want` (and, for [`Bound::OfDividend`], the dividend is `dividend`).
    pub fn allows(&self, want: f64, dividend: f64) -> f64 {
        match *self {
            Bound::Absolute(a) => a,
            Bound::Relative { rel, units } => rel * want.abs() + units * UNIT,
            Bound::OfDividend { shift, units, .. } => dividend.abs() / 2f64.powi(shift as i32) + units * UNIT,
        }
    }
}

impl Approximation {
    /// The sentence the op's C doc contains word for word:
    /// `Approximates f(x) for D: |error| <= B.` plus, for averages, what
    /// `s` is, and when the domain is not the whole range, `Outside: ...`.
    pub fn doc_text(&self) -> String {
        let mut text = format!("Approximates `{}` for {}: `{}`", self.function, self.domain.text(), self.bound.text());
        text.push_str(match self.bound {
            Bound::OfDividend { of: "s", .. } => ", s the sum of the averaged elements.",
            _ => ".",
        });
        if !self.outside.is_empty() {
            text.push_str(" Outside: ");
            text.push_str(self.outside);
            text.push('.');
        }
        text
    }
}

/// `docs/approximations.md`, generated from the table.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Approximations: domains and error bounds\n\n\
         Generated from `src/protocol/bounds.rs` (the one table the C docs and the tests read; \
         `tests/bounds_docs.rs` checks that this file is its output). Bounds hold at the default \
         fixed point (16 fractional bits, values within ±2^20) and include its rounding; `f(x)` is \
         the exact function. A secret input outside an op's domain raises no error (checking it \
         would reveal it): the last column says what it produces. A *revealed* value outside the \
         fixed-point range fails the run instead (`TFE_ERR_OUT_OF_RANGE`).\n\n\
         | op | function | domain | bound | outside the domain |\n\
         |---|---|---|---|---|\n",
    );
    for a in APPROXIMATIONS {
        let outside = if a.outside.is_empty() { "-" } else { a.outside };
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | `{}` | {} |",
            a.op,
            a.function,
            a.domain.text(),
            a.bound.text(),
            outside
        );
    }
    out
}
