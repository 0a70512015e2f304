package tfe

// #include "tfe.h"
import "C"

import "unsafe"

// LoadONNX reads the ONNX model file at path (tfe_model_load_onnx): its
// initializers are the model owner's weights. The model takes no layers and
// may have several outputs (OutputCount, OutputShapeAt,
// Predictor.PredictOutputs). An unsupported node is an ErrInvalidArgument
// naming the file and the node.
func LoadONNX(path string) (*Model, error) {
	p := cString(path)
	defer freeString(p)
	return made(newModel, func(out **C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_load_onnx(p, out) })
}

// LoadONNXBytes is LoadONNX from the bytes of a model file
// (tfe_model_load_onnx_bytes), passed without copying.
func LoadONNXBytes(model []byte) (*Model, error) {
	var p *C.uint8_t
	if len(model) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&model[0]))
	}
	return made(newModel, func(out **C.tfe_model_t) C.enum_tfe_status_t {
		return C.tfe_model_load_onnx_bytes(p, C.size_t(len(model)), out)
	})
}
