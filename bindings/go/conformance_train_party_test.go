package tfe_test

// The first training case of tests/conformance/cases.json trained by six
// players of a hostmap, one goroutine each over plaintext TCP (format in
// its README): carol owns the model, alice the features, bob the labels.

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	tfe "tfe/bindings/go"
)

var trainPartyPlayers = []string{"server0", "server1", "server2", "carol", "alice", "bob"}

type trainPartyOutcome struct {
	loss      float64
	predicted []float64 // of the first 4 samples
	exported  *tfe.Model
	err       error
}

// trainAsParty is one player's fit, evaluation, export and finish.
func trainAsParty(c trainCase, model *tfe.Model, optimizer tfe.Optimizer, hostmap, me string) (out trainPartyOutcome) {
	tr, err := tfe.NewPartyTrainerInsecurePlaintext(model, hostmap, me, "carol", "alice", "bob")
	if err != nil {
		return trainPartyOutcome{err: err}
	}
	defer tr.Close()
	var x, y []float64
	if me == "alice" {
		x = c.X
	}
	if me == "bob" {
		y = c.Y
	}
	samples := len(c.Y) / c.Layers[0].Units
	steps := []func() error{
		func() error {
			return tr.Compile(optimizer, tfe.Loss(trainEnums[c.Loss]), tfe.Metrics(trainEnums[c.Metrics]))
		},
		func() error { return tr.FitParty(context.Background(), samples, x, y, c.Epochs, c.BatchSize, nil) },
		func() (err error) {
			out.loss, _, err = tr.EvaluateParty(context.Background(), samples, x, y)
			return err
		},
		func() (err error) {
			var x4 []float64
			if x != nil {
				x4 = x[:4*len(x)/samples]
			}
			out.predicted, err = tr.PredictParty(context.Background(), 4, x4, 1, me == "carol")
			return err
		},
		func() (err error) { out.exported, err = tr.Export(context.Background()); return err },
		func() error { return tr.Finish(context.Background()) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return trainPartyOutcome{err: fmt.Errorf("%s, step %d: %w", me, i, err)}
		}
	}
	return out
}

func TestConformanceTrainingAsSixPlayers(t *testing.T) {
	c := loadCases(t).Train[0]
	hostmap := writeHostmapOf(t, trainPartyPlayers)
	optimizer := caseOptimizer(t, c)
	outcomes := make([]trainPartyOutcome, len(trainPartyPlayers))
	var wg sync.WaitGroup
	for i, me := range trainPartyPlayers {
		model := buildTrainModel(t, c)
		defer model.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = trainAsParty(c, model, optimizer, hostmap, me)
		}()
	}
	wg.Wait()
	for i, me := range trainPartyPlayers {
		o := outcomes[i]
		if o.err != nil {
			t.Fatal(o.err)
		}
		if (o.exported != nil) != (me == "carol") || math.IsNaN(o.loss) == (me == "carol") ||
			(o.predicted != nil) != (me == "carol") {
			t.Fatalf("%s: exported %v, loss %v: only carol learns them", me, o.exported != nil, o.loss)
		}
	}
	carol := outcomes[3]
	defer carol.exported.Close()
	checkTrainedWeights(t, c, carol.exported)
	// carol's predictions: the sigmoid of her trained weights' logits.
	w, b := must(carol.exported.Weight(0))(t), must(carol.exported.Weight(1))(t)
	for i, p := range carol.predicted {
		want := 1 / (1 + math.Exp(-(c.X[2*i]*w[0] + c.X[2*i+1]*w[1] + b[0])))
		if math.Abs(p-want) > 0.01 {
			t.Errorf("prediction %d: %v, expected %v", i, p, want)
		}
	}
}
