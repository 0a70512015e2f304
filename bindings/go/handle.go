package tfe

// #include <stdlib.h>
// #include "tfe.h"
import "C"

import (
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// handle owns one C handle of the Go type that embeds it (one Go type per C
// handle). Every use holds the read lock from before the C call until after
// it (acquire ... release), and Close takes the write lock, so a handle is
// never freed while a call uses it: the C API leaves that race to its
// caller. An interrupt holds interrupting instead (see interrupt). Close is safe twice; a later use is an ErrClosed error. A cleanup
// (runtime.AddCleanup) frees a handle its owner forgot to close.
type handle[P comparable] struct {
	mu sync.RWMutex
	// interrupting is held by interrupt and, while it frees, by close: an
	// interrupt reaches a call in flight without waiting for mu.
	interrupting sync.Mutex
	ptr          P
	kind         string // "tfe.Context", for messages
	free         func(P)
	// keep is the callbacks the C handle may call until it is freed (nil:
	// none), set once: close empties the set rather than drop it, so it is
	// read without mu (see fromProvider).
	keep    *providerSet
	cleanup runtime.Cleanup
	// runs are the runs in progress that hold the handle and may call
	// input providers: a session's or party's own (see interruptible), a
	// tensor's that fetch it, feeds' that are given them (see runFetches).
	runs holders
}

// freeing is what a cleanup needs: never the owner itself, which would
// keep the owner reachable forever. close runs it instead when the owner
// is closed, and stops the cleanup: the C handle is freed and keep
// released once.
type freeing[P comparable] struct {
	ptr  P
	free func(P)
	keep *providerSet
}

func (f freeing[P]) run() {
	f.free(f.ptr)
	f.keep.release()
}

// initHandle takes ownership of ptr for owner, whose field h is, and of
// keep (nil: none), which the owner may still add to (a context's
// providers) but must not reach through owner alone: the cleanup holds it.
// It returns owner, for the constructor of each Go type (newModel,
// newTensor, ...) to return.
func initHandle[P comparable, O any](owner *O, h *handle[P], kind string, ptr P, free func(P), keep *providerSet) *O {
	h.ptr, h.kind, h.free, h.keep = ptr, kind, free, keep
	h.cleanup = runtime.AddCleanup(owner, freeing[P].run, freeing[P]{ptr, free, keep})
	return owner
}

// made runs create, a C call that writes a new C handle to its
// out-parameter, and gives that handle its Go owner with wrap (newModel,
// newTensor, ...).
func made[Q any, T any](wrap func(Q) *T, create func(out *Q) C.enum_tfe_status_t) (*T, error) {
	var out Q
	if err := check(func() C.enum_tfe_status_t { return create(&out) }); err != nil {
		return nil, err
	}
	return wrap(out), nil
}

// madeOn is made for a C call on the C handle of h (a tensor of a context,
// a trainer of a model), held as by call.
func madeOn[P comparable, Q any, T any](h *handle[P], wrap func(Q) *T, create func(p P, out *Q) C.enum_tfe_status_t) (*T, error) {
	p, err := h.acquire()
	if err != nil {
		return nil, err
	}
	defer h.release()
	return made(wrap, func(out *Q) C.enum_tfe_status_t { return create(p, out) })
}

// acquire returns the C handle with the read lock held, or ErrClosed.
// Call release once the C call has returned.
func (h *handle[P]) acquire() (P, error) { return h.hold(h.mu.RLocker()) }

// release ends a use begun by acquire.
func (h *handle[P]) release() { h.letGo(h.mu.RLocker()) }

// lock is acquire for a call that must run alone (tfe_feeds_set, the
// tfe_model_add_* functions); unlock ends it.
func (h *handle[P]) lock() (P, error) { return h.hold(&h.mu) }

func (h *handle[P]) unlock() { h.letGo(&h.mu) }

// hold takes l (h's read or write lock) and returns the C handle, or gives
// l back and returns ErrClosed.
func (h *handle[P]) hold(l sync.Locker) (P, error) {
	l.Lock()
	if h.ptr == zero[P]() {
		l.Unlock()
		return zero[P](), closedError(h.kind)
	}
	return h.ptr, nil
}

// letGo ends a use begun by hold(l). It also keeps the owner (which embeds
// h) alive up to here, so its cleanup cannot free the C handle during the
// C call (the rule of runtime.KeepAlive).
func (h *handle[P]) letGo(l sync.Locker) {
	l.Unlock()
	runtime.KeepAlive(h)
}

// close frees the C handle once; it waits for calls in progress.
func (h *handle[P]) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.interrupting.Lock()
	defer h.interrupting.Unlock()
	if h.ptr == zero[P]() {
		return
	}
	h.cleanup.Stop()
	freeing[P]{h.ptr, h.free, h.keep}.run()
	h.ptr = zero[P]()
}

