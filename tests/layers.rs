//! The layers of the crate keep every arrow pointing down: the code of a
//! module names only itself and the modules of lower layers. Checked on the
//! source text, so an upward `use` (or a path written out in full) fails
//! here. Comments may name any module.

use std::path::{Path, PathBuf};

/// From the bottom up; a module may use the modules of earlier rows.
const LAYERS: &[&[&str]] = &[
    // parallel (the one threshold for handing work to rayon), fastest
    // (timing equivalent back ends) and simd (CPU features, vector loads
    // and stores) use nothing of the crate, so they sit at the bottom with
    // error.
    &["error", "parallel", "fastest", "simd", "test_data"],
    // The global allocator's tests draw their sizes from test_data.
    &["block_cache"],
    &["vocabulary"],
    &["ring"],
    &["fixed", "chacha"],
    &["prng"],
    &["net"],
    &["protocol"],
    &["graph"],
    &["session"],
    &["nn", "deploy"],
    &["onnx", "serve"],
    &["ffi"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The source files of a top-level module: `src/<m>.rs` or `src/<m>/`.
fn module_files(module: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join(format!("{module}.rs")), &mut files);
    rust_files(&src.join(module), &mut files);
    assert!(!files.is_empty(), "no source of module {module}");
    files
}

/// Every `(file:line, path)` of a code line (not a comment) of `module`
/// that contains `needle`, with the text after it up to the next
/// character that cannot be part of a path.
fn uses(module: &str, needle: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for file in module_files(module) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices(needle) {
                let rest = &line[at..];
                let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
                found.push((format!("{}:{}", file.display(), i + 1), rest[..end].to_string()));
            }
        }
    }
    found
}

#[test]
fn no_module_uses_a_module_of_its_own_layer_or_above() {
    let mut upward = Vec::new();
    for (layer, row) in LAYERS.iter().enumerate() {
        for module in *row {
            for (place, path) in uses(module, "crate::") {
                let target = match path.trim_start_matches("crate::").split("::").next().unwrap_or_default() {
                    // The crate root re-exports the error module's two types.
                    "Error" | "Result" => "error",
                    other => other,
                };
                let allowed = target == *module || layer_of(target).is_some_and(|t| t < layer);
                if !allowed {
                    upward.push(format!("{place}: {module} uses {path}"));
                }
            }
        }
    }
    assert!(upward.is_empty(), "arrows pointing up or sideways:\n{}", upward.join("\n"));
}

#[test]
fn graph_and_session_use_the_protocol_interface_not_aby3() {
    let mut reaching_in = Vec::new();
    for module in ["graph", "session"] {
        for (place, path) in uses(module, "protocol::aby3") {
            reaching_in.push(format!("{place}: {path}"));
        }
    }
    assert!(reaching_in.is_empty(), "graph and session reach into protocol::aby3:\n{}", reaching_in.join("\n"));
}

#[test]
fn every_module_of_the_crate_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        let declared = line.trim().trim_start_matches("pub ").strip_prefix("mod ");
        if let Some(module) = declared.and_then(|m| m.strip_suffix(';')) {
            assert!(layer_of(module).is_some(), "module {module} of src/lib.rs has no layer in tests/layers.rs");
        }
    }
}
