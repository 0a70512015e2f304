//! The ring layer: tensors over `Z_2^64` with wrapping arithmetic, the GEMM,
//! shape arithmetic. It knows nothing about shares or protocols.

pub mod element;
pub mod gemm;
pub mod layout;
pub mod shape;
pub mod tensor;
pub mod vectorized;

pub use tensor::RingTensor;
