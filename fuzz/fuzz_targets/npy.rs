#![no_main]
//! Fuzzes .npy input files.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| tfe::internals::fuzz::npy(bytes));
