package tfe_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	tfe "tfe/bindings/go"
)

func TestProviderSeesItsNameAndShape(t *testing.T) {
	ctx := newContext(t)
	var gotName string
	var gotShape []int
	x := must(ctx.DefinePrivateInput("pixels", "input-provider", []int{2, 3},
		func(name string, shape []int, out []float64) error {
			gotName, gotShape = name, shape
			for i := range out {
				out[i] = float64(i)
			}
			return nil
		}))(t)
	values := must(run(t, ctx, memory(), must(ctx.Reveal(x, ""))(t)))(t)
	if gotName != "pixels" || len(gotShape) != 2 || gotShape[0] != 2 || gotShape[1] != 3 {
		t.Fatalf("provider saw %q %v", gotName, gotShape)
	}
	for i, v := range values[0].Data {
		if v != float64(i) {
			t.Fatalf("value %d is %v", i, v)
		}
	}
}

func TestAProviderThatPanicsFailsTheRunWithItsMessage(t *testing.T) {
	ctx := newContext(t)
	x := must(ctx.DefinePrivateInput("x", "input-provider", []int{3},
		func(string, []int, []float64) error { panic("sensor offline") }))(t)
	out := must(ctx.Reveal(x, ""))(t)
	sess := must(tfe.NewLocalSession(ctx, memory()))(t)
	defer sess.Close()
	for range 2 { // the session stays usable
		_, err := sess.Run(context.Background(), []*tfe.Tensor{out}, nil)
		e := expectStatus(t, err, tfe.ErrInvalidArgument)
		if !strings.Contains(e.Message, "sensor offline") || !strings.Contains(e.Message, "panicked") {
			t.Fatalf("message: %s", e.Message)
		}
	}
}

func TestAProviderErrorFailsTheRunWithItsText(t *testing.T) {
	ctx := newContext(t)
	x := must(ctx.DefinePrivateInput("x", "input-provider", []int{3},
		func(string, []int, []float64) error { return errors.New("camera unplugged") }))(t)
	_, err := run(t, ctx, memory(), must(ctx.Reveal(x, ""))(t))
	e := expectStatus(t, err, tfe.ErrInvalidArgument)
	if !strings.Contains(e.Message, "camera unplugged") || !strings.Contains(e.Message, "'x'") {
		t.Fatalf("message: %s", e.Message)
	}
}

