#!/usr/bin/env bash
# Runs every test of every language: the README's second command.
# Each step prints what it runs; the first failure stops the script.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# Each step's header carries the time since the start and the disk space left:
# where a slow run spent its time, and what filled a full disk.
step() {
    printf '\n==> [%d:%02d, %s free] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) \
        "$(df -h --output=avail . | tail -n 1 | tr -d ' ')" "$*"
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --all-targets -- -D warnings
# The library for a Rust program with a global allocator of its own.
cargo clippy --lib --no-default-features -- -D warnings

step "cargo doc (warnings are errors)"
# With the examples in, cargo resolves dependency features as clippy did and
# reuses its builds: plain `cargo doc --no-deps` re-checked 61 crates (~3 min).
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --lib --examples

step "cargo build --release (libtfe.so, tfe CLI)"
cargo build --release

step "cargo test"
cargo test --all-targets

step "cargo test --lib --no-default-features (the library without its block cache)"
# As a Rust program with a global allocator of its own builds it (Cargo.toml,
# `block-cache`): only the library is compiled again, about a minute.
cargo test --lib --no-default-features

step "examples (dev profile)"
# The dev profile reuses cargo test's builds: --release would compile the
# dev-dependencies in release too (about 2 minutes) for runs of a second.
cargo run --quiet --example seed_matmul
# Captured, then printed: `tee /dev/stderr` would truncate a log file that stderr points to.
prediction="$(cargo run --quiet --example private_prediction)"
printf '%s\n' "$prediction"
grep -q "predicted class" <<<"$prediction"

step "fuzz targets (fuzz/, 30 s each where a nightly toolchain and cargo-fuzz are present)"
bash scripts/fuzz.sh 30

# ---------------------------------------------------------------------------
# Python package (bindings/python/): scripts/python-env.sh makes or reuses the
# venv $CARGO_TARGET_DIR/venv (pinned numpy, pytest, tensorflow-cpu) and runs
# `pip install ./bindings/python`, whose cargo build reuses the release build
# above. pytest runs from the repository root so that `import tfe` is the
# installed package, not the source folder.
# ---------------------------------------------------------------------------
step "Python: pip install ./bindings/python (venv: scripts/python-env.sh)"
venv="$(bash scripts/python-env.sh | tail -n 1)"

step "Python: pytest bindings/python/tests (the package and the conformance cases)"
# Its own temporary folder: pytest's default under /tmp is shared with any other pytest run.
"$venv/bin/pytest" -q -p no:cacheprovider --basetemp="$venv.pytest-tmp" bindings/python/tests

step "Python: examples/python"
seed_py="$("$venv/bin/python" examples/python/seed_matmul.py)"
printf '%s\n' "$seed_py"
test "$(grep -c '^ \?\[\?\[10\.\( 10\.\)\{9\}\]' <<<"$seed_py")" -eq 5
prediction_py="$("$venv/bin/python" examples/python/private_prediction.py)"
printf '%s\n' "$prediction_py"
grep -q "predicted class" <<<"$prediction_py"
# It exits non-zero when the private average drifts from the plaintext one.
"$venv/bin/python" examples/python/secure_aggregation.py
# Private against plaintext f64 training on breast-cancer and digits (tfe train of
# the release build); it exits non-zero when a test accuracy differs by more than
# one point, and draws the loss curves to $CARGO_TARGET_DIR/train_accuracy/.
"$venv/bin/python" examples/python/train_accuracy.py

# ---------------------------------------------------------------------------
# TensorFlow op library (bindings/tensorflow/, tfe.tensorflow): compiled
# against the venv's TensorFlow into $CARGO_TARGET_DIR/tf-ops (not the
# per-user cache), then its tf.test tests and the Keras example.
# ---------------------------------------------------------------------------
export TFE_TF_OPS_DIR="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/tf-ops"
step "TensorFlow: python -m tfe.tensorflow build (the op library, into $TFE_TF_OPS_DIR)"
"$venv/bin/python" -m tfe.tensorflow build

step "TensorFlow: pytest bindings/tensorflow/tests (tf.test.TestCase)"
"$venv/bin/pytest" -q -p no:cacheprovider --basetemp="$venv.tf-pytest-tmp" bindings/tensorflow/tests

step "TensorFlow: examples/tensorflow/keras_layer.py"
keras_layer="$("$venv/bin/python" examples/tensorflow/keras_layer.py)"
printf '%s\n' "$keras_layer"
grep -q "agree on 40/40 samples" <<<"$keras_layer"

# ---------------------------------------------------------------------------
# Go binding (bindings/go/, examples/go/): cgo against include/tfe.h and the
# release libtfe.so above (bindings/go/README.md, "build modes"). The
# library's SONAME is libtfe.so.0: that link goes next to cargo's file. A
# cargo target folder other than ./target reaches cgo through CGO_LDFLAGS.
# ---------------------------------------------------------------------------
go_lib="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)"
ln -sfn libtfe.so "$go_lib/libtfe.so.0"
if [ "$go_lib" != "$PWD/target/release" ]; then
    export CGO_LDFLAGS="-L$go_lib -Wl,-rpath,$go_lib"
fi
for module in bindings/go examples/go; do
    step "Go: go vet and go test -race in $module (the package, its conformance cases, the service)"
    (cd "$module" && go vet ./... && go test -race ./...)
done

step "Go: examples/go/seed_matmul"
seed_go="$(cd examples/go && go run ./seed_matmul)"
printf '%s\n' "$seed_go"
test "$(grep -c '^10\.0\( 10\.0\)\{9\}$' <<<"$seed_go")" -eq 5

# ---------------------------------------------------------------------------
# Java binding (bindings/java/, examples/java/): the FFM API over the release
# libtfe.so above, on JDK 25 (bindings/java/README.md). The library is found
# through -Dtfe.library.path; Maven resolves JUnit into ~/.m2.
# ---------------------------------------------------------------------------
export JAVA_HOME="${TFE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
java_lib="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)"
# Maven 3.8's Guava calls sun.misc.Unsafe, which JDK 25 warns about.
java_mvn=(env MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -q -B -f bindings/java/pom.xml)

step "Java: mvn test in bindings/java (JUnit 5 through Surefire: handles, errors, threads, conformance cases)"
"${java_mvn[@]}" test -Dtfe.library.path="$java_lib"

for example in SeedMatmul PrivatePrediction; do
    step "Java: examples/java/$example.java"
    java_out="$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp bindings/java/target/classes \
        -Dtfe.library.path="$java_lib" "examples/java/$example.java")"
    printf '%s\n' "$java_out"
    if [ "$example" = SeedMatmul ]; then
        test "$(grep -c '^10\.0\( 10\.0\)\{9\}$' <<<"$java_out")" -eq 5
    else
        grep -q '^plaintext inference agrees: yes$' <<<"$java_out"
    fi
done

# ---------------------------------------------------------------------------
# C API, C++ binding and CMake package (src/ffi/, include/tfe.h,
# bindings/cpp/, CMakeLists.txt, cmake/, tests/{c,cpp,abi,cmake-*}/). The
# header itself is checked by `cargo test` (tests/header.rs). Each CMake
# build reuses the release libtfe.so above (TFE_CARGO_TARGET_DIR), so cargo
# only confirms it is fresh. Build trees live under target/cmake/.
# ---------------------------------------------------------------------------
cargo_target="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
cmake_dir="$cargo_target/cmake"
cmake_leg() { # name, extra cmake args...: configure, build, run every test
    local dir="$cmake_dir/$1"
    shift
    cmake -S . -B "$dir" -DTFE_CARGO_TARGET_DIR="$cargo_target" "$@" > /dev/null
    cmake --build "$dir" -j 2
    ctest --test-dir "$dir" -j 2 --output-on-failure
}

step "C/C++: cmake -S . -B build && cmake --build build && ctest --test-dir build"
cmake_leg plain

step "C/C++: the same tests built with AddressSanitizer + UBSan (leaks reported)"
cmake_leg asan -DTFE_SANITIZE=ON

if command -v valgrind > /dev/null; then
    step "C/C++: the same tests under valgrind --leak-check=full --error-exitcode=1"
    cmake_leg valgrind "-DTFE_TEST_LAUNCHER=valgrind;-q;--error-exitcode=1;--leak-check=full;--show-leak-kinds=definite;--errors-for-leak-kinds=definite;--suppressions=$PWD/tests/valgrind/tls.supp"
else
    echo "warning: valgrind is not installed; skipping the valgrind leg (.ci/run installs it)" >&2
fi

step "C/C++: install, then a separate project finds it with only CMAKE_PREFIX_PATH"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
cmake --install "$cmake_dir/plain" --prefix "$prefix/install"
test "$(readlink "$prefix/install/lib/libtfe.so")" = libtfe.so.0
test "$(readlink "$prefix/install/lib/libtfe.so.0")" = "libtfe.so.$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml)"
cmake -S tests/cmake-consumer -B "$prefix/consumer" -DCMAKE_PREFIX_PATH="$prefix/install"
cmake --build "$prefix/consumer"
for program in seed_matmul_c seed_matmul_cpp; do
    "$prefix/consumer/$program" | tee "$prefix/$program.out"
    test "$(grep -c '^10\.0\( 10\.0\)\{9\}$' "$prefix/$program.out")" -eq 5
done

step "C/C++: pkg-config --cflags --libs tfe against the install"
cc -std=c11 -Wall -Wextra -Werror examples/c/seed_matmul.c -o "$prefix/seed_pc" \
    $(PKG_CONFIG_PATH="$prefix/install/lib/pkgconfig" pkg-config --cflags --libs tfe) \
    -Wl,-rpath,"$prefix/install/lib"
test "$("$prefix/seed_pc" | grep -c '^10\.0\( 10\.0\)\{9\}$')" -eq 5

step "Go: examples/go/seed_matmul built with -tags tfe_pkgconfig against the install"
seed_go_pc="$(cd examples/go && PKG_CONFIG_PATH="$prefix/install/lib/pkgconfig" \
    CGO_LDFLAGS="-Wl,-rpath,$prefix/install/lib" go run -tags tfe_pkgconfig ./seed_matmul)"
test "$(grep -c '^10\.0\( 10\.0\)\{9\}$' <<<"$seed_go_pc")" -eq 5

step "C/C++: a parent project vendors tfe with add_subdirectory"
cmake -S tests/cmake-subdir -B "$cmake_dir/subdir" -DTFE_CARGO_TARGET_DIR="$cargo_target" > /dev/null
cmake --build "$cmake_dir/subdir" -j 2
test "$("$cmake_dir/subdir/seed_matmul_cpp" | grep -c '^10\.0\( 10\.0\)\{9\}$')" -eq 5

step "done: every test passed"