// fromProvider is the error of a call of method made from an input
// provider of a run in progress that holds the handle (a session's or a
// party's own run, a run that fetches a tensor or is given feeds): the
// run holds the handle until the provider returns, so the call, which
// would wait for the run (Close and Feeds.Set, for mu; Run and
// ResetVariables, in the library), would wait for good. advice says what
// to do instead. Nil for any other call, such as one made meanwhile on
// another goroutine, which waits for the run as usual, or one from a
// provider while no run holds the handle.
func (h *handle[P]) fromProvider(method, advice string) error {
	if !h.runs.waitForCaller() {
		return nil
	}
	whose := "this " + strings.ToLower(strings.TrimPrefix(h.kind, "tfe.")) + " while it has a run in progress"
	if h.keep == nil { // not a session or party (which a run holds only with providers): a fetch, feeds
		whose = "a run in progress that holds this " + h.kind
	}
	return &Error{Status: StatusInvalidArgument, Message: h.kind + "." + method +
		": called from an input provider of " + whose + ", which waits for the provider to return: " + advice}
}

// closeOutsideProviders is close for a handle that a run may hold (a
// session, a party, a tensor, feeds): from an input provider of a run in
// progress that holds it, it panics instead (see fromProvider), which
// fails that run with the panic's message.
func (h *handle[P]) closeOutsideProviders() {
	if err := h.fromProvider("Close", "close it after Run returns"); err != nil {
		panic(err)
	}
	h.close()
}

// callOutsideProviders is call for a method of a session or a party that
// fails at once from one of its input providers while it has a run in
// progress (see fromProvider).
func (h *handle[P]) callOutsideProviders(method string, f func(P) C.enum_tfe_status_t) error {
	if err := h.fromProvider(method, afterRun); err != nil {
		return err
	}
	return h.call(f)
}

// afterRun is fromProvider's advice for a call other than Close.
const afterRun = "call it after Run returns"

// interrupt runs f, a tfe_*_interrupt function, on the C handle without
// taking mu: a pending Close holds back new readers of mu while it waits
// for the very call f is to stop, so an interrupt that waited for mu would
// wait forever. The C API lets an interrupt run beside a call in flight;
// interrupting keeps close from freeing the handle while f runs.
func (h *handle[P]) interrupt(f func(P) C.enum_tfe_status_t) error {
	h.interrupting.Lock()
	defer h.interrupting.Unlock()
	if h.ptr == zero[P]() {
		return closedError(h.kind)
	}
	return check(func() C.enum_tfe_status_t { return f(h.ptr) })
}

// call runs one C call with the handle held (acquire ... release): how a
// method reaches the library.
func (h *handle[P]) call(f func(P) C.enum_tfe_status_t) error {
	return h.callHolding(h.mu.RLocker(), f)
}

// callAlone is call for a call that must run alone (lock ... unlock).
func (h *handle[P]) callAlone(f func(P) C.enum_tfe_status_t) error {
	return h.callHolding(&h.mu, f)
}

// callHolding runs f with the handle held under l (hold ... letGo).
func (h *handle[P]) callHolding(l sync.Locker, f func(P) C.enum_tfe_status_t) error {
	p, err := h.hold(l)
	if err != nil {
		return err
	}
	defer h.letGo(l)
	return check(func() C.enum_tfe_status_t { return f(p) })
}

// count runs an accessor that writes one size or count.
func (h *handle[P]) count(f func(P, *C.size_t) C.enum_tfe_status_t) (int, error) {
	var n C.size_t
	err := h.call(func(p P) C.enum_tfe_status_t { return f(p, &n) })
	return int(n), err
}

// read runs an accessor that writes to raw what the library owns (a
// string, a shape, stats that name a player) and copies it with conv while
// the handle is held.
func read[P comparable, R, V any](h *handle[P], f func(p P, raw *R) C.enum_tfe_status_t, conv func(R) V) (V, error) {
	var v V
	err := h.call(func(p P) C.enum_tfe_status_t {
		var raw R
		status := f(p, &raw)
		if status == C.TFE_OK {
			v = conv(raw)
		}
		return status
	})
	return v, err
}

// readAt is read for an accessor of item index, named cName in the error
// when index is negative.
func readAt[P comparable, R, V any](h *handle[P], cName string, index int,
	f func(p P, i C.size_t, raw *R) C.enum_tfe_status_t, conv func(R) V) (V, error) {
	i, err := size(cName, "index", index)
	if err != nil {
		var zero V
		return zero, err
	}
	return read(h, func(p P, raw *R) C.enum_tfe_status_t { return f(p, i, raw) }, conv)
}

// libShape is a shape the library owns, as an accessor writes it: a
// pointer and a rank.
type libShape struct {
	dims *C.size_t
	rank C.size_t
}

func (s libShape) copy() []int { return goShape(s.dims, s.rank) }

// libValues are values the library owns, as an accessor writes them: a
// pointer and a length.
type libValues struct {
	data *C.double
	n    C.size_t
}

