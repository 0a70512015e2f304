#!/usr/bin/env bash
# Runs every test of every language: the README's second command.
# Each step prints what it runs; the first failure stops the script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --all-targets -- -D warnings

step "cargo build --release (libtfe.so, tfe CLI)"
cargo build --release

step "cargo test"
cargo test --all-targets

step "examples"
cargo run --release --quiet --example seed_matmul
