package tfe

import (
	"testing"
	"unsafe"
)

// Go aborts when it copies a stack holding a pointer-typed value between 1
// and 4095. C handles are tags that Go keeps in such variables, so the
// library hands out none below 4096.
func TestHandlesGoHoldsAreNeverBelow4096(t *testing.T) {
	ctx, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	if tag := uintptr(unsafe.Pointer(ctx.h.ptr)); tag < 4096 {
		t.Fatalf("context tag %#x", tag)
	}
	for range 300 {
		x, err := ctx.DefineConstant([]float64{1}, []int{1})
		if err != nil {
			t.Fatal(err)
		}
		if tag := uintptr(unsafe.Pointer(x.h.ptr)); tag < 4096 {
			t.Fatalf("tensor tag %#x", tag)
		}
		x.Close()
	}
}

// grow needs a deep stack, so the runtime copies the goroutine's stack.
func grow(n int) int {
	var pad [64]byte
	if n == 0 {
		return int(pad[0])
	}
	return grow(n-1) + int(pad[n%64])
}

// A provider whose stack grows (the runtime copies it, checking every
// pointer slot of its frames, the binding's callback frame among them).
func TestAProviderMayGrowItsStack(t *testing.T) {
	ctx, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	out := revealedInput(t, ctx, []int{2}, func(_ string, _ []int, out []float64) error {
		out[0], out[1] = float64(grow(20000)), 1
		return nil
	})
	opts := DefaultSessionOptions()
	opts.Transport = TransportMemory
	sess, err := NewLocalSession(ctx, &opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for range 3 {
		res, err := sess.Run(t.Context(), []*Tensor{out}, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := res.Value(0)
		res.Close()
		if err != nil || v.Data[1] != 1 {
			t.Fatalf("%v %v", v, err)
		}
	}
}
