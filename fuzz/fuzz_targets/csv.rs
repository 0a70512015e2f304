#![no_main]
//! Fuzzes .csv input files.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| tfe::internals::fuzz::csv(bytes));
