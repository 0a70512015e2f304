#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz over libFuzzer, AddressSanitizer
# on) for SECONDS each, 30 by default: `bash scripts/fuzz.sh [SECONDS]`. The
# targets need a nightly toolchain and cargo-fuzz (.ci/run installs
# cargo-fuzz where nightly is present); without them it says so and stops
# without failing. New inputs go to a scratch folder, not to the committed
# corpora; a crash or hang fails the script and names the reproducer.
# docs/fuzzing.md says what each target covers and what the runs found.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz targets not run: no nightly Rust toolchain here (cargo-fuzz needs one: rustup toolchain install nightly)"
    exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz targets not run: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)"
    exit 0
fi

target_dir="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)/fuzz"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
fuzz=(cargo +nightly fuzz)
"${fuzz[@]}" build --target-dir "$target_dir"
for target in $("${fuzz[@]}" list); do
    mkdir -p "$scratch/$target"
    # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: so is one
    # that makes a reader hold 2 GiB.
    if ! "${fuzz[@]}" run --target-dir "$target_dir" "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 > "$scratch/$target.log" 2>&1; then
        tail -n 40 "$scratch/$target.log"
        echo "fuzz target $target failed: the reproducer is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    runs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$scratch/$target.log" | tail -n 1)"
    echo "fuzz target $target: ${runs:-?} inputs in ${seconds} s, no failure"
done
# A one-shot run (.ci/run) never reads the fuzz build again: 1.5 GB.
if [ "${TFE_FUZZ_DISCARD_BUILD:-0}" = 1 ]; then
    rm -rf "$target_dir"
fi
