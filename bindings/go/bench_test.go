package tfe_test

import (
	"context"
	"testing"
	"time"

	tfe "tfe/bindings/go"
	"tfe/bindings/go/internal/capibench"
)

// bindingMatmul is capibench's graph through the binding, with a Go input
// provider.
type bindingMatmul struct {
	ctx  *tfe.Context
	sess *tfe.Session
	out  *tfe.Tensor
}

func newBindingMatmul(b *testing.B, n int, opts *tfe.SessionOptions) *bindingMatmul {
	ctx := must(tfe.NewContext(nil))(b)
	x := must(ctx.DefinePrivateInput("x", "input-provider", []int{n, n}, fill(1)))(b)
	w := must(ctx.DefinePrivateVariable("", "server0", ones(n*n), []int{n, n}))(b)
	out := must(ctx.Reveal(must(ctx.MatMul(x, w))(b), ""))(b)
	return &bindingMatmul{ctx: ctx, sess: must(tfe.NewLocalSession(ctx, opts))(b), out: out}
}

func (m *bindingMatmul) run() ([]float64, error) {
	res, err := m.sess.Run(context.Background(), []*tfe.Tensor{m.out}, nil)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	v, err := res.Value(0)
	return v.Data, err
}

// BenchmarkOverhead runs a 64x64 private matmul (input times variable,
// revealed) through the binding and through direct cgo calls of the C API
// (capibench), alternating the two in each iteration (ABBA) so both see
// the same machine, and reports each one's time per run and the ratio.
func BenchmarkOverhead(b *testing.B) {
	for _, tc := range []struct {
		name   string
		memory bool
	}{{"tcp", false}, {"memory", true}} {
		b.Run(tc.name, func(b *testing.B) {
			opts := tfe.DefaultSessionOptions()
			if tc.memory {
				opts.Transport = tfe.TransportMemory
			}
			binding := newBindingMatmul(b, 64, &opts)
			defer binding.sess.Close()
			direct, err := capibench.New(64, tc.memory)
			if err != nil {
				b.Fatal(err)
			}
			defer direct.Close()
			var viaBinding, viaC time.Duration
			timed := func(run func() ([]float64, error), total *time.Duration) {
				start := time.Now()
				v, err := run()
				*total += time.Since(start)
				if err != nil || len(v) != 64*64 || v[0] < 63.9 || v[0] > 64.1 {
					b.Fatalf("run: %v (%d values)", err, len(v))
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if i%2 == 0 {
					timed(binding.run, &viaBinding)
					timed(direct.Run, &viaC)
				} else {
					timed(direct.Run, &viaC)
					timed(binding.run, &viaBinding)
				}
			}
			b.ReportMetric(float64(viaBinding.Nanoseconds())/float64(b.N), "binding-ns/run")
			b.ReportMetric(float64(viaC.Nanoseconds())/float64(b.N), "capi-ns/run")
			b.ReportMetric(float64(viaBinding)/float64(viaC), "binding/capi")
		})
	}
}
