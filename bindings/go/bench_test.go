package tfe_test

import (
	"context"
	"slices"
	"testing"
	"time"

	tfe "tfe/bindings/go"
	"tfe/bindings/go/internal/capibench"
)

func median(times []time.Duration) time.Duration {
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

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
// the same machine, and reports each one's median time per run and their
// ratio.
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
			viaBinding := make([]time.Duration, 0, b.N)
			viaC := make([]time.Duration, 0, b.N)
			timed := func(run func() ([]float64, error), times *[]time.Duration) {
				start := time.Now()
				v, err := run()
				*times = append(*times, time.Since(start))
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
			// Medians: a run that waited for another process's time slice
			// (two cores, shared) moves a mean, not a median.
			mb, mc := median(viaBinding), median(viaC)
			b.ReportMetric(float64(mb.Nanoseconds()), "binding-ns/run")
			b.ReportMetric(float64(mc.Nanoseconds()), "capi-ns/run")
			b.ReportMetric(float64(mb)/float64(mc), "binding/capi")
		})
	}
}
