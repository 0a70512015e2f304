//! The training cases of the conformance file (`train_cases` of
//! `tests/conformance/cases.json`, format in its README) run through the C
//! API, as every binding runs them: a model built layer by layer, a
//! trainer compiled with the case's optimizer, loss and metrics, fitted,
//! and its exported weights checked within the case's tolerance.

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::path::Path;
use std::ptr;

use serde_json::Value;
use tfe::internals::ffi::nn::*;
use tfe::internals::ffi::nn_layers::*;
use tfe::internals::ffi::session::*;
use tfe::internals::ffi::train::*;
use tfe::internals::ffi::train_interrupt::tfe_trainer_interrupt;
use tfe::internals::ffi::train_party::*;
use tfe::internals::ffi::{tfe_model_t, tfe_status_t};

mod common;
use common::ffi::{header_constants, message, status_name};
use common::hosts::loopback_players;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The conformance file (`tests/conformance/cases.json`) and the header's constants.
fn cases() -> (Value, HashMap<String, u32>) {
    let text = std::fs::read_to_string(repo().join("tests/conformance/cases.json")).unwrap();
    (serde_json::from_str(&text).unwrap(), header_constants())
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

fn ok(status: tfe_status_t, what: &str) {
    assert_eq!(status, tfe_status_t::TFE_OK, "{what}: {}", message());
}

/// The loss at the end of each epoch, from the progress reports.
unsafe extern "C" fn record(user_data: *mut c_void, p: *const tfe_train_progress_t) -> c_int {
    // SAFETY: user_data is the Vec below, p the library's report.
    let (losses, p) = unsafe { (&mut *user_data.cast::<Vec<f64>>(), &*p) };
    if p.batch == p.batches {
        losses.push(p.loss);
    }
    0
}

/// The case's model, layer by layer.
fn build_model(case: &Value) -> *mut tfe_model_t {
    let name = case["name"].as_str().unwrap();
    let shape: Vec<usize> =
        case["input_shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let mut model: *mut tfe_model_t = ptr::null_mut();
    // SAFETY (all): buffers of the stated lengths; the model is live.
    unsafe {
        ok(tfe_model_new(shape.as_ptr(), shape.len(), &raw mut model), name);
        for layer in case["layers"].as_array().unwrap() {
            let status = match layer["kind"].as_str().unwrap() {
                "dense" => {
                    let (w, b) = (floats(&layer["weights"]), floats(&layer["bias"]));
                    let (inputs, units) = (layer["inputs"].as_u64().unwrap(), layer["units"].as_u64().unwrap());
                    tfe_model_add_dense(
                        model,
                        inputs as usize,
                        units as usize,
                        w.as_ptr(),
                        w.len(),
                        b.as_ptr(),
                        b.len(),
                    )
                }
                "sigmoid" => tfe_model_add_sigmoid(model),
                "relu" => tfe_model_add_relu(model),
                "softmax" => tfe_model_add_softmax(model),
                other => panic!("{name}: the runner does not know layer {other}"),
            };
            ok(status, name);
        }
    }
    model
}

/// The case's optimizer: the defaults of its kind with the fields it sets.
fn optimizer(case: &Value, constants: &HashMap<String, u32>) -> tfe_optimizer_t {
    let name = case["name"].as_str().unwrap();
    // SAFETY: a writable out-param, read only once written.
    unsafe {
        let o = &case["optimizer"];
        let kind = constants[o["kind"].as_str().unwrap()];
        let mut optimizer = std::mem::MaybeUninit::uninit();
        ok(tfe_optimizer_defaults(kind, optimizer.as_mut_ptr()), name);
        let mut optimizer: tfe_optimizer_t = optimizer.assume_init();
        optimizer.schedule = constants[o["schedule"].as_str().unwrap()];
        for (field, slot) in [
            ("learning_rate", &mut optimizer.learning_rate),
            ("momentum", &mut optimizer.momentum),
            ("beta1", &mut optimizer.beta1),
            ("beta2", &mut optimizer.beta2),
            ("epsilon", &mut optimizer.epsilon),
            ("decay", &mut optimizer.decay),
        ] {
            if let Some(v) = o.get(field) {
                *slot = v.as_f64().unwrap();
            }
        }
        if let Some(v) = o.get("decay_steps") {
            optimizer.decay_steps = v.as_u64().unwrap();
        }
        optimizer
    }
}

/// Runs one training case; panics naming it when it fails.
fn run(case: &Value, constants: &HashMap<String, u32>) {
    let name = case["name"].as_str().unwrap();
    let constant = |key: &str| -> u32 {
        let value = case[key].as_str().unwrap();
        constants[value]
    };
    let mut trainer: *mut tfe_trainer_t = ptr::null_mut();
    let options = tfe_session_options_t { transport: 1, ..tfe_session_options_default() };
    // SAFETY (all): live handles, buffers of the stated lengths, NUL-terminated names.
    unsafe {
        let model = build_model(case);
        let (owner, data, labels) = (c"model-owner".as_ptr(), c"data-owner".as_ptr(), c"label-owner".as_ptr());
        ok(tfe_trainer_new_local(model, owner, data, labels, &raw const options, &raw mut trainer), name);
        tfe_model_free(model);
        let optimizer = optimizer(case, constants);
        let status = tfe_trainer_compile(trainer, &raw const optimizer, constant("loss"), constant("metrics"));
        let expect = &case["expect"];
        if let Some(want) = expect.get("status") {
            assert_eq!(expect["step"], "compile", "{name}");
            assert_eq!(status_name(status), want.as_str().unwrap(), "{name}: {}", message());
            tfe_trainer_free(trainer);
            return;
        }
        ok(status, name);
        let (x, y) = (floats(&case["x"]), floats(&case["y"]));
        let (epochs, batch) =
            (case["epochs"].as_u64().unwrap() as usize, case["batch_size"].as_u64().unwrap() as usize);
        let mut losses: Vec<f64> = Vec::new();
        let user_data = (&raw mut losses).cast::<c_void>();
        let (none, (xs, n), (ys, m)) = (ptr::null(), (x.as_ptr(), x.len()), (y.as_ptr(), y.len()));
        let status = tfe_trainer_fit(trainer, xs, n, ys, m, epochs, batch, none, 0, none, 0, Some(record), user_data);
        ok(status, name);
        if expect["loss_decreases"].as_bool() == Some(true) {
            assert!(losses.last() < losses.first(), "{name}: epoch losses {losses:?}");
        }
        let mut exported: *mut tfe_model_t = ptr::null_mut();
        ok(tfe_trainer_export(trainer, &raw mut exported), name);
        let atol = expect["atol"].as_f64().unwrap();
        for (i, want) in expect["weights"].as_array().unwrap().iter().enumerate() {
            let (mut values, mut len) = (ptr::null(), 0);
            ok(tfe_model_weight(exported, i, &raw mut values, &raw mut len), name);
            let got = std::slice::from_raw_parts(values, len);
            let want = floats(want);
            assert_eq!(got.len(), want.len(), "{name}: weight {i}");
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= atol, "{name}: weight {i}: {got:?}, expected {want:?} within {atol}");
            }
        }
        tfe_model_free(exported);
        tfe_trainer_free(trainer);
    }
}

