package main

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	tfe "tfe/bindings/go"
)

const dataDir = "../../c/data/digits-mlp"

func post(t *testing.T, url string, body any) (*http.Response, []byte) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/predict", "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, out.Bytes()
}

// startService is a service for batches of up to maxBatch images and an
// HTTP server of it, both closed when the test ends.
func startService(t *testing.T, maxBatch int) (*Service, *httptest.Server) {
	t.Helper()
	service, err := NewService(dataDir, maxBatch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(service.Close)
	server := httptest.NewServer(service.Handler())
	t.Cleanup(server.Close)
	return service, server
}

func TestServiceAnswersPrivatePredictions(t *testing.T) {
	service, server := startService(t, 4)

	image, err := tfe.LoadArray(dataDir + "/image.csv")
	if err != nil {
		t.Fatal(err)
	}
	pixels, err := image.Value()
	image.Close()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := service.model.PredictPlain(pixels.Data, 1)
	if err != nil {
		t.Fatal(err)
	}

	// Concurrent requests, each of two images; the predictor serializes them.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := post(t, server.URL, PredictRequest{Instances: [][]float64{pixels.Data, pixels.Data}})
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d: %s", resp.StatusCode, body)
				return
			}
			var got PredictResponse
			if err := json.Unmarshal(body, &got); err != nil || len(got.Predictions) != 2 {
				t.Errorf("response %s: %v", body, err)
				return
			}
			for _, p := range got.Predictions {
				best := 0
				for j, v := range plain {
					if v > plain[best] {
						best = j
					}
					if math.Abs(p.Logits[j]-v) > 0.05 {
						t.Errorf("logit %d: private %v, plaintext %v", j, p.Logits[j], v)
					}
				}
				if p.Class != best {
					t.Errorf("class %d, plaintext says %d", p.Class, best)
				}
			}
		}()
	}
	wg.Wait()
}

func TestServiceRejectsBadRequests(t *testing.T) {
	_, server := startService(t, 2)
	for _, tc := range []struct {
		body any
		want string
	}{
		{"not a request", "not a JSON PredictRequest"},
		{PredictRequest{}, "expected 1 to 2 instances, found 0"},
		{PredictRequest{Instances: [][]float64{make([]float64, 63)}}, "instance 0: expected 64 values, found 63"},
		{PredictRequest{Instances: make([][]float64, 3)}, "expected 1 to 2 instances, found 3"},
	} {
		resp, body := post(t, server.URL, tc.body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tc.want) {
			t.Errorf("%v: status %d, body %s", tc.body, resp.StatusCode, body)
		}
	}
	// The predictor still answers.
	resp, body := post(t, server.URL, PredictRequest{Instances: [][]float64{make([]float64, 64)}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
}
