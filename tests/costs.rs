//! The cost table: the rounds and bytes each op costs the servers, measured
//! through a local session over TCP and asserted exactly, and written out as
//! the table in `docs/architecture.md` (between the `costs:` markers;
//! `TFE_BLESS=1 cargo test --test costs` rewrites it after an intended
//! change).
//!
//! Every op runs on `x`, a private [80, 8] tensor (640 elements), with a
//! second private `y` of the same shape and a private [8, 8] `w` where it
//! needs them; reductions, sorts and pooling work along the 8 columns. The
//! counts are the op's own node (its span in the run's stats), the most any
//! server sent; rounds do not depend on the row count, which the test checks
//! by running each op again on [8, 8], except where the signs an op takes
//! on [80, 8] are too many for the three-round form and on [8, 8] are not
//! ([`ROUNDS_ON_8X8`], which the table in the docs shows as a column).

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::grid_values;
use tfe::Padding;
use tfe::SortOrder;
use tfe::Window;
use tfe::error::Result;
use tfe::graph::{Graph, TensorId};
use tfe::session::{Feeds, LocalOptions, LocalSession};

/// Builds the op on the private inputs `x`, `y` and `w`.
type Build = fn(&mut Graph, TensorId, TensorId, TensorId) -> Result<TensorId>;

/// One row of the table.
struct Cost {
    op: &'static str,
    /// What the op computes here, for the table.
    on: &'static str,
    build: Build,
    rounds: u64,
    /// The most bytes one server sent for the op on the [80, 8] inputs.
    bytes: u64,
}

const COLUMNS: usize = 8;
const ROWS: usize = 80;

/// `x` as one NHWC image [1, rows, 8, 1].
fn image(g: &mut Graph, x: TensorId) -> Result<TensorId> {
    let rows = g.shape(x)?[0];
    g.reshape(x, &[1, rows, COLUMNS, 1])
}

