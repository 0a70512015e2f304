package tfe

// #include "tfe.h"
import "C"

import "runtime"

// batchShapes are the shapes of a handle that answers batches of 1 to
// maxBatch samples (a Predictor, a Client), each of a full batch, and the
// buffers of one prediction: the two kinds share them here.
type batchShapes struct {
	inputShape []int   // [maxBatch, input shape...]
	outShapes  [][]int // [maxBatch, output shape...] of each output
}

// shaped is a handle that answers batches (a Predictor, a Client): it
// reads its shapes once made, with readBatchShapes.
type shaped interface {
	readShapes() error
	Close()
}

// withShapes is t, just made (err: the error of making it), once it has
// read its shapes; t is closed when that fails.
func withShapes[T shaped](t T, err error) (T, error) {
	var none T
	if err != nil {
		return none, err
	}
	if err := t.readShapes(); err != nil {
		t.Close()
		return none, err
	}
	return t, nil
}

// readBatchShapes asks a handle for its shapes.
func readBatchShapes(input func() ([]int, error), count func() (int, error), at func(int) ([]int, error)) (batchShapes, error) {
	var s batchShapes
	var err error
	if s.inputShape, err = input(); err != nil {
		return s, err
	}
	n, err := count()
	for i := 0; i < n && err == nil; i++ {
		var shape []int
		shape, err = at(i)
		s.outShapes = append(s.outShapes, shape)
	}
	return s, err
}

// predictCall is a C prediction of every output: x, then the output
// buffers' pointers and lengths and their count.
type predictCall func(xp *C.double, xn C.size_t, pp **C.double, lp *C.size_t, n C.size_t) error

// outputs makes one buffer per output for the samples of x and fills them
// with call.
func (s *batchShapes) outputs(x []float64, call predictCall) ([][]float64, error) {
	samples := len(x) / elements(s.inputShape[1:])
	outs := make([][]float64, len(s.outShapes))
	ptrs := make([]*C.double, len(outs))
	lens := make([]C.size_t, len(outs))
	// The pointers to the outputs sit in Go memory passed to C: pin them.
	var pinner runtime.Pinner
	defer pinner.Unpin()
	for i, shape := range s.outShapes {
		outs[i] = make([]float64, samples*elements(shape[1:]))
		ptrs[i], lens[i] = doubles(outs[i])
		if ptrs[i] != nil {
			pinner.Pin(ptrs[i])
		}
	}
	xp, xn := doubles(x)
	var pp **C.double
	var lp *C.size_t
	if len(outs) > 0 {
		pp, lp = &ptrs[0], &lens[0]
	}
	if err := call(xp, xn, pp, lp, C.size_t(len(outs))); err != nil {
		return nil, err
	}
	return outs, nil
}

// first makes the buffer of the first output for the samples of x and
// fills it with call.
func (s *batchShapes) first(x []float64, call predictIntoCall) ([]float64, error) {
	out := make([]float64, len(x)/elements(s.inputShape[1:])*elements(s.outShapes[0][1:]))
	return predictInto(x, out, call)
}

// predictIntoCall is a C prediction into one buffer: x, then the buffer.
type predictIntoCall func(xp *C.double, xn C.size_t, op *C.double, on C.size_t) error

// predictInto is out filled by call from x, or call's error.
func predictInto(x, out []float64, call predictIntoCall) ([]float64, error) {
	xp, xn := doubles(x)
	op, on := doubles(out)
	if err := call(xp, xn, op, on); err != nil {
		return nil, err
	}
	return out, nil
}
