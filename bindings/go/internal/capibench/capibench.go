// Package capibench runs the benchmark's 64x64 private matmul through the
// C API directly, one cgo call per C function, with no binding in
// between: the baseline of the tfe package's overhead benchmark
// (bench_test.go). Its input provider is a Go function exported through
// cgo (provide.go), as a program calling the C API directly would write
// it, so the comparison is of the binding, not of cgo's callbacks.
package capibench

/*
#include <stdlib.h>
#include "tfe.h"

extern int capibenchProvide(double *, size_t);

static int provide_ones(void *user_data, const char *name, const size_t *shape, size_t rank,
                        double *out, size_t len) {
    (void)user_data; (void)name; (void)shape; (void)rank;
    return capibenchProvide(out, len);
}

static tfe_input_fn provide_ones_fn(void) { return provide_ones; }
*/
import "C"

import (
	"errors"
	"unsafe"

	// The tfe package's init moves the library's handle tags past the
	// values Go's stack copier rejects (see its cshim.go); this package
	// holds handles in Go variables too.
	_ "tfe/bindings/go"
)

// Matmul is an n x n private input times an n x n private variable of
// ones, revealed, in a local session.
type Matmul struct {
	ctx    *C.tfe_context_t
	tensor []*C.tfe_tensor_t // x, w, y, out: out is last
	sess   *C.tfe_session_t
}

func fail(status C.enum_tfe_status_t) error {
	return errors.New(C.GoString(C.tfe_status_name(C.int(status))) + ": " + C.GoString(C.tfe_last_error_message()))
}

// New builds the graph and starts its session (memory: in-memory
// channels instead of loopback TCP).
func New(n int, memory bool) (*Matmul, error) {
	m := &Matmul{}
	if s := C.tfe_context_new(nil, &m.ctx); s != C.TFE_OK {
		return nil, fail(s)
	}
	shape := (*C.size_t)(C.malloc(2 * C.size_t(unsafe.Sizeof(C.size_t(0)))))
	defer C.free(unsafe.Pointer(shape))
	dims := unsafe.Slice(shape, 2)
	dims[0], dims[1] = C.size_t(n), C.size_t(n)
	ones := make([]float64, n*n)
	for i := range ones {
		ones[i] = 1
	}
	name, owner, server := C.CString("x"), C.CString("input-provider"), C.CString("server0")
	defer C.free(unsafe.Pointer(name))
	defer C.free(unsafe.Pointer(owner))
	defer C.free(unsafe.Pointer(server))
	var x, w, y, out *C.tfe_tensor_t
	steps := []func() C.enum_tfe_status_t{
		func() C.enum_tfe_status_t {
			return C.tfe_define_private_input(m.ctx, name, owner, shape, 2, C.provide_ones_fn(), nil, &x)
		},
		func() C.enum_tfe_status_t {
			return C.tfe_define_private_variable(m.ctx, nil, server, (*C.double)(unsafe.Pointer(&ones[0])),
				C.size_t(len(ones)), shape, 2, &w)
		},
		func() C.enum_tfe_status_t { return C.tfe_matmul(m.ctx, x, w, &y) },
		func() C.enum_tfe_status_t { return C.tfe_reveal(m.ctx, y, nil, &out) },
	}
	for _, step := range steps {
		if s := step(); s != C.TFE_OK {
			m.Close()
			return nil, fail(s)
		}
	}
	m.tensor = []*C.tfe_tensor_t{x, w, y, out}
	options := C.tfe_session_options_default()
	if memory {
		options.transport = C.TFE_TRANSPORT_MEMORY
	}
	if s := C.tfe_session_new_local_with_options(m.ctx, &options, &m.sess); s != C.TFE_OK {
		m.Close()
		return nil, fail(s)
	}
	return m, nil
}

// Run runs the session once and copies the revealed product out, as the
// binding's Run and Result.Value do.
func (m *Matmul) Run() ([]float64, error) {
	var result *C.tfe_result_t
	if s := C.tfe_session_run(m.sess, &m.tensor[3], 1, &result); s != C.TFE_OK {
		return nil, fail(s)
	}
	defer C.tfe_result_free(result)
	var data *C.double
	var n C.size_t
	if s := C.tfe_result_value(result, 0, &data, &n); s != C.TFE_OK {
		return nil, fail(s)
	}
	var shape *C.size_t
	var rank C.size_t
	if s := C.tfe_result_shape(result, 0, &shape, &rank); s != C.TFE_OK {
		return nil, fail(s)
	}
	out := make([]float64, int(n))
	copy(out, unsafe.Slice((*float64)(unsafe.Pointer(data)), int(n)))
	return out, nil
}

// Close frees everything.
func (m *Matmul) Close() {
	C.tfe_session_free(m.sess)
	for _, t := range m.tensor {
		C.tfe_tensor_free(t)
	}
	C.tfe_context_free(m.ctx)
}
