//! `tfe bench --only serve`: serving Network A in local mode (`tfe::serve`
//! over loopback TCP). A lone client at growing batch sizes (predictions
//! per second), each next to `PrivatePredictor` at the same batch in the
//! same run, alternating (what the service adds to a request; at batch 1,
//! a lone request's latency); and many concurrent single-image clients
//! (predictions per second, p50 and p99 latency, the mean batch the
//! service ran).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tfe::nn::PrivatePredictor;
use tfe::nn::networks::network_a;
use tfe::serve::{Client, Server, ServerOptions};
use tfe::session::LocalOptions;

const MAX_BATCH: usize = 128;

pub fn run(quick: bool) -> tfe::Result<()> {
    let model = network_a(1)?;
    let image = |seed: usize| -> Vec<f64> { (0..784).map(|i| ((i * 31 + seed * 7) % 256) as f64 / 255.0).collect() };
    let server =
        Server::start(&model, "127.0.0.1:0", ServerOptions { max_batch: MAX_BATCH, ..ServerOptions::default() })?;
    let addr = server.local_addr().to_string();
    let mut predictor = PrivatePredictor::local(&model, MAX_BATCH, "model-owner", "client", LocalOptions::default())?;
    let batches: &[usize] = if quick { &[1, 128] } else { &[1, 8, 32, 64, 128] };
    for &batch in batches {
        let mut client = Client::connect(&addr)?;
        let x: Vec<f64> = (0..batch).flat_map(image).collect();
        client.predict(&x)?;
        predictor.predict(&x)?;
        let runs = match (quick, batch) {
            (true, _) => 5,
            (false, 1) => 201,
            (false, _) => 21,
        };
        // Alternating, so that both see the same load on the machine.
        let (mut served, mut direct) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        for _ in 0..runs {
            served.push(timed(|| client.predict(&x))?);
            direct.push(timed(|| predictor.predict(&x))?);
        }
        served.sort();
        direct.sort();
        let (median, p99, alone) = (served[runs / 2], served[runs * 99 / 100], direct[runs / 2]);
        println!(
            "{{\"bench\":\"serve_batch\",\"size\":{batch},\"transport\":\"tcp\",\"median_s\":{:.6},\"runs\":{runs},\
             \"p99_s\":{:.6},\"predictions_per_s\":{:.0},\"predictor_median_s\":{:.6},\"ratio_to_predictor\":{:.2}}}",
            median.as_secs_f64(),
            p99.as_secs_f64(),
            batch as f64 / median.as_secs_f64(),
            alone.as_secs_f64(),
            median.as_secs_f64() / alone.as_secs_f64()
        );
    }
    drop(predictor);
    let clients: &[usize] = if quick { &[32] } else { &[16, 64, 128] };
    for &n in clients {
        concurrent(&server, &addr, n, if quick { 20 } else { 100 }, &image)?;
    }
    Ok(())
}

/// `n` clients, each sending `requests` single images one after another.
fn concurrent(
    server: &Server,
    addr: &str,
    n: usize,
    requests: usize,
    image: &(dyn Fn(usize) -> Vec<f64> + Sync),
) -> tfe::Result<()> {
    let mut clients = (0..n).map(|_| Client::connect(addr)).collect::<tfe::Result<Vec<_>>>()?;
    let (batches, samples) =
        (server.stats().batches.load(Ordering::Relaxed), server.stats().samples.load(Ordering::Relaxed));
    let started = Instant::now();
    let latencies: Vec<tfe::Result<Vec<Duration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter_mut()
            .enumerate()
            .map(|(c, client)| {
                scope.spawn(move || (0..requests).map(|i| timed(|| client.predict(&image(c * requests + i)))).collect())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(tfe::Error::internal("a client panicked"))))
            .collect()
    });
    let elapsed = started.elapsed();
    let mut all = Vec::with_capacity(n * requests);
    for l in latencies {
        all.extend(l?);
    }
    all.sort();
    let ran = server.stats().batches.load(Ordering::Relaxed) - batches;
    let rows = server.stats().samples.load(Ordering::Relaxed) - samples;
    println!(
        "{{\"bench\":\"serve_concurrent\",\"size\":{n},\"transport\":\"tcp\",\"median_s\":{:.6},\"runs\":{},\
         \"p99_s\":{:.6},\"predictions_per_s\":{:.0},\"mean_batch\":{:.1}}}",
        all[all.len() / 2].as_secs_f64(),
        all.len(),
        all[all.len() * 99 / 100].as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        rows as f64 / ran.max(1) as f64
    );
    Ok(())
}

fn timed<T>(f: impl FnOnce() -> tfe::Result<T>) -> tfe::Result<Duration> {
    let started = Instant::now();
    f()?;
    Ok(started.elapsed())
}
