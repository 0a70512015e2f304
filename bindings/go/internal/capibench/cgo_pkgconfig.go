//go:build tfe_pkgconfig

package capibench

// #cgo pkg-config: tfe
import "C"
