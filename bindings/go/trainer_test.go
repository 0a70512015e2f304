package tfe_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tfe "tfe/bindings/go"
)

// trainData is two features in [-1, 1) per sample, label 1 when
// x0 - x1/2 > 0.1.
func trainData() (x, y []float64) {
	for i := 0; i < 16; i++ {
		a, b := float64(i*37%17)/8-1, float64(i*11%13)/6-1
		x = append(x, a, b)
		if a-b/2 > 0.1 {
			y = append(y, 1)
		} else {
			y = append(y, 0)
		}
	}
	return x, y
}

func newLogisticTrainer(t *testing.T, seed uint64) *tfe.Trainer {
	t.Helper()
	m := must(tfe.NewModel([]int{2}))(t)
	defer m.Close()
	if err := m.AddDense(2, 1, []float64{0.25, -0.5}, []float64{0}); err != nil {
		t.Fatal(err)
	}
	if err := m.AddSigmoid(); err != nil {
		t.Fatal(err)
	}
	tr := must(tfe.NewLocalTrainer(m, "model-owner", "data-owner", "label-owner", memory()))(t)
	if err := tr.SetInsecureTestSeed(seed); err != nil {
		t.Fatal(err)
	}
	sgd := must(tfe.DefaultOptimizer(tfe.OptimizerSGD))(t)
	sgd.LearningRate = 0.5
	if err := tr.Compile(sgd, tfe.LossBinaryCrossentropy, tfe.MetricsAccuracy); err != nil {
		t.Fatal(err)
	}
	return tr
}

func exportedWeights(t *testing.T, tr *tfe.Trainer) []float64 {
	t.Helper()
	m := must(tr.Export(context.Background()))(t)
	defer m.Close()
	if n := must(m.WeightCount())(t); n != 2 {
		t.Fatalf("%d weight arrays, expected 2", n)
	}
	return append(must(m.Weight(0))(t), must(m.Weight(1))(t)...)
}

