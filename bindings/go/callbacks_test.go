package tfe_test

import (
	"context"
	"errors"
	"strings"
	"sync"
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
