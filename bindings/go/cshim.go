package tfe

// C helpers the Go code cannot write itself: the exported callbacks as C
// function pointers, a cgo.Handle passed as user_data (an integer, never a
// Go pointer, which the C side must not keep) and the init below.

/*
#include <stdint.h>
#include "tfe.h"

extern int tfeGoProvideInput(uintptr_t, char *, size_t *, size_t, double *, size_t);
extern void tfeGoLog(void *, int, char *, char *);

// The library calls this with the provider's cgo.Handle as user_data; Go
// receives it as an integer (see skipLowTags for why never as a pointer).
static int tfe_go_provide_input(void *user_data, const char *name, const size_t *shape, size_t rank,
                                double *out, size_t len) {
    return tfeGoProvideInput((uintptr_t)user_data, (char *)name, (size_t *)shape, rank, out, len);
}

static enum tfe_status_t tfe_go_define_private_input(tfe_context_t *ctx, const char *name,
                                                     const char *owner, const size_t *shape, size_t rank,
                                                     uintptr_t handle, tfe_tensor_t **out) {
    return tfe_define_private_input(ctx, name, owner, shape, rank, tfe_go_provide_input, (void *)handle, out);
}

static tfe_log_fn tfe_go_log_fn(void) { return (tfe_log_fn)tfeGoLog; }

extern int tfeGoProgress(uintptr_t, tfe_train_progress_t *);

static int tfe_go_progress(void *user_data, const tfe_train_progress_t *progress) {
    return tfeGoProgress((uintptr_t)user_data, (tfe_train_progress_t *)progress);
}

static tfe_train_progress_fn tfe_go_progress_fn(void) { return tfe_go_progress; }

// A cgo.Handle as a callback's user_data: an integer in a pointer's clothes.
static void *tfe_go_user_data(uintptr_t handle) { return (void *)handle; }

*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// defineInput is tfe_define_private_input with the Go provider whose
// cgo.Handle is h.
func defineInput(ctx *C.tfe_context_t, name, owner *C.char, shape *C.size_t, rank C.size_t, h cgo.Handle,
	out **C.tfe_tensor_t) C.enum_tfe_status_t {
	return C.tfe_go_define_private_input(ctx, name, owner, shape, rank, C.uintptr_t(h), out)
}

func logCallback() C.tfe_log_fn { return C.tfe_go_log_fn() }

// progressCallback is the C progress function and user data that call the
// Go progress function whose cgo.Handle is h.
func progressCallback(h cgo.Handle) (C.tfe_train_progress_fn, unsafe.Pointer) {
	return C.tfe_go_progress_fn(), C.tfe_go_user_data(C.uintptr_t(h))
}
