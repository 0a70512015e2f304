//! Criterion benchmarks of the ChaCha keystream, one thread: `rand_chacha`'s
//! ChaCha8 and ChaCha12 (`fill_bytes`) against every back end of
//! `tfe::chacha` this CPU can run, in the same run.
//!
//! Throughput is in decimal bytes (criterion prints GB/s). Two sizes: 128 KiB,
//! one parallel chunk of `prng::fill` (fits in L2), and 512 B, a short draw
//! where per-call costs show.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::{ChaCha8Rng, ChaCha12Rng};
use rand_core::{Rng, SeedableRng};
use tfe::internals::{available_backends, keystream_u64_with};

const KEY: [u8; 32] = *b"benchmark key, not a secret.....";

fn bench_prng(criterion: &mut Criterion) {
    for words in [tfe::internals::GRAIN, 64] {
        let mut out = vec![0u64; words];
        let mut bytes = vec![0u8; words * 8];
        let mut group = criterion.benchmark_group(format!("chacha/{}B", words * 8));
        group.throughput(Throughput::BytesDecimal((words * 8) as u64));
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));

        // A fresh generator per call, as `prng::fill_at` used to make.
        group.bench_function("rand_chacha/ChaCha8", |b| {
            b.iter(|| {
                let mut rng = ChaCha8Rng::from_seed(KEY);
                rng.set_stream(7);
                rng.set_word_pos(1 << 50);
                rng.fill_bytes(black_box(&mut bytes));
            });
        });
        group.bench_function("rand_chacha/ChaCha12", |b| {
            b.iter(|| {
                let mut rng = ChaCha12Rng::from_seed(KEY);
                rng.set_stream(7);
                rng.set_word_pos(1 << 50);
                rng.fill_bytes(black_box(&mut bytes));
            });
        });
        for backend in available_backends() {
            group.bench_function(BenchmarkId::new("tfe", format!("{backend:?}")), |b| {
                b.iter(|| keystream_u64_with(backend, black_box(&KEY), 7, 1 << 50, black_box(&mut out)));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_prng);
criterion_main!(benches);
