// A private prediction service in Go: a net/http server that keeps a
// predictor for a digits classifier and answers private predictions, JSON
// in, JSON out. The model owner's weights are shared among three servers
// once; each request's images are shared by the client player, the servers
// compute on shares and reveal the logits to the client alone. All five
// players run on threads of this process (a deployment would run them
// apart; see tfe.OpenParty).
//
//	cd examples/go && go run ./prediction_service -data ../c/data/digits-mlp
//	curl -d '{"instances": [[0, 0, 5, ... 64 pixel values]]}' localhost:8080/predict
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	data := flag.String("data", "examples/c/data/digits-mlp", "folder of the model's CSV weights")
	maxBatch := flag.Int("max-batch", 8, "most images per request")
	flag.Parse()

	service, err := NewService(*data, *maxBatch)
	if err != nil {
		log.Fatal(err)
	}
	defer service.Close()
	log.Printf("serving private predictions on http://%s/predict", *addr)
	log.Fatal(http.ListenAndServe(*addr, service.Handler()))
}