func TestTrainerFollowsAnF64TrainingAndRepeatsWithASeed(t *testing.T) {
	x, y := trainData()
	tr := newLogisticTrainer(t, 1)
	defer tr.Close()
	var reports []tfe.TrainProgress
	err := tr.Fit(context.Background(), x, y, 2, 4, x, y, func(p tfe.TrainProgress) error { reports = append(reports, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 8 || reports[7].Loss >= reports[3].Loss || math.IsNaN(reports[3].ValLoss) ||
		!math.IsNaN(reports[0].ValLoss) {
		t.Fatalf("reports %+v", reports)
	}
	// The same steps in f64: w -= lr/batch * sum (p - y) x.
	w := []float64{0.25, -0.5, 0}
	for epoch := 0; epoch < 2; epoch++ {
		for b := 0; b < 4; b++ {
			g := make([]float64, 3)
			for i := b * 4; i < b*4+4; i++ {
				p := 1 / (1 + math.Exp(-(w[0]*x[2*i] + w[1]*x[2*i+1] + w[2])))
				g[0] += (p - y[i]) * x[2*i]
				g[1] += (p - y[i]) * x[2*i+1]
				g[2] += p - y[i]
			}
			for k := range w {
				w[k] -= 0.5 / 4 * g[k]
			}
		}
	}
	got := exportedWeights(t, tr)
	for k := range w {
		if math.Abs(got[k]-w[k]) > 0.03 {
			t.Errorf("weight %d: private %v, f64 %v", k, got[k], w[k])
		}
	}
	loss, accuracy := must2(tr.Evaluate(context.Background(), x, y))(t)
	if loss <= 0 || loss >= reports[3].Loss || accuracy < 0.75 {
		t.Errorf("evaluate: loss %v, accuracy %v", loss, accuracy)
	}
	if pred := must(tr.Predict(context.Background(), x, 16, 1))(t); len(pred) != 16 {
		t.Errorf("%d predictions", len(pred))
	}

	again := newLogisticTrainer(t, 1)
	defer again.Close()
	if err := again.Fit(context.Background(), x, y, 2, 4, x, y, nil); err != nil {
		t.Fatal(err)
	}
	for k, v := range exportedWeights(t, again) {
		if v != got[k] {
			t.Errorf("weight %d: %v then %v with the same seed", k, got[k], v)
		}
	}
}

func must2(a, b float64, err error) func(testing.TB) (float64, float64) {
	return func(t testing.TB) (float64, float64) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func TestAProgressFuncStopsFitAndAPanicInItIsAnError(t *testing.T) {
	x, y := trainData()
	tr := newLogisticTrainer(t, 2)
	defer tr.Close()
	stop := errors.New("enough")
	calls := 0
	err := tr.Fit(context.Background(), x, y, 2, 4, nil, nil, func(tfe.TrainProgress) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !errors.Is(err, tfe.ErrAborted) || calls != 3 {
		t.Fatalf("calls %d, err %v", calls, err)
	}
	err = tr.Fit(context.Background(), x, y, 1, 4, nil, nil, func(tfe.TrainProgress) error { panic("boom") })
	if !errors.Is(err, tfe.ErrAborted) || !strings.Contains(err.Error(), "panicked: boom") {
		t.Fatalf("err %v", err)
	}
	if err := tr.Fit(context.Background(), x, y, 1, 4, nil, nil, nil); err != nil {
		t.Fatalf("the trainer is usable after a stop: %v", err)
	}
}

func TestTrainerBadArguments(t *testing.T) {
	x, y := trainData()
	m := must(tfe.NewModel([]int{2}))(t)
	defer m.Close()
	if err := m.AddDense(2, 1, []float64{0.25, -0.5}, []float64{0}); err != nil {
		t.Fatal(err)
	}
	if _, err := tfe.NewLocalTrainer(m, "a", "b c", "d", nil); !errors.Is(err, tfe.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "'data_owner'") {
		t.Fatalf("err %v", err)
	}
	tr := must(tfe.NewLocalTrainer(m, "model-owner", "data-owner", "label-owner", nil))(t)
	defer tr.Close()
	if err := tr.Fit(context.Background(), x, y, 1, 4, nil, nil, nil); !strings.Contains(fmtErr(err), "not compiled") {
		t.Fatalf("err %v", err)
	}
	if _, err := tfe.DefaultOptimizer(9); !errors.Is(err, tfe.ErrInvalidArgument) {
		t.Fatalf("err %v", err)
	}
	adam := must(tfe.DefaultOptimizer(tfe.OptimizerAdam))(t)
	adam.Epsilon = 1e-7
	if err := tr.Compile(adam, tfe.LossMeanSquaredError, tfe.MetricsNone); !strings.Contains(fmtErr(err), "2^−12") {
		t.Fatalf("err %v", err)
	}
	adam.Epsilon = 1.0 / 256
	if err := tr.Compile(adam, tfe.LossMeanSquaredError, tfe.MetricsNone); err != nil {
		t.Fatal(err)
	}
	if err := tr.Fit(context.Background(), x[:31], y, 1, 4, nil, nil, nil); !strings.Contains(fmtErr(err), "'x' has 31 and 'y' 16") {
		t.Fatalf("err %v", err)
	}
	if _, _, err := tr.Evaluate(context.Background(), x, y[:15]); !errors.Is(err, tfe.ErrInvalidArgument) {
		t.Fatalf("err %v", err)
	}
	tr.Close()
	if err := tr.Fit(context.Background(), x, y, 1, 4, nil, nil, nil); !errors.Is(err, tfe.ErrClosed) {
		t.Fatalf("err %v", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// fitWithin runs tr.Fit of x and y (2 epochs of 4 batches) with progress
// and returns its error, failing the test when it has not returned within
// a minute (a call in progress that waits for the fit never returns).
func fitWithin(t *testing.T, tr *tfe.Trainer, x, y []float64, progress tfe.ProgressFunc) error {
	t.Helper()
	return returnsWithin(t, "Fit", "a trainer call in its progress func waits for the fit", func() error {
		return tr.Fit(context.Background(), x, y, 2, 4, nil, nil, progress)
	})
}

// Every method of the trainer but Interrupt, called from a fit's progress
// func, fails at once with ErrInvalidArgument naming it (it waited for
// the fit, which waited for it, for good); Close panics with that error,
// which stops the fit. The trainer stays usable.
func TestTrainerCallsFromTheProgressFuncFailRatherThanWait(t *testing.T) {
	x, y := trainData()
	tr := newLogisticTrainer(t, 2)
	ctx := context.Background()
	sgd := must(tfe.DefaultOptimizer(tfe.OptimizerSGD))(t)
	calls := map[string]func() error{
		"SetInsecureTestSeed": func() error { return tr.SetInsecureTestSeed(3) },
		"Compile":             func() error { return tr.Compile(sgd, tfe.LossBinaryCrossentropy, tfe.MetricsAccuracy) },
		"Fit":                 func() error { return tr.Fit(ctx, x, y, 1, 4, nil, nil, nil) },
		"Evaluate":            func() error { _, _, err := tr.Evaluate(ctx, x, y); return err },
		"Predict":             func() error { _, err := tr.Predict(ctx, x, 16, 1); return err },
		"Export":              func() error { _, err := tr.Export(ctx); return err },
		"FitParty":            func() error { return tr.FitParty(ctx, 16, x, y, 1, 4, nil) },
		"EvaluateParty":       func() error { _, _, err := tr.EvaluateParty(ctx, 16, x, y); return err },
		"PredictParty":        func() error { _, err := tr.PredictParty(ctx, 16, x, 1, true); return err },
		"Finish":              func() error { return tr.Finish(ctx) },
	}
	errs := map[string]error{}
	batches := 0
	err := fitWithin(t, tr, x, y, func(tfe.TrainProgress) error {
		batches++
		if batches == 1 {
			for method, call := range calls {
				errs[method] = call()
			}
		}
		return nil
	})
	if err != nil || batches != 8 {
		t.Fatalf("the fit: %v after %d batches", err, batches)
	}
	for method := range calls {
		err := errs[method]
		if !errors.Is(err, tfe.ErrInvalidArgument) || errors.Is(err, tfe.ErrClosed) ||
			!strings.Contains(fmtErr(err), "tfe.Trainer."+method+": called from the progress func of this trainer's fit in progress") {
			t.Errorf("%s from the progress func: %v", method, err)
		}
	}

	batches = 0
	err = fitWithin(t, tr, x, y, func(tfe.TrainProgress) error {
		batches++
		tr.Close()
		return nil
	})
	if !errors.Is(err, tfe.ErrInvalidArgument) || !errors.Is(err, tfe.ErrAborted) || batches != 1 ||
		!strings.Contains(err.Error(), "panicked: tfe: TFE_ERR_INVALID_ARGUMENT: tfe.Trainer.Close: called from the progress func") {
		t.Fatalf("Close from the progress func: %v after %d batches", err, batches)
	}
	if _, _, err := tr.Evaluate(ctx, x, y); err != nil {
		t.Fatalf("the trainer is usable after those calls: %v", err)
	}
	tr.Close()
}

// A call of the trainer from another goroutine while the progress func
// runs waits for the fit, then runs: it is not taken for one from the
// progress func, also while many goroutines call at once.
func TestTrainerCallsFromOtherGoroutinesWaitForTheFit(t *testing.T) {
	x, y := trainData()
	tr := newLogisticTrainer(t, 2)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make(chan error, 12)
	batches := 0
	err := fitWithin(t, tr, x, y, func(tfe.TrainProgress) error {
		batches++
		if batches == 1 {
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						_, _, err := tr.Evaluate(ctx, x, y)
						results <- err
					}
				}()
			}
			// The goroutines' calls meet the progress func running.
			time.Sleep(200 * time.Millisecond)
		}
		if n := len(results); n > 0 {
			return fmt.Errorf("%d calls on other goroutines returned during the fit: %v", n, <-results)
		}
		return nil
	})
	wg.Wait()
	close(results)
	if err != nil || batches != 8 {
		t.Fatalf("the fit: %v after %d batches", err, batches)
	}
	n := 0
	for err := range results {
		n++
		if err != nil {
			t.Errorf("an Evaluate on another goroutine: %v", err)
		}
	}
	if n != 12 {
		t.Fatalf("%d results, expected 12", n)
	}
	tr.Close()
}

// growStack recurses through depth frames of a kilobyte each, so that the
// goroutine's stack grows (and is copied) inside the call.
//
//go:noinline
func growStack(depth int) byte {
	var frame [1024]byte
	frame[depth%len(frame)] = byte(depth)
	if depth == 0 {
		return frame[0]
	}
	return growStack(depth-1) + frame[depth%len(frame)]
}

// A progress func runs on the goroutine that called Fit, whose stack holds
// Fit's frames: the stack may grow and be copied meanwhile. The runtime
// then checks every pointer slot of those frames (a user_data that Go held
// as a pointer, a cgo.Handle being a small integer, would fail it).
func TestAProgressFuncMayGrowTheStack(t *testing.T) {
	x, y := trainData()
	tr := newLogisticTrainer(t, 2)
	defer tr.Close()
	calls := 0
	err := tr.Fit(context.Background(), x, y, 2, 4, nil, nil, func(tfe.TrainProgress) error {
		calls++
		growStack(4096 * calls)
		return nil
	})
	if err != nil || calls == 0 {
		t.Fatalf("calls %d, err %v", calls, err)
	}
}
