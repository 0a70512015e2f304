//! Criterion benchmarks of the ring GEMM: square products of 256 and 1024,
//! every kernel this CPU can run, on one thread and on all cores.
//!
//! Throughput is reported in elements = multiply-accumulates (m·n·k), so the
//! "elem/s" criterion prints is MAC/s directly.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tfe::internals::gemm::Factor::Matrix;
use tfe::internals::gemm::{Threads, available_kernels, gemm_with};
use tfe::internals::random_words;

fn bench_gemm(criterion: &mut Criterion) {
    for size in [256usize, 1024] {
        let (m, k, n) = (size, size, size);
        let a = random_words(m * k, 0x9E37_79B9_7F4A_7C15);
        let b = random_words(k * n, 0xD1B5_4A32_D192_ED03);
        let mut c = vec![0u64; m * n];

        let mut group = criterion.benchmark_group(format!("gemm/{size}"));
        group.throughput(Throughput::Elements((m * n * k) as u64));
        if size >= 1024 {
            // A 1024³ product takes 20–300 ms: fewer, longer samples.
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(8));
        }
        for kernel in available_kernels() {
            for threads in [Threads::Single, Threads::All] {
                let id = BenchmarkId::new(format!("{kernel:?}"), format!("{threads:?}"));
                group.bench_function(id, |bencher| {
                    bencher.iter(|| {
                        gemm_with(kernel, threads, m, k, n, Matrix(black_box(&a)), Matrix(&b), &mut c, false);
                        black_box(&mut c);
                    });
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, bench_gemm);
criterion_main!(benches);
