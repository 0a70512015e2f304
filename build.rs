//! Build steps of the crate:
//! - gives `libtfe.so` the SONAME `libtfe.so.<major>` on Linux, so programs
//!   linked against it keep working across compatible (same-major) releases;
//! - compiles the official ONNX schema (`third_party/onnx/onnx.proto`) into
//!   prost message types in `OUT_DIR/onnx.rs`, read by `src/onnx/proto.rs`.
//!   protox parses the schema in Rust, so no `protoc` is needed.

use std::path::Path;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtfe.so.{major}");
    }
    compile_onnx_schema();
    println!("cargo:rerun-if-changed=build.rs");
}

fn compile_onnx_schema() {
    let dir = Path::new("third_party/onnx");
    let schema = dir.join("onnx.proto");
    println!("cargo:rerun-if-changed={}", schema.display());
    let files = protox::compile([&schema], [dir]).expect("third_party/onnx/onnx.proto compiles");
    prost_build::Config::new().compile_fds(files).expect("prost-build generates the ONNX message types");
}
