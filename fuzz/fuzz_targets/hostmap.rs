#![no_main]
//! Fuzzes hostmap JSON (tfe party --config).
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| tfe::internals::fuzz::hostmap(bytes));
