#![no_main]
//! Fuzzes graph files (tfe graph, tfe party --graph).
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| tfe::internals::fuzz::graph(bytes));
