package tfe

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
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
	tr := sgdTrainer(t)
	x, y := make([]float64, 32), make([]float64, 16)
	for i := range y {
		x[2*i], y[i] = float64(i%4)/4, float64(i%2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := tr.Fit(ctx, x, y, 2, 4, nil, nil, func(TrainProgress) error {
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

// Close waits for a run in flight, and a waiting Close holds back new
// readers of the handle's lock: Interrupt must reach the run all the same
// (it waited behind Close for a run that waited for its provider, which
// waited for the interrupt, before).
func TestAnInterruptReachesARunThatAPendingCloseWaitsFor(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	started, release := make(chan struct{}), make(chan struct{})
	out := revealedInput(t, c, []int{1}, func(_ string, _ []int, out []float64) error {
		close(started)
		<-release
		out[0] = 1
		return nil
	})
	sess, err := NewLocalSession(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() {
		_, err := sess.Run(context.Background(), []*Tensor{out}, nil)
		ran <- err
	}()
	<-started
	closed := make(chan struct{})
	go func() {
		sess.Close()
		close(closed)
	}()
	// Close is pending once the lock turns new readers away.
	for sess.h.mu.TryRLock() {
		sess.h.mu.RUnlock()
		time.Sleep(time.Millisecond)
	}
	interrupted := make(chan error, 1)
	go func() { interrupted <- sess.Interrupt() }()
	select {
	case err := <-interrupted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		close(release)
		t.Fatal("Interrupt waited behind the pending Close")
	}
	close(release)
	if err := <-ran; !errors.Is(err, ErrAborted) {
		t.Fatalf("expected ErrAborted, got %v", err)
	}
	<-closed
	if err := sess.Interrupt(); !errors.Is(err, ErrClosed) {
		t.Fatalf("an interrupt of a closed session: expected ErrClosed, got %v", err)
	}
}

// Trainer.Interrupt from a fit's progress func fails the fit after that
// batch with ErrAborted (not a context error); the trainer stays usable.
func TestTrainerInterruptFromTheProgressFuncStopsTheFit(t *testing.T) {
	tr := sgdTrainer(t)
	x, y := make([]float64, 32), make([]float64, 16)
	calls := 0
	err := tr.Fit(context.Background(), x, y, 2, 4, nil, nil, func(TrainProgress) error {
		calls++
		if calls == 2 {
			return tr.Interrupt()
		}
		return nil
	})
	if !errors.Is(err, ErrAborted) || errors.Is(err, context.Canceled) || calls != 2 {
		t.Fatalf("expected ErrAborted after 2 batches, got %v after %d", err, calls)
	}
	if err := tr.Fit(context.Background(), x, y, 1, 4, nil, nil, nil); err != nil {
		t.Fatalf("the trainer is usable after an interrupt: %v", err)
	}
	tr.Close()
	if err := tr.Interrupt(); !errors.Is(err, ErrClosed) {
		t.Fatalf("an interrupt of a closed trainer: expected ErrClosed, got %v", err)
	}
}

// sgdTrainer is a local trainer of a linear model on 2 features, compiled
// with SGD and the mean squared error, closed when the test ends.
func sgdTrainer(t *testing.T) *Trainer {
	t.Helper()
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
	t.Cleanup(tr.Close)
	sgd, err := DefaultOptimizer(OptimizerSGD)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Compile(sgd, LossMeanSquaredError, MetricsNone); err != nil {
		t.Fatal(err)
	}
	return tr
}
