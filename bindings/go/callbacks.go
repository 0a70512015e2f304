package tfe

// The Go side of the C callbacks. An input provider reaches the library as
// the exported tfeGoProvideInput and a runtime/cgo.Handle (an integer) as
// its user_data; the log callback as tfeGoLog and a package variable. A
// panic inside a Go callback never unwinds into the library: an input
// provider's fails the run with its message, a log callback's is dropped.

// #include "tfe.h"
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// InputFunc provides the values of a private input at its owner, once per
// run that needs them: it fills out (row-major, len(out) elements of
// shape) and returns nil, or returns an error, which fails the run with
// ErrInvalidArgument and the error's text. A panic fails the run the same
// way, with the panic's value in the message. out is library memory, valid
// only during the call: do not keep it.
//
// It runs during Run, possibly while other goroutines run: in a session on
// a library thread (the owner player's), in a party on the goroutine that
// called Run. That run holds its session or party, its fetches and its
// feeds until the func returns, so the func must not wait for them: there,
// while the session or party has a run in progress, its Run and
// ResetVariables return at once an error matching ErrInvalidArgument that
// says so, and its Close (which returns nothing) panics with that error,
// which fails the run; Interrupt works. The same holds for the run's
// fetches and feeds: their Close panics with such an error, and Set on
// the feeds returns it. Other handles may be closed there, the input's
// context included.
// The error's text stays at the owner: other players learn only that the
// input was invalid.
type InputFunc func(name string, shape []int, out []float64) error

// provider is one InputFunc as the library sees it: a cgo.Handle, deleted
// once neither the context nor any session or party made from it can call
// it (each holds a reference).
type provider struct {
	fn     InputFunc
	handle cgo.Handle
	refs   atomic.Int64
}

func newProvider(fn InputFunc) *provider {
	p := &provider{fn: fn}
	p.handle = cgo.NewHandle(p)
	p.refs.Store(1)
	return p
}

func retainAll(ps []*provider) []*provider {
	for _, p := range ps {
		p.refs.Add(1)
	}
	return ps
}

func releaseAll(ps []*provider) {
	for _, p := range ps {
		if p.refs.Add(-1) == 0 {
			p.handle.Delete()
		}
	}
}

// providing holds, per OS thread, the input providers running on it: the
// innermost call, which names the one it runs inside (a provider may run
// a party, whose providers run on the same thread). tfeGoProvideInput
// marks each call (see markProviding); callHere reads them.
var providing = struct {
	sync.Mutex
	calls map[uintptr]*providerCall
}{calls: map[uintptr]*providerCall{}}

// providerCall is one provider running on a thread, inside outer (nil:
// none) on the same thread. Never changed once made.
type providerCall struct {
	p     *provider
	outer *providerCall
}

// markProviding marks p as running on this thread until the returned
// unmark is called, on this thread too: a callback's goroutine is locked
// to it.
func markProviding(p *provider) (unmark func()) {
	thread := currentThread()
	providing.Lock()
	call := &providerCall{p, providing.calls[thread]}
	providing.calls[thread] = call
	providing.Unlock()
	return func() {
		providing.Lock()
		defer providing.Unlock()
		if call.outer == nil {
			delete(providing.calls, thread)
		} else {
			providing.calls[thread] = call.outer
		}
	}
}

// callHere is the innermost provider call that runs on the caller's
// goroutine (nil: none). As in Trainer.reentered, the thread stands for
// the goroutine: a callback's thread runs only the callback's goroutine
// until it returns, and a caller locked to its own thread finds its thread
// marked only if it is that goroutine inside a provider.
func callHere() *providerCall {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	providing.Lock()
	defer providing.Unlock()
	return providing.calls[currentThread()]
}

// makes is whether one of the set's providers makes call or a call that
// call runs inside. Nil holds none.
func (s *providerSet) makes(call *providerCall) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ; call != nil; call = call.outer {
		if slices.Contains(s.list, call.p) {
			return true
		}
	}
	return false
}

// holders are the runs in progress that hold one handle, each as the
// providers it may call (its session's or party's set), once per run. A
// run without providers is left out: nothing it waits for can call back.
type holders struct {
	n    atomic.Int32 // len(runs), for a look without mu
	mu   sync.Mutex
	runs []*providerSet
}

