//! `tfe serve`: a prediction service in local mode. The three servers run
//! in this process with the model owner's weights shared once; clients
//! (`tfe::serve::Client`) connect to `--listen` and send requests until they
//! leave. Prints `listening on ADDRESS` when it accepts connections.

use std::io::Write as _;
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::time::Duration;

use tfe::nn::{Model, networks};
use tfe::onnx::OnnxModel;
use tfe::serve::{Server, ServerOptions};

/// `tfe serve`'s options.
#[derive(clap::Args)]
pub struct Args {
    /// The model: an ONNX file, or `network-a` to `network-d` (the
    /// benchmark networks with pseudo-random weights).
    #[arg(long, value_name = "FILE|network-a")]
    model: String,
    /// Where clients connect (`host:port`; port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7000")]
    listen: String,
    /// The most samples per request and per run of the model.
    #[arg(long, value_name = "N", default_value_t = 128)]
    max_batch: usize,
    /// How long to wait for more requests before a run, in microseconds
    /// (0: run what is ready as soon as the previous run ends).
    #[arg(long, value_name = "US", default_value_t = 0)]
    batch_window_us: u64,
    /// Listen on an address other than loopback. The serving protocol has
    /// no TLS yet: anyone on the path sees all three parts of every input,
    /// which together are the input.
    #[arg(long)]
    insecure_plaintext: bool,
}

pub fn run(args: &Args) -> Result<(), String> {
    let text = |e: tfe::Error| e.to_string();
    let loopback = args
        .listen
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve --listen {}: {e}", args.listen))?
        .all(|a| a.ip().is_loopback());
    if !loopback && !args.insecure_plaintext {
        return Err(format!(
            "--listen {} is not a loopback address; the serving protocol has no TLS yet, so a client's parts \
             would cross the network in plaintext: listen on 127.0.0.1, or pass --insecure-plaintext",
            args.listen
        ));
    }
    let model: Box<dyn Model> = match args.model.as_str() {
        "network-a" => Box::new(networks::network_a(1).map_err(text)?),
        "network-b" => Box::new(networks::network_b(1).map_err(text)?),
        "network-c" => Box::new(networks::network_c(1).map_err(text)?),
        "network-d" => Box::new(networks::network_d(1).map_err(text)?),
        file => Box::new(OnnxModel::from_file(PathBuf::from(file)).map_err(text)?),
    };
    let options = ServerOptions {
        max_batch: args.max_batch,
        batch_window: Duration::from_micros(args.batch_window_us),
        ..ServerOptions::default()
    };
    let server = Server::start(model.as_ref(), &args.listen, options).map_err(text)?;
    println!("listening on {}", server.local_addr());
    let _ = std::io::stdout().flush();
    server.wait();
    Ok(())
}
