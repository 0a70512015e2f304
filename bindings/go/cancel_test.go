package tfe_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tfe "tfe/bindings/go"
)

// server0's context ends while it waits for the input provider, whose
// provider holds the run until server0's Run has returned.
func TestACancelledPartyIsNamedByTheOthersAsAborted(t *testing.T) {
	server0Done := make(chan struct{})
	var calls atomic.Int32
	s := newSeed(t, func(_ string, _ []int, out []float64) error {
		calls.Add(1)
		select {
		case <-server0Done:
		case <-time.After(2 * time.Minute): // server0 never ran: fail rather than hang
			return errors.New("server0 did not run")
		}
		for i := range out {
			out[i] = 1
		}
		return nil
	})
	outcomes := runParties(t, s.ctx, s.out, writeHostmap(t), "",
		func(name string, p *tfe.Party, fetch *tfe.Tensor) (*tfe.Result, error) {
			if name != "server0" {
				return p.Run(context.Background(), []*tfe.Tensor{fetch}, nil)
			}
			defer close(server0Done)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for calls.Load() == 0 {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}()
			return p.Run(ctx, []*tfe.Tensor{fetch}, nil)
		})
	for i, o := range outcomes {
		t.Logf("%s: %v", partyPlayers[i], o.err)
	}
	if !errors.Is(outcomes[0].err, context.Canceled) {
		t.Fatalf("server0: %v", outcomes[0].err)
	}
	expectStatus(t, outcomes[0].err, tfe.ErrAborted)
	for i, o := range outcomes[1:3] {
		e := expectStatus(t, o.err, tfe.ErrAborted)
		if !strings.Contains(e.Message, "'server0' aborted the run: the run was interrupted by its caller") {
			t.Fatalf("%s: %s", partyPlayers[i+1], e.Message)
		}
	}
}
