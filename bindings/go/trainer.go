package tfe

// #include "tfe.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"
)

// Optimizer is a tfe_optimizer_t: an update rule and its learning-rate
// schedule. Start from DefaultOptimizer.
type Optimizer struct {
	Kind         OptimizerKind
	Schedule     Schedule
	LearningRate float64
	Momentum     float64 // SGD
	Beta1, Beta2 float64 // Adam, AMSgrad
	Epsilon      float64 // Adam, AMSgrad: at least 2^-12
	Decay        float64 // the schedule's factor
	DecaySteps   uint64  // the schedule's steps
}

// DefaultOptimizer is Keras's defaults for kind (tfe_optimizer_defaults).
func DefaultOptimizer(kind OptimizerKind) (Optimizer, error) {
	var o C.tfe_optimizer_t
	err := check(func() C.enum_tfe_status_t { return C.tfe_optimizer_defaults(C.uint32_t(kind), &o) })
	return Optimizer{OptimizerKind(o.kind), Schedule(o.schedule), float64(o.learning_rate), float64(o.momentum),
		float64(o.beta1), float64(o.beta2), float64(o.epsilon), float64(o.decay), uint64(o.decay_steps)}, err
}

func (o Optimizer) c() C.tfe_optimizer_t {
	return C.tfe_optimizer_t{kind: C.uint32_t(o.Kind), schedule: C.uint32_t(o.Schedule),
		learning_rate: C.double(o.LearningRate), momentum: C.double(o.Momentum), beta1: C.double(o.Beta1),
		beta2: C.double(o.Beta2), epsilon: C.double(o.Epsilon), decay: C.double(o.Decay),
		decay_steps: C.uint64_t(o.DecaySteps)}
}

// TrainProgress is a tfe_train_progress_t: what Fit reports after each
// batch (Batch == Batches at the end of an epoch). Accuracy is NaN without
// MetricsAccuracy; the validation values are NaN but at the end of an
// epoch with validation data.
type TrainProgress struct {
	Epoch, Epochs, Batch, Batches        int
	Loss, Accuracy, ValLoss, ValAccuracy float64
	Elapsed, ETA                         time.Duration
}

// ProgressFunc receives Fit's progress after each batch, on the goroutine
// that called Fit. A non-nil error (or a panic) stops Fit, which then
// returns an error wrapping it and tfe.ErrAborted. Of the trainer's
// methods it may call Interrupt only: any other returns at once an error
// matching ErrInvalidArgument that says so (the fit holds the trainer
// until the func returns), and Close, which returns nothing, panics with
// that error, which stops the fit. A call of the trainer made meanwhile on
// another goroutine waits for the fit, so the func must not wait for one.
type ProgressFunc func(TrainProgress) error

// progressState is one Fit's ProgressFunc as the library sees it, the
// trainer it reports on, and the error or panic that stopped it.
type progressState struct {
	fn      ProgressFunc
	trainer *Trainer
	err     error
}

//export tfeGoProgress
func tfeGoProgress(userData C.uintptr_t, p *C.tfe_train_progress_t) (stop C.int) {
	s := cgo.Handle(uintptr(userData)).Value().(*progressState)
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				s.err = fmt.Errorf("the progress function panicked: %w", e)
			} else {
				s.err = fmt.Errorf("the progress function panicked: %v", r)
			}
			stop = 1
		}
	}()
	// A callback runs on the OS thread of the C call that made it, which
	// runs nothing else until the callback returns: that thread is the
	// fit's goroutine for the trainer's methods (see reentered).
	thread := currentThread()
	s.trainer.progressThread.Store(&thread)
	defer s.trainer.progressThread.Store(nil)
	seconds := func(v C.double) time.Duration { return time.Duration(float64(v) * float64(time.Second)) }
	report := TrainProgress{int(p.epoch), int(p.epochs), int(p.batch), int(p.batches), float64(p.loss),
		float64(p.accuracy), float64(p.val_loss), float64(p.val_accuracy), seconds(p.elapsed_seconds),
		seconds(p.eta_seconds)}
	if err := s.fn(report); err != nil {
		s.err = err
		return 1
	}
	return 0
}

