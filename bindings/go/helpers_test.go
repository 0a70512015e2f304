package tfe_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	tfe "tfe/bindings/go"
)

// must(f())(t) is f's value, or fails the test with f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// newContext is a context of the default configuration, closed when the
// test ends.
func newContext(t testing.TB) *tfe.Context {
	t.Helper()
	ctx := must(tfe.NewContext(nil))(t)
	t.Cleanup(ctx.Close)
	return ctx
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

func fill(value float64) tfe.InputFunc {
	return func(_ string, _ []int, out []float64) error {
		for i := range out {
			out[i] = value
		}
		return nil
	}
}

// seed is TF Encrypted's seed program: a 5x10 input of ones from the
// input provider times a 10x10 variable of ones at server0, revealed.
type seed struct {
	ctx    *tfe.Context
	x, w   *tfe.Tensor
	out    *tfe.Tensor
	closer []interface{ Close() }
}

func newSeed(t testing.TB, provide tfe.InputFunc) *seed {
	t.Helper()
	ctx := must(tfe.NewContext(nil))(t)
	w := must(ctx.DefinePrivateVariable("w", "server0", ones(100), []int{10, 10}))(t)
	x := must(ctx.DefinePrivateInput("x", "input-provider", []int{5, 10}, provide))(t)
	y := must(ctx.MatMul(x, w))(t)
	out := must(ctx.Reveal(y, ""))(t)
	s := &seed{ctx: ctx, x: x, w: w, out: out, closer: []interface{ Close() }{ctx, x, w, y, out}}
	t.Cleanup(func() {
		for _, c := range s.closer {
			c.Close()
		}
	})
	return s
}

func memory() *tfe.SessionOptions {
	o := tfe.DefaultSessionOptions()
	o.Transport = tfe.TransportMemory
	return &o
}

// run runs fetches once in a new session and returns their values.
func run(t testing.TB, ctx *tfe.Context, opts *tfe.SessionOptions, fetches ...*tfe.Tensor) ([]tfe.Value, error) {
	t.Helper()
	sess := must(tfe.NewLocalSession(ctx, opts))(t)
	defer sess.Close()
	res, err := sess.Run(context.Background(), fetches, nil)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	return res.Values()
}

func expectAll(t testing.TB, v tfe.Value, want float64, shape ...int) {
	t.Helper()
	if len(v.Shape) != len(shape) {
		t.Fatalf("shape %v, want %v", v.Shape, shape)
	}
	for i := range shape {
		if v.Shape[i] != shape[i] {
			t.Fatalf("shape %v, want %v", v.Shape, shape)
		}
	}
	for i, x := range v.Data {
		if math.Abs(x-want) > 1e-3 {
			t.Fatalf("value %d is %v, want %v", i, x, want)
		}
	}
}

func expectStatus(t testing.TB, err error, sentinel *tfe.Error) *tfe.Error {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("expected %v, got %v", sentinel.Status, err)
	}
	var e *tfe.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not a *tfe.Error", err)
	}
	return e
}

// returnsWithin runs call (named what) on a goroutine of its own and
// returns its error, failing the test when it has not returned within a
// minute, for the reason given: a liveness guard for a call that would
// wait for itself, never a timing check. On that failure the goroutine is
// left behind, with the handles it holds.
func returnsWithin(t testing.TB, what, reason string, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return: %s", what, reason)
		return nil
	}
}
