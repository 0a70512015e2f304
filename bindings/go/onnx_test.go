package tfe_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	tfe "tfe/bindings/go"
)

const onnxModels = "../../tests/onnx/models/"

// An imported model: loaded from a path or bytes, its outputs' shapes,
// every output of a prediction, and the errors (the file and the node
// named; no layers, no plaintext inference).
func TestONNXModels(t *testing.T) {
	data := must(os.ReadFile(onnxModels + "sklearn_logreg.onnx"))(t)
	model := must(tfe.LoadONNXBytes(data))(t)
	defer model.Close()
	if n := must(model.OutputCount())(t); n != 2 {
		t.Fatalf("%d outputs, want 2", n)
	}
	if s := must(model.OutputShapeAt(1))(t); fmt.Sprint(s) != "[10]" {
		t.Fatalf("output 1 of shape %v, want [10]", s)
	}
	pred := must(tfe.NewLocalPredictor(model, 2, "model-owner", "client", memory()))(t)
	defer pred.Close()
	if s := must(pred.OutputShapeAt(1))(t); fmt.Sprint(s) != "[2 10]" {
		t.Fatalf("predictor output 1 of shape %v, want [2 10]", s)
	}
	outputs := must(pred.PredictOutputs(make([]float64, 64)))(t)
	if len(outputs) != 2 || len(outputs[0]) != 1 || len(outputs[1]) != 10 {
		t.Fatalf("outputs of lengths %d, want [1 10]", len(outputs))
	}
	labels := must(pred.Predict(make([]float64, 64)))(t)
	if labels[0] != outputs[0][0] {
		t.Fatalf("Predict gave %v, PredictOutputs %v", labels, outputs[0])
	}

	expectError := func(err error, sentinel error, text string) {
		t.Helper()
		if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), text) {
			t.Fatalf("got %v, want %v containing %q", err, sentinel, text)
		}
	}
	_, err := model.OutputShapeAt(2)
	expectError(err, tfe.ErrInvalidArgument, "index 2 is past the last output")
	expectError(model.AddRelu(), tfe.ErrInvalidArgument, "imported from ONNX")
	_, err = tfe.LoadONNX(onnxModels + "missing.onnx")
	expectError(err, tfe.ErrInvalidArgument, "missing.onnx")
	keras := must(os.ReadFile(onnxModels + "keras_cnn.onnx"))(t)
	_, err = tfe.LoadONNXBytes(bytes.ReplaceAll(keras, []byte("Relu"), []byte("Relq")))
	expectError(err, tfe.ErrInvalidArgument, "'sequential_1/re_lu_1/Relq' (Relq)")
	_, err = tfe.LoadONNXBytes(nil)
	expectError(err, tfe.ErrInvalidArgument, "tfe_model_load_onnx_bytes")
}