#[test]
fn every_training_case_passes_through_the_c_api() {
    let (doc, constants) = cases();
    let cases = doc["train_cases"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for case in cases {
        run(case, &constants);
    }
}

/// The players of a deployed training case, one thread each.
const PARTY_PLAYERS: [&str; 6] = ["server0", "server1", "server2", "carol", "alice", "bob"];

/// A hostmap of `PARTY_PLAYERS` on free loopback ports, in a new folder.
fn party_hostmap(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tfe-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hosts.json");
    let players = loopback_players(&PARTY_PLAYERS);
    let text = format!("{{\"players\": {players}, \"connect_timeout_ms\": 30000, \"recv_timeout_ms\": 30000}}");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `player` for each of `PARTY_PLAYERS` on a thread of its own, with
/// a hostmap of them all; their outcomes in that order.
fn on_every_player<T: Send>(test: &str, player: impl Fn(&std::ffi::CStr, &str) -> T + Sync) -> Vec<T> {
    let hostmap = party_hostmap(test);
    let hostmap_c = std::ffi::CString::new(hostmap.to_str().unwrap()).unwrap();
    let outcomes = std::thread::scope(|scope| {
        let handles: Vec<_> = PARTY_PLAYERS
            .iter()
            .map(|me| {
                let (player, hostmap) = (&player, hostmap_c.as_c_str());
                scope.spawn(move || player(hostmap, me))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let _ = std::fs::remove_dir_all(hostmap.parent().unwrap());
    outcomes
}

/// What the model owner of a deployed training case receives: the exported
/// weight arrays, and the predictions of the first 4 samples.
type Learned = (Vec<Vec<f64>>, Vec<f64>);

/// One player's trainer of a deployed training case, compiled, and the
/// case's sample count, features and labels where this player owns them.
struct PartyTrainer {
    trainer: *mut tfe_trainer_t,
    samples: usize,
    x: Vec<f64>,
    y: Vec<f64>,
}

fn party_trainer(case: &Value, constants: &HashMap<String, u32>, hostmap: &std::ffi::CStr, me: &str) -> PartyTrainer {
    let name = format!("{} at {me}", case["name"].as_str().unwrap());
    let constant = |key: &str| -> u32 { constants[case[key].as_str().unwrap()] };
    let me_c = std::ffi::CString::new(me).unwrap();
    let (x, y) = (floats(&case["x"]), floats(&case["y"]));
    let samples = y.len() / case["layers"].as_array().unwrap()[0]["units"].as_u64().unwrap() as usize;
    let mine = |owner: &str, values: &[f64]| if owner == me { values.to_vec() } else { Vec::new() };
    let mut trainer: *mut tfe_trainer_t = ptr::null_mut();
    // SAFETY (all): live handles, NUL-terminated names.
    unsafe {
        let model = build_model(case);
        let status = tfe_trainer_new_party_insecure_plaintext(
            model,
            hostmap.as_ptr(),
            me_c.as_ptr(),
            c"carol".as_ptr(),
            c"alice".as_ptr(),
            c"bob".as_ptr(),
            &raw mut trainer,
        );
        ok(status, &name);
        tfe_model_free(model);
        let optimizer = optimizer(case, constants);
        ok(tfe_trainer_compile(trainer, &raw const optimizer, constant("loss"), constant("metrics")), &name);
    }
    PartyTrainer { trainer, samples, x: mine("alice", &x), y: mine("bob", &y) }
}

impl PartyTrainer {
    /// `tfe_trainer_fit_party` with this player's data; `progress` gets
    /// the trainer as its user data.
    fn fit(&self, epochs: usize, batch: usize, progress: tfe_train_progress_fn) -> tfe_status_t {
        let (x, y) = (&self.x, &self.y);
        let trainer = self.trainer;
        // SAFETY: a live trainer, buffers of the stated lengths (NULL with 0).
        unsafe {
            tfe_trainer_fit_party(
                trainer,
                self.samples,
                ptr_of(x),
                x.len(),
                ptr_of(y),
                y.len(),
                epochs,
                batch,
                progress,
                trainer.cast(),
            )
        }
    }
}

fn ptr_of(values: &[f64]) -> *const f64 {
    if values.is_empty() { ptr::null() } else { values.as_ptr() }
}

/// One player of a deployed training case: what it learns at the model
/// owner, `None` elsewhere.
fn run_party(case: &Value, constants: &HashMap<String, u32>, hostmap: &std::ffi::CStr, me: &str) -> Option<Learned> {
    let name = format!("{} at {me}", case["name"].as_str().unwrap());
    let party = party_trainer(case, constants, hostmap, me);
    let (epochs, batch) = (case["epochs"].as_u64().unwrap() as usize, case["batch_size"].as_u64().unwrap() as usize);
    ok(party.fit(epochs, batch, None), &name);
    let PartyTrainer { trainer, samples, x, y } = party;
    // SAFETY (all): live handles, buffers of the stated lengths (NULL with 0).
    unsafe {
        let (mut loss, mut accuracy) = (0.0, 0.0);
        let status = tfe_trainer_evaluate_party(
            trainer,
            samples,
            ptr_of(&x),
            x.len(),
            ptr_of(&y),
            y.len(),
            &raw mut loss,
            &raw mut accuracy,
        );
        ok(status, &name);
        assert_eq!(loss.is_finite(), me == "carol", "{name}: loss {loss}");
        // The predictions of the first 4 samples, carol's (checked below).
        let mut predicted = if me == "carol" { vec![f64::NAN; 4] } else { Vec::new() };
        let x4 = if me == "alice" { &x[..x.len() / samples * 4] } else { &[][..] };
        let status = tfe_trainer_predict_party(
            trainer,
            4,
            ptr_of(x4),
            x4.len(),
            if predicted.is_empty() { ptr::null_mut() } else { predicted.as_mut_ptr() },
            predicted.len(),
        );
        ok(status, &name);
        let mut exported: *mut tfe_model_t = ptr::null_mut();
        ok(tfe_trainer_export(trainer, &raw mut exported), &name);
        ok(tfe_trainer_finish(trainer), &name);
        tfe_trainer_free(trainer);
        if exported.is_null() {
            return None;
        }
        let mut count = 0;
        ok(tfe_model_weight_count(exported, &raw mut count), &name);
        let mut weights = Vec::new();
        for i in 0..count {
            let (mut values, mut len) = (ptr::null(), 0);
            ok(tfe_model_weight(exported, i, &raw mut values, &raw mut len), &name);
            weights.push(std::slice::from_raw_parts(values, len).to_vec());
        }
        tfe_model_free(exported);
        Some((weights, predicted))
    }
}

/// The first training case trained by six players of a hostmap, each on a
/// thread of its own over plaintext TCP (format in the README): the model
/// owner's weights meet the case's tolerance, and only it receives them.
#[test]
fn the_first_training_case_passes_as_six_deployed_players() {
    let (doc, constants) = cases();
    let case = &doc["train_cases"][0];
    let outcomes = on_every_player("train-party", |hostmap, me| run_party(case, &constants, hostmap, me));
    for (me, outcome) in PARTY_PLAYERS.iter().zip(&outcomes) {
        assert_eq!(outcome.is_some(), *me == "carol", "{me} received the weights: {outcome:?}");
    }
    let (got, predicted) = outcomes[3].as_ref().unwrap();
    // carol's predictions are the sigmoid of her weights' logits, within the
    // sigmoid's bound and a truncation per product.
    let x = floats(&case["x"]);
    for (i, p) in predicted.iter().enumerate() {
        let logit = got[1][0] + x[2 * i] * got[0][0] + x[2 * i + 1] * got[0][1];
        let want = 1.0 / (1.0 + (-logit).exp());
        assert!((p - want).abs() < 0.01, "prediction {i}: {p}, expected {want}");
    }
    let atol = case["expect"]["atol"].as_f64().unwrap();
    for (i, want) in case["expect"]["weights"].as_array().unwrap().iter().enumerate() {
        let want = floats(want);
        assert_eq!(got[i].len(), want.len(), "weight {i}");
        for (g, w) in got[i].iter().zip(&want) {
            assert!((g - w).abs() <= atol, "weight {i}: {:?}, expected {want:?} within {atol}", got[i]);
        }
    }
}

/// Interrupts the trainer in `user_data` after the first batch.
unsafe extern "C" fn interrupt_after_first_batch(user_data: *mut c_void, p: *const tfe_train_progress_t) -> c_int {
    // SAFETY: user_data is the live trainer whose fit reports, p the library's report.
    unsafe {
        if (*p).batch == 1 {
            ok(tfe_trainer_interrupt(user_data.cast()), "the interrupt");
        }
    }
    0
}

/// Stops the fit after the first batch.
unsafe extern "C" fn stop_after_first_batch(_: *mut c_void, p: *const tfe_train_progress_t) -> c_int {
    // SAFETY: p is the library's report.
    c_int::from(unsafe { (*p).batch } == 1)
}

/// A player stops its fit from its progress callback after the first of
/// its eight batches (the model owner by an interrupt or by returning
/// nonzero, the data owner by returning nonzero): the fit fails at every
/// player with that player's abort (none waits for a timeout), and every
/// player's trainer then refuses to run, saying to make it anew (the
/// players may have stopped at different runs).
#[test]
fn a_deployed_fit_stopped_by_one_player_fails_at_every_player_and_no_trainer_goes_on() {
    let (doc, constants) = cases();
    let case = &doc["train_cases"][0];
    let stops: [(tfe_train_progress_fn, &str, &str); 3] = [
        (Some(interrupt_after_first_batch), "interrupted by its caller", "carol"),
        (Some(stop_after_first_batch), "the progress callback returned 1 after batch 1", "carol"),
        (Some(stop_after_first_batch), "the progress callback returned 1 after batch 1", "alice"),
    ];
    for (stop, reason, stopper) in stops {
        let outcomes = on_every_player("train-stop", |hostmap, me| {
            let party = party_trainer(case, &constants, hostmap, me);
            let fit = |progress| {
                let status = party.fit(2, 4, progress);
                (status_name(status), message())
            };
            let stopped = fit(if me == stopper { stop } else { None });
            let again = fit(None);
            // SAFETY: the trainer is live and freed once.
            unsafe { tfe_trainer_free(party.trainer) };
            (stopped, again)
        });
        for (me, ((status, message), (again, refusal))) in PARTY_PLAYERS.iter().zip(outcomes) {
            assert_eq!(status, "TFE_ERR_ABORTED", "{me}: {message}");
            assert!(message.contains(&format!("'{stopper}'")) && message.contains(reason), "{me}: {message}");
            assert_eq!(again, "TFE_ERR_INVALID_ARGUMENT", "{me}: {refusal}");
            assert!(refusal.contains("make the trainer anew at every player"), "{me}: {refusal}");
        }
    }
}

/// The model owner's finish waits for alice, who finishes only after it has
/// returned: an interrupt from another thread ends that wait, and the other
/// players still finish (the model owner said it runs no more).
#[test]
fn an_interrupt_ends_a_deployed_finish_waiting_for_a_player() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let (doc, constants) = cases();
    let case = &doc["train_cases"][0];
    let carol_returned = &AtomicBool::new(false);
    let outcomes = on_every_player("train-finish", |hostmap, me| {
        let party = party_trainer(case, &constants, hostmap, me);
        ok(party.fit(1, 4, None), me);
        let trainer = party.trainer;
        let address = trainer as usize; // to interrupt it from another thread
        // SAFETY (all): a live trainer.
        unsafe {
            let finished = std::thread::scope(|scope| {
                if me == "carol" {
                    // Repeated until finish returns: an interrupt before the call reaches nothing.
                    scope.spawn(move || {
                        while !carol_returned.load(Ordering::SeqCst) {
                            ok(tfe_trainer_interrupt(address as *mut tfe_trainer_t), "the interrupt");
                            std::thread::sleep(std::time::Duration::from_millis(10));
                        }
                    });
                } else if me == "alice" {
                    while !carol_returned.load(Ordering::SeqCst) {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                }
                let finished = (status_name(tfe_trainer_finish(trainer)), message());
                if me == "carol" {
                    carol_returned.store(true, Ordering::SeqCst);
                }
                finished
            });
            tfe_trainer_free(trainer);
            finished
        }
    });
    for (me, (status, message)) in PARTY_PLAYERS.iter().zip(outcomes) {
        if *me == "carol" {
            assert_eq!(status, "TFE_ERR_ABORTED", "{me}: {message}");
            assert!(message.contains("interrupted by its caller"), "{me}: {message}");
        } else {
            assert_eq!(status, "TFE_OK", "{me}: {message}");
        }
    }
}
