package tfe

import "testing"

// revealedInput is the reveal, to every server, of a private input "x" of
// shape that provide fills at "input-provider"; both tensors close when
// the test ends.
func revealedInput(t *testing.T, c *Context, shape []int, provide InputFunc) *Tensor {
	t.Helper()
	x, err := c.DefinePrivateInput("x", "input-provider", shape, provide)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	out, err := c.Reveal(x, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(out.Close)
	return out
}
