package tfe

import (
	"context"
	"errors"
	"strings"
	"sync"
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
	out := revealedInput(t, c, []int{3}, func(_ string, _ []int, out []float64) error {
		if first {
			first = false
			cancel()
			<-made
		}
		out[0], out[1], out[2] = 1, 2, 3
		return nil
	})
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

// A fit's progress func cancels the context after the second batch and
// waits until the watcher has interrupted the trainer, so the third
// batch's run fails; the trainer stays usable.
func TestCancellingTheContextInterruptsAFit(t *testing.T) {
	made := make(chan struct{})
	var once sync.Once
	interrupted = func() { once.Do(func() { close(made) }) }
	defer func() { interrupted = nil }()
	m, err := NewModel([]int{2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.AddDense(2, 1, []float64{0.25, -0.5}, []float64{0}); err != nil {
		t.Fatal(err)
	}
	options := DefaultSessionOptions()
	options.Transport = TransportMemory
	tr, err := NewLocalTrainer(m, "model-owner", "data-owner", "label-owner", &options)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	sgd, err := DefaultOptimizer(OptimizerSGD)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Compile(sgd, LossMeanSquaredError, MetricsNone); err != nil {
		t.Fatal(err)
	}
	x, y := make([]float64, 32), make([]float64, 16)
	for i := range y {
		x[2*i], y[i] = float64(i%4)/4, float64(i%2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err = tr.Fit(ctx, x, y, 2, 4, nil, nil, func(TrainProgress) error {
		calls++
		if calls == 2 {
			cancel()
			<-made
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrAborted) || calls != 2 {
		t.Fatalf("expected context.Canceled and ErrAborted after 2 batches, got %v after %d", err, calls)
	}
	if !strings.Contains(err.Error(), "the run was interrupted by its caller") {
		t.Fatal(err)
	}
	if err := tr.Fit(context.Background(), x, y, 1, 4, nil, nil, nil); err != nil {
		t.Fatalf("the trainer is usable after an interrupt: %v", err)
	}
	if _, _, err := tr.Evaluate(ctx, x, y); !errors.Is(err, context.Canceled) {
		t.Fatalf("a done context evaluates nothing: %v", err)
	}
}
