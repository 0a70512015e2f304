//! Gives `libtfe.so` the SONAME `libtfe.so.<major>` on Linux, so programs
//! linked against it keep working across compatible (same-major) releases.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtfe.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
