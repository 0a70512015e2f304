//! Where handing elementwise work to the rayon pool starts to pay: each
//! kernel on one thread against the same kernel split in two halves on the
//! pool, called from a thread outside the pool (as a session thread calls
//! it), in the same run. Two kernels bracket the elementwise work of tfe: a
//! wrapping add (memory-bound, the cheapest) and a keystream fill (ChaCha8,
//! what the reshares and truncations draw). `tfe::internals::GRAIN` is set
//! from where the halves start to win (BENCHMARKS.md).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use tfe::internals::{Seed, StreamId, fill_at};

fn halves(out: &mut [u64], f: impl Fn(usize, &mut [u64]) + Sync + Send) {
    let half = out.len().div_ceil(2);
    out.par_chunks_mut(half).enumerate().for_each(|(k, chunk)| f(k * half, chunk));
}

fn bench_parallel(criterion: &mut Criterion) {
    let seed = Seed::insecure_deterministic_for_tests(1);
    let id = StreamId { run: 1, op: 2, purpose: 3 };
    for log2 in [10, 11, 12, 13, 14, 15, 16, 17] {
        let n = 1usize << log2;
        let (a, b) = ((0..n as u64).collect::<Vec<_>>(), (0..n as u64).rev().collect::<Vec<_>>());
        let mut out = vec![0u64; n];
        let add = |start: usize, chunk: &mut [u64]| {
            for (i, o) in chunk.iter_mut().enumerate() {
                *o = a[start + i].wrapping_add(b[start + i]);
            }
        };
        let draw = |start: usize, chunk: &mut [u64]| fill_at(&seed, id, start as u64, chunk);
        let mut group = criterion.benchmark_group(format!("parallel/2^{log2}"));
        group.throughput(Throughput::Elements(n as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(1));
        group.bench_function(BenchmarkId::new("add", "thread"), |bench| bench.iter(|| add(0, black_box(&mut out))));
        group.bench_function(BenchmarkId::new("add", "pool"), |bench| bench.iter(|| halves(black_box(&mut out), add)));
        group.bench_function(BenchmarkId::new("keystream", "thread"), |bench| {
            bench.iter(|| draw(0, black_box(&mut out)));
        });
        group.bench_function(BenchmarkId::new("keystream", "pool"), |bench| {
            bench.iter(|| halves(black_box(&mut out), draw));
        });
        group.finish();
    }
}

criterion_group!(benches, bench_parallel);
criterion_main!(benches);
