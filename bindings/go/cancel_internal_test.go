package tfe

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The run's provider holds it in progress until the watcher has
// interrupted it (the servers wait for the provider's input meanwhile), so
// the run can only end through the cancellation.
func TestCancellingTheContextInterruptsTheRun(t *testing.T) {
	made := make(chan struct{})
	interrupted = func() {
		select {
		case <-made:
		default:
			close(made)
		}
	}
	defer func() { interrupted = nil }()
	ctx, cancel := context.WithCancel(context.Background())
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first := true
	x, err := c.DefinePrivateInput("x", "input-provider", []int{3}, func(_ string, _ []int, out []float64) error {
		if first {
			first = false
			cancel()
			<-made
		}
		out[0], out[1], out[2] = 1, 2, 3
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	out, err := c.Reveal(x, "")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	sess, err := NewLocalSession(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	_, err = sess.Run(ctx, []*Tensor{out}, nil)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrAborted) {
		t.Fatalf("expected context.Canceled and ErrAborted, got %v", err)
	}
	if !strings.Contains(err.Error(), "the run was interrupted by its caller") {
		t.Fatal(err)
	}
	// The session stays usable; a done context runs nothing; an interrupt
	// between runs reaches none.
	res, err := sess.Run(context.Background(), []*Tensor{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Close()
	if _, err := sess.Run(ctx, []*Tensor{out}, nil); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if err := sess.Interrupt(); err != nil {
		t.Fatal(err)
	}
	res, err = sess.Run(context.Background(), []*Tensor{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Close()
}
