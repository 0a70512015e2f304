package tfe_test

// Runs every case of tests/conformance/cases.json (format:
// tests/conformance/README.md) through the Go API: one behaviour in every
// language.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"testing"

	tfe "tfe/bindings/go"
)

type conformanceFile struct {
	Format int `json:"format"`
	Config struct {
		FracBits uint32 `json:"frac_bits"`
		IntBits  uint32 `json:"int_bits"`
	} `json:"config"`
	Cases  []conformanceCase `json:"cases"`
	Models []modelCase       `json:"models"`
	Serve  []serveCase       `json:"serve_cases"`
	Train  []trainCase       `json:"train_cases"`
}

// modelCase is an ONNX model predicting samples; each output within atol.
type modelCase struct {
	Name    string          `json:"name"`
	Model   string          `json:"model"`
	Input   shapedValues    `json:"input"`
	Outputs []expectedValue `json:"outputs"`
}

// shapedValues are row-major values and their shape: a tensor's, a
// batch's (batch first).
type shapedValues struct {
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

// expectedValue is a fetched value or a model's output, each value within
// atol (bound: where atol comes from).
type expectedValue struct {
	shapedValues
	Atol  float64 `json:"atol"`
	Bound string  `json:"bound"`
}

type conformanceCase struct {
	Name  string `json:"name"`
	Steps []struct {
		ID     string `json:"id"`
		Define string `json:"define"`
		Owner  string `json:"owner"`
		shapedValues
		Op    string                     `json:"op"`
		Args  []string                   `json:"args"`
		Attrs map[string]json.RawMessage `json:"attrs"`
	} `json:"steps"`
	Fetch  []string `json:"fetch"`
	Expect struct {
		Values map[string]expectedValue `json:"values"`
		Status string                   `json:"status"`
		Step   *string                  `json:"step"`
	} `json:"expect"`
}

// attrs reads a step's attributes by their C parameter names.
type attrs map[string]json.RawMessage

func (a attrs) int(name string) int {
	var v int
	mustDecode(a[name], &v)
	return v
}

func (a attrs) ints(name string) []int {
	var v []int // JSON null: nil, the C API's NULL
	mustDecode(a[name], &v)
	return v
}

func (a attrs) float(name string) float64 {
	var v float64
	mustDecode(a[name], &v)
	return v
}

func (a attrs) str(name string) string {
	var v *string
	mustDecode(a[name], &v)
	if v == nil {
		return ""
	}
	return *v
}

// enum is an enum parameter given by its constant's name.
func (a attrs) enum(name string) uint32 {
	constants := map[string]uint32{
		"TFE_PADDING_VALID": uint32(tfe.PaddingValid), "TFE_PADDING_SAME": uint32(tfe.PaddingSame),
		"TFE_POOL_MAX": uint32(tfe.PoolMax), "TFE_POOL_AVERAGE": uint32(tfe.PoolAverage),
		"TFE_CUMSUM_INCLUSIVE": uint32(tfe.CumsumInclusive), "TFE_CUMSUM_EXCLUSIVE": uint32(tfe.CumsumExclusive),
		"TFE_CUMSUM_REVERSE":           uint32(tfe.CumsumReverse),
		"TFE_CUMSUM_EXCLUSIVE_REVERSE": uint32(tfe.CumsumExclusiveReverse),
		"TFE_SORT_ASCENDING":           uint32(tfe.SortAscending), "TFE_SORT_DESCENDING": uint32(tfe.SortDescending),
	}
	v, ok := constants[a.str(name)]
	if !ok {
		panic(fmt.Sprintf("unknown enum constant %s", a[name]))
	}
	return v
}

func mustDecode(raw json.RawMessage, v any) {
	if raw == nil {
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		panic(err)
	}
}

type opFn func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error)

func unary(f func(*tfe.Context, *tfe.Tensor) (*tfe.Tensor, error)) opFn {
	return func(c *tfe.Context, x []*tfe.Tensor, _ attrs) (*tfe.Tensor, error) { return f(c, x[0]) }
}

func binary(f func(*tfe.Context, *tfe.Tensor, *tfe.Tensor) (*tfe.Tensor, error)) opFn {
	return func(c *tfe.Context, x []*tfe.Tensor, _ attrs) (*tfe.Tensor, error) { return f(c, x[0], x[1]) }
}

func withAxis(f func(*tfe.Context, *tfe.Tensor, int) (*tfe.Tensor, error)) opFn {
	return func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) { return f(c, x[0], a.int("axis")) }
}

