//! The approximation table (`tfe::protocol::bounds`, which the kernels'
//! tests check over each domain) against the docs that state its numbers:
//! the doc of each op's C function in `include/tfe.h` contains the row's
//! sentence word for word, and `docs/approximations.md` is the table's
//! markdown (`TFE_BLESS=1 cargo test --test bounds_docs` rewrites it).

use std::path::Path;

use tfe::internals::{APPROXIMATIONS, markdown};

/// The doc comment right before the declaration of `function` in the
/// header, with the comment markers dropped and whitespace collapsed.
fn doc_of(header: &str, function: &str) -> Option<String> {
    let at = header.find(&format!(" {function}("))?;
    let before = &header[..at];
    let end = before.rfind("*/")?;
    let start = before[..end].rfind("/**")?;
    let text: Vec<&str> = before[start + 3..end].lines().map(|l| l.trim().trim_start_matches('*')).collect();
    Some(text.join(" ").split_whitespace().collect::<Vec<_>>().join(" "))
}

#[test]
fn each_approximate_c_function_states_the_table_domain_and_bound() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = std::fs::read_to_string(root.join("include/tfe.h")).unwrap();
    let mut missing = Vec::new();
    for row in APPROXIMATIONS {
        let doc = doc_of(&header, row.c_function).unwrap_or_else(|| panic!("no doc for {}", row.c_function));
        if !doc.contains(&row.doc_text()) {
            missing.push(format!(
                "{}: expected its doc to contain\n  {}\nfound\n  {doc}",
                row.c_function,
                row.doc_text()
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn docs_approximations_md_is_the_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/approximations.md");
    if std::env::var_os("TFE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, markdown()).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == markdown(),
        "docs/approximations.md differs from the table in src/protocol/bounds.rs; \
         regenerate it with: TFE_BLESS=1 cargo test --test bounds_docs"
    );
}
