package tfe

// #include "tfe.h"
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"sync"
	"time"
)

// repeatInterrupt is how often a cancelled run's interrupt is repeated: an
// interrupt reaches only a run in progress, and the watcher cannot know
// whether the library has begun the run yet.
const repeatInterrupt = 10 * time.Millisecond

// interrupted, set by tests only, is called after each interrupt a watcher
// makes: a test's provider can hold its run until the interrupt is made.
var interrupted func()

// watch calls interrupt, repeatedly, once ctx is done, until the returned
// stop is called; stop waits for the watcher and says whether ctx ended
// the run. No goroutine for a context that is never done.
func watch(ctx context.Context, interrupt func()) (stop func() bool) {
	if ctx.Done() == nil {
		return func() bool { return false }
	}
	finished, exited := make(chan struct{}), make(chan bool, 1)
	go func() {
		select {
		case <-finished:
			exited <- false
			return
		case <-ctx.Done():
		}
		for {
			interrupt()
			if interrupted != nil {
				interrupted()
			}
			select {
			case <-finished:
				exited <- true
				return
			case <-time.After(repeatInterrupt):
			}
		}
	}()
	return func() bool {
		close(finished)
		return <-exited
	}
}

// cancelled is the error of a run that ctx ended: both ctx's error
// (context.Canceled, context.DeadlineExceeded) and the library's
// (ErrAborted) for errors.Is.
func cancelled(ctx context.Context, err error) error {
	return fmt.Errorf("%w: %w", context.Cause(ctx), err)
}

// interruptible runs call, a run, with the C handle held under l (h's
// read or write lock, see hold) and counted in h.runs (with h's providers,
// for fromProvider). When ctx is done
// before call returns, interrupt is made on the handle, repeatedly (see
// watch), and call's error then matches ctx's error too (see cancelled).
func (h *handle[P]) interruptible(ctx context.Context, l sync.Locker, interrupt func(P) C.enum_tfe_status_t,
	call func(P) error) error {
	p, err := h.hold(l)
	if err != nil {
		return err
	}
	defer h.letGo(l)
	h.runs.add(h.keep)
	defer h.runs.remove(h.keep)
	stop := watch(ctx, func() { interrupt(p) })
	err = call(p)
	if stop() && err != nil {
		err = cancelled(ctx, err)
	}
	return err
}

// cancellable makes call, an opening that ctx may cancel, with the
// cgo.Handle of ctx for the library to ask (see tfeGoCancelled), or with 0
// (never a cgo.Handle) for a ctx that is never done (context.Background):
// then there is nothing to ask. When ctx is done before call returns, call's error
// matches ctx's error too (see cancelled), as interruptible's does.
func cancellable(ctx context.Context, call func(cgo.Handle) error) error {
	if ctx.Done() == nil {
		return call(0)
	}
	h := cgo.NewHandle(ctx)
	defer h.Delete()
	err := call(h)
	if err != nil && ctx.Err() != nil {
		err = cancelled(ctx, err)
	}
	return err
}

// tfeGoCancelled is the tfe_cancel_fn of cancellable: whether the context
// whose cgo.Handle is userData is done. A panic inside its Err gives up
// too, rather than unwind into the library.
//
//export tfeGoCancelled
func tfeGoCancelled(userData C.uintptr_t) (giveUp C.int) {
	defer func() {
		if recover() != nil {
			giveUp = 1
		}
	}()
	if cgo.Handle(uintptr(userData)).Value().(context.Context).Err() != nil {
		return 1
	}
	return 0
}

// The tfe_*_interrupt functions, for interrupt and interruptible.
func sessionInterrupt(s *C.tfe_session_t) C.enum_tfe_status_t { return C.tfe_session_interrupt(s) }
func partyInterrupt(p *C.tfe_party_t) C.enum_tfe_status_t     { return C.tfe_party_interrupt(p) }
func trainerInterrupt(t *C.tfe_trainer_t) C.enum_tfe_status_t { return C.tfe_trainer_interrupt(t) }

// Interrupt interrupts a run of the session in progress on another
// goroutine, which fails with ErrAborted soon after (tfe_session_interrupt);
// it does nothing between runs. Run does this itself when its context ends.
func (s *Session) Interrupt() error { return s.h.interrupt(sessionInterrupt) }

// Interrupt interrupts a run of the party in progress on another
// goroutine: this player and the others fail it with ErrAborted naming
// this player (tfe_party_interrupt); it does nothing between runs.
func (p *Party) Interrupt() error { return p.h.interrupt(partyInterrupt) }

// Interrupt stops the trainer's fit, evaluate, predict or export in
// progress on another goroutine or in a fit's progress func, and a
// deployed Finish waiting for the other players (tfe_trainer_interrupt):
// that call fails with ErrAborted within its run in progress, and the
// steps taken stay. It does nothing between calls. A call does this itself
// when its context ends.
func (t *Trainer) Interrupt() error { return t.h.interrupt(trainerInterrupt) }
