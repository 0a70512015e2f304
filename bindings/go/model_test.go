package tfe_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	tfe "tfe/bindings/go"
)

// A small model with every layer kind the builder offers, predicted
// privately and in plaintext.
func TestModelLayersAndPrivatePrediction(t *testing.T) {
	model := must(tfe.NewModel([]int{4, 4, 1}))(t)
	defer model.Close()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	kernel := make([]float64, 2*2*1*2)
	for i := range kernel {
		kernel[i] = 0.25 * float64(i%3)
	}
	check(model.AddConv2D([]int{2, 2, 1, 2}, kernel, []float64{0.1, -0.1}, 1, 1, tfe.PaddingSame))
	check(model.AddBatchNorm([]float64{1, 2}, []float64{0, 0.5}, []float64{0, 0}, []float64{1, 1}, 1e-3))
	check(model.AddRelu())
	check(model.AddMaxPool2D(2, 2, 2, 2, tfe.PaddingValid))
	check(model.AddAvgPool2D(1, 1, 1, 1, tfe.PaddingValid))
	check(model.AddGlobalAvgPool2D())
	check(model.AddDense(2, 3, []float64{1, 0, -1, 0.5, 1, 0}, []float64{0, 0.1, 0.2}))
	check(model.AddSigmoid())
	check(model.AddFlatten())
	check(model.AddSoftmax())
	if got := must(model.InputShape())(t); len(got) != 3 || got[0] != 4 {
		t.Fatalf("input shape %v", got)
	}
	if got := must(model.OutputShape())(t); len(got) != 1 || got[0] != 3 {
		t.Fatalf("output shape %v", got)
	}
	if n := must(model.LayerCount())(t); n < 8 {
		t.Fatalf("%d layers", n)
	}
	expectStatus(t, model.AddDense(5, 1, ones(5), ones(1)), tfe.ErrInvalidArgument)
	expectStatus(t, model.AddBatchNorm(ones(2), ones(1), ones(2), ones(2), 0), tfe.ErrInvalidArgument)

	x := make([]float64, 2*16)
	for i := range x {
		x[i] = float64(i%7) / 7
	}
	plain := must(model.PredictPlain(x, 2))(t)
	_, err := model.PredictPlain(x, 3)
	expectStatus(t, err, tfe.ErrInvalidArgument)

	pred := must(tfe.NewLocalPredictor(model, 2, "model-owner", "client", nil))(t)
	defer pred.Close()
	if s := must(pred.InputShape())(t); s[0] != 2 || s[1] != 4 {
		t.Fatalf("predictor input shape %v", s)
	}
	if s := must(pred.OutputShape())(t); s[0] != 2 || s[1] != 3 {
		t.Fatalf("predictor output shape %v", s)
	}
	_, err = pred.LastStats()
	expectStatus(t, err, tfe.ErrInvalidArgument) // no prediction yet
	private := must(pred.Predict(x))(t)
	for i := range plain {
		if math.Abs(private[i]-plain[i]) > 0.02 {
			t.Fatalf("output %d: private %v, plaintext %v", i, private[i], plain[i])
		}
	}
	one := must(pred.Predict(x[:16]))(t) // a smaller batch
	if len(one) != 3 {
		t.Fatalf("%d outputs for one sample", len(one))
	}
	_, err = pred.Predict(x[:5])
	expectStatus(t, err, tfe.ErrInvalidArgument)
	stats := must(pred.LastStats())(t)
	defer stats.Close()
	if n := must(stats.Count())(t); n != 0 {
		t.Fatalf("stats carry %d values", n)
	}
	if !strings.Contains(must(stats.StatsTable())(t), "client") {
		t.Fatal("no client in the stats")
	}
	_, err = tfe.NewLocalPredictor(model, 0, "model-owner", "client", nil)
	expectStatus(t, err, tfe.ErrInvalidArgument)
}

func TestNetworkModels(t *testing.T) {
	m := must(tfe.NewNetworkModel(tfe.NetworkA, 7))(t)
	defer m.Close()
	if s := must(m.InputShape())(t); len(s) != 1 || s[0] != 784 {
		t.Fatalf("network A takes %v", s)
	}
	_, err := tfe.NewNetworkModel(9, 7)
	expectStatus(t, err, tfe.ErrInvalidArgument)
	_, err = tfe.NewModel(nil)
	expectStatus(t, err, tfe.ErrInvalidArgument)
}

func TestArraysAndSavedGraphs(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.npy", "a.csv"} {
		path := filepath.Join(dir, name)
		if err := tfe.SaveArray([]float64{1, 2.5, -3, 4, 5, 6}, []int{2, 3}, path); err != nil {
			t.Fatal(err)
		}
		a := must(tfe.LoadArray(path))(t)
		v := must(a.Value())(t)
		a.Close()
		if len(v.Shape) != 2 || v.Shape[1] != 3 || v.Data[1] != 2.5 || v.Data[2] != -3 {
			t.Fatalf("%s: %+v", name, v)
		}
	}
	expectStatus(t, tfe.SaveArray(ones(3), []int{2, 2}, filepath.Join(dir, "b.npy")), tfe.ErrInvalidArgument)
	_, err := tfe.LoadArray(filepath.Join(dir, "missing.npy"))
	e := expectStatus(t, err, tfe.ErrInvalidArgument)
	if !strings.Contains(e.Message, "missing.npy") {
		t.Fatalf("message: %s", e.Message)
	}

	s := newSeed(t, fill(1))
	cfg := must(s.ctx.Config())(t)
	if cfg != tfe.DefaultConfig() {
		t.Fatalf("config %+v", cfg)
	}
	graph := filepath.Join(dir, "seed.tfe")
	if err := s.ctx.Save(graph); err != nil {
		t.Fatal(err)
	}
	loaded := must(tfe.LoadContext(graph))(t)
	defer loaded.Close()
	n := must(loaded.TensorCount())(t)
	if n != must(s.ctx.TensorCount())(t) || n < 4 {
		t.Fatalf("%d tensors", n)
	}
	players := must(loaded.Players())(t)
	if strings.Join(players, ",") != "server0,server1,server2,input-provider" {
		t.Fatalf("players %v", players)
	}
	x := must(loaded.Find("x"))(t)
	defer x.Close()
	if owner := must(x.Owner())(t); owner != "input-provider" {
		t.Fatalf("owner %q", owner)
	}
	last := must(loaded.Tensor(n - 1))(t)
	defer last.Close()
	if kind := must(last.Kind())(t); kind != tfe.TensorRevealed {
		t.Fatalf("kind %v", kind)
	}
	if shape := must(last.Shape())(t); shape[0] != 5 || shape[1] != 10 {
		t.Fatalf("shape %v", shape)
	}
	_, err = loaded.Tensor(n)
	expectStatus(t, err, tfe.ErrInvalidArgument)
	_, err = loaded.Find("nothing")
	expectStatus(t, err, tfe.ErrInvalidArgument)
	_, err = tfe.LoadContext(filepath.Join(dir, "a.csv"))
	expectStatus(t, err, tfe.ErrInvalidArgument)
}