// Each C operation of the cases, through its Go method.
var conformanceOps = map[string]opFn{
	"tfe_add": binary((*tfe.Context).Add), "tfe_sub": binary((*tfe.Context).Sub),
	"tfe_mul": binary((*tfe.Context).Mul), "tfe_matmul": binary((*tfe.Context).MatMul),
	"tfe_assign": binary((*tfe.Context).Assign),
	"tfe_less":   binary((*tfe.Context).Less), "tfe_less_equal": binary((*tfe.Context).LessEqual),
	"tfe_greater": binary((*tfe.Context).Greater), "tfe_greater_equal": binary((*tfe.Context).GreaterEqual),
	"tfe_equal": binary((*tfe.Context).Equal), "tfe_maximum": binary((*tfe.Context).Maximum),
	"tfe_minimum": binary((*tfe.Context).Minimum),
	"tfe_neg":     unary((*tfe.Context).Neg), "tfe_square": unary((*tfe.Context).Square),
	"tfe_reduce_sum": unary((*tfe.Context).ReduceSum), "tfe_reduce_mean": unary((*tfe.Context).ReduceMean),
	"tfe_relu": unary((*tfe.Context).Relu), "tfe_sigmoid": unary((*tfe.Context).Sigmoid),
	"tfe_hard_sigmoid": unary((*tfe.Context).HardSigmoid), "tfe_exp": unary((*tfe.Context).Exp),
	"tfe_reciprocal": unary((*tfe.Context).Reciprocal), "tfe_inv_sqrt": unary((*tfe.Context).InvSqrt),
	"tfe_softmax": unary((*tfe.Context).Softmax), "tfe_tanh": unary((*tfe.Context).Tanh),
	"tfe_log": unary((*tfe.Context).Log), "tfe_sqrt": unary((*tfe.Context).Sqrt),
	"tfe_flatten": unary((*tfe.Context).Flatten), "tfe_abs": unary((*tfe.Context).Abs),
	"tfe_global_avg_pool2d": unary((*tfe.Context).GlobalAvgPool2D),
	"tfe_reduce_sum_axis":   withAxis((*tfe.Context).ReduceSumAxis),
	"tfe_reduce_mean_axis":  withAxis((*tfe.Context).ReduceMeanAxis),
	"tfe_reduce_max":        withAxis((*tfe.Context).ReduceMax), "tfe_reduce_min": withAxis((*tfe.Context).ReduceMin),
	"tfe_argmax": withAxis((*tfe.Context).Argmax), "tfe_argmin": withAxis((*tfe.Context).Argmin),
	"tfe_argmax_one_hot": withAxis((*tfe.Context).ArgmaxOneHot),
	"tfe_expand_dims":    withAxis((*tfe.Context).ExpandDims), "tfe_squeeze": withAxis((*tfe.Context).Squeeze),
	"tfe_select": func(c *tfe.Context, x []*tfe.Tensor, _ attrs) (*tfe.Tensor, error) { return c.Select(x[0], x[1], x[2]) },
	"tfe_concat": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Concat(x[0], x[1], a.int("axis"))
	},
	"tfe_reveal": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Reveal(x[0], a.str("to"))
	},
	"tfe_div_public": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.DivPublic(x[0], a.float("divisor"))
	},
	"tfe_transpose": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Transpose(x[0], a.ints("perm"))
	},
	"tfe_reshape": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Reshape(x[0], a.ints("shape"))
	},
	"tfe_pad": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Pad(x[0], a.ints("pads"))
	},
	"tfe_slice": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Slice(x[0], a.ints("begin"), a.ints("size"))
	},
	"tfe_gather": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Gather(x[0], a.ints("indices"), a.int("axis"))
	},
	"tfe_cumsum": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Cumsum(x[0], a.int("axis"), tfe.CumsumMode(a.enum("mode")))
	},
	"tfe_sort": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Sort(x[0], a.int("axis"), tfe.SortOrder(a.enum("order")))
	},
	"tfe_conv2d": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Conv2D(x[0], x[1], a.int("stride_h"), a.int("stride_w"), tfe.Padding(a.enum("padding")))
	},
	"tfe_pool2d": func(c *tfe.Context, x []*tfe.Tensor, a attrs) (*tfe.Tensor, error) {
		return c.Pool2D(x[0], tfe.Pool(a.enum("pool")), a.int("window_h"), a.int("window_w"),
			a.int("stride_h"), a.int("stride_w"), tfe.Padding(a.enum("padding")))
	},
}

func loadCases(t *testing.T) conformanceFile {
	t.Helper()
	data, err := os.ReadFile("../../tests/conformance/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var file conformanceFile
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if file.Format != 1 || len(file.Cases) < 25 {
		t.Fatalf("format %d with %d cases", file.Format, len(file.Cases))
	}
	return file
}

func TestConformance(t *testing.T) {
	file := loadCases(t)
	cfg := tfe.DefaultConfig()
	cfg.FracBits, cfg.IntBits = file.Config.FracBits, file.Config.IntBits
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) { runCase(t, &cfg, c) })
	}
}