#[rustfmt::skip]
const COSTS: &[Cost] = &[
    Cost { op: "add", on: "x + y", build: |g, x, y, _| g.add(x, y), rounds: 0, bytes: 0 },
    Cost { op: "reduce_sum", on: "along the columns", build: |g, x, _, _| g.reduce_sum(x, Some(1)), rounds: 0, bytes: 0 },
    Cost { op: "cumsum", on: "along the columns", build: |g, x, _, _| g.cumsum(x, 1, false, false), rounds: 0, bytes: 0 },
    Cost { op: "mul", on: "x · y, elementwise", build: |g, x, y, _| g.mul(x, y), rounds: 2, bytes: 10240 },
    Cost { op: "mul", on: "x · 1.5 (public)", build: |g, x, _, _| { let c = g.constant(&[], vec![1.5])?; g.mul(x, c) }, rounds: 2, bytes: 10240 },
    Cost { op: "square", on: "x²", build: |g, x, _, _| g.square(x), rounds: 2, bytes: 10240 },
    Cost { op: "matmul", on: "x · w, [80, 8] · [8, 8]", build: |g, x, _, w| g.matmul(x, w), rounds: 2, bytes: 10240 },
    Cost { op: "conv2d", on: "3×3 SAME, one channel", build: |g, x, _, w| { let i = image(g, x)?; let f = g.reshape(w, &[8, 8])?; let f = g.slice(f, &[0, 0], &[3, 3])?; let f = g.reshape(f, &[3, 3, 1, 1])?; g.conv2d(i, f, (1, 1), Padding::Same) }, rounds: 2, bytes: 10240 },
    Cost { op: "div_public", on: "x / 3", build: |g, x, _, _| g.div_public(x, 3.0), rounds: 2, bytes: 10240 },
    Cost { op: "reduce_mean", on: "along the columns", build: |g, x, _, _| g.reduce_mean(x, Some(1)), rounds: 2, bytes: 1280 },
    Cost { op: "select", on: "c ? x : y, c private", build: |g, x, y, _| { let c = g.less(x, y)?; g.select(c, x, y) }, rounds: 2, bytes: 10240 },
    Cost { op: "avg_pool2d", on: "2×2, stride 2", build: |g, x, _, _| { let i = image(g, x)?; g.avg_pool2d(i, (2, 2), (2, 2), Padding::Valid) }, rounds: 2, bytes: 2560 },
    Cost { op: "global_avg_pool2d", on: "over [80, 8]", build: |g, x, _, _| { let i = image(g, x)?; g.global_avg_pool2d(i) }, rounds: 2, bytes: 16 },
    Cost { op: "patches", on: "2×2 windows, stride 1", build: |g, x, _, _| { let i = image(g, x)?; g.patches(i, Window { kh: 2, kw: 2, sh: 1, sw: 1, padding: Padding::Valid }, true) }, rounds: 0, bytes: 0 },
    Cost { op: "patches_add", on: "2×2 windows, stride 2", build: |g, x, _, _| { let w = Window { kh: 2, kw: 2, sh: 2, sw: 2, padding: Padding::Valid }; let i = image(g, x)?; let p = g.patches(i, w, true)?; let input = g.shape(i)?.to_vec(); g.patches_add(p, w, true, &input) }, rounds: 0, bytes: 0 },
    Cost { op: "relu", on: "max(x, 0)", build: |g, x, _, _| g.relu(x), rounds: 8, bytes: 25760 },
    Cost { op: "abs", on: "|x|", build: |g, x, _, _| g.abs(x), rounds: 8, bytes: 25760 },
    Cost { op: "less", on: "x < y (also ≤, >, ≥)", build: |g, x, y, _| g.less(x, y), rounds: 8, bytes: 25760 },
    Cost { op: "equal", on: "x = y", build: |g, x, y, _| g.equal(x, y), rounds: 9, bytes: 51200 },
    Cost { op: "maximum", on: "max(x, y)", build: |g, x, y, _| g.maximum(x, y), rounds: 8, bytes: 25760 },
    Cost { op: "minimum", on: "min(x, y)", build: |g, x, y, _| g.minimum(x, y), rounds: 8, bytes: 25760 },
    Cost { op: "reduce_max", on: "along the columns", build: |g, x, _, _| g.reduce_max(x, 1), rounds: 14, bytes: 95440 },
    Cost { op: "reduce_min", on: "along the columns", build: |g, x, _, _| g.reduce_min(x, 1), rounds: 14, bytes: 95440 },
    Cost { op: "argmax", on: "along the columns", build: |g, x, _, _| g.argmax(x, 1), rounds: 19, bytes: 86400 },
    Cost { op: "argmin", on: "along the columns", build: |g, x, _, _| g.argmin(x, 1), rounds: 19, bytes: 86400 },
    Cost { op: "argmax_one_hot", on: "along the columns", build: |g, x, _, _| g.argmax_one_hot(x, 1), rounds: 24, bytes: 69920 },
    Cost { op: "max_pool2d", on: "2×2, stride 2", build: |g, x, _, _| { let i = image(g, x)?; g.max_pool2d(i, (2, 2), (2, 2), Padding::Valid) }, rounds: 11, bytes: 67920 },
    Cost { op: "sort", on: "each row of 8", build: |g, x, _, _| g.sort(x, 1, SortOrder::Ascending), rounds: 33, bytes: 231280 },
    Cost { op: "count_outside", on: "x outside [−2^20, 2^20), segments of 15/16 and 1/16", build: |g, x, _, _| { let n = g.shape(x)?.iter().product::<usize>(); let flat = g.reshape(x, &[n])?; g.count_outside(flat, 1048576.0, &[n - n / 16, n / 16]) }, rounds: 9, bytes: 35376 },
    Cost { op: "sigmoid", on: "σ(x)", build: |g, x, _, _| g.sigmoid(x), rounds: 10, bytes: 654240 },
    Cost { op: "hard_sigmoid", on: "clamp(0.2x + 0.5, 0, 1)", build: |g, x, _, _| g.hard_sigmoid(x), rounds: 10, bytes: 61760 },
    Cost { op: "tanh", on: "tanh(x)", build: |g, x, _, _| g.tanh(x), rounds: 10, bytes: 757280 },
    Cost { op: "exp", on: "eˣ", build: |g, x, _, _| g.exp(x), rounds: 26, bytes: 138400 },
    Cost { op: "log", on: "ln x (x > 0)", build: |g, x, _, _| g.log(x), rounds: 18, bytes: 473600 },
    Cost { op: "reciprocal", on: "1/x", build: |g, x, _, _| g.reciprocal(x), rounds: 24, bytes: 932000 },
    Cost { op: "sqrt", on: "√x (x > 0)", build: |g, x, _, _| g.sqrt(x), rounds: 36, bytes: 555520 },
    Cost { op: "inv_sqrt", on: "1/√x (x > 0)", build: |g, x, _, _| g.inv_sqrt(x), rounds: 34, bytes: 545280 },
    Cost { op: "softmax", on: "along the columns", build: |g, x, _, _| g.softmax(x), rounds: 66, bytes: 267200 },
    Cost { op: "reveal", on: "x to every player", build: |g, x, _, _| g.reveal(x, None), rounds: 1, bytes: 5120 },
];

