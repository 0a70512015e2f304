//! Criterion benchmarks of private ops in local mode: whole runs (the op
//! plus the reveal of its result) between two private variables that were
//! shared in a warm-up run. `tfe bench` reports the op alone, from stats.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tfe::graph::{Graph, TensorId};
use tfe::session::{Feeds, LocalOptions, LocalSession, Transport};

fn session_for(
    shape: &[usize],
    op: impl Fn(&mut Graph, TensorId, TensorId) -> tfe::Result<TensorId>,
    transport: Transport,
) -> (LocalSession, TensorId) {
    let len: usize = shape.iter().product();
    let values: Vec<f64> = (0..len).map(|i| (i % 17) as f64 / 16.0 - 0.5).collect();
    let mut g = Graph::default();
    let a = g.private_variable("a", "server0", shape).unwrap();
    let b = g.private_variable("b", "server1", shape).unwrap();
    let y = op(&mut g, a, b).unwrap();
    let out = g.reveal(y, None).unwrap();
    let mut session = LocalSession::new(&g, LocalOptions { transport, ..LocalOptions::default() }).unwrap();
    session.set_variable_values("a", values.clone()).unwrap();
    session.set_variable_values("b", values).unwrap();
    session.run(&[out], &Feeds::new()).unwrap();
    (session, out)
}

fn private_ops(c: &mut Criterion) {
    let mut group = c.benchmark_group("private");
    group.sample_size(10);
    for (name, transport) in [("tcp", Transport::Tcp), ("memory", Transport::Memory)] {
        let n = 256;
        let (mut session, out) = session_for(&[n, n], tfe::graph::Graph::matmul, transport);
        group.throughput(Throughput::Elements((n * n * n) as u64));
        group.bench_function(format!("matmul_{n}_{name}"), |bench| {
            bench.iter(|| session.run(&[out], &Feeds::new()).unwrap());
        });
        let n = 100_000;
        let (mut session, out) = session_for(&[n], tfe::graph::Graph::mul, transport);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("mul_{n}_{name}"), |bench| {
            bench.iter(|| session.run(&[out], &Feeds::new()).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, private_ops);
criterion_main!(benches);
