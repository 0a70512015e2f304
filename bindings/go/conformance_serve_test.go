package tfe_test

// The serving cases of tests/conformance/cases.json ("serve_cases", format
// in its README): a Server of the model in this process and one Client.

import (
	"fmt"
	"testing"
	"time"

	tfe "tfe/bindings/go"
)

type serveCase struct {
	Name     string `json:"name"`
	Model    string `json:"model"`
	MaxBatch int    `json:"max_batch"`
	Requests []struct {
		Reconnect bool `json:"reconnect"`
		Input     struct {
			Shape  []int     `json:"shape"`
			Values []float64 `json:"values"`
		} `json:"input"`
		Outputs []expectedOutput `json:"outputs"`
		Status  string           `json:"status"`
	} `json:"requests"`
}

func TestConformanceServe(t *testing.T) {
	file := loadCases(t)
	if len(file.Serve) == 0 {
		t.Fatal("no serving case")
	}
	for _, c := range file.Serve {
		t.Run(c.Name, func(t *testing.T) { runServeCase(t, c) })
	}
}

func runServeCase(t *testing.T, c serveCase) {
	model := must(tfe.LoadONNX("../../" + c.Model))(t)
	options := tfe.DefaultServerOptions()
	options.MaxBatch = c.MaxBatch
	server, err := tfe.StartServer(model, "127.0.0.1:0", &options, memory())
	model.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	port := must(server.Port())(t)
	client := must(tfe.Connect(fmt.Sprintf("127.0.0.1:%d", port), 30*time.Second))(t)
	defer client.Close()
	if shape := must(client.InputShape())(t); shape[0] != c.MaxBatch {
		t.Fatalf("input shape %v, want batch %d", shape, c.MaxBatch)
	}
	for r, request := range c.Requests {
		switch {
		case request.Reconnect:
			if err := client.Reconnect(); err != nil {
				t.Fatalf("request %d: %v", r, err)
			}
		case request.Status != "":
			_, err := client.PredictOutputs(request.Input.Values)
			expectStatusName(t, err, request.Status)
		default:
			checkOutputs(t, must(client.PredictOutputs(request.Input.Values))(t), request.Outputs)
		}
	}
}
