package tfe_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	tfe "tfe/bindings/go"
)

func TestSeedMatmulOverEachTransport(t *testing.T) {
	for _, transport := range []tfe.Transport{tfe.TransportTCP, tfe.TransportMemory, tfe.TransportTLS} {
		s := newSeed(t, fill(1))
		opts := tfe.DefaultSessionOptions()
		opts.Transport = transport
		values := must(run(t, s.ctx, &opts, s.out))(t)
		expectAll(t, values[0], 10, 5, 10)
	}
}

func TestSessionRunsRepeatedlyAndReportsStats(t *testing.T) {
	s := newSeed(t, fill(2))
	sess := must(tfe.NewLocalSession(s.ctx, nil))(t)
	defer sess.Close()
	for range 2 {
		res := must(sess.Run(context.Background(), []*tfe.Tensor{s.out}, nil))(t)
		v := must(res.Value(0))(t)
		expectAll(t, v, 20, 5, 10)
		if n := must(res.Count())(t); n != 1 {
			t.Fatalf("count %d", n)
		}
		players := must(res.PlayerCount())(t)
		if players != 4 {
			t.Fatalf("%d players, want 4", players)
		}
		first := must(res.PlayerStats(0))(t)
		if first.Name != "server0" || first.BytesSent == 0 || first.Rounds == 0 {
			t.Fatalf("stats of server0: %+v", first)
		}
		idx := must(res.PlayerIndex("input-provider"))(t)
		ops := must(res.OpCount(idx))(t)
		if ops == 0 {
			t.Fatal("no op stats for the input provider")
		}
		op := must(res.OpStats(0, 0))(t)
		if op.Name == "" || op.Count == 0 {
			t.Fatalf("op stats: %+v", op)
		}
		if table := must(res.StatsTable())(t); !strings.Contains(table, "server0") {
			t.Fatalf("table: %s", table)
		}
		if trace := must(res.TraceJSON())(t); !strings.HasPrefix(strings.TrimSpace(trace), "{") &&
			!strings.HasPrefix(strings.TrimSpace(trace), "[") {
			t.Fatalf("trace: %.80s", trace)
		}
		// Out-of-range indices are statuses.
		_, err := res.Value(1)
		expectStatus(t, err, tfe.ErrInvalidArgument)
		_, err = res.PlayerStats(9)
		expectStatus(t, err, tfe.ErrInvalidArgument)
		_, err = res.PlayerIndex("nobody")
		expectStatus(t, err, tfe.ErrInvalidArgument)
		_, err = res.OpStats(0, 1000)
		expectStatus(t, err, tfe.ErrInvalidArgument)
		_, err = res.Value(-1)
		expectStatus(t, err, tfe.ErrInvalidArgument)
		res.Close()
	}
	if err := sess.ResetVariables(); err != nil {
		t.Fatal(err)
	}
}

func TestFeedsReplaceProvidersAndInitializeVariables(t *testing.T) {
	ctx := newContext(t)
	x := must(ctx.DefinePrivateInput("", "input-provider", []int{2}, nil))(t)
	v := must(ctx.DefinePrivateVariable("", "server1", nil, []int{2}))(t)
	sum := must(ctx.Add(x, v))(t)
	out := must(ctx.Reveal(sum, ""))(t)
	if name := must(x.Name())(t); name != "input0" {
		t.Fatalf("name %q", name)
	}
	if name := must(v.Name())(t); name != "variable0" {
		t.Fatalf("name %q", name)
	}
	feeds := must(tfe.NewFeeds())(t)
	defer feeds.Close()
	if err := feeds.Set(x, []float64{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := feeds.Set(v, []float64{10, 20}); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, feeds.Set(x, []float64{1, 2, 3}), tfe.ErrInvalidArgument)
	expectStatus(t, feeds.Set(sum, []float64{1, 2}), tfe.ErrInvalidArgument)
	sess := must(tfe.NewLocalSession(ctx, memory()))(t)
	defer sess.Close()
	res := must(sess.Run(context.Background(), []*tfe.Tensor{out}, feeds))(t)
	defer res.Close()
	got := must(res.Value(0))(t)
	if got.Data[0] != 11 || got.Data[1] != 22 {
		t.Fatalf("got %v", got.Data)
	}
	// Without feeds the input has nothing to provide it.
	_, err := sess.Run(context.Background(), []*tfe.Tensor{out}, nil)
	expectStatus(t, err, tfe.ErrInvalidArgument)
}

func TestAssignmentUpdatesAVariable(t *testing.T) {
	ctx := newContext(t)
	v := must(ctx.DefinePrivateVariable("v", "server0", []float64{1, 2}, []int{2}))(t)
	two := must(ctx.DefineConstant([]float64{2, 2}, []int{2}))(t)
	doubled := must(ctx.Mul(v, two))(t)
	assign := must(ctx.Assign(v, doubled))(t)
	out := must(ctx.Reveal(v, ""))(t)
	if kind := must(assign.Kind())(t); kind != tfe.TensorAssignment {
		t.Fatalf("kind %v", kind)
	}
	sess := must(tfe.NewLocalSession(ctx, memory()))(t)
	defer sess.Close()
	for _, want := range []float64{2, 4} {
		res := must(sess.Run(context.Background(), []*tfe.Tensor{assign}, nil))(t)
		if v := must(res.Value(0))(t); v.Data != nil {
			t.Fatalf("an assignment has no value, got %v", v.Data)
		}
		res.Close()
		res = must(sess.Run(context.Background(), []*tfe.Tensor{out}, nil))(t)
		if got := must(res.Value(0))(t); got.Data[0] != want {
			t.Fatalf("got %v, want %v", got.Data, want)
		}
		res.Close()
	}
}

func TestRunWithNothingToFetchIsAnError(t *testing.T) {
	s := newSeed(t, fill(1))
	sess := must(tfe.NewLocalSession(s.ctx, memory()))(t)
	defer sess.Close()
	_, err := sess.Run(context.Background(), nil, nil)
	expectStatus(t, err, tfe.ErrInvalidArgument)
	// A private (unrevealed) fetch.
	_, err = sess.Run(context.Background(), []*tfe.Tensor{s.x}, nil)
	expectStatus(t, err, tfe.ErrInvalidArgument)
	// A nil fetch is a status, not a crash.
	_, err = sess.Run(context.Background(), []*tfe.Tensor{nil}, nil)
	expectStatus(t, err, tfe.ErrNullPointer)
	if !errors.Is(err, tfe.ErrNullPointer) {
		t.Fatal(err)
	}
}

func TestBadSessionOptionsAreConfigErrors(t *testing.T) {
	s := newSeed(t, fill(1))
	opts := tfe.DefaultSessionOptions()
	opts.RecvTimeout = 0
	_, err := tfe.NewLocalSession(s.ctx, &opts)
	expectStatus(t, err, tfe.ErrConfig)
	opts = tfe.DefaultSessionOptions()
	opts.Transport = 7
	_, err = tfe.NewLocalSession(s.ctx, &opts)
	expectStatus(t, err, tfe.ErrConfig)
}
