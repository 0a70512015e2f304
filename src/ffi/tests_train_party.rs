//! The deployed trainer's own checks, before any player connects: a call
//! of the other kind of trainer, a bad hostmap, and a player's data of the
//! wrong size are statuses whose messages say what to do.

use std::ptr;

use super::nn::{tfe_model_free, tfe_model_new};
use super::nn_layers::{tfe_model_add_dense, tfe_model_add_sigmoid};
use super::tests::last_message;
use super::train::*;
use super::train_party::*;
use super::{tfe_model_t, tfe_status_t};

fn ok(status: tfe_status_t) {
    assert_eq!(status, tfe_status_t::TFE_OK, "{}", last_message());
}

fn expect(status: tfe_status_t, want: tfe_status_t, words: &str) {
    assert_eq!(status, want, "{}", last_message());
    assert!(last_message().contains(words), "expected '{words}' in: {}", last_message());
}

/// A logistic regression on 2 features.
fn model() -> *mut tfe_model_t {
    let mut model = ptr::null_mut();
    // SAFETY: valid pointers and lengths.
    unsafe {
        ok(tfe_model_new([2].as_ptr(), 1, &raw mut model));
        ok(tfe_model_add_dense(model, 2, 1, [0.25, -0.5].as_ptr(), 2, [0.0].as_ptr(), 1));
        ok(tfe_model_add_sigmoid(model));
    }
    model
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
    let model = model();
    let mut trainer: *mut tfe_trainer_t = ptr::null_mut();
    let (x, y) = ([0.5; 8], [1.0; 4]);
    // SAFETY: valid pointers, lengths and NUL-terminated strings throughout.
    unsafe {
        let status = tfe_trainer_new_party_insecure_plaintext(
            model,
            hostmap.as_ptr(),
            c"mallory".as_ptr(),
            c"alice".as_ptr(),
            c"alice".as_ptr(),
            c"alice".as_ptr(),
            &raw mut trainer,
        );
        expect(status, tfe_status_t::TFE_ERR_CONFIG, "mallory");
        ok(tfe_trainer_new_party_insecure_plaintext(
            model,
            hostmap.as_ptr(),
            c"alice".as_ptr(),
            c"alice".as_ptr(),
            c"alice".as_ptr(),
            c"alice".as_ptr(),
            &raw mut trainer,
        ));
        expect(
            tfe_trainer_set_insecure_test_seed(trainer, 1),
            tfe_status_t::TFE_ERR_INVALID_ARGUMENT,
            "seeds come from OS entropy",
        );
        let optimizer = {
            let mut o = std::mem::MaybeUninit::uninit();
            ok(tfe_optimizer_defaults(0, o.as_mut_ptr()));
            o.assume_init()
        };
        ok(tfe_trainer_compile(trainer, &raw const optimizer, 0, 0));
        let status = tfe_trainer_fit(
            trainer,
            x.as_ptr(),
            8,
            y.as_ptr(),
            4,
            1,
            2,
            ptr::null(),
            0,
            ptr::null(),
            0,
            None,
            ptr::null_mut(),
        );
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
