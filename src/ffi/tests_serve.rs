//! The serving exports' own checks: bad options, addresses and timeouts are
//! statuses whose messages name what was wrong, and a client reads the
//! model's shapes from the service.

use std::ptr;

use super::error::tfe_status_t;
use super::nn::{tfe_model_free, tfe_model_network, tfe_model_t};
use super::serve::*;
use super::tests::last_message;

fn network_a() -> *mut tfe_model_t {
    let mut model = ptr::null_mut();
    // SAFETY: a writable out-param.
    assert_eq!(unsafe { tfe_model_network(0, 1, &raw mut model) }, tfe_status_t::TFE_OK);
    model
}

#[test]
fn bad_service_options_and_addresses_are_statuses_that_say_why() {
    let model = network_a();
    let mut server = ptr::null_mut();
    let mut options = tfe_server_options_default();
    options.max_batch = 0;
    // SAFETY: live handles, NUL-terminated strings, writable out-params.
    unsafe {
        let status = tfe_server_start(model, c"127.0.0.1:0".as_ptr(), &raw const options, ptr::null(), &raw mut server);
        assert_eq!(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT);
        assert!(last_message().contains("max_batch is 0"), "{}", last_message());
        let status = tfe_server_start(model, c"no-such-host-:x".as_ptr(), ptr::null(), ptr::null(), &raw mut server);
        assert_eq!(status, tfe_status_t::TFE_ERR_CONFIG);
        assert!(last_message().contains("cannot listen on no-such-host-:x"), "{}", last_message());
        assert!(server.is_null(), "out-params are written only on success");
        let mut client = ptr::null_mut();
        let status = tfe_client_connect(c"127.0.0.1:1".as_ptr(), 0, &raw mut client);
        assert_eq!(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT);
        assert!(last_message().contains("timeout_ms is 0"), "{}", last_message());
        tfe_model_free(model);
    }
}

#[test]
fn a_client_reads_the_shapes_of_the_served_model_and_after_a_reconnection() {
    let model = network_a();
    let mut options = tfe_server_options_default();
    options.max_batch = 4;
    // SAFETY: live handles, NUL-terminated strings, writable out-params;
    // each shape is read before the next call on its client.
    unsafe {
        let mut server = ptr::null_mut();
        let status = tfe_server_start(model, c"127.0.0.1:0".as_ptr(), &raw const options, ptr::null(), &raw mut server);
        assert_eq!(status, tfe_status_t::TFE_OK, "{}", last_message());
        tfe_model_free(model);
        let mut port = 0u16;
        assert_eq!(tfe_server_port(server, &raw mut port), tfe_status_t::TFE_OK);
        assert_ne!(port, 0);
        let addr = std::ffi::CString::new(format!("127.0.0.1:{port}")).unwrap();
        let mut client = ptr::null_mut();
        assert_eq!(tfe_client_connect(addr.as_ptr(), 30_000, &raw mut client), tfe_status_t::TFE_OK);
        for _ in 0..2 {
            let (mut shape, mut rank, mut count) = (ptr::null(), 0, 0);
            assert_eq!(tfe_client_input_shape(client, &raw mut shape, &raw mut rank), tfe_status_t::TFE_OK);
            assert_eq!(std::slice::from_raw_parts(shape, rank), [4, 784]);
            assert_eq!(tfe_client_output_count(client, &raw mut count), tfe_status_t::TFE_OK);
            assert_eq!(count, 1);
            assert_eq!(tfe_client_output_shape_at(client, 0, &raw mut shape, &raw mut rank), tfe_status_t::TFE_OK);
            assert_eq!(std::slice::from_raw_parts(shape, rank), [4, 10]);
            assert_eq!(
                tfe_client_output_shape_at(client, 1, &raw mut shape, &raw mut rank),
                tfe_status_t::TFE_ERR_INVALID_ARGUMENT
            );
            let x = vec![0.25; 2 * 784];
            let mut y = vec![0.0; 2 * 10];
            let status = tfe_client_predict(client, x.as_ptr(), x.len(), y.as_mut_ptr(), y.len());
            assert_eq!(status, tfe_status_t::TFE_OK, "{}", last_message());
            assert!(y.iter().all(|v| v.is_finite() && *v != 0.0), "{y:?}");
            let status = tfe_client_predict(client, x.as_ptr(), x.len(), y.as_mut_ptr(), 10);
            assert_eq!(status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT);
            assert!(last_message().contains("'out' has 10 values, expected 20"), "{}", last_message());
            assert_eq!(tfe_client_reconnect(client), tfe_status_t::TFE_OK, "{}", last_message());
        }
        tfe_client_free(client);
        tfe_server_free(server);
    }
}
