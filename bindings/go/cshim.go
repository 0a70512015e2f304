package tfe

// C helpers the Go code cannot write itself: the exported callbacks as C
// function pointers, a cgo.Handle as a void * (an integer, never a Go
// pointer, which the C side must not keep), and skipLowTags.

/*
#include <stdint.h>
#include "tfe.h"

extern int tfeGoProvideInput(void *, char *, size_t *, size_t, double *, size_t);
extern void tfeGoLog(void *, int, char *, char *);

static tfe_input_fn tfe_go_input_fn(void) { return (tfe_input_fn)tfeGoProvideInput; }
static tfe_log_fn tfe_go_log_fn(void) { return (tfe_log_fn)tfeGoLog; }
static void *tfe_go_user_data(uintptr_t handle) { return (void *)handle; }

// Makes and frees feeds until the library hands out tags of 4096 and up.
static void tfe_go_skip_low_tags(void) {
    for (int i = 0; i < 4096; i++) {
        tfe_feeds_t *feeds = NULL;
        if (tfe_feeds_new(&feeds) != TFE_OK) {
            return;
        }
        uintptr_t tag = (uintptr_t)feeds;
        tfe_feeds_free(feeds);
        if (tag >= 4096) {
            return;
        }
    }
}
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

func inputCallback() C.tfe_input_fn { return C.tfe_go_input_fn() }

func logCallback() C.tfe_log_fn { return C.tfe_go_log_fn() }

func userData(h cgo.Handle) unsafe.Pointer { return C.tfe_go_user_data(C.uintptr_t(h)) }

// A C handle is a tag (16, 32, 48, ...), not an address, and Go keeps it
// in a pointer-typed variable. Go's stack copier aborts the process on a
// pointer value between 1 and 4095 ("invalid pointer found on stack"), so
// before Go holds any handle, the library's tag counter is moved past
// 4096 (tags are never handed out twice, so every later tag is larger;
// larger ones are never inside Go's heap, which the collector accepts).
func init() { C.tfe_go_skip_low_tags() }