func TestProvidersRunConcurrentlyInSeveralSessions(t *testing.T) {
	s := newSeed(t, fill(1))
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess, err := tfe.NewLocalSession(s.ctx, memory())
			if err != nil {
				errs <- err
				return
			}
			defer sess.Close()
			for range 3 {
				res, err := sess.Run(context.Background(), []*tfe.Tensor{s.out}, nil)
				if err != nil {
					errs <- err
					return
				}
				v, err := res.Value(0)
				res.Close()
				if err != nil || v.Data[0] != 10 {
					errs <- errors.Join(err, errors.New("wrong value"))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// expectFromProvider checks err, what a call of kind's method made from an
// input provider of its run in progress returned (or, for Close, the
// failed run's error): an ErrInvalidArgument that names the call and says
// what to do, not a closed handle. A Tensor or Feeds is one that run holds
// (a fetch, its feeds); a Session or Party, the one that runs.
func expectFromProvider(t *testing.T, err error, kind, method, advice string) {
	t.Helper()
	whose := "this " + strings.ToLower(kind) + " while it has a run in progress"
	if kind == "Tensor" || kind == "Feeds" {
		whose = "a run in progress that holds this tfe." + kind
	}
	want := "tfe." + kind + "." + method + ": called from an input provider of " + whose +
		", which waits for the provider to return: " + advice
	if !errors.Is(err, tfe.ErrInvalidArgument) || errors.Is(err, tfe.ErrClosed) || !strings.Contains(fmtErr(err), want) {
		t.Errorf("%s.%s from its input provider: expected %q, got %v", kind, method, want, err)
	}
}

// providerRun is a session of a context with a private input x (three 2s)
// whose provider also calls inside (nil: nothing), and out, x revealed.
// The test closes out and the session once its runs have returned: a
// cleanup would wait for good for a run that never does, and hide the
// test's failure.
type providerRun struct {
	ctx    *tfe.Context
	x, out *tfe.Tensor
	sess   *tfe.Session
	feeds  *tfe.Feeds // given to the runs (nil: none)
	// inside is atomic: a run that never returns still reads it after its
	// test has failed.
	inside atomic.Pointer[func()]
}

func newProviderRun(t *testing.T) *providerRun {
	t.Helper()
	r := &providerRun{ctx: newContext(t)}
	r.x = must(r.ctx.DefinePrivateInput("x", "input-provider", []int{3}, func(_ string, _ []int, out []float64) error {
		for i := range out {
			out[i] = 2
		}
		if f := r.inside.Load(); f != nil {
			(*f)()
		}
		return nil
	}))(t)
	r.out = must(r.ctx.Reveal(r.x, ""))(t)
	r.sess = must(tfe.NewLocalSession(r.ctx, memory()))(t)
	return r
}

// with runs the session once for out with f inside its provider (what
// names f) and checks the value of a run that succeeded.
func (r *providerRun) with(t *testing.T, what string, f func()) error {
	t.Helper()
	r.inside.Store(&f)
	defer r.inside.Store(nil)
	return returnsWithin(t, "Run", what+" from the input provider waits for the run", func() error {
		res, err := r.sess.Run(context.Background(), []*tfe.Tensor{r.out}, r.feeds)
		if err != nil {
			return err
		}
		defer res.Close()
		if v, err := res.Value(0); err != nil || len(v.Data) != 3 || v.Data[0] != 2 {
			return fmt.Errorf("the run's value: %v, %v", v, err)
		}
		return nil
	})
}

// closes runs the session once with Close of each of handles (what names
// them) inside its provider: the run succeeds.
func (r *providerRun) closes(t *testing.T, what string, handles ...interface{ Close() }) {
	t.Helper()
	err := r.with(t, "Close of "+what, func() {
		for _, h := range handles {
			h.Close()
		}
	})
	if err != nil {
		t.Fatalf("a run whose provider closes %s: %v", what, err)
	}
}

// expectPanicked checks err, the error of a run whose provider panicked.
func expectPanicked(t *testing.T, err error) {
	t.Helper()
	if e := expectStatus(t, err, tfe.ErrInvalidArgument); !strings.Contains(e.Message, `the Go input provider of "x" panicked`) {
		t.Fatalf("the run's error: %s", e.Message)
	}
}

// expectClosed checks that each call, named by its key, found its handle
// closed.
func expectClosed(t *testing.T, calls map[string]error) {
	t.Helper()
	for name, err := range calls {
		if !errors.Is(err, tfe.ErrClosed) {
			t.Errorf("%s: expected ErrClosed, got %v", name, err)
		}
	}
}

// An input provider runs inside the run that called it, which holds its
// session until the provider returns: there the session's Run and
// ResetVariables fail at once rather than wait for the run for good, and
// its Close (which returns nothing) panics, which fails the run with the
// panic's message. The session stays usable. The provider may close its
// context, which no run holds, another context's session, or a session of
// its own context that is not running.
func TestSessionCallsFromItsProviderFailRatherThanWait(t *testing.T) {
	r := newProviderRun(t)
	ctx, sess := r.ctx, r.sess
	idle := must(tfe.NewLocalSession(ctx, memory()))(t)
	other := must(tfe.NewLocalSession(newSeed(t, fill(1)).ctx, memory()))(t)

	err := r.with(t, "Close of the session", sess.Close)
	expectFromProvider(t, err, "Session", "Close", "close it after Run returns")
	expectPanicked(t, err)

	var runErr, resetErr error
	err = r.with(t, "a call of the session", func() {
		_, runErr = sess.Run(context.Background(), []*tfe.Tensor{r.out}, nil)
		resetErr = sess.ResetVariables()
	})
	if err != nil {
		t.Fatalf("the run: %v", err)
	}
	expectFromProvider(t, runErr, "Session", "Run", "call it after Run returns")
	expectFromProvider(t, resetErr, "Session", "ResetVariables", "call it after Run returns")

	r.closes(t, "other handles", other, idle, ctx)
	expectClosed(t, map[string]error{
		"the other context's session": func() error { _, err := other.Run(context.Background(), nil, nil); return err }(),
		"the idle session":            idle.ResetVariables(),
		"the context of the session":  func() error { _, err := ctx.Players(); return err }(),
		"the session after its Close": func() error { sess.Close(); return sess.ResetVariables() }(),
	})
	r.out.Close()
}

// A run holds its fetches and its feeds until it returns, so an input
// provider of that run must not wait for them: there their Close (which
// returns nothing) panics, which fails the run with the panic's message,
// and Feeds.Set fails at once. The handles stay usable. Tensors and feeds
// the run does not hold close there as anywhere.
func TestClosingWhatTheRunHoldsFromItsProviderFailsRatherThanWaits(t *testing.T) {
	r := newProviderRun(t)
	r.feeds = must(tfe.NewFeeds())(t)

	err := r.with(t, "Close of the run's fetch", r.out.Close)
	expectFromProvider(t, err, "Tensor", "Close", "close it after Run returns")
	expectPanicked(t, err)

	err = r.with(t, "Close of the run's feeds", r.feeds.Close)
	expectFromProvider(t, err, "Feeds", "Close", "close it after Run returns")
	expectPanicked(t, err)

	var setErr error
	err = r.with(t, "Set on the run's feeds", func() { setErr = r.feeds.Set(r.x, []float64{1, 1, 1}) })
	if err != nil {
		t.Fatalf("the run: %v", err)
	}
	expectFromProvider(t, setErr, "Feeds", "Set", "call it after Run returns")

	// Handles the run does not hold: another tensor of the context, other
	// feeds, a tensor of another context.
	unfetched := must(r.ctx.Reveal(r.x, ""))(t)
	otherFeeds := must(tfe.NewFeeds())(t)
	otherTensor := newSeed(t, fill(1)).out
	r.closes(t, "handles the run does not hold", unfetched, otherFeeds, otherTensor)
	expectClosed(t, map[string]error{
		"the unfetched tensor":       func() error { _, err := unfetched.Shape(); return err }(),
		"the other feeds":            otherFeeds.Set(r.x, []float64{1, 1, 1}),
		"the other context's tensor": func() error { _, err := otherTensor.Shape(); return err }(),
	})

	// The run's handles stay usable, and close once it has returned.
	if err := r.feeds.Set(r.x, []float64{3, 3, 3}); err != nil {
		t.Fatalf("Set after the run: %v", err)
	}
	if _, err := r.out.Shape(); err != nil {
		t.Fatalf("the fetch after the run: %v", err)
	}
	r.sess.Close()
	r.feeds.Close()
	r.out.Close()
	expectClosed(t, map[string]error{
		"the feeds after Close": r.feeds.Set(r.x, []float64{1, 1, 1}),
		"the fetch after Close": func() error { _, err := r.out.Shape(); return err }(),
	})
}

// A party's input provider runs on the goroutine that called Run, which
// holds the party until the provider returns: there the party's Run fails
// at once, and its Close panics, which fails the run with the panic's
// message (and the other players abort it). The provider may close its
// context.
func TestPartyCallsFromItsProviderFailRatherThanWait(t *testing.T) {
	var s *seed
	var party atomic.Pointer[tfe.Party] // the input provider's
	var runErr error
	s = newSeed(t, func(_ string, _ []int, out []float64) error {
		p := party.Load()
		_, runErr = p.Run(context.Background(), []*tfe.Tensor{s.out}, nil)
		s.ctx.Close()
		p.Close()
		return nil
	})
	// The seed's handles are closed once the runs have returned, not by the
	// seed's cleanup: that would wait for good for a run that never does.
	closers := s.closer
	s.closer = nil
	var outcomes []partyOutcome
	err := returnsWithin(t, "The parties' runs", "Close of the party from its input provider waits for the run", func() error {
		outcomes = runParties(t, s.ctx, s.out, writeHostmap(t), "", func(name string, p *tfe.Party, fetch *tfe.Tensor) (*tfe.Result, error) {
			if name == "input-provider" {
				party.Store(p)
			}
			return p.Run(context.Background(), []*tfe.Tensor{fetch}, nil)
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	expectFromProvider(t, runErr, "Party", "Run", "call it after Run returns")
	expectFromProvider(t, outcomes[3].err, "Party", "Close", "close it after Run returns")
	for i, o := range outcomes[:3] {
		if e := expectStatus(t, o.err, tfe.ErrAborted); !strings.Contains(e.Message, "'input-provider'") {
			t.Errorf("%s: %s", partyPlayers[i], e.Message)
		}
	}
	if _, err := s.ctx.Players(); !errors.Is(err, tfe.ErrClosed) {
		t.Errorf("the context closed by the provider: %v", err)
	}
	for _, c := range closers {
		c.Close()
	}
}

func TestLogCallbackReceivesRecords(t *testing.T) {
	var mu sync.Mutex
	var records []string
	err := tfe.SetLogCallback(func(level tfe.LogLevel, target, message string) {
		mu.Lock()
		defer mu.Unlock()
		if level == tfe.LogWarn && target == "tfe::ffi::selftest" {
			records = append(records, message)
		}
	}, tfe.LogWarn)
	if err != nil {
		t.Fatal(err)
	}
	_ = tfe.SelftestFail(tfe.StatusTimeout)
	// A panicking log callback is dropped, never crashes the process.
	if err := tfe.SetLogCallback(func(tfe.LogLevel, string, string) { panic("log sink down") }, tfe.LogTrace); err != nil {
		t.Fatal(err)
	}
	_ = tfe.SelftestFail(tfe.StatusConfig)
	if err := tfe.SetLogCallback(nil, tfe.LogOff); err != nil {
		t.Fatal(err)
	}
	_ = tfe.SelftestFail(tfe.StatusNetwork)
	mu.Lock()
	defer mu.Unlock()
	if len(records) != 1 || !strings.Contains(records[0], "TFE_ERR_TIMEOUT") {
		t.Fatalf("records: %q", records)
	}
	expectStatus(t, tfe.SetLogCallback(nil, 9), tfe.ErrInvalidArgument)
}
