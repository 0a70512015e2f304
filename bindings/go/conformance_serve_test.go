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
		Reconnect bool            `json:"reconnect"`
		Input     shapedValues    `json:"input"`
		Outputs   []expectedValue `json:"outputs"`
		Status    string          `json:"status"`
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

// serve starts a service of the case's model and connects a client to it;
// both close when the test ends.
func serve(t *testing.T, c serveCase) *tfe.Client {
	model := must(tfe.LoadONNX("../../" + c.Model))(t)
	options := tfe.DefaultServerOptions()
	options.MaxBatch = c.MaxBatch
	server, err := tfe.StartServer(model, "127.0.0.1:0", &options, memory())
	model.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	port := must(server.Port())(t)
	client := must(tfe.Connect(fmt.Sprintf("127.0.0.1:%d", port), 30*time.Second))(t)
	t.Cleanup(client.Close)
	return client
}

func runServeCase(t *testing.T, c serveCase) {
	client := serve(t, c)
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

// TestReconnectWhilePredicting reconnects while other goroutines predict:
// under -race, the shapes Reconnect replaces must not race with their
// readers, and every prediction succeeds before or after a reconnection.
func TestReconnectWhilePredicting(t *testing.T) {
	c := loadCases(t).Serve[0]
	client := serve(t, c)
	request := c.Requests[0]
	results := make(chan [][]float64, 30)
	errs := make(chan error, 3)
	for g := 0; g < 3; g++ {
		go func() {
			for i := 0; i < 10; i++ {
				outs, err := client.PredictOutputs(request.Input.Values)
				if err != nil {
					errs <- err
					return
				}
				results <- outs
			}
			errs <- nil
		}()
	}
	for i := 0; i < 3; i++ {
		if err := client.Reconnect(); err != nil {
			t.Fatal(err)
		}
	}
	for g := 0; g < 3; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(results)
	for outs := range results {
		checkOutputs(t, outs, request.Outputs)
	}
}
