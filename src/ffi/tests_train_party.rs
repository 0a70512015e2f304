//! The deployed trainer's own checks, before any player connects: a call
//! of the other kind of trainer, a bad hostmap, and a player's data of the
//! wrong size are statuses whose messages say what to do; an interrupt
//! ends the first call's wait for the other players.

use std::ffi::CStr;
use std::ptr;

use super::enums::tfe_optimizer_kind_t;
use super::nn::tfe_model_free;
use super::tests::last_message;
use super::tests_train::{fit_all, logistic_model, ok, optimizer_defaults};
use super::tfe_status_t;
use super::train::*;
use super::train_interrupt::tfe_trainer_interrupt;
use super::train_party::*;

fn expect(status: tfe_status_t, want: tfe_status_t, words: &str) {
    assert_eq!(status, want, "{}", last_message());
    assert!(last_message().contains(words), "expected '{words}' in: {}", last_message());
}

/// A hostmap file of three servers at ports where nobody listens and alice
/// at `alice_address`, in a fresh folder named after `test`.
fn hostmap_file(test: &str, alice_address: &str, extra: &str) -> (std::path::PathBuf, std::ffi::CString) {
    let dir = std::env::temp_dir().join(format!("tfe-train-party-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hostmap = dir.join("hosts.json");
    let players = ["server0", "server1", "server2", "alice"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let address = if *name == "alice" { alice_address.to_string() } else { format!("127.0.0.1:{}", i + 1) };
            format!("{{\"name\": \"{name}\", \"address\": \"{address}\"}}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(&hostmap, format!("{{\"players\": [{players}]{extra}}}")).unwrap();
    let path = std::ffi::CString::new(hostmap.to_str().unwrap()).unwrap();
    (dir, path)
}

#[test]
fn a_deployed_trainer_refuses_the_local_calls_and_bad_data_before_connecting() {
    let (dir, hostmap) = hostmap_file("checks", "127.0.0.1:4", "");
    let model = logistic_model();
    let mut trainer: *mut tfe_trainer_t = ptr::null_mut();
    let (x, y) = ([0.5; 8], [1.0; 4]);
    // alice owns the model, the features and the labels.
    let open_as = |me: &CStr, out| {
        let alice = c"alice".as_ptr();
        // SAFETY: valid pointers and NUL-terminated strings.
        unsafe {
            tfe_trainer_new_party_insecure_plaintext(model, hostmap.as_ptr(), me.as_ptr(), alice, alice, alice, out)
        }
    };
    expect(open_as(c"mallory", &raw mut trainer), tfe_status_t::TFE_ERR_CONFIG, "mallory");
    ok(open_as(c"alice", &raw mut trainer));
    // SAFETY: valid pointers, lengths and NUL-terminated strings throughout.
    unsafe {
        expect(
            tfe_trainer_set_insecure_test_seed(trainer, 1),
            tfe_status_t::TFE_ERR_INVALID_ARGUMENT,
            "seeds come from OS entropy",
        );
        let optimizer = optimizer_defaults(tfe_optimizer_kind_t::TFE_OPTIMIZER_SGD);
        ok(tfe_trainer_compile(trainer, &raw const optimizer, 0, 0));
        let status = fit_all(trainer, (&x, &y), (1, 2), (None, ptr::null_mut()));
        expect(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT, "call tfe_trainer_fit_party instead");
        let status = tfe_trainer_fit_party(trainer, 4, x.as_ptr(), 6, ptr::null(), 0, 1, 2, None, ptr::null_mut());
        expect(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT, "'x' has 6 values, expected none");
        let status = tfe_trainer_fit_party(trainer, 4, x.as_ptr(), 8, y.as_ptr(), 4, 1, 5, None, ptr::null_mut());
        expect(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT, "batch_size is 5");
        let (mut loss, mut accuracy) = (0.0, 0.0);
        let status = tfe_trainer_evaluate(trainer, x.as_ptr(), 8, y.as_ptr(), 4, &raw mut loss, &raw mut accuracy);
        expect(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT, "tfe_trainer_evaluate_party");
        let mut out = [0.0; 3];
        let status = tfe_trainer_predict_party(trainer, 4, x.as_ptr(), 8, out.as_mut_ptr(), 3);
        expect(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT, "'out' has 3 values, expected 4");
        let status = tfe_trainer_predict(trainer, x.as_ptr(), 8, out.as_mut_ptr(), 3);
        expect(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT, "call tfe_trainer_predict_party instead");
        ok(tfe_trainer_finish(trainer));
        tfe_trainer_free(trainer);
        tfe_model_free(model);
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// alice's first fit waits for server0, which never comes (were the wait
/// not ended, the fit would fail at the 60 s connect timeout with another
/// status); interrupted until it returns, it gives up naming server0.
#[test]
fn an_interrupt_ends_a_deployed_trainers_wait_for_the_other_players() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let (dir, hostmap) = hostmap_file("wait", &free, ", \"connect_timeout_ms\": 60000");
    let model = logistic_model();
    let mut trainer: *mut tfe_trainer_t = ptr::null_mut();
    let alice = c"alice".as_ptr();
    // SAFETY: valid pointers and NUL-terminated strings.
    ok(unsafe {
        tfe_trainer_new_party_insecure_plaintext(model, hostmap.as_ptr(), alice, alice, alice, alice, &raw mut trainer)
    });
    let optimizer = optimizer_defaults(tfe_optimizer_kind_t::TFE_OPTIMIZER_SGD);
    // SAFETY: a live trainer and valid options.
    ok(unsafe { tfe_trainer_compile(trainer, &raw const optimizer, 0, 0) });
    let (x, y) = ([0.5; 8], [1.0; 4]);
    let address = trainer as usize; // the trainer is thread-safe (tfe.h)
    let done = std::sync::atomic::AtomicBool::new(false);
    let (status, message) = std::thread::scope(|s| {
        let fit = s.spawn(|| {
            let trainer = address as *mut tfe_trainer_t;
            // SAFETY: a live trainer, valid slices, no progress callback.
            let status =
                unsafe { tfe_trainer_fit_party(trainer, 4, x.as_ptr(), 8, y.as_ptr(), 4, 1, 2, None, ptr::null_mut()) };
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            (status, last_message())
        });
        // An interrupt reaches only a call in progress: repeat it until the fit returns.
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            // SAFETY: the trainer outlives the scope.
            ok(unsafe { tfe_trainer_interrupt(trainer) });
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        fit.join().unwrap()
    });
    assert_eq!(status, tfe_status_t::TFE_ERR_ABORTED, "{message}");
    assert!(
        message
            .contains("player 'alice' aborted the run: opening was cancelled by its caller while waiting for server0"),
        "{message}"
    );
    // SAFETY: freed once, after the fit.
    unsafe {
        tfe_trainer_free(trainer);
        tfe_model_free(model);
    }
    let _ = std::fs::remove_dir_all(dir);
}
