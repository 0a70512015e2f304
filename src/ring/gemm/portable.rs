//! The portable microkernel: plain Rust, no intrinsics, for every target.
//!
//! The C tile lives in a fixed-size local array that the compiler keeps in
//! registers (or vectorizes with whatever the baseline target offers, e.g.
//! SSE2 on x86_64); the packed panels make every load unit-stride.

use super::blocked::{MicroKernel, store_tile};

/// Tile rows; 4×4 accumulators fit the 16 general registers of x86_64.
const MR: usize = 4;
/// Tile columns.
const NR: usize = 4;

/// Marker type selecting the portable kernel in the blocked driver.
pub(super) struct Portable;

impl MicroKernel for Portable {
    const MR: usize = MR;
    const NR: usize = NR;
    const KC: usize = 256;
    const MC: usize = 128;
    const NC: usize = 2048;

    unsafe fn tile(kc: usize, a: &[u64], b: &[u64], c: &mut [u64], ldc: usize, mr: usize, nr: usize, overwrite: bool) {
        tile(kc, a, b, c, ldc, mr, nr, overwrite);
    }
}

/// See [`MicroKernel::tile`]; safe because it uses no target features.
#[allow(clippy::too_many_arguments)] // as the trait method
fn tile(kc: usize, a: &[u64], b: &[u64], c: &mut [u64], ldc: usize, mr: usize, nr: usize, overwrite: bool) {
    let (a, _) = a[..kc * MR].as_chunks::<MR>();
    let (b, _) = b[..kc * NR].as_chunks::<NR>();
    let mut acc = [[0u64; NR]; MR];
    for (ap, bp) in a.iter().zip(b) {
        for (acc_row, &ai) in acc.iter_mut().zip(ap) {
            for (acc_ij, &bj) in acc_row.iter_mut().zip(bp) {
                *acc_ij = acc_ij.wrapping_add(ai.wrapping_mul(bj));
            }
        }
    }
    store_tile(acc.as_flattened(), NR, c, ldc, mr, nr, overwrite);
}
