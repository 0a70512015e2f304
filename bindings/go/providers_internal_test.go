package tfe

import (
	"context"
	"errors"
	"testing"
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
	c.mu.Lock()
	n := len(c.providers)
	c.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d providers, want 1", n)
	}
	c.Close()
	if _, err := c.DefinePrivateInput("z", "input-provider", []int{3}, oneTwoThree); !errors.Is(err, ErrClosed) {
		t.Fatalf("a closed context: %v", err)
	}
	if c.providers != nil {
		t.Fatalf("providers after Close: %v", c.providers)
	}
}
