#![no_main]
//! Fuzzes ONNX model files (tfe predict --model).
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| tfe::internals::fuzz::onnx(bytes));
