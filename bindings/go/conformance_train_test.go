package tfe_test

// The training cases of tests/conformance/cases.json ("train_cases",
// format in its README) through the Go API.

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	tfe "tfe/bindings/go"
)

type trainCase struct {
	Name       string `json:"name"`
	InputShape []int  `json:"input_shape"`
	Layers     []struct {
		Kind    string    `json:"kind"`
		Inputs  int       `json:"inputs"`
		Units   int       `json:"units"`
		Weights []float64 `json:"weights"`
		Bias    []float64 `json:"bias"`
	} `json:"layers"`
	Optimizer map[string]json.RawMessage `json:"optimizer"`
	Loss      string                     `json:"loss"`
	Metrics   string                     `json:"metrics"`
	X         []float64                  `json:"x"`
	Y         []float64                  `json:"y"`
	Epochs    int                        `json:"epochs"`
	BatchSize int                        `json:"batch_size"`
	Expect    struct {
		Weights       [][]float64 `json:"weights"`
		Atol          float64     `json:"atol"`
		Bound         string      `json:"bound"`
		LossDecreases bool        `json:"loss_decreases"`
		Status        string      `json:"status"`
		Step          string      `json:"step"`
	} `json:"expect"`
}

var trainEnums = map[string]uint32{
	"TFE_OPTIMIZER_SGD": uint32(tfe.OptimizerSGD), "TFE_OPTIMIZER_ADAM": uint32(tfe.OptimizerAdam),
	"TFE_OPTIMIZER_AMSGRAD": uint32(tfe.OptimizerAMSgrad), "TFE_SCHEDULE_CONSTANT": uint32(tfe.ScheduleConstant),
	"TFE_SCHEDULE_STEP": uint32(tfe.ScheduleStep), "TFE_SCHEDULE_EXPONENTIAL": uint32(tfe.ScheduleExponential),
	"TFE_LOSS_BINARY_CROSSENTROPY":                  uint32(tfe.LossBinaryCrossentropy),
	"TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS":      uint32(tfe.LossBinaryCrossentropyFromLogits),
	"TFE_LOSS_CATEGORICAL_CROSSENTROPY":             uint32(tfe.LossCategoricalCrossentropy),
	"TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS": uint32(tfe.LossCategoricalCrossentropyFromLogits),
	"TFE_LOSS_MEAN_SQUARED_ERROR":                   uint32(tfe.LossMeanSquaredError),
	"TFE_METRICS_NONE":                              uint32(tfe.MetricsNone), "TFE_METRICS_ACCURACY": uint32(tfe.MetricsAccuracy),
}

func TestConformanceTraining(t *testing.T) {
	file := loadCases(t)
	if len(file.Train) < 3 {
		t.Fatalf("%d training cases", len(file.Train))
	}
	for _, c := range file.Train {
		t.Run(c.Name, func(t *testing.T) { runTrainCase(t, c) })
	}
}

func runTrainCase(t *testing.T, c trainCase) {
	m := buildTrainModel(t, c)
	defer m.Close()
	tr := must(tfe.NewLocalTrainer(m, "model-owner", "data-owner", "label-owner", memory()))(t)
	defer tr.Close()
	err := tr.Compile(caseOptimizer(t, c), tfe.Loss(trainEnums[c.Loss]), tfe.Metrics(trainEnums[c.Metrics]))
	if c.Expect.Status != "" {
		if c.Expect.Step != "compile" {
			t.Fatalf("step %q", c.Expect.Step)
		}
		expectStatusName(t, err, c.Expect.Status)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	err = tr.Fit(context.Background(), c.X, c.Y, c.Epochs, c.BatchSize, nil, nil, func(p tfe.TrainProgress) error {
		if p.Batch == p.Batches {
			losses = append(losses, p.Loss)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Expect.LossDecreases && losses[len(losses)-1] >= losses[0] {
		t.Errorf("epoch losses %v", losses)
	}
	exported := must(tr.Export(context.Background()))(t)
	defer exported.Close()
	checkTrainedWeights(t, c, exported)
}

// buildTrainModel is the case's model, layer by layer.
func buildTrainModel(t *testing.T, c trainCase) *tfe.Model {
	m := must(tfe.NewModel(c.InputShape))(t)
	for _, l := range c.Layers {
		var err error
		switch l.Kind {
		case "dense":
			err = m.AddDense(l.Inputs, l.Units, l.Weights, l.Bias)
		case "sigmoid":
			err = m.AddSigmoid()
		case "relu":
			err = m.AddRelu()
		case "softmax":
			err = m.AddSoftmax()
		default:
			t.Fatalf("the runner does not know layer %s", l.Kind)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// caseOptimizer is the defaults of the case's optimizer with the fields it sets.
func caseOptimizer(t *testing.T, c trainCase) tfe.Optimizer {
	var kind, schedule string
	mustDecode(c.Optimizer["kind"], &kind)
	mustDecode(c.Optimizer["schedule"], &schedule)
	o := must(tfe.DefaultOptimizer(tfe.OptimizerKind(trainEnums[kind])))(t)
	o.Schedule = tfe.Schedule(trainEnums[schedule])
	for name, field := range map[string]*float64{"learning_rate": &o.LearningRate, "momentum": &o.Momentum,
		"beta1": &o.Beta1, "beta2": &o.Beta2, "epsilon": &o.Epsilon, "decay": &o.Decay} {
		if raw, ok := c.Optimizer[name]; ok {
			mustDecode(raw, field)
		}
	}
	if raw, ok := c.Optimizer["decay_steps"]; ok {
		mustDecode(raw, &o.DecaySteps)
	}
	return o
}

// checkTrainedWeights checks the exported model's weights against the case's.
func checkTrainedWeights(t *testing.T, c trainCase, exported *tfe.Model) {
	t.Helper()
	for i, want := range c.Expect.Weights {
		got := must(exported.Weight(i))(t)
		if len(got) != len(want) {
			t.Fatalf("weight %d: %d values, expected %d", i, len(got), len(want))
		}
		for k := range want {
			if math.Abs(got[k]-want[k]) > c.Expect.Atol {
				t.Errorf("weight %d: %v, expected %v within %v (%s)", i, got, want, c.Expect.Atol, c.Expect.Bound)
				break
			}
		}
	}
}
