package tfe

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// The two tests below make a session while an input is being defined on
// another goroutine, at the two points where its provider could be
// missed, then close the context: the session's run must still call the
// provider (the context's Close deletes the cgo.Handle of a provider that
// no session holds, and the run would then fail with "misuse of an
// invalid Handle").

// A session made as soon as the library has defined an input, before
// DefinePrivateInput has returned.
func TestASessionMadeWhileAnInputIsDefinedHoldsItsProvider(t *testing.T) {
	c := contextForProviderTest(t)
	defined, made := make(chan struct{}), make(chan struct{})
	inputDefined = func() {
		close(defined)
		<-made
	}
	defer func() { inputDefined = nil }()
	var sess *Session
	var out *Tensor
	var err error
	go func() {
		defer close(made)
		<-defined
		var x *Tensor
		if x, err = c.Find("x"); err != nil {
			return
		}
		defer x.Close()
		if out, err = c.Reveal(x, ""); err != nil {
			return
		}
		sess, err = NewLocalSession(c, memoryTransport())
	}()
	x, defineErr := c.DefinePrivateInput("x", "input-provider", []int{3}, oneTwoThree)
	if defineErr != nil {
		t.Fatal(defineErr)
	}
	x.Close()
	<-made
	if err != nil {
		t.Fatal(err)
	}
	runAfterClose(t, c, sess, out)
}

// A session whose graph the library copies after an input was defined,
// its Go side having begun before.
func TestASessionBegunBeforeAnInputIsDefinedHoldsItsProvider(t *testing.T) {
	c := contextForProviderTest(t)
	var out *Tensor
	var err error
	copying = func() {
		copying = nil // the first copy only
		defined := make(chan struct{})
		go func() {
			defer close(defined)
			var x *Tensor
			if x, err = c.DefinePrivateInput("x", "input-provider", []int{3}, oneTwoThree); err != nil {
				return
			}
			defer x.Close()
			out, err = c.Reveal(x, "")
		}()
		<-defined
	}
	defer func() { copying = nil }()
	sess, sessErr := NewLocalSession(c, memoryTransport())
	if sessErr != nil {
		t.Fatal(sessErr)
	}
	if err != nil {
		sess.Close()
		t.Fatal(err)
	}
	runAfterClose(t, c, sess, out)
}

func contextForProviderTest(t *testing.T) *Context {
	t.Helper()
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func memoryTransport() *SessionOptions {
	o := DefaultSessionOptions()
	o.Transport = TransportMemory
	return &o
}

func oneTwoThree(_ string, _ []int, out []float64) error {
	out[0], out[1], out[2] = 1, 2, 3
	return nil
}

// runAfterClose closes c, then runs out (the reveal of a provided input
// of three values) in sess, and closes both.
func runAfterClose(t *testing.T, c *Context, sess *Session, out *Tensor) {
	t.Helper()
	defer sess.Close()
	defer out.Close()
	c.Close()
	res, err := sess.Run(context.Background(), []*Tensor{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	v, err := res.Value(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Data) != 3 || v.Data[0] != 1 || v.Data[1] != 2 || v.Data[2] != 3 {
		t.Fatalf("values %v, want [1 2 3]", v.Data)
	}
}

// A definition that fails (in the library, in the binding, on a closed
// context) leaves the context no provider of its own.
func TestAFailedDefinitionLeavesNoProvider(t *testing.T) {
	c := contextForProviderTest(t)
	x, err := c.DefinePrivateInput("x", "input-provider", []int{3}, oneTwoThree)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := c.DefinePrivateInput("x", "input-provider", []int{3}, oneTwoThree); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a taken name: %v", err)
	}
	if _, err := c.DefinePrivateInput("y", "input-provider", []int{-1}, oneTwoThree); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a negative size: %v", err)
	}
	n := len(providersOf(c))
	if n != 1 {
		t.Fatalf("%d providers, want 1", n)
	}
	c.Close()
	if _, err := c.DefinePrivateInput("z", "input-provider", []int{3}, oneTwoThree); !errors.Is(err, ErrClosed) {
		t.Fatalf("a closed context: %v", err)
	}
	if ps := providersOf(c); ps != nil {
		t.Fatalf("providers after Close: %v", ps)
	}
}

// providersOf is a copy of c's providers, nil after Close.
func providersOf(c *Context) []*provider {
	c.providers.mu.Lock()
	defer c.providers.mu.Unlock()
	return append([]*provider(nil), c.providers.list...)
}

// The cleanup of a context nobody closed releases its providers as Close
// does (it freed the C context only, and the providers' cgo handles and
// functions stayed for good), one reference each: a session made from
// the context keeps its own. Close and the cleanup release once between
// them (a second release of a provider would delete its handle twice,
// which panics, or leave refs below 0).
func TestAContextNobodyClosedReleasesItsProviders(t *testing.T) {
	var dropped, closed, shared []*provider
	var sess *Session
	var out *Tensor
	func() {
		for range 3 {
			c := contextWithProvider(t)
			dropped = append(dropped, providersOf(c)...)
		}
		c := contextWithProvider(t)
		closed = providersOf(c)
		c.Close()
		c.Close()
		c = contextWithProvider(t)
		shared = providersOf(c)
		x, err := c.Find("x")
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if out, err = c.Reveal(x, ""); err != nil {
			t.Fatal(err)
		}
		if sess, err = NewLocalSession(c, memoryTransport()); err != nil {
			t.Fatal(err)
		}
	}()
	defer out.Close()
	if len(dropped) != 3 || len(closed) != 1 || len(shared) != 1 {
		t.Fatalf("providers %d, %d, %d: expected 3, 1, 1", len(dropped), len(closed), len(shared))
	}
	refs := func(ps []*provider) (n []int64) {
		for _, p := range ps {
			n = append(n, p.refs.Load())
		}
		return n
	}
	released := func() bool {
		for _, p := range dropped {
			if p.refs.Load() != 0 {
				return false
			}
		}
		return shared[0].refs.Load() == 1
	}
	// Cleanups run on a goroutine of their own after a collection.
	for deadline := time.Now().Add(10 * time.Second); !released() && time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if !released() {
		t.Fatalf("after collecting the contexts: refs %v of the unclosed ones, expected 0 each, "+
			"and %v of the one a session holds, expected 1", refs(dropped), refs(shared))
	}
	runtime.GC() // a cleanup of the closed context, if any, would run now
	time.Sleep(10 * time.Millisecond)
	if n := closed[0].refs.Load(); n != 0 {
		t.Fatalf("refs %d of the closed context's provider, expected 0", n)
	}
	res, err := sess.Run(context.Background(), []*Tensor{out}, nil)
	if err != nil {
		t.Fatalf("the session runs its provider after its context was collected: %v", err)
	}
	res.Close()
	sess.Close()
	if n := shared[0].refs.Load(); n != 0 {
		t.Fatalf("refs %d after the session's Close, expected 0", n)
	}
}

// contextWithProvider is a new context with a private input "x" of three
// values that oneTwoThree provides; the caller closes it, or drops it.
func contextWithProvider(t *testing.T) *Context {
	t.Helper()
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.DefinePrivateInput("x", "input-provider", []int{3}, oneTwoThree)
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
	return c
}
