package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"

	tfe "tfe/bindings/go"
)

// Service answers private predictions of one model over HTTP. It keeps one
// predictor (the weights shared among the servers once), which serializes
// concurrent predictions.
type Service struct {
	model     *tfe.Model // the model owner's, in plaintext
	predictor *tfe.Predictor
	inputs    int // values per sample
	maxBatch  int
}

// PredictRequest is the body of POST /predict: 1 to maxBatch samples.
type PredictRequest struct {
	Instances [][]float64 `json:"instances"`
}

// Prediction is one sample's logits and their arg max.
type Prediction struct {
	Logits []float64 `json:"logits"`
	Class  int       `json:"class"`
}

// PredictResponse is the body of a successful POST /predict.
type PredictResponse struct {
	Predictions []Prediction `json:"predictions"`
}

// NewService loads the digits classifier of examples/c/data/digits-mlp
// (Dense 64-32, ReLU, Dense 32-10) from dir and starts its predictor for
// batches of up to maxBatch images, its players on threads of this process.
func NewService(dir string, maxBatch int) (*Service, error) {
	model, err := tfe.NewModel([]int{64})
	if err != nil {
		return nil, err
	}
	load := func(name string, want int) ([]float64, error) {
		a, err := tfe.LoadArray(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		defer a.Close()
		v, err := a.Value()
		if err == nil && len(v.Data) != want {
			err = fmt.Errorf("%s holds %d values, expected %d", name, len(v.Data), want)
		}
		return v.Data, err
	}
	err = func() error {
		// w1, b1, w2, b2: each Dense layer's weights and biases.
		var v [4][]float64
		for i, f := range []struct {
			name string
			want int
		}{{"w1.csv", 64 * 32}, {"b1.csv", 32}, {"w2.csv", 32 * 10}, {"b2.csv", 10}} {
			var err error
			if v[i], err = load(f.name, f.want); err != nil {
				return err
			}
		}
		return errors.Join(model.AddDense(64, 32, v[0], v[1]), model.AddRelu(), model.AddDense(32, 10, v[2], v[3]))
	}()
	if err != nil {
		model.Close()
		return nil, err
	}
	predictor, err := tfe.NewLocalPredictor(model, maxBatch, "model-owner", "client", nil)
	if err != nil {
		model.Close()
		return nil, err
	}
	return &Service{model: model, predictor: predictor, inputs: 64, maxBatch: maxBatch}, nil
}

// Close stops the predictor's players.
func (s *Service) Close() {
	s.predictor.Close()
	s.model.Close()
}

// Handler serves POST /predict.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /predict", s.predict)
	return mux
}

func (s *Service) predict(w http.ResponseWriter, r *http.Request) {
	var req PredictRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a JSON PredictRequest: "+err.Error())
		return
	}
	if n := len(req.Instances); n < 1 || n > s.maxBatch {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("expected 1 to %d instances, found %d", s.maxBatch, n))
		return
	}
	x := make([]float64, 0, len(req.Instances)*s.inputs)
	for i, instance := range req.Instances {
		if len(instance) != s.inputs {
			writeError(w, http.StatusBadRequest,
				fmt.Sprintf("instance %d: expected %d values, found %d", i, s.inputs, len(instance)))
			return
		}
		x = append(x, instance...)
	}
	logits, err := s.predictor.Predict(x)
	if errors.Is(err, tfe.ErrInvalidArgument) {
		writeError(w, http.StatusBadRequest, err.Error()) // e.g. a value outside the fixed-point range
		return
	} else if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	classes := len(logits) / len(req.Instances)
	resp := PredictResponse{}
	for i := range req.Instances {
		row := logits[i*classes : (i+1)*classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		resp.Predictions = append(resp.Predictions, Prediction{Logits: row, Class: best})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": message})
}