func runCase(t *testing.T, cfg *tfe.Config, c conformanceCase) {
	ctx := must(tfe.NewContext(cfg))(t)
	defer ctx.Close()
	tensors := map[string]*tfe.Tensor{}
	defer func() {
		for _, x := range tensors {
			x.Close()
		}
	}()
	failed, err := "", error(nil)
	for _, s := range c.Steps {
		var x *tfe.Tensor
		switch s.Define {
		case "private_input":
			x, err = ctx.DefinePrivateInput(s.ID, s.Owner, s.Shape, func(_ string, _ []int, out []float64) error {
				copy(out, s.Values)
				return nil
			})
		case "private_variable":
			x, err = ctx.DefinePrivateVariable(s.ID, s.Owner, s.Values, s.Shape)
		case "constant":
			x, err = ctx.DefineConstant(s.Values, s.Shape)
		case "":
			op, ok := conformanceOps[s.Op]
			if !ok {
				t.Fatalf("no Go method for %s", s.Op)
			}
			args := make([]*tfe.Tensor, len(s.Args))
			for i, name := range s.Args {
				args[i] = tensors[name]
			}
			x, err = op(ctx, args, s.Attrs)
		default:
			t.Fatalf("unknown definition %q", s.Define)
		}
		if err != nil {
			failed = s.ID
			break
		}
		tensors[s.ID] = x
	}
	want := c.Expect
	if want.Status != "" && want.Step != nil {
		if failed != *want.Step {
			t.Fatalf("expected step %s to fail with %s, step %q failed: %v", *want.Step, want.Status, failed, err)
		}
		expectStatusName(t, err, want.Status)
		return
	}
	if err != nil {
		t.Fatalf("step %s failed: %v", failed, err)
	}
	fetches := make([]*tfe.Tensor, len(c.Fetch))
	for i, name := range c.Fetch {
		fetches[i] = tensors[name]
	}
	sess := must(tfe.NewLocalSession(ctx, memory()))(t)
	defer sess.Close()
	res, err := sess.Run(context.Background(), fetches, nil)
	if want.Status != "" {
		expectStatusName(t, err, want.Status)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	for i, name := range c.Fetch {
		got := must(res.Value(i))(t)
		exp := want.Values[name]
		if fmt.Sprint(got.Shape) != fmt.Sprint(exp.Shape) {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape, exp.Shape)
		}
		expectWithin(t, name, got.Data, exp)
	}
}

func expectStatusName(t *testing.T, err error, name string) {
	t.Helper()
	var e *tfe.Error
	if !errors.As(err, &e) || e.Status.String() != name {
		t.Fatalf("expected %s, got %v", name, err)
	}
}

// Every operation of the C API has a Go method in the table above, and
// every one but tfe_assign a conformance case.
func TestConformanceCoversEveryOperation(t *testing.T) {
	file := loadCases(t)
	used := map[string]bool{}
	for _, c := range file.Cases {
		for _, s := range c.Steps {
			if s.Op != "" {
				used[s.Op] = true
			}
		}
	}
	for _, op := range operationsOfTheHeader(t) {
		if _, ok := conformanceOps[op]; !ok {
			t.Errorf("%s: no entry in conformanceOps", op)
		}
		if !used[op] && op != "tfe_assign" {
			t.Errorf("%s: no conformance case", op)
		}
	}
}

// Every model case: the ONNX file predicts its samples in one batch, and
// each output is within its tolerance of onnxruntime's.
func TestConformanceModels(t *testing.T) {
	file := loadCases(t)
	if len(file.Models) < 4 {
		t.Fatalf("%d model cases", len(file.Models))
	}
	for _, c := range file.Models {
		t.Run(c.Name, func(t *testing.T) {
			model := must(tfe.LoadONNX("../../" + c.Model))(t)
			defer model.Close()
			pred := must(tfe.NewLocalPredictor(model, c.Input.Shape[0], "model-owner", "client", memory()))(t)
			defer pred.Close()
			checkOutputs(t, must(pred.PredictOutputs(c.Input.Values))(t), c.Outputs)
		})
	}
}

// checkOutputs checks every output of a prediction against the case's.
func checkOutputs(t *testing.T, outputs [][]float64, wants []expectedValue) {
	t.Helper()
	if len(outputs) != len(wants) {
		t.Fatalf("%d outputs, want %d", len(outputs), len(wants))
	}
	for i, want := range wants {
		expectWithin(t, fmt.Sprintf("output %d", i), outputs[i], want)
	}
}

// expectWithin checks got, the value called what, against want: as many
// values, each within want.Atol.
func expectWithin(t *testing.T, what string, got []float64, want expectedValue) {
	t.Helper()
	if len(got) != len(want.Values) {
		t.Fatalf("%s has %d values, want %d (shape %v)", what, len(got), len(want.Values), want.Shape)
	}
	for j, v := range got {
		if math.Abs(v-want.Values[j]) > want.Atol+1e-12 {
			t.Fatalf("%s[%d] = %v, want %v within %v (%s)", what, j, v, want.Values[j], want.Atol, want.Bound)
		}
	}
}
