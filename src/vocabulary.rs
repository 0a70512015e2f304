//! The op vocabulary: the kinds of elementwise function, comparison,
//! pooling, reduction and sort order an op can name. Graph ops carry them
//! and protocols implement them, so they sit below both: this module
//! imports nothing from the layers above the ring.
//!
//! Each is declared by `code_enum!`: its discriminants are its codes in
//! the graph encoding, so a variant's code is written once, where it is
//! declared.

/// Declares an enum whose discriminants are its codes in the graph
/// encoding, with each variant's name, `ALL` (every variant, in code
/// order), `From<Enum> for u8` and `TryFrom<u8>`, whose error names what
/// the code stands for and the codes expected.
///
/// Codes are never renumbered or reused (files and digests depend on
/// them): a new variant takes the next code.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $enum:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $name:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $enum {
            $( $(#[$vmeta])* $variant = $code, )+
        }

        impl $enum {
            /// Every variant, in the order of their codes.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),+];

            /// The variant's name, as errors and stats show it.
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)+
                }
            }
        }

        impl From<$enum> for u8 {
            fn from(v: $enum) -> u8 {
                v as u8
            }
        }

        impl TryFrom<u8> for $enum {
            type Error = $crate::error::Error;

            fn try_from(code: u8) -> $crate::error::Result<Self> {
                match code {
                    $($code => Ok($enum::$variant),)+
                    _ => Err($crate::error::Error::invalid(format!(
                        "unknown {} code {code} (expected {} to {})",
                        $what,
                        Self::ALL[0] as u8,
                        Self::ALL[Self::ALL.len() - 1] as u8
                    ))),
                }
            }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// Elementwise (softmax: along the last axis) functions of a private value.
    pub enum Unary ("function") {
        /// Exact max(x, 0).
        Relu = 0 => "relu",
        /// Sigmoid within 0.003 (piecewise linear, 25 knots; `protocol/bounds.rs`).
        Sigmoid = 1 => "sigmoid",
        /// TF Encrypted's piecewise-linear sigmoid: clamp(0.2x + 0.5, 0, 1).
        HardSigmoid = 2 => "hard_sigmoid",
        /// e^x.
        Exp = 3 => "exp",
        /// 1 / x.
        Reciprocal = 4 => "reciprocal",
        /// 1 / √x.
        InvSqrt = 5 => "inv_sqrt",
        /// Softmax along the last axis.
        Softmax = 6 => "softmax",
        /// Exact |x| = x − 2·msb(x)·x: 8 rounds.
        Abs = 7 => "abs",
        // Approximations with a stated domain and bound (`protocol/bounds.rs`).
        /// Hyperbolic tangent.
        Tanh = 8 => "tanh",
        /// Natural logarithm.
        Log = 9 => "log",
        /// Square root.
        Sqrt = 10 => "sqrt",
    }
}

code_enum! {
    /// Comparisons; results are private fixed-point 0.0 / 1.0.
    pub enum Comparison ("comparison") {
        /// x < y
        Less = 0 => "less",
        /// x ≤ y
        LessEqual = 1 => "less_equal",
        /// x > y
        Greater = 2 => "greater",
        /// x ≥ y
        GreaterEqual = 3 => "greater_equal",
        /// x = y, exact in the fixed-point range.
        Equal = 4 => "equal",
    }
}

code_enum! {
    /// Pooling over 2-D windows of an NHWC tensor.
    pub enum Pool ("pooling") {
        /// The maximum of each window.
        Max = 0 => "max_pool2d",
        /// The mean of each window's elements inside the input (TensorFlow's
        /// SAME average).
        Average = 1 => "avg_pool2d",
    }
}

code_enum! {
    /// Reductions along one axis that need comparisons.
    pub enum Reduce ("reduction") {
        /// The maximum.
        Max = 0 => "reduce_max",
        /// The index of the first maximum, as a fixed-point integer.
        ArgMax = 1 => "argmax",
        /// The first maximum as a one-hot vector (fixed-point 1.0 there, 0.0
        /// elsewhere); unlike the others it keeps the axis.
        ArgMaxOneHot = 2 => "argmax_one_hot",
        /// The minimum: −max(−x), exact.
        Min = 3 => "reduce_min",
        /// The index of the first minimum, as a fixed-point integer: argmax(−x).
        ArgMin = 4 => "argmin",
    }
}

code_enum! {
    /// The order of a sort.
    pub enum SortOrder ("sort order") {
        /// Smallest first.
        Ascending = 0 => "ascending",
        /// Largest first.
        Descending = 1 => "descending",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks that the codes of `all` run from `first` without a gap, that
    /// each converts back to its variant, that names are distinct, and that
    /// the next code is an error naming `what`.
    pub(crate) fn check_codes<T>(all: &[T], first: u8, what: &str)
    where
        T: Copy + std::fmt::Debug + PartialEq + Into<u8> + TryFrom<u8, Error = crate::error::Error>,
    {
        for (i, &v) in all.iter().enumerate() {
            let code: u8 = v.into();
            assert_eq!(usize::from(code), usize::from(first) + i, "{v:?} breaks the run of codes");
            assert_eq!(T::try_from(code).unwrap(), v);
        }
        let next = first + all.len() as u8;
        let err = T::try_from(next).unwrap_err().to_string();
        let expected = format!("unknown {what} code {next} (expected {first} to {})", next - 1);
        assert!(err.contains(&expected), "{err}");
    }

    #[test]
    fn codes_run_without_gaps_and_convert_back() {
        check_codes(Unary::ALL, 0, "function");
        check_codes(Comparison::ALL, 0, "comparison");
        check_codes(Pool::ALL, 0, "pooling");
        check_codes(Reduce::ALL, 0, "reduction");
        check_codes(SortOrder::ALL, 0, "sort order");
        assert_eq!(u8::from(Unary::Sqrt), 10);
        assert_eq!(Comparison::try_from(3).unwrap(), Comparison::GreaterEqual);
    }

    #[test]
    fn names_are_distinct() {
        let mut names: Vec<&str> = Unary::ALL.iter().map(|v| v.name()).collect();
        names.extend(Comparison::ALL.iter().map(|v| v.name()));
        names.extend(Pool::ALL.iter().map(|v| v.name()));
        names.extend(Reduce::ALL.iter().map(|v| v.name()));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "two variants share a name");
    }
}
