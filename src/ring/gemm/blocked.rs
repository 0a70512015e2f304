//! The cache-blocked GEMM driver, shared by every microkernel.
//!
//! Loop nest (Goto/BLIS): columns of C in blocks of `NC`; the shared dimension
//! in blocks of `KC`, for which one `KC×NC` block of B is packed into
//! `NR`-wide panels (kept in L3 and read by every thread); rows of C in blocks
//! of at most `MC`, each packing its `MC×KC` block of A into `MR`-tall panels
//! (kept in L2); then every `MR×NR` tile of C gets one microkernel call, with
//! the B panel inner loop-invariant so it stays in L1.
//!
//! Threads split the rows of C: each rayon task owns a disjoint `&mut` chunk
//! of whole rows (from `par_chunks_mut`), so no two threads ever touch the
//! same output element and no unsafe aliasing is needed.
//!
//! The packing buffers live on in each thread for the next product: a
//! fresh one per product (2 MiB of packed B at 1024) costs a page fault and
//! a zeroing per 4 KiB page, as much as a tenth of the product itself.

use std::cell::Cell;
use std::thread::LocalKey;

use rayon::prelude::*;

use super::Factor;
use super::pack::{pack_a, pack_b};

/// A register-tiled microkernel and the cache blocking that suits it.
pub(super) trait MicroKernel {
    /// Rows of the C tile held in registers.
    const MR: usize;
    /// Columns of the C tile held in registers.
    const NR: usize;
    /// Depth of one packed block (B panel `KC×NR` should fit L1).
    const KC: usize = 256;
    /// Rows of A packed at once (`MC×KC` should fit L2); a multiple of `MR`.
    const MC: usize;
    /// Columns of B packed at once (`KC×NC` should fit a share of L3).
    const NC: usize = 2048;

    /// Adds one tile, `c[r*ldc + j] += Σ_p a[p*MR + r] · b[p*NR + j]` for
    /// `r < mr`, `j < nr`, or writes it (`=`) when `overwrite` (see [`Tile`]).
    ///
    /// Panics if a slice is too short for `kc`, `mr`, `nr`, `ldc`.
    ///
    /// # Safety
    /// The CPU must support the kernel's target features
    /// (`super::is_available` returned true for it).
    unsafe fn tile(tile: Tile<'_>);
}

/// One microkernel call: two packed panels and the corner of C their
/// product goes to.
pub(super) struct Tile<'a> {
    /// The depth of the panels.
    pub kc: usize,
    /// A packed A panel, `kc×MR` (zero padded).
    pub a: &'a [u64],
    /// A packed B panel, `kc×NR` (zero padded).
    pub b: &'a [u64],
    /// C from the tile's top-left element on, row stride `ldc`.
    pub c: &'a mut [u64],
    pub ldc: usize,
    /// The part of the `MR×NR` tile inside C: fewer rows or columns at an edge.
    pub mr: usize,
    pub nr: usize,
    /// Write the tile instead of adding it to C.
    pub overwrite: bool,
}

impl Tile<'_> {
    /// Whether the whole `MR×NR` register tile lies inside C.
    pub fn is_full(&self, mr: usize, nr: usize) -> bool {
        self.mr == mr && self.nr == nr
    }

    /// Adds the top-left `mr×nr` part of a register tile, spilled row-major
    /// to `spill` (row stride `stride`), into C, or writes it there when
    /// `overwrite`. Kernels use it for edge tiles, where the padded tile is
    /// larger than C's corner.
    pub fn store(self, spill: &[u64], stride: usize) {
        for r in 0..self.mr {
            let src = &spill[r * stride..r * stride + self.nr];
            let dst = &mut self.c[r * self.ldc..r * self.ldc + self.nr];
            if self.overwrite {
                dst.copy_from_slice(src);
            } else {
                dst.iter_mut().zip(src).for_each(|(d, &s)| *d = d.wrapping_add(s));
            }
        }
    }
}

