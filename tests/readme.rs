//! Every code block in the README is checked, so the README stays true:
//!
//! - the Rust block: each of its lines is a line of `examples/seed_matmul.rs`,
//!   in order (that example is compiled by `cargo test --all-targets` and run
//!   by `scripts/test.sh`);
//! - the C and C++ blocks: wrapped into a translation unit (the block's
//!   includes and functions at file scope, its statements in `main`, plus
//!   the declarations the prose leaves out), compiled with `cc` / `c++`
//!   against `include/` and `bindings/cpp/include/`, linked with `libtfe`,
//!   and run: the program must succeed;
//! - the Python blocks: each of its lines is a line of one of the files
//!   `examples/python/*.py`, in order (`scripts/test.sh` runs them);
//! - the `sh` and `cmake` blocks: each is one of [`SHELL_BLOCKS`], which
//!   says what executes it (mostly `scripts/test.sh`); a new or changed one
//!   fails here until it is listed with what runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The README's `sh` and `cmake` blocks, each with what runs it.
const SHELL_BLOCKS: &[(&str, &str)] = &[
    ("cargo run --release -- demo", "tfe demo: tests/cli.rs checks its help; scripts/test.sh runs the test command"),
    (
        "cmake -S . -B build && cmake --build build && ctest --test-dir build",
        "scripts/test.sh (the plain CMake leg, then cmake --install into a prefix)",
    ),
    ("find_package(tfe CONFIG REQUIRED)", "tests/cmake-consumer/CMakeLists.txt, built by scripts/test.sh"),
    (
        "tfe keygen --name server0 --out keys",
        "tests/deployment_keys.rs runs keygen, hostmap pin, graph seed and party with these options",
    ),
    ("pip install ./bindings/python", "scripts/python-env.sh, run by scripts/test.sh"),
];

