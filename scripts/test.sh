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

# ---------------------------------------------------------------------------
# C API (src/ffi/, include/tfe.h, examples/c/, tests/c/): the header is
# checked by `cargo test` (tests/header.rs); here the C and C++ programs are
# built against the release libtfe.so and run, plainly, under
# AddressSanitizer and, when installed, under valgrind.
# ---------------------------------------------------------------------------
step "C API: build examples/c and tests/c against libtfe.so"
c_lib_dir="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)"
# The library's SONAME is libtfe.so.0; the build tree has only libtfe.so.
ln -sf libtfe.so "$c_lib_dir/libtfe.so.0"
c_out="${CARGO_TARGET_DIR:-target}/c"
mkdir -p "$c_out"
c_flags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -g -Iinclude)
c_link=(-L"$c_lib_dir" -Wl,-rpath,"$c_lib_dir" -ltfe)
c_programs=(examples/c/seed_matmul.c tests/c/*.c)
for src in "${c_programs[@]}"; do
    name="$(basename "$src" .c)"
    cc "${c_flags[@]}" "$src" -o "$c_out/$name" "${c_link[@]}"
    cc "${c_flags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
        "$src" -o "$c_out/$name.asan" "${c_link[@]}"
done
g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c++ tests/c/header_cpp.cpp \
    -o "$c_out/header_cpp" "${c_link[@]}"

step "C API: run (seed example output is checked)"
"$c_out/seed_matmul" | tee "$c_out/seed_matmul.out"
test "$(grep -c '^10\.0\( 10\.0\)\{9\}$' "$c_out/seed_matmul.out")" -eq 5
"$c_out/header_cpp"
for src in "${c_programs[@]}"; do
    name="$(basename "$src" .c)"
    [ "$name" = seed_matmul ] || "$c_out/$name"
    "$c_out/$name.asan" > /dev/null
done

if command -v valgrind > /dev/null; then
    step "C API: valgrind"
    for src in "${c_programs[@]}"; do
        valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite "$c_out/$(basename "$src" .c)" > /dev/null
    done
fi