/// `c += a · b`, or `c = a · b` unless `accumulate`, with kernel `K`: the
/// first block of the shared dimension writes C instead of adding to it,
/// so C is never zeroed first. Shapes are checked and nonempty; `K` is
/// available on this CPU (both established by `super::gemm_with`).
#[allow(clippy::too_many_arguments)] // the product, its shape and two choices
pub(super) fn run<K: MicroKernel>(
    parallel: bool,
    m: usize,
    k: usize,
    n: usize,
    a: Factor,
    b: Factor,
    c: &mut [u64],
    accumulate: bool,
) {
    debug_assert!(K::MC.is_multiple_of(K::MR));
    let rows = rows_per_task::<K>(parallel, m);
    let kc_max = K::KC.min(k);
    let mut b_pack = take_scratch(&PACKED_B, K::NC.min(n).next_multiple_of(K::NR) * kc_max);

    for jc in (0..n).step_by(K::NC) {
        let nc = K::NC.min(n - jc);
        for pc in (0..k).step_by(K::KC) {
            let kc = K::KC.min(k - pc);
            let overwrite = !accumulate && pc == 0;
            let b_pack = &mut b_pack[..nc.next_multiple_of(K::NR) * kc];
            pack_b(K::NR, b, n, pc, kc, jc, nc, b_pack, parallel);
            let b_pack = &*b_pack;

            // One task: a block of whole rows of C and the same rows of A.
            let task = |(block, c_rows): (usize, &mut [u64])| {
                let mc = c_rows.len() / n;
                let a_rows = a.slice(block * rows * k..(block * rows + mc) * k);
                let mut a_pack = take_scratch(&PACKED_A, mc.next_multiple_of(K::MR) * kc);
                pack_a(K::MR, a_rows, k, pc, kc, mc, &mut a_pack);
                macro_kernel::<K>(kc, mc, nc, &a_pack, b_pack, &mut c_rows[jc..], n, overwrite);
                PACKED_A.set(a_pack);
            };
            if parallel {
                c.par_chunks_mut(rows * n).enumerate().for_each(task);
            } else {
                c.chunks_mut(rows * n).enumerate().for_each(task);
            }
        }
    }
    PACKED_B.set(b_pack);
}

thread_local! {
    /// This thread's packed block of A (at most `MC×KC` words).
    static PACKED_A: Cell<Vec<u64>> = const { Cell::new(Vec::new()) };
    /// This thread's packed block of B (at most `KC×NC` words).
    static PACKED_B: Cell<Vec<u64>> = const { Cell::new(Vec::new()) };
}

/// This thread's buffer `key`, `len` words long (contents unspecified:
/// packing writes every word, padding included), to be put back with
/// `key.set` after use. Meanwhile the thread's slot is empty, so a product
/// started on this thread before then (rayon may run another task while
/// it waits) takes a new buffer rather than sharing this one.
fn take_scratch(key: &'static LocalKey<Cell<Vec<u64>>>, len: usize) -> Vec<u64> {
    let mut words = key.take();
    words.resize(len, 0);
    words
}

/// Rows of C per task: at most `MC` (the L2 block), and when threads are in
/// play, as many tasks as a multiple of the thread count, of equal height:
/// 1024 rows on two threads make eight tasks of 128 rows, where blocks of
/// `MC` = 144 would leave one thread idle while the other does the eighth.
fn rows_per_task<K: MicroKernel>(parallel: bool, m: usize) -> usize {
    if !parallel {
        return K::MC;
    }
    let threads = rayon::current_num_threads();
    let rounds = m.div_ceil(threads * K::MC);
    m.div_ceil(threads * rounds).next_multiple_of(K::MR).min(K::MC)
}

/// All tiles of one `mc×nc` block of C (starting at `c[0]`, row stride `ldc`)
/// from packed A (`mc` rows) and packed B (`nc` columns), both of depth `kc`,
/// added to C or written over it.
#[allow(clippy::too_many_arguments)] // a block, its place in C and the mode
fn macro_kernel<K: MicroKernel>(
    kc: usize,
    mc: usize,
    nc: usize,
    a_pack: &[u64],
    b_pack: &[u64],
    c: &mut [u64],
    ldc: usize,
    overwrite: bool,
) {
    let a_panels = a_pack.chunks_exact(kc * K::MR);
    for (jr, b_panel) in (0..nc).step_by(K::NR).zip(b_pack.chunks_exact(kc * K::NR)) {
        let nr = K::NR.min(nc - jr);
        for (ir, a_panel) in (0..mc).step_by(K::MR).zip(a_panels.clone()) {
            let mr = K::MR.min(mc - ir);
            // SAFETY: `run` is only reached through `gemm_with`, which checked
            // that this CPU supports kernel `K`.
            let c = &mut c[ir * ldc + jr..];
            unsafe { K::tile(Tile { kc, a: a_panel, b: b_panel, c, ldc, mr, nr, overwrite }) };
        }
    }
}
