package tfe

// C helpers the Go code cannot write itself: the exported callbacks as C
// function pointers, a cgo.Handle passed as user_data (an integer, never a
// Go pointer, which the C side must not keep), the calling OS thread, and
// calls through a C function pointer (an operation's C function, see
// ops.go).

/*
#include <pthread.h>
#include <stdint.h>
#include "tfe.h"
#include "cshim.h"

extern int tfeGoProvideInput(uintptr_t, char *, size_t *, size_t, double *, size_t);
extern void tfeGoLog(void *, int, char *, char *);

// The library calls this with the provider's cgo.Handle as user_data; Go
// receives it as an integer: a small one, which Go must never hold in a
// pointer (see tags_internal_test.go).
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

extern int tfeGoCancelled(uintptr_t);

// The library asks this with the Go context's cgo.Handle as user_data,
// which Go receives as an integer (see tfe_go_provide_input).
static int tfe_go_cancelled(void *user_data) { return tfeGoCancelled((uintptr_t)user_data); }

static enum tfe_status_t tfe_go_party_open_cancellable(const tfe_context_t *ctx, const char *hostmap,
                                                       const char *me, const char *tls_key, uintptr_t handle,
                                                       tfe_party_t **out) {
    return tfe_party_open_cancellable(ctx, hostmap, me, tls_key, tfe_go_cancelled, (void *)handle, out);
}

static enum tfe_status_t tfe_go_party_open_insecure_plaintext_cancellable(const tfe_context_t *ctx,
                                                                          const char *hostmap, const char *me,
                                                                          uintptr_t handle, tfe_party_t **out) {
    return tfe_party_open_insecure_plaintext_cancellable(ctx, hostmap, me, tfe_go_cancelled, (void *)handle, out);
}

// The calling OS thread, as an integer (pthread_t is one, or a pointer, on
// every platform Go and tfe support).
static uintptr_t tfe_go_thread(void) { return (uintptr_t)pthread_self(); }

// A cgo.Handle as a callback's user_data: an integer in a pointer's clothes.
static void *tfe_go_user_data(uintptr_t handle) { return (void *)handle; }

// Go cannot call a C function pointer: these call the operation f (of a
// type of cshim.h).
static enum tfe_status_t tfe_go_unary(tfe_go_unary_fn f, tfe_context_t *ctx, tfe_tensor_t *x, tfe_tensor_t **out) {
    return f(ctx, x, out);
}

static enum tfe_status_t tfe_go_binary(tfe_go_binary_fn f, tfe_context_t *ctx, tfe_tensor_t *x, tfe_tensor_t *y,
                                       tfe_tensor_t **out) {
    return f(ctx, x, y, out);
}

static enum tfe_status_t tfe_go_axis(tfe_go_axis_fn f, tfe_context_t *ctx, tfe_tensor_t *x, size_t axis,
                                     tfe_tensor_t **out) {
    return f(ctx, x, axis, out);
}

static enum tfe_status_t tfe_go_sizes(tfe_go_sizes_fn f, tfe_context_t *ctx, tfe_tensor_t *x, size_t *v, size_t n,
                                      tfe_tensor_t **out) {
    return f(ctx, x, v, n, out);
}

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

// partyOpenCancellable is tfe_party_open_cancellable asking the Go context
// whose cgo.Handle is h (see tfeGoCancelled).
func partyOpenCancellable(ctx *C.tfe_context_t, hostmap, me, tlsKey *C.char, h cgo.Handle,
	out **C.tfe_party_t) C.enum_tfe_status_t {
	return C.tfe_go_party_open_cancellable(ctx, hostmap, me, tlsKey, C.uintptr_t(h), out)
}

// partyOpenInsecurePlaintextCancellable is
// tfe_party_open_insecure_plaintext_cancellable asking the Go context whose
// cgo.Handle is h (see tfeGoCancelled).
func partyOpenInsecurePlaintextCancellable(ctx *C.tfe_context_t, hostmap, me *C.char, h cgo.Handle,
	out **C.tfe_party_t) C.enum_tfe_status_t {
	return C.tfe_go_party_open_insecure_plaintext_cancellable(ctx, hostmap, me, C.uintptr_t(h), out)
}

// progressCallback is the C progress function and user data that call the
// Go progress function whose cgo.Handle is h.
func progressCallback(h cgo.Handle) (C.tfe_train_progress_fn, unsafe.Pointer) {
	return C.tfe_go_progress_fn(), C.tfe_go_user_data(C.uintptr_t(h))
}

// currentThread identifies the OS thread the caller runs on: a goroutine
// that compares it with another must be locked to its thread meanwhile
// (runtime.LockOSThread), or it may have moved since.
func currentThread() uintptr { return uintptr(C.tfe_go_thread()) }

// unaryC is the C operation f as a unaryFn. f is C.tfe_neg or another C
// function of type tfe_go_unary_fn (cshim.h): cgo types C.tfe_neg as an
// unsafe.Pointer, so the Go compiler cannot check that, and a function of
// another type would be undefined behaviour. cshim_types_test.go is the
// check: it compiles each unaryC(C.f) ... sizesC(C.f) of the package as C
// that assigns f to its helper's type.
func unaryC(f unsafe.Pointer) unaryFn {
	return func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_go_unary(C.tfe_go_unary_fn(f), ctx, x, out)
	}
}

// binaryC is unaryC for a tfe_go_binary_fn, tfe_add's parameters (ctx, x,
// y, out).
func binaryC(f unsafe.Pointer) binaryFn {
	return func(ctx *C.tfe_context_t, x, y *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_go_binary(C.tfe_go_binary_fn(f), ctx, x, y, out)
	}
}

// axisC is unaryC for a tfe_go_axis_fn, tfe_argmax's parameters (ctx, x,
// axis, out).
func axisC(f unsafe.Pointer) axisFn {
	return func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, axis C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_go_axis(C.tfe_go_axis_fn(f), ctx, x, axis, out)
	}
}

// sizesC is unaryC for a tfe_go_sizes_fn, tfe_reshape's parameters (ctx,
// x, sizes, their count, out).
func sizesC(f unsafe.Pointer) sizesFn {
	return func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, v *C.size_t, n C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_go_sizes(C.tfe_go_sizes_fn(f), ctx, x, v, n, out)
	}
}