// add counts a run that may call the providers of s (nil: none) until
// remove(s).
func (r *holders) add(s *providerSet) {
	if s == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, s)
	r.n.Add(1)
}

// remove ends one add(s).
func (r *holders) remove(s *providerSet) {
	if s == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.Index(r.runs, s)
	r.runs = slices.Delete(r.runs, i, i+1)
	r.n.Add(-1)
}

// waitForCaller is whether the caller's goroutine runs inside a provider
// call of one of the runs (see callHere), which that run waits for.
func (r *holders) waitForCaller() bool {
	if r.n.Load() == 0 {
		return false
	}
	call := callHere()
	if call == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.runs, func(s *providerSet) bool { return s.makes(call) })
}

// providerSet is the providers, one reference each, that a C handle may
// call until it is freed: a session's or a party's snapshot, or a
// context's, which grows as inputs are defined. It is a value of its own,
// apart from its owner, so that the owner's cleanup can release it (see
// freeing).
type providerSet struct {
	mu   sync.Mutex
	list []*provider
}

// keepProviders is the set of ps, which it takes the references of (nil
// for none).
func keepProviders(ps []*provider) *providerSet {
	if len(ps) == 0 {
		return nil
	}
	return &providerSet{list: ps}
}

// release gives back the set's references, once: it empties the set. Nil
// holds none.
func (s *providerSet) release() {
	if s == nil {
		return
	}
	s.mu.Lock()
	list := s.list
	s.list = nil
	s.mu.Unlock()
	releaseAll(list)
}

//export tfeGoProvideInput
func tfeGoProvideInput(userData C.uintptr_t, name *C.char, shape *C.size_t, rank C.size_t,
	out *C.double, n C.size_t) (status C.int) {
	inputName := C.GoString(name)
	defer func() {
		if r := recover(); r != nil {
			setInputError(fmt.Sprintf("the Go input provider of %q panicked: %v", inputName, r))
			status = 1
		}
	}()
	p := cgo.Handle(uintptr(userData)).Value().(*provider)
	defer markProviding(p)()
	var values []float64
	if n > 0 {
		values = unsafe.Slice((*float64)(unsafe.Pointer(out)), int(n))
	}
	if err := p.fn(inputName, goShape(shape, rank), values); err != nil {
		setInputError(err.Error())
		return 1
	}
	return 0
}

// setInputError leaves message as the reason the running callback fails
// (tfe_input_set_error, on the library thread that called it).
func setInputError(message string) {
	text := C.CString(message)
	C.tfe_input_set_error(text)
	freeString(text)
}

// LogFunc receives one log record of the library: its level, the library
// module ("tfe::net::tcp") and the message. It is called on library
// threads, possibly on several at once; it must not call SetLogCallback.
type LogFunc func(level LogLevel, target, message string)

var (
	logFunc atomic.Pointer[LogFunc]
	logMu   sync.Mutex // one tfe_set_log_callback at a time
)

// SetLogCallback sends the library's log records up to maxLevel to fn
// (tfe_set_log_callback), replacing any previous one; a nil fn or LogOff
// turns logging off. A panic inside the library arrives here too (target
// "tfe::panic", LogError). A panic inside fn is dropped.
func SetLogCallback(fn LogFunc, maxLevel LogLevel) error {
	logMu.Lock()
	defer logMu.Unlock()
	if int(C.int(maxLevel)) != int(maxLevel) {
		return argError("tfe_set_log_callback", "max_level", "expected 0 to %d, found %d", LogTrace, maxLevel)
	}
	var callback C.tfe_log_fn
	if fn != nil {
		callback = logCallback()
	}
	// The new function is in place before the library calls it; a failed
	// call puts the old one back.
	old := logFunc.Load()
	if fn == nil {
		logFunc.Store(nil)
	} else {
		logFunc.Store(&fn)
	}
	err := check(func() C.enum_tfe_status_t {
		return C.tfe_set_log_callback(callback, nil, C.int(maxLevel))
	})
	if err != nil {
		logFunc.Store(old)
	}
	return err
}

//export tfeGoLog
func tfeGoLog(_ unsafe.Pointer, level C.int, target *C.char, message *C.char) {
	defer func() { _ = recover() }()
	if fn := logFunc.Load(); fn != nil {
		(*fn)(LogLevel(level), C.GoString(target), C.GoString(message))
	}
}
