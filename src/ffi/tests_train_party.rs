//! The deployed trainer's own checks, before any player connects: a call
//! of the other kind of trainer, a bad hostmap, and a player's data of the
//! wrong size are statuses whose messages say what to do.

use std::ffi::CStr;
use std::ptr;

use super::enums::tfe_optimizer_kind_t;
use super::nn::tfe_model_free;
use super::tests::last_message;
use super::tests_train::{fit_all, logistic_model, ok, optimizer_defaults};
use super::tfe_status_t;
use super::train::*;
use super::train_party::*;

fn expect(status: tfe_status_t, want: tfe_status_t, words: &str) {
    assert_eq!(status, want, "{}", last_message());
    assert!(last_message().contains(words), "expected '{words}' in: {}", last_message());
}

#[test]
fn a_deployed_trainer_refuses_the_local_calls_and_bad_data_before_connecting() {
    let dir = std::env::temp_dir().join(format!("tfe-train-party-checks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hostmap = dir.join("hosts.json");
    let players = ["server0", "server1", "server2", "alice"]
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{{\"name\": \"{name}\", \"address\": \"127.0.0.1:{}\"}}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(&hostmap, format!("{{\"players\": [{players}]}}")).unwrap();
    let hostmap = std::ffi::CString::new(hostmap.to_str().unwrap()).unwrap();
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
