//! `include/tfe.h` is generated from `src/ffi/` by cbindgen (configured by
//! `cbindgen.toml`) and checked in; this test fails when the two drift apart.
//! `TFE_BLESS=1 cargo test --test header` rewrites the header instead.

use std::path::Path;

fn generate(root: &Path) -> String {
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        // Only the FFI module: the rest of the crate cannot leak into the header.
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen generates the header from src/ffi/");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn the_checked_in_header_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("include/tfe.h");
    let generated = generate(root);
    if std::env::var_os("TFE_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let line = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| checked_in.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "include/tfe.h differs from what cbindgen generates from src/ffi/ (first difference at line {line}).\n\
             Regenerate it with: TFE_BLESS=1 cargo test --test header\n\
             and check the change in."
        );
    }
}

#[test]
fn the_header_states_its_version() {
    let generated = generate(Path::new(env!("CARGO_MANIFEST_DIR")));
    for (name, value) in [
        ("TFE_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("TFE_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("TFE_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(generated.contains(&format!("#define {name} {value}\n")), "the header should define {name} as {value}");
    }
}
