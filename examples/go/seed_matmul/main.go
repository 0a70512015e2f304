// The seed program of TF Encrypted, in Go: a private 5x10 input from an
// input provider times a private 10x10 variable of ones held by server0,
// revealed to the servers: a 5x10 matrix of 10.0. Prints it and what the
// run cost each player; on an error prints it and exits 1.
//
// Run from the repository root, after `cargo build --release`:
//
//	cd examples/go && go run ./seed_matmul
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	tfe "tfe/bindings/go"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, err := tfe.NewContext(nil) // ABY3, default fixed point
	if err != nil {
		return err
	}
	defer ctx.Close()

	ones := make([]float64, 100)
	for i := range ones {
		ones[i] = 1
	}
	// w's values stay in this process, for its owner: the graph holds its shape.
	w, err := ctx.DefinePrivateVariable("w", "server0", ones, []int{10, 10})
	if err != nil {
		return err
	}
	// Runs at the input provider only, on a library thread.
	x, err := ctx.DefinePrivateInput("x", "input-provider", []int{5, 10},
		func(_ string, _ []int, out []float64) error {
			for i := range out {
				out[i] = 1
			}
			return nil
		})
	if err != nil {
		return err
	}
	y, err := ctx.MatMul(x, w)
	if err != nil {
		return err
	}
	out, err := ctx.Reveal(y, "") // to every server
	if err != nil {
		return err
	}

	sess, err := tfe.NewLocalSession(ctx, nil) // every player on a thread of this process
	if err != nil {
		return err
	}
	defer sess.Close()
	result, err := sess.Run(context.Background(), []*tfe.Tensor{out}, nil)
	if err != nil {
		return err
	}
	defer result.Close()

	value, err := result.Value(0) // 5x10 of 10.0
	if err != nil {
		return err
	}
	rows, cols := value.Shape[0], value.Shape[1]
	for i := range rows {
		cells := make([]string, cols)
		for j := range cols {
			cells[j] = fmt.Sprintf("%.1f", value.Data[i*cols+j])
		}
		fmt.Println(strings.Join(cells, " "))
	}
	table, err := result.StatsTable()
	if err != nil {
		return err
	}
	fmt.Print(table)
	return nil
}
