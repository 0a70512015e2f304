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

static enum tfe_status_t tfe_go_trainer_fit(tfe_trainer_t *trainer, const double *x, size_t x_len,
                                            const double *y, size_t y_len, size_t epochs, size_t batch_size,
                                            const double *val_x, size_t val_x_len, const double *val_y,
                                            size_t val_y_len, uintptr_t handle) {
    return tfe_trainer_fit(trainer, x, x_len, y, y_len, epochs, batch_size, val_x, val_x_len, val_y, val_y_len,
                           tfe_go_progress, (void *)handle);
}

*/
import "C"

import "runtime/cgo"

// defineInput is tfe_define_private_input with the Go provider whose
// cgo.Handle is h.
func defineInput(ctx *C.tfe_context_t, name, owner *C.char, shape *C.size_t, rank C.size_t, h cgo.Handle,
	out **C.tfe_tensor_t) C.enum_tfe_status_t {
	return C.tfe_go_define_private_input(ctx, name, owner, shape, rank, C.uintptr_t(h), out)
}

func logCallback() C.tfe_log_fn { return C.tfe_go_log_fn() }

// fitWithProgress is tfe_trainer_fit with the Go progress function whose
// cgo.Handle is h.
func fitWithProgress(t *C.tfe_trainer_t, x *C.double, xn C.size_t, y *C.double, yn C.size_t, epochs, batch C.size_t,
	vx *C.double, vxn C.size_t, vy *C.double, vyn C.size_t, h cgo.Handle) C.enum_tfe_status_t {
	return C.tfe_go_trainer_fit(t, x, xn, y, yn, epochs, batch, vx, vxn, vy, vyn, C.uintptr_t(h))
}