/// The README's code blocks: (language, text).
fn blocks() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in readme.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => blocks.push(current.take().unwrap()),
            (Some((_, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "README.md has an unclosed code block");
    blocks
}

fn normalized(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_rust_block_is_the_seed_example() {
    let rust: Vec<String> = blocks().into_iter().filter(|(lang, _)| lang == "rust").map(|(_, text)| text).collect();
    assert_eq!(rust.len(), 1, "one Rust block, the seed program");
    let example = std::fs::read_to_string(Path::new(ROOT).join("examples/seed_matmul.rs")).unwrap();
    let mut lines = example.lines().map(normalized);
    for line in rust[0].lines().map(normalized).filter(|l| !l.is_empty()) {
        assert!(lines.any(|l| l == line), "README line not in examples/seed_matmul.rs (in order): {line}");
    }
}

#[test]
fn each_python_block_is_in_a_python_example() {
    let examples: Vec<Vec<String>> = std::fs::read_dir(Path::new(ROOT).join("examples/python"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .map(|path| std::fs::read_to_string(path).unwrap().lines().map(normalized).collect())
        .collect();
    let python: Vec<String> = blocks().into_iter().filter(|(lang, _)| lang == "python").map(|(_, t)| t).collect();
    assert!(!python.is_empty(), "the README's Python section has its blocks");
    for block in python {
        let wanted: Vec<String> = block.lines().map(normalized).filter(|l| !l.is_empty()).collect();
        let found = examples.iter().any(|example| {
            let mut lines = example.iter();
            wanted.iter().all(|line| lines.any(|l| l == line))
        });
        assert!(found, "README Python block not in one file of examples/python (in order):\n{block}");
    }
}

/// The block's includes and functions go at file scope (everything up to
/// its last `#include` or closing brace in column 0), its statements in main.
fn split(block: &str) -> (String, String) {
    let lines: Vec<&str> = block.lines().collect();
    let top = lines.iter().rposition(|l| l.starts_with("#include") || *l == "}").map_or(0, |i| i + 1);
    (lines[..top].join("\n"), lines[top..].join("\n"))
}

/// Compiles `source` with `compiler` and `flags`, links libtfe, runs it.
fn build_and_run(name: &str, compiler: &str, flags: &[&str], source: &str) {
    // The cdylib cargo built from the same sources as this test, in the same
    // compilation of the library: `deps/` beside the tfe binary. (A copy
    // next to the binary exists only after a `cargo build`, and may be older.)
    let lib_dir = PathBuf::from(env!("CARGO_BIN_EXE_tfe")).parent().unwrap().join("deps");
    assert!(lib_dir.join("libtfe.so").exists(), "no libtfe.so in {}", lib_dir.display());
    let dir = std::env::temp_dir().join(format!("tfe-readme-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // cargo's libtfe.so carries the SONAME libtfe.so.0 (build.rs), which
    // the loader looks for: both names point to it here.
    for link in ["libtfe.so", "libtfe.so.0"] {
        let _ = std::fs::remove_file(dir.join(link));
        std::os::unix::fs::symlink(lib_dir.join("libtfe.so"), dir.join(link)).unwrap();
    }
    let lib_dir = dir.clone();
    let src = dir.join(name);
    let exe = dir.join(format!("{name}.out"));
    std::fs::write(&src, source).unwrap();
    let out = Command::new(compiler)
        .args(flags)
        .arg(format!("-I{ROOT}/include"))
        .arg(format!("-I{ROOT}/bindings/cpp/include"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-ltfe")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(out.status.success(), "{compiler} {name}:\n{}\n{source}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().unwrap();
    assert!(
        run.status.success(),
        "the README's {name} failed ({}):\n{}{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_c_block_compiles_and_runs() {
    let c: Vec<String> = blocks().into_iter().filter(|(lang, _)| lang == "c").map(|(_, text)| text).collect();
    assert_eq!(c.len(), 1, "one C block, the seed program");
    let (top, body) = split(&c[0]);
    // What the prose leaves out: the values and shapes, and a check that
    // the last call (the run) succeeded.
    let source = format!(
        "#include <stddef.h>\nstatic const size_t shape_w[2] = {{10, 10}};\nstatic const size_t shape_x[2] = {{5, 10}};\n\
         static double ones[100];\n{top}\nint main(void) {{\nfor (int i = 0; i < 100; i++) ones[i] = 1.0;\n{body}\n\
         return tfe_last_error_status() == TFE_OK ? 0 : 1;\n}}\n"
    );
    build_and_run("readme_seed.c", "cc", &["-std=c11", "-Wall", "-Wno-unused-parameter", "-Werror"], &source);
}

#[test]
fn the_cpp_block_compiles_and_runs() {
    let cpp: Vec<String> = blocks().into_iter().filter(|(lang, _)| lang == "cpp").map(|(_, text)| text).collect();
    assert_eq!(cpp.len(), 1, "one C++ block, the seed program");
    let (top, body) = split(&cpp[0]);
    // An exception escaping main (a wrong example) aborts: the run fails.
    let source = format!(
        "#include <algorithm>\n#include <cstddef>\n#include <vector>\nusing std::size_t;\n{top}\nint main() {{\n{body}\n\
         return result.value(0).size() == 50 ? 0 : 1;\n}}\n"
    );
    build_and_run("readme_seed.cpp", "c++", &["-std=c++17", "-Wall", "-Wno-unused-parameter", "-Werror"], &source);
}

#[test]
fn every_shell_and_cmake_block_is_run_somewhere() {
    for (lang, text) in blocks() {
        if lang != "sh" && lang != "cmake" {
            assert!(
                matches!(lang.as_str(), "rust" | "c" | "cpp" | "python"),
                "a README block in '{lang}' that no test checks"
            );
            continue;
        }
        let first = text.lines().next().unwrap_or("");
        let known = SHELL_BLOCKS.iter().find(|(start, _)| first.starts_with(start));
        assert!(known.is_some(), "README {lang} block not listed in tests/readme.rs SHELL_BLOCKS: {first}");
    }
}