// copy copies the values into a Go slice, nil for none.
func (v libValues) copy() []float64 {
	if v.n == 0 {
		return nil
	}
	return goDoubles(v.data, v.n)
}

// shape runs an accessor of a shape the library owns and copies the shape
// while the handle is held.
func (h *handle[P]) shape(f func(P, **C.size_t, *C.size_t) C.enum_tfe_status_t) ([]int, error) {
	return read(h, func(p P, s *libShape) C.enum_tfe_status_t { return f(p, &s.dims, &s.rank) }, libShape.copy)
}

// shapeAt is shape for an accessor of output index, named cName in the
// error when index is negative.
func (h *handle[P]) shapeAt(cName string, index int, f func(P, C.size_t, **C.size_t, *C.size_t) C.enum_tfe_status_t) ([]int, error) {
	return readAt(h, cName, index, func(p P, i C.size_t, s *libShape) C.enum_tfe_status_t {
		return f(p, i, &s.dims, &s.rank)
	}, libShape.copy)
}

// text runs an accessor of a string the library owns and copies the
// string while the handle is held.
func (h *handle[P]) text(f func(P, **C.char) C.enum_tfe_status_t) (string, error) {
	return read(h, f, func(s *C.char) string { return C.GoString(s) })
}

func zero[P comparable]() (z P) { return }

func (h *handle[P]) isClosed() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.ptr == zero[P]()
}

// cString is s as a C string the caller frees with freeString.
func cString(s string) *C.char { return C.CString(s) }

// cStringOrNull is cString, or NULL for "" (the C API's "none").
func cStringOrNull(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

func freeString(s *C.char) { C.free(unsafe.Pointer(s)) }

// doubles passes a Go slice to C without copying: the C API borrows it for
// the call only (cgo pins it). NULL for an empty slice.
func doubles(v []float64) (*C.double, C.size_t) {
	if len(v) == 0 {
		return nil, 0
	}
	return (*C.double)(unsafe.Pointer(&v[0])), C.size_t(len(v))
}

// sizes passes a shape (or indices, a permutation, ...) to C without
// copying: int and size_t have the same size on every platform Go and
// tfe support, so a slice of non-negative ints is one of size_t. A
// negative value is an ErrInvalidArgument naming param.
func sizes(function, param string, v []int) (*C.size_t, C.size_t, error) {
	if unsafe.Sizeof(int(0)) != unsafe.Sizeof(C.size_t(0)) {
		panic("tfe: int and size_t differ in size on this platform")
	}
	for i, x := range v {
		if x < 0 {
			return nil, 0, argError(function, param, "expected sizes >= 0, found %d at index %d", x, i)
		}
	}
	if len(v) == 0 {
		return nil, 0, nil
	}
	return (*C.size_t)(unsafe.Pointer(&v[0])), C.size_t(len(v)), nil
}

// size is one size_t parameter (an axis, a window, a stride, a batch).
func size(function, param string, v int) (C.size_t, error) {
	if v < 0 {
		return 0, argError(function, param, "expected a size >= 0, found %d", v)
	}
	return C.size_t(v), nil
}

// windowAndStrides is a pooling's window and strides as size_t, in the C
// API's order (window_h, window_w, stride_h, stride_w).
func windowAndStrides(function string, windowH, windowW, strideH, strideW int) ([4]C.size_t, error) {
	var d [4]C.size_t
	err := sizesInto(d[:], function, []string{"window_h", "window_w", "stride_h", "stride_w"}, windowH, windowW, strideH, strideW)
	return d, err
}

// strides is a convolution's strides as size_t, in the C API's order
// (stride_h, stride_w).
func strides(function string, strideH, strideW int) ([2]C.size_t, error) {
	var d [2]C.size_t
	err := sizesInto(d[:], function, []string{"stride_h", "stride_w"}, strideH, strideW)
	return d, err
}

// sizesInto converts values, the size_t parameters of function called
// names, into d (see size), up to the first that fails.
func sizesInto(d []C.size_t, function string, names []string, values ...int) error {
	for i, v := range values {
		var err error
		if d[i], err = size(function, names[i], v); err != nil {
			return err
		}
	}
	return nil
}

// goShape copies a shape the library owns into a Go slice.
func goShape(shape *C.size_t, rank C.size_t) []int {
	out := make([]int, int(rank))
	if rank > 0 {
		for i, d := range unsafe.Slice(shape, int(rank)) {
			out[i] = int(d)
		}
	}
	return out
}

// goDoubles copies values the library owns into a Go slice.
func goDoubles(data *C.double, n C.size_t) []float64 {
	out := make([]float64, int(n))
	if n > 0 {
		copy(out, unsafe.Slice((*float64)(unsafe.Pointer(data)), int(n)))
	}
	return out
}

// elements is the number of elements of shape (1 for a scalar).
func elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
