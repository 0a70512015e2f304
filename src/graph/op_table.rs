//! The macro behind the op table of [`super::op`]: from one line per op it
//! declares [`super::Op`], its field-less twin [`super::op::OpKind`] whose
//! discriminants are the ops' wire codes, each kind's name and operand
//! count, and the encoding of each op's fields. An op is written once, in
//! the table; nothing else lists every op.

/// Declares `Op`, `OpKind` and their tables. Each entry reads
///
/// ```text
/// /// Docs of the variant.
/// Variant = code, "name", arity operands { field: Type as Encoding, ... };
/// ```
///
/// where `code` is the op's wire code (never renumbered or reused: files
/// and digests depend on it; a new op takes the next one), `arity` the
/// number of operands, and each field's `Encoding` one of
/// `super::fields`, written and read in the order the fields are listed.
macro_rules! op_table {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $code:literal, $name:literal, $arity:literal operands
            $({ $($field:ident: $ty:ty as $encoding:ident),+ $(,)? })?;
    )+) => {
        /// What a node computes. Inputs are the node's operands, in order.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Op {
            $( $(#[$doc])* $variant $({ $(#[doc = concat!("The op's `", stringify!($field), "` (see the variant).")] $field: $ty),+ })?, )+
        }

        /// The kind of an op, without its fields. The discriminant is the
        /// op's code in the graph encoding.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum OpKind {
            $( #[doc = concat!("The kind of [`Op::", stringify!($variant), "`].")] $variant = $code, )+
        }

        impl OpKind {
            /// Every kind, in the order of their codes.
            pub const ALL: &'static [OpKind] = &[$(OpKind::$variant),+];

            /// The kind's name, as errors and stats show it (see
            /// [`Op::name`] for the name of an op with its fields).
            pub fn name(self) -> &'static str {
                match self {
                    $(OpKind::$variant => $name,)+
                }
            }

            /// The number of operands an op of this kind takes.
            pub fn arity(self) -> usize {
                match self {
                    $(OpKind::$variant => $arity,)+
                }
            }
        }

        impl From<OpKind> for u8 {
            fn from(kind: OpKind) -> u8 {
                kind as u8
            }
        }

        impl TryFrom<u8> for OpKind {
            type Error = $crate::error::Error;

            fn try_from(code: u8) -> $crate::error::Result<Self> {
                match code {
                    $($code => Ok(OpKind::$variant),)+
                    _ => Err($crate::error::Error::invalid(format!(
                        "unknown op code {code} (expected {} to {})",
                        OpKind::ALL[0] as u8,
                        OpKind::ALL[OpKind::ALL.len() - 1] as u8
                    ))),
                }
            }
        }

        impl Op {
            /// The op's kind.
            pub fn kind(&self) -> OpKind {
                match self {
                    $(Op::$variant { .. } => OpKind::$variant,)+
                }
            }

            /// Writes the op's fields, in table order.
            pub(super) fn write_fields(&self, w: &mut $crate::graph::fields::Writer) {
                #[allow(unused_imports)]
                use $crate::graph::fields::Field;
                match self {
                    $(Op::$variant $({ $($field),+ })? => {
                        $($( <$crate::graph::fields::$encoding as Field<$ty>>::write(w, $field); )+)?
                    })+
                }
            }

            /// Reads the fields of an op of kind `kind`, in table order.
            pub(super) fn read_fields(
                kind: OpKind,
                r: &mut $crate::graph::fields::Reader,
            ) -> $crate::error::Result<Op> {
                #[allow(unused_imports)]
                use $crate::graph::fields::Field;
                Ok(match kind {
                    $(OpKind::$variant => Op::$variant $({ $(
                        $field: <$crate::graph::fields::$encoding as Field<$ty>>::read(r, stringify!($field))?
                    ),+ })?,)+
                })
            }
        }
    };
}
pub(super) use op_table;
