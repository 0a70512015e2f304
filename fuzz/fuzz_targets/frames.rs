#![no_main]
//! Fuzzes the players' frame reader, over a loopback TCP connection.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| tfe::internals::fuzz::frames(bytes));