// Trainer is a tfe_trainer_t: a model trained privately by a model owner
// (the weights), a data owner (the features) and a label owner (the
// labels), its players on threads of this process. Safe for use by
// several goroutines, one call at a time: every call but Interrupt (Compile
// and SetInsecureTestSeed too) holds the trainer alone, so a call made
// while another runs waits for it to return (where the C API fails it with
// ErrInvalidArgument). Interrupt does not wait. A fit's progress func runs
// inside the fit, on its goroutine: there every other method of the
// trainer fails at once rather than wait for the fit (see ProgressFunc).
type Trainer struct {
	h handle[*C.tfe_trainer_t]
	// progressThread is the OS thread of the fit whose progress func is
	// running (nil: none), set and cleared by tfeGoProgress on that thread.
	progressThread atomic.Pointer[uintptr]
}

// reentered is the error of a call of method made from the progress func
// of this trainer's fit in progress, on the fit's goroutine, which holds
// the trainer until the func returns: waiting for it would never end. Nil
// for any other call, including one made meanwhile on another goroutine,
// which waits for the fit as usual.
//
// Go has no goroutine identity, but cgo gives the progress func one: a
// callback runs on the thread of the C call that made it, locked to it, so
// while progressThread is set that thread runs the fit's goroutine and no
// other. A caller locked to its own thread therefore finds its thread
// there only if it is that goroutine inside the progress func: another
// goroutine cannot be on that thread meanwhile, and a mark set or cleared
// while it checks names another thread. (Reading the thread before locking
// could be stale: the fit may have taken that thread since.)
func (t *Trainer) reentered(method string) error {
	if t.progressThread.Load() == nil {
		return nil // no progress func runs, or it runs on another goroutine
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if thread := t.progressThread.Load(); thread == nil || *thread != currentThread() {
		return nil
	}
	return &Error{Status: StatusInvalidArgument, Message: "tfe.Trainer." + method +
		": called from the progress func of this trainer's fit in progress, which holds the trainer" +
		" until the func returns: expected Interrupt only there, and other calls after the fit"}
}

// NewLocalTrainer makes a trainer of model's layers
// (tfe_trainer_new_local); options nil: the defaults. The trainer keeps a
// copy of the layers.
func NewLocalTrainer(model *Model, modelOwner, dataOwner, labelOwner string, options *SessionOptions) (*Trainer, error) {
	o, d, l := cString(modelOwner), cString(dataOwner), cString(labelOwner)
	defer freeString(o)
	defer freeString(d)
	defer freeString(l)
	opts := options.c()
	return madeOn(&model.h, newTrainer, func(m *C.tfe_model_t, out **C.tfe_trainer_t) C.enum_tfe_status_t {
		return C.tfe_trainer_new_local(m, o, d, l, opts, out)
	})
}

// newTrainer is the Trainer that owns ptr, a new tfe_trainer_t.
func newTrainer(ptr *C.tfe_trainer_t) *Trainer {
	t := &Trainer{}
	return initHandle(t, &t.h, "tfe.Trainer", ptr, func(p *C.tfe_trainer_t) { C.tfe_trainer_free(p) }, nil)
}

// Close stops the players and frees the trainer (tfe_trainer_free), after
// a call in progress (Interrupt ends that one sooner). Safe twice. From a
// fit's progress func it panics with an ErrInvalidArgument error instead
// (see ProgressFunc), which stops the fit.
func (t *Trainer) Close() {
	if err := t.reentered("Close"); err != nil {
		panic(err)
	}
	t.h.close()
}

// SetInsecureTestSeed makes the players' randomness come from seed, for
// tests only: two trainings give the same weights, and anyone who knows
// seed can undo the sharing (tfe_trainer_set_insecure_test_seed). Before
// Compile.
func (t *Trainer) SetInsecureTestSeed(seed uint64) error {
	return t.alone("SetInsecureTestSeed", func(p *C.tfe_trainer_t) C.enum_tfe_status_t {
		return C.tfe_trainer_set_insecure_test_seed(p, C.uint64_t(seed))
	})
}

// Compile sets the optimizer, the loss and the metrics (tfe_trainer_compile).
func (t *Trainer) Compile(optimizer Optimizer, loss Loss, metrics Metrics) error {
	o := optimizer.c()
	return t.alone("Compile", func(p *C.tfe_trainer_t) C.enum_tfe_status_t {
		return C.tfe_trainer_compile(p, &o, C.uint32_t(loss), C.uint32_t(metrics))
	})
}

// alone makes the call of method that does not run the model alone on the
// trainer; it fails at once from a fit's progress func (see reentered).
func (t *Trainer) alone(method string, call func(*C.tfe_trainer_t) C.enum_tfe_status_t) error {
	if err := t.reentered(method); err != nil {
		return err
	}
	return t.h.callAlone(call)
}

// Fit trains for epochs passes over x (whole samples, batch first) with
// labels y, batchSize samples per step (tfe_trainer_fit); with valX and
// valY (nil for none) evaluated after each epoch; progress (nil: none)
// after each batch. When ctx is done before the fit ends, it is
// interrupted (see run).
func (t *Trainer) Fit(ctx context.Context, x, y []float64, epochs, batchSize int, valX, valY []float64, progress ProgressFunc) error {
	e, err := size("tfe_trainer_fit", "epochs", epochs)
	if err != nil {
		return err
	}
	b, err := size("tfe_trainer_fit", "batch_size", batchSize)
	if err != nil {
		return err
	}
	xp, xn := doubles(x)
	yp, yn := doubles(y)
	vxp, vxn := doubles(valX)
	vyp, vyn := doubles(valY)
	return t.withProgress(ctx, "Fit", progress, func(p *C.tfe_trainer_t, fn C.tfe_train_progress_fn, ud unsafe.Pointer) C.enum_tfe_status_t {
		return C.tfe_trainer_fit(p, xp, xn, yp, yn, e, b, vxp, vxn, vyp, vyn, fn, ud)
	})
}

// run makes the call of method that runs the model (fit, evaluate,
// predict) alone on the trainer; it fails at once from a fit's progress
// func (see reentered). When ctx is done before it ends, the call is
// interrupted (tfe_trainer_interrupt: within its run in progress) and
// fails with an error that matches both ctx's error (context.Canceled,
// context.DeadlineExceeded) and ErrAborted.
func (t *Trainer) run(ctx context.Context, method string, call func(*C.tfe_trainer_t) C.enum_tfe_status_t) error {
	if err := t.reentered(method); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return t.h.interruptible(ctx, &t.h.mu, trainerInterrupt, func(p *C.tfe_trainer_t) error {
		return check(func() C.enum_tfe_status_t { return call(p) })
	})
}

// withProgress runs the C fit call of method (see run) with the C progress
// function and user data of progress (nil: none); an error the progress
// function returned is wrapped with the library's ErrAborted.
func (t *Trainer) withProgress(ctx context.Context, method string, progress ProgressFunc,
	call func(*C.tfe_trainer_t, C.tfe_train_progress_fn, unsafe.Pointer) C.enum_tfe_status_t) error {
	if progress == nil {
		return t.run(ctx, method, func(p *C.tfe_trainer_t) C.enum_tfe_status_t { return call(p, nil, nil) })
	}
	state := &progressState{fn: progress, trainer: t}
	h := cgo.NewHandle(state)
	defer h.Delete()
	fn, ud := progressCallback(h)
	err := t.run(ctx, method, func(p *C.tfe_trainer_t) C.enum_tfe_status_t { return call(p, fn, ud) })
	if err != nil && state.err != nil && errors.Is(err, ErrAborted) {
		return fmt.Errorf("%w (%w)", state.err, err)
	}
	return err
}

// Evaluate is the mean loss and the accuracy (NaN without
// MetricsAccuracy) of x and y (tfe_trainer_evaluate); ctx as for Fit.
func (t *Trainer) Evaluate(ctx context.Context, x, y []float64) (loss, accuracy float64, err error) {
	xp, xn := doubles(x)
	yp, yn := doubles(y)
	var l, a C.double
	err = t.run(ctx, "Evaluate", func(p *C.tfe_trainer_t) C.enum_tfe_status_t {
		return C.tfe_trainer_evaluate(p, xp, xn, yp, yn, &l, &a)
	})
	return float64(l), float64(a), err
}

// Predict is the model's outputs for x, outputs per sample each
// (tfe_trainer_predict); ctx as for Fit.
func (t *Trainer) Predict(ctx context.Context, x []float64, samples, outputs int) ([]float64, error) {
	out := make([]float64, samples*outputs)
	return predictInto(x, out, func(xp *C.double, xn C.size_t, op *C.double, on C.size_t) error {
		return t.run(ctx, "Predict", func(p *C.tfe_trainer_t) C.enum_tfe_status_t { return C.tfe_trainer_predict(p, xp, xn, op, on) })
	})
}

// Export is the trained model, revealed to the model owner
// (tfe_trainer_export). Close it. At the other players of a deployed
// training it is nil (with a nil error). When ctx is done before the
// export ends, it is interrupted (see run).
func (t *Trainer) Export(ctx context.Context) (*Model, error) {
	var out *C.tfe_model_t
	if err := t.run(ctx, "Export", func(p *C.tfe_trainer_t) C.enum_tfe_status_t { return C.tfe_trainer_export(p, &out) }); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil // a deployed player other than the model owner
	}
	return newModel(out), nil
}
