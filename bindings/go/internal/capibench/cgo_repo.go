//go:build !tfe_pkgconfig

package capibench

// The flags of the tfe package's default build mode (../../cgo_repo.go).

// #cgo CFLAGS: -I${SRCDIR}/../../../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../../../target/release -Wl,-rpath,${SRCDIR}/../../../../target/release -ltfe
import "C"
