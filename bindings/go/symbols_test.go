package tfe_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cPreambleCall is a call of a C function in a cgo preamble.
var cPreambleCall = regexp.MustCompile(`\b(tfe_\w+)\(`)

// cCalls are the C functions the package's non-test files call (C.tfe_x),
// in Go or in the C of their cgo preambles (cshim.go's helpers).
func cCalls(t *testing.T) map[string]bool {
	t.Helper()
	calls := map[string]bool{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if d, ok := decl.(*ast.GenDecl); ok && d.Tok == token.IMPORT && d.Doc != nil &&
				len(d.Specs) == 1 && d.Specs[0].(*ast.ImportSpec).Path.Value == `"C"` {
				for _, m := range cPreambleCall.FindAllStringSubmatch(d.Doc.Text(), -1) {
					calls[m[1]] = true
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "C" && strings.HasPrefix(sel.Sel.Name, "tfe_") {
					calls[sel.Sel.Name] = true
				}
			}
			return true
		})
	}
	return calls
}

// No drift: every function of the ABI (tests/abi/symbols.txt) has a Go
// wrapper, and the package calls nothing else.
func TestEveryCFunctionHasAGoWrapper(t *testing.T) {
	data, err := os.ReadFile("../../tests/abi/symbols.txt")
	if err != nil {
		t.Fatal(err)
	}
	calls := cCalls(t)
	symbols := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if name := strings.TrimSpace(line); name != "" && !strings.HasPrefix(name, "#") {
			symbols[name] = true
			if !calls[name] {
				t.Errorf("%s (tests/abi/symbols.txt) has no Go wrapper", name)
			}
		}
	}
	if len(symbols) < 100 {
		t.Fatalf("read only %d symbols", len(symbols))
	}
	for name := range calls {
		// Types are C.tfe_..._t and C.tfe_..._fn; C.tfe_go_... are cshim.go's helpers.
		if !strings.HasSuffix(name, "_t") && !strings.HasSuffix(name, "_fn") && !strings.HasPrefix(name, "tfe_go_") &&
			!symbols[name] {
			t.Errorf("the package calls %s, which tests/abi/symbols.txt does not list", name)
		}
	}
}

// operationsOfTheHeader are the C operations (tfe_add ... tfe_sort): the
// functions of include/tfe.h whose first parameter is the context and
// whose last is the new tensor, as the conformance README defines them.
func operationsOfTheHeader(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../include/tfe.h")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`enum tfe_status_t (tfe_\w+)\(struct tfe_context_t \*ctx,[^;]*struct tfe_tensor_t \*\*out\);`)
	var ops []string
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		name := m[1]
		if !strings.HasPrefix(name, "tfe_define_") && !strings.HasPrefix(name, "tfe_context_") {
			ops = append(ops, name)
		}
	}
	if len(ops) < 50 {
		t.Fatalf("found only %d operations in include/tfe.h", len(ops))
	}
	return ops
}
