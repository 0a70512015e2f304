//! Elementwise loops compiled for the widest vectors this CPU has.
//!
//! The crate is built for the x86_64 baseline (SSE2) so that one binary runs
//! everywhere; a loop over `u64` slices then gets 128-bit vectors at best,
//! and no vector 64-bit multiply. A function declared with
//! `vectorized_fn!` has its body compiled three times, for the baseline,
//! AVX2 and AVX-512 (F, DQ, BW, VL), and runs the widest instance this CPU
//! supports, chosen at run time; the result is the same whichever runs.
//! Write the body as loops over whole slices (zipped iterators, no
//! indexing). Only code inlined into it gets the wider vectors: a function
//! it calls keeps its own code generation unless it is `#[inline(always)]`.
//!
//! Tests cap the level (`LevelCapForTests`) to run the narrower instances
//! too: a CPU runs only the widest one otherwise.

use std::sync::OnceLock;

/// The instruction sets `vectorized_fn!` compiles for, narrowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// x86_64 baseline, or any other architecture.
    Baseline,
    /// 256-bit integer vectors.
    Avx2,
    /// 512-bit vectors with 64-bit multiplies (`vpmullq`).
    Avx512,
}

/// The widest level this CPU supports, detected once per process.
pub fn detected_level() -> Level {
    static DETECTED: OnceLock<Level> = OnceLock::new();
    *DETECTED.get_or_init(detect)
}

/// The level the loops run at: the detected one, or in tests at most the
/// one a `LevelCapForTests` sets, so that every instance gets run.
pub fn active_level() -> Level {
    #[cfg(test)]
    if let Some(cap) = *cap::CAP.lock().unwrap_or_else(std::sync::PoisonError::into_inner) {
        return cap.min(detected_level());
    }
    detected_level()
}

fn detect() -> Level {
    if crate::simd::cpu_has!("avx512f", "avx512dq", "avx512bw", "avx512vl", "avx2") {
        Level::Avx512
    } else if crate::simd::cpu_has!("avx2") {
        Level::Avx2
    } else {
        Level::Baseline
    }
}

/// Declares a function whose body is compiled once per [`Level`], the
/// widest the CPU supports running (see the module doc):
///
/// ```ignore
/// vectorized_fn! {
///     /// Doc.
///     pub(super) fn add_into(sum: &mut [u64], words: &[u64]) {
///         sum.iter_mut().zip(words).for_each(|(s, w)| *s = s.wrapping_add(*w));
///     }
/// }
/// ```
///
/// Arguments are plain names with types; the function returns nothing.
macro_rules! vectorized_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl,avx2")]
            fn with_avx512($($arg: $ty),*) {
                body($($arg),*)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            fn with_avx2($($arg: $ty),*) {
                body($($arg),*)
            }

            match $crate::ring::vectorized::active_level() {
                // SAFETY: the CPU has every feature `with_avx512` enables.
                #[cfg(target_arch = "x86_64")]
                $crate::ring::vectorized::Level::Avx512 => unsafe { with_avx512($($arg),*) },
                // SAFETY: the CPU has AVX2.
                #[cfg(target_arch = "x86_64")]
                $crate::ring::vectorized::Level::Avx2 => unsafe { with_avx2($($arg),*) },
                _ => body($($arg),*),
            }
        }
    };
}
pub(crate) use vectorized_fn;

#[cfg(test)]
pub(crate) use cap::LevelCapForTests;

#[cfg(test)]
mod cap {
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use super::Level;

    /// The cap [`super::active_level`] applies, if any.
    pub(super) static CAP: Mutex<Option<Level>> = Mutex::new(None);
    /// Held by the one test that caps the level at a time.
    static CAPPING: Mutex<()> = Mutex::new(());

    /// Runs every vectorized loop at most at `level` until dropped. Tests
    /// that do not cap may run meanwhile: every level computes the same,
    /// so they only run other instances.
    pub(crate) struct LevelCapForTests(#[allow(dead_code)] MutexGuard<'static, ()>);

    impl LevelCapForTests {
        pub(crate) fn new(level: Level) -> Self {
            let guard = CAPPING.lock().unwrap_or_else(PoisonError::into_inner);
            *CAP.lock().unwrap_or_else(PoisonError::into_inner) = Some(level);
            LevelCapForTests(guard)
        }
    }

    impl Drop for LevelCapForTests {
        fn drop(&mut self) {
            *CAP.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    vectorized_fn! {
        /// `out = x² >> 3`, elementwise.
        fn square_shifted(x: &[u64], out: &mut [u64]) {
            out.iter_mut().zip(x).for_each(|(o, x)| *o = x.wrapping_mul(*x) >> 3);
        }
    }

    #[test]
    fn a_vectorized_fn_gives_the_same_result_at_every_level() {
        let a: Vec<u64> = (0..1000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        let expected: Vec<u64> = a.iter().map(|x| x.wrapping_mul(*x) >> 3).collect();
        for level in [Level::Baseline, Level::Avx2, Level::Avx512] {
            if level > detected_level() {
                continue;
            }
            let _cap = LevelCapForTests::new(level);
            let mut out = vec![0; a.len()];
            square_shifted(&a, &mut out);
            assert_eq!(out, expected, "{level:?}");
        }
    }

    vectorized_fn! {
        /// `out = a·b + c`, elementwise.
        fn multiply_add(a: &[u64], b: &[u64], c: &[u64], out: &mut [u64]) {
            for (out, (a, (b, c))) in out.iter_mut().zip(a.iter().zip(b.iter().zip(c))) {
                *out = a.wrapping_mul(*b).wrapping_add(*c);
            }
        }
    }

    #[test]
    fn a_vectorized_fn_computes_what_its_body_says() {
        let a: Vec<u64> = (0..999u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        let (b, c): (Vec<u64>, Vec<u64>) = a.iter().map(|x| (x.rotate_left(17), x ^ 0x5555)).unzip();
        let mut out = vec![0; a.len()];
        multiply_add(&a, &b, &c, &mut out);
        for i in 0..a.len() {
            assert_eq!(out[i], a[i].wrapping_mul(b[i]).wrapping_add(c[i]));
        }
    }
}
