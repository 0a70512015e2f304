package tfe

// #include "tfe.h"
import "C"

// The version of include/tfe.h this package was built with; Version is
// the loaded library's.
const (
	VersionMajor = C.TFE_VERSION_MAJOR
	VersionMinor = C.TFE_VERSION_MINOR
	VersionPatch = C.TFE_VERSION_PATCH
)

// Version is the loaded library's version, "MAJOR.MINOR.PATCH" (tfe_version).
func Version() string { return C.GoString(C.tfe_version()) }

// Array is a tfe_array_t: values and their shape read from a .npy or .csv
// file. Immutable; usable from any goroutine until Close.
type Array struct {
	h handle[*C.tfe_array_t]
}

// LoadArray reads a .npy array or a .csv file of rows (tfe_array_load).
func LoadArray(path string) (*Array, error) {
	p := cString(path)
	defer freeString(p)
	return made(newArray, func(out **C.tfe_array_t) C.enum_tfe_status_t { return C.tfe_array_load(p, out) })
}

func newArray(ptr *C.tfe_array_t) *Array {
	a := &Array{}
	return initHandle(a, &a.h, "tfe.Array", ptr, func(p *C.tfe_array_t) { C.tfe_array_free(p) }, nil)
}

// Close frees the array (tfe_array_free). Safe twice.
func (a *Array) Close() { a.h.close() }

// Value is a copy of the array's values and shape (tfe_array_values,
// tfe_array_shape).
func (a *Array) Value() (Value, error) {
	return read(&a.h, func(p *C.tfe_array_t, v *libValue) C.enum_tfe_status_t {
		if status := C.tfe_array_values(p, &v.values.data, &v.values.n); status != C.TFE_OK {
			return status
		}
		return C.tfe_array_shape(p, &v.shape.dims, &v.shape.rank)
	}, func(v libValue) Value {
		return Value{Shape: v.shape.copy(), Data: goDoubles(v.values.data, v.values.n)}
	})
}

// SaveArray writes values (row-major) of shape to a .npy or .csv file
// (tfe_array_save).
func SaveArray(values []float64, shape []int, path string) error {
	s, rank, err := sizes("tfe_array_save", "shape", shape)
	if err != nil {
		return err
	}
	p := cString(path)
	defer freeString(p)
	v, n := doubles(values)
	return check(func() C.enum_tfe_status_t { return C.tfe_array_save(v, n, s, rank, p) })
}
