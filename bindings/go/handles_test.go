package tfe_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	tfe "tfe/bindings/go"
)

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	ctx := must(tfe.NewContext(nil))(t)
	x := must(ctx.DefinePrivateInput("x", "input-provider", []int{2}, fill(1)))(t)
	out := must(ctx.Reveal(x, ""))(t)
	feeds := must(tfe.NewFeeds())(t)
	sess := must(tfe.NewLocalSession(ctx, memory()))(t)
	res := must(sess.Run(context.Background(), []*tfe.Tensor{out}, nil))(t)
	model := must(tfe.NewModel([]int{2}))(t)
	if err := model.AddDense(2, 1, []float64{1, 1}, []float64{0}); err != nil {
		t.Fatal(err)
	}
	pred := must(tfe.NewLocalPredictor(model, 1, "owner", "client", memory()))(t)
	path := t.TempDir() + "/a.npy"
	if err := tfe.SaveArray([]float64{1, 2}, []int{2}, path); err != nil {
		t.Fatal(err)
	}
	array := must(tfe.LoadArray(path))(t)

	for _, c := range []interface{ Close() }{res, sess, pred, model, array, feeds, out, ctx} {
		c.Close()
		c.Close()
	}
	closed := func(err error) {
		t.Helper()
		if !errors.Is(err, tfe.ErrClosed) || !errors.Is(err, tfe.ErrInvalidArgument) {
			t.Fatalf("expected ErrClosed, got %v", err)
		}
	}
	_, err := ctx.DefineConstant(ones(1), []int{1})
	closed(err)
	_, err = ctx.Players()
	closed(err)
	_, err = tfe.NewLocalSession(ctx, nil)
	closed(err)
	_, err = out.Shape()
	closed(err)
	_, err = sess.Run(context.Background(), []*tfe.Tensor{x}, nil)
	closed(err)
	closed(sess.ResetVariables())
	_, err = res.Value(0)
	closed(err)
	_, err = res.StatsTable()
	closed(err)
	closed(feeds.Set(x, []float64{1, 2}))
	closed(model.AddRelu())
	_, err = model.PredictPlain([]float64{1, 2}, 1)
	closed(err)
	_, err = pred.Predict([]float64{1, 2})
	closed(err)
	_, err = pred.LastStats()
	closed(err)
	_, err = array.Value()
	closed(err)
	// x lives on after its context: a closed operand is ErrClosed too.
	if _, err := x.Shape(); err != nil {
		t.Fatal(err)
	}
	ctx2 := newContext(t)
	_, err = ctx2.Neg(out)
	closed(err)
	// A tensor of another context is the library's error.
	_, err = ctx2.Neg(x)
	expectStatus(t, err, tfe.ErrInvalidArgument)
	x.Close()
}

// Cleanups free the handles nobody closed, and an input provider's
// cgo.Handle goes with the last handle that can call it, not before: the
// session still runs its provider after the collector freed its context.
func TestCleanupsKeepProvidersOfLiveSessions(t *testing.T) {
	var sess *tfe.Session
	var out *tfe.Tensor
	func() {
		ctx := must(tfe.NewContext(nil))(t)
		x := must(ctx.DefinePrivateInput("x", "input-provider", []int{3}, fill(4)))(t)
		out = must(ctx.Reveal(x, ""))(t)
		sess = must(tfe.NewLocalSession(ctx, memory()))(t)
	}()
	for range 3 {
		runtime.GC()
	}
	res := must(sess.Run(context.Background(), []*tfe.Tensor{out}, nil))(t)
	expectAll(t, must(res.Value(0))(t), 4, 3)
}
