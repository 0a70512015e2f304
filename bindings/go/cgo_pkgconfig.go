//go:build tfe_pkgconfig

package tfe

// The installed build mode (`go build -tags tfe_pkgconfig`): header and
// library from `pkg-config tfe`, i.e. the tfe.pc that `cmake --install`
// writes (set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig for a prefix
// pkg-config does not search). At run time the dynamic loader must find
// libtfe.so.0: a system prefix, LD_LIBRARY_PATH, or an rpath given with
// CGO_LDFLAGS="-Wl,-rpath,<prefix>/lib".

// #cgo pkg-config: tfe
import "C"
