package tfe_test

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	tfe "tfe/bindings/go"
)

var sentinels = map[tfe.Status]*tfe.Error{
	tfe.StatusInvalidArgument: tfe.ErrInvalidArgument,
	tfe.StatusConfig:          tfe.ErrConfig,
	tfe.StatusNetwork:         tfe.ErrNetwork,
	tfe.StatusTimeout:         tfe.ErrTimeout,
	tfe.StatusProtocol:        tfe.ErrProtocol,
	tfe.StatusAborted:         tfe.ErrAborted,
	tfe.StatusInternal:        tfe.ErrInternal,
	tfe.StatusPanic:           tfe.ErrPanic,
	tfe.StatusNullPointer:     tfe.ErrNullPointer,
	tfe.StatusOutOfRange:      tfe.ErrOutOfRange,
}

func TestEveryStatusHasItsSentinel(t *testing.T) {
	if err := tfe.SelftestFail(tfe.StatusOK); err != nil {
		t.Fatal(err)
	}
	for status, sentinel := range sentinels {
		err := tfe.SelftestFail(status)
		e := expectStatus(t, err, sentinel)
		if e.Status != status || !strings.Contains(e.Message, status.String()) {
			t.Fatalf("%v: %+v", status, e)
		}
		for other, s := range sentinels {
			if other != status && errors.Is(err, s) {
				t.Fatalf("%v matches the sentinel of %v", status, other)
			}
		}
		if errors.Is(err, tfe.ErrClosed) {
			t.Fatalf("%v matches ErrClosed", status)
		}
	}
	if !strings.Contains(tfe.SelftestFail(tfe.StatusPanic).Error(), "panic") {
		t.Fatal("a panic's message does not say so")
	}
	expectStatus(t, tfe.SelftestFail(99), tfe.ErrInvalidArgument)
	expectStatus(t, tfe.SelftestFail(1<<40), tfe.ErrInvalidArgument)
}

func TestStatusNames(t *testing.T) {
	if got := tfe.StatusTimeout.String(); got != "TFE_ERR_TIMEOUT" {
		t.Fatal(got)
	}
	for _, bad := range []int{-1, 11, 1 << 40} {
		if got := tfe.StatusName(bad); got != "TFE_UNKNOWN_STATUS" {
			t.Fatalf("%d: %s", bad, got)
		}
	}
	if tfe.Version() != "0.2.0" || tfe.VersionMajor != 0 || tfe.VersionMinor != 2 {
		t.Fatalf("version %s, header %d.%d", tfe.Version(), tfe.VersionMajor, tfe.VersionMinor)
	}
}

func TestWrongShapesAreInvalidArguments(t *testing.T) {
	ctx := newContext(t)
	x := must(ctx.DefinePrivateInput("x", "input-provider", []int{2, 3}, fill(1)))(t)
	y := must(ctx.DefineConstant(ones(8), []int{4, 2}))(t)
	_, err := ctx.MatMul(x, y)
	e := expectStatus(t, err, tfe.ErrInvalidArgument)
	if !strings.Contains(e.Message, "[2, 3]") || !strings.Contains(e.Message, "[4, 2]") {
		t.Fatalf("the message does not name both shapes: %s", e.Message)
	}
	_, err = ctx.DefineConstant(ones(3), []int{2, 2})
	expectStatus(t, err, tfe.ErrInvalidArgument)
	_, err = ctx.DefineConstant(ones(3), []int{-3})
	e = expectStatus(t, err, tfe.ErrInvalidArgument)
	if !strings.Contains(e.Message, "shape") {
		t.Fatalf("the message does not name the shape: %s", e.Message)
	}
	_, err = ctx.ReduceSumAxis(x, -1)
	expectStatus(t, err, tfe.ErrInvalidArgument)
	_, err = ctx.Pool2D(x, tfe.PoolMax, 2, 2, 1, 1, 9)
	expectStatus(t, err, tfe.ErrInvalidArgument)
	_, err = ctx.DefinePrivateVariable("bad name!", "server0", ones(1), []int{1})
	expectStatus(t, err, tfe.ErrInvalidArgument)
	_, err = tfe.NewContext(&tfe.Config{FracBits: 40, IntBits: 20})
	expectStatus(t, err, tfe.ErrConfig)
}

// Each goroutine's error carries its own call's message, although
// goroutines share OS threads and the library keeps the message per thread.
func TestErrorsStayWithTheirGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	failures := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := []tfe.Status{tfe.StatusTimeout, tfe.StatusNetwork, tfe.StatusConfig, tfe.StatusAborted}[g%4]
			for range 200 {
				err := tfe.SelftestFail(status)
				var e *tfe.Error
				if !errors.As(err, &e) || e.Status != status || !strings.Contains(e.Message, status.String()) {
					failures <- status.String() + " got " + err.Error()
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
}
