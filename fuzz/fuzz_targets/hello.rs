#![no_main]
//! Fuzzes the handshake hello a peer sends after TLS.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| tfe::internals::fuzz::hello(bytes));
