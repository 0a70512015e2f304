package tfe

// #include "tfe.h"
import "C"

// Predictor is a tfe_predictor_t: a model ready for private prediction of
// batches of 1 to maxBatch samples, its players on threads of this
// process. Safe for use by several goroutines (predictions are
// serialized).
type Predictor struct {
	h handle[*C.tfe_predictor_t]
	batchShapes
}

// NewLocalPredictor makes a predictor of model for batches of 1 to
// maxBatch samples: owner provides the weights once, client each batch and
// alone learns the outputs (tfe_predictor_new_local). options nil: the
// defaults. The predictor keeps a copy of the weights.
func NewLocalPredictor(model *Model, maxBatch int, owner, client string, options *SessionOptions) (*Predictor, error) {
	b, err := size("tfe_predictor_new_local", "max_batch", maxBatch)
	if err != nil {
		return nil, err
	}
	o, c := cString(owner), cString(client)
	defer freeString(o)
	defer freeString(c)
	opts := options.c()
	return withShapes(madeOn(&model.h, newPredictor, func(m *C.tfe_model_t, out **C.tfe_predictor_t) C.enum_tfe_status_t {
		return C.tfe_predictor_new_local(m, b, o, c, opts, out)
	}))
}

func newPredictor(ptr *C.tfe_predictor_t) *Predictor {
	p := &Predictor{}
	return initHandle(p, &p.h, "tfe.Predictor", ptr, func(p *C.tfe_predictor_t) { C.tfe_predictor_free(p) }, nil)
}

// readShapes reads the predictor's batch shapes once it is made (see
// withShapes).
func (p *Predictor) readShapes() (err error) {
	p.batchShapes, err = readBatchShapes(p.InputShape, p.OutputCount, p.OutputShapeAt)
	return err
}

// Close stops the players and frees the predictor (tfe_predictor_free).
// Safe twice.
func (p *Predictor) Close() { p.h.close() }

// Predict predicts a batch privately (tfe_predictor_predict): x holds 1
// to maxBatch samples, row-major, batch first, and is passed without
// copying; the result holds the outputs of as many samples.
func (p *Predictor) Predict(x []float64) ([]float64, error) {
	return p.first(x, func(xp *C.double, xn C.size_t, op *C.double, on C.size_t) error {
		return p.h.call(func(ptr *C.tfe_predictor_t) C.enum_tfe_status_t {
			return C.tfe_predictor_predict(ptr, xp, xn, op, on)
		})
	})
}

// PredictOutputs is Predict giving every output of the model, in its
// order (tfe_predictor_predict_outputs).
func (p *Predictor) PredictOutputs(x []float64) ([][]float64, error) {
	return p.outputs(x, func(xp *C.double, xn C.size_t, pp **C.double, lp *C.size_t, n C.size_t) error {
		return p.h.call(func(ptr *C.tfe_predictor_t) C.enum_tfe_status_t {
			return C.tfe_predictor_predict_outputs(ptr, xp, xn, pp, lp, n)
		})
	})
}

// OutputCount is the number of outputs of each prediction
// (tfe_predictor_output_count).
func (p *Predictor) OutputCount() (int, error) {
	return p.h.count(func(ptr *C.tfe_predictor_t, n *C.size_t) C.enum_tfe_status_t {
		return C.tfe_predictor_output_count(ptr, n)
	})
}

// OutputShapeAt is the shape of output index of a full batch
// (tfe_predictor_output_shape_at).
func (p *Predictor) OutputShapeAt(index int) ([]int, error) {
	return p.h.shapeAt("tfe_predictor_output_shape_at", index, func(ptr *C.tfe_predictor_t, i C.size_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_predictor_output_shape_at(ptr, i, s, r)
	})
}

// InputShape is the shape of a full batch, [maxBatch, input shape...]
// (tfe_predictor_input_shape).
func (p *Predictor) InputShape() ([]int, error) {
	return p.h.shape(func(ptr *C.tfe_predictor_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_predictor_input_shape(ptr, s, r)
	})
}

// OutputShape is the shape of the output of a full batch
// (tfe_predictor_output_shape).
func (p *Predictor) OutputShape() ([]int, error) {
	return p.h.shape(func(ptr *C.tfe_predictor_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_predictor_output_shape(ptr, s, r)
	})
}

// LastStats is what the last successful prediction cost each player, as a
// result without values (tfe_predictor_last_stats). Close it.
func (p *Predictor) LastStats() (*Result, error) {
	return madeOn(&p.h, newResult, func(ptr *C.tfe_predictor_t, out **C.tfe_result_t) C.enum_tfe_status_t {
		return C.tfe_predictor_last_stats(ptr, out)
	})
}