/// The rounds on [8, 8] of the ops whose signs on [80, 8] exceed the most
/// elements a sign takes in three rounds (256) and on [8, 8] do not: each
/// sign there takes 3 rounds instead of 8 (sigmoid and tanh take one sign
/// per knot of their piecewise-linear form per element, too many for it
/// even on [8, 8]).
const ROUNDS_ON_8X8: &[(&str, u64)] = &[
    ("relu", 3),
    ("abs", 3),
    ("less", 3),
    ("maximum", 3),
    ("minimum", 3),
    ("reduce_max", 9),
    ("reduce_min", 9),
    ("argmax", 9),
    ("argmin", 9),
    ("argmax_one_hot", 9),
    ("max_pool2d", 6),
    ("sort", 18),
    ("hard_sigmoid", 5),
    ("exp", 21),
    ("softmax", 56),
];

/// Runs the row's op on inputs with `rows` rows; returns the op's rounds
/// and the most bytes a server sent for it.
fn measure(cost: &Cost, rows: usize) -> (u64, u64) {
    let mut g = Graph::default();
    let x = g.private_input("x", "alice", &[rows, COLUMNS]).unwrap();
    let y = g.private_input("y", "bob", &[rows, COLUMNS]).unwrap();
    let w = g.private_input("w", "bob", &[COLUMNS, COLUMNS]).unwrap();
    let out = (cost.build)(&mut g, x, y, w).unwrap();
    let fetch = if cost.op == "reveal" { out } else { g.reveal(out, None).unwrap() };
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let mut feeds = Feeds::new();
    // Positive x: the domain of log, sqrt and inv_sqrt; costs do not depend on values.
    let positive: Vec<f64> = grid_values(rows * COLUMNS, 1, 3.0).iter().map(|v| v.abs() + 0.5).collect();
    feeds.insert("x", positive).insert("y", grid_values(rows * COLUMNS, 2, 3.0));
    feeds.insert("w", grid_values(COLUMNS * COLUMNS, 3, 1.0));
    let result = session.run(&[fetch], &feeds).unwrap();
    let mut worst = (0, 0);
    for server in ["server0", "server1", "server2"] {
        let spans = &result.stats.player(server).unwrap().spans;
        let c = spans.iter().find(|s| s.node == out.0).unwrap_or_else(|| panic!("{}: no span", cost.op)).counters;
        worst = (worst.0.max(c.rounds), worst.1.max(c.bytes_sent));
    }
    worst
}

#[test]
fn every_op_costs_what_the_table_says() {
    let mut wrong = Vec::new();
    for cost in COSTS {
        let (rounds, bytes) = measure(cost, ROWS);
        if (rounds, bytes) != (cost.rounds, cost.bytes) {
            wrong.push(format!(
                "{} ({}): expected {} rounds and {} bytes, found {rounds} and {bytes}",
                cost.op, cost.on, cost.rounds, cost.bytes
            ));
        }
        let (small_rounds, _) = measure(cost, COLUMNS);
        let expected = ROUNDS_ON_8X8.iter().find(|(op, _)| *op == cost.op).map_or(cost.rounds, |&(_, r)| r);
        if small_rounds != expected {
            wrong.push(format!("{}: {small_rounds} rounds on [8, 8], expected {expected}", cost.op));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The table as markdown.
fn markdown() -> String {
    let n = (ROWS * COLUMNS) as f64;
    let mut out = String::from(
        "| op | computed | rounds | on [8, 8] | bytes per server | per element |\n|---|---|---:|---:|---:|---:|\n",
    );
    for c in COSTS {
        let small = ROUNDS_ON_8X8.iter().find(|(op, _)| *op == c.op).map_or(c.rounds, |&(_, r)| r);
        let per_element = c.bytes as f64 / n;
        writeln!(out, "| `{}` | {} | {} | {small} | {} | {per_element:.2} |", c.op, c.on, c.rounds, c.bytes).unwrap();
    }
    out
}

const BEGIN: &str = "<!-- costs:begin (generated by tests/costs.rs) -->\n";
const END: &str = "<!-- costs:end -->";

#[test]
fn docs_architecture_md_states_the_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (start, end) = match (doc.find(BEGIN), doc.find(END)) {
        (Some(s), Some(e)) if s < e => (s + BEGIN.len(), e),
        _ => panic!("docs/architecture.md has no `{}` … `{END}` section", BEGIN.trim_end()),
    };
    let table = markdown();
    if std::env::var_os("TFE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, format!("{}{table}{}", &doc[..start], &doc[end..])).unwrap();
        return;
    }
    assert!(
        doc[start..end] == table,
        "docs/architecture.md's cost table differs from tests/costs.rs; \
         regenerate it with: TFE_BLESS=1 cargo test --test costs"
    );
}
