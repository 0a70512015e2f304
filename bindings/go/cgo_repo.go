//go:build !tfe_pkgconfig

package tfe

// The default build mode: the repository's own build. The header is
// include/tfe.h and the library target/release/libtfe.so of this checkout
// (`cargo build --release` at the repository root); the rpath lets programs
// find it without LD_LIBRARY_PATH. A cargo build elsewhere
// (CARGO_TARGET_DIR) is linked with CGO_LDFLAGS="-L<dir>/release
// -Wl,-rpath,<dir>/release". An installed library: build with
// `-tags tfe_pkgconfig` (cgo_pkgconfig.go).

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -ltfe
import "C"
