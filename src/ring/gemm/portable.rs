//! The portable microkernel: plain Rust, no intrinsics, for every target.
//!
//! The C tile lives in a fixed-size local array that the compiler keeps in
//! registers (or vectorizes with whatever the baseline target offers, e.g.
//! SSE2 on x86_64); the packed panels make every load unit-stride.

use super::blocked::{MicroKernel, Tile};

/// Tile rows; 4×4 accumulators fit the 16 general registers of x86_64.
const MR: usize = 4;
/// Tile columns.
const NR: usize = 4;

/// Marker type selecting the portable kernel in the blocked driver.
pub(super) struct Portable;

impl MicroKernel for Portable {
    const MR: usize = MR;
    const NR: usize = NR;
    const MC: usize = 128;

    unsafe fn tile(t: Tile<'_>) {
        tile(t);
    }
}

/// See [`MicroKernel::tile`]; safe because it uses no target features.
fn tile(t: Tile<'_>) {
    let (a, _) = t.a[..t.kc * MR].as_chunks::<MR>();
    let (b, _) = t.b[..t.kc * NR].as_chunks::<NR>();
    let mut acc = [[0u64; NR]; MR];
    for (ap, bp) in a.iter().zip(b) {
        for (acc_row, &ai) in acc.iter_mut().zip(ap) {
            for (acc_ij, &bj) in acc_row.iter_mut().zip(bp) {
                *acc_ij = acc_ij.wrapping_add(ai.wrapping_mul(bj));
            }
        }
    }
    t.store(acc.as_flattened(), NR);
}
