package tfe_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cgo types a C function named as a value (C.tfe_neg) as an unsafe.Pointer,
// so the Go compiler cannot check that unaryC(C.tfe_neg) hands unaryC a
// function it may call as a tfe_go_unary_fn. This test checks it with the
// C compiler: each C.f handed to a helper of cshim.go (a function of one
// unsafe.Pointer parameter that it converts to a function type of cshim.h)
// becomes a line of a C file,
//
//	const tfe_go_unary_fn unaryC_tfe_neg_0 = tfe_neg;
//
// which must compile with -Werror.
func TestEveryCFunctionHandedToAHelperHasItsType(t *testing.T) {
	types := functionTypes(t)
	fset, files := parsePackage(t)
	helpers := findHelpers(t, fset, files, types)
	// The helpers the package has now: so that a test that finds none, or
	// fewer, fails instead of checking nothing.
	for _, name := range []string{"unaryC", "binaryC", "axisC", "sizesC"} {
		if _, ok := helpers[name]; !ok {
			t.Errorf("found no helper %s in cshim.go (a func of one unsafe.Pointer that converts it to a type of cshim.h)", name)
		}
	}
	uses := findUses(t, fset, files, helpers)
	for name := range helpers {
		if !used(uses, name) {
			t.Errorf("found no %s(C.f) in the package: nothing of %s is checked", name, name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// One variable a use, each on its own line: the line a diagnostic
	// names is the use it is about.
	src := []string{"#include \"cshim.h\"", ""}
	useAt := map[int]helperUse{}
	for i, u := range uses {
		src = append(src, fmt.Sprintf("/* %s: %s(C.%s) */", u.pos, u.helper, u.fn))
		src = append(src, fmt.Sprintf("const %s %s_%s_%d = %s;", helpers[u.helper], u.helper, u.fn, i, u.fn))
		useAt[len(src)] = u
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "cshim_types.c")
	if err := os.WriteFile(file, []byte(strings.Join(src, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	include, err := filepath.Abs(filepath.Join("..", "..", "include"))
	if err != nil {
		t.Fatal(err)
	}
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cc := strings.Fields(os.Getenv("CC"))
	if len(cc) == 0 {
		cc = []string{"cc"}
	}
	cc = append(cc, "-std=c11", "-Werror", "-Wall", "-Wincompatible-pointer-types", "-fsyntax-only",
		"-I", include, "-I", here, file)
	out, err := exec.Command(cc[0], cc[1:]...).CombinedOutput()
	if err == nil {
		t.Logf("%d uses of %d helpers have their types", len(uses), len(helpers))
		return
	}
	diagnostic := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(file) + `:(\d+):`)
	blamed := map[int]bool{}
	for _, m := range diagnostic.FindAllStringSubmatch(string(out), -1) {
		line, _ := strconv.Atoi(m[1])
		if u, ok := useAt[line]; ok && !blamed[line] {
			blamed[line] = true
			t.Errorf("%s: %s(C.%s): %s is not a %s, the type %s calls it as (cshim.h)",
				u.pos, u.helper, u.fn, u.fn, helpers[u.helper], u.helper)
		}
	}
	if len(blamed) == 0 {
		t.Errorf("%v, and no diagnostic names a use", err)
	}
	t.Logf("%s:\n%s", strings.Join(cc, " "), out)
}

// helperUse is helper(C.fn) at pos.
type helperUse struct {
	pos    token.Position
	helper string
	fn     string
}

func used(uses []helperUse, helper string) bool {
	for _, u := range uses {
		if u.helper == helper {
			return true
		}
	}
	return false
}

// functionTypes are the names of cshim.h's function pointer typedefs.
func functionTypes(t *testing.T) map[string]bool {
	t.Helper()
	header, err := os.ReadFile("cshim.h")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, m := range regexp.MustCompile(`typedef[^;]*?\(\s*\*\s*(\w+)\s*\)`).FindAllStringSubmatch(string(header), -1) {
		types[m[1]] = true
	}
	if len(types) == 0 {
		t.Fatal("cshim.h has no function pointer typedef")
	}
	return types
}

// parsePackage is every Go file of the package, tests included.
func parsePackage(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// cName is the name of C.name, or "".
func cName(e ast.Expr) string {
	if s, ok := e.(*ast.SelectorExpr); ok && isIdent(s.X, "C") {
		return s.Sel.Name
	}
	return ""
}

// findHelpers maps each function of one unsafe.Pointer parameter f that
// converts f to a type of types (C.tfe_go_unary_fn(f)) to that type. Any
// other conversion to one of those types is an error: this test could not
// check what it converts.
func findHelpers(t *testing.T, fset *token.FileSet, files []*ast.File, types map[string]bool) map[string]string {
	t.Helper()
	helpers := map[string]string{}
	for _, f := range files {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			param := pointerParam(fn)
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !types[cName(call.Fun)] {
					return true
				}
				if len(call.Args) == 1 && param != "" && isIdent(call.Args[0], param) {
					helpers[fn.Name.Name] = cName(call.Fun)
				} else {
					t.Errorf("%s: %s converts to C.%s what is not its unsafe.Pointer parameter, which this test cannot check",
						fset.Position(call.Pos()), fn.Name.Name, cName(call.Fun))
				}
				return true
			})
		}
	}
	return helpers
}

// pointerParam is the name of fn's parameter if it has just one, of type
// unsafe.Pointer, or "".
func pointerParam(fn *ast.FuncDecl) string {
	params := fn.Type.Params.List
	if len(params) != 1 || len(params[0].Names) != 1 {
		return ""
	}
	if s, ok := params[0].Type.(*ast.SelectorExpr); !ok || s.Sel.Name != "Pointer" || !isIdent(s.X, "unsafe") {
		return ""
	}
	return params[0].Names[0].Name
}

func isIdent(e ast.Expr, name string) bool {
	x, ok := e.(*ast.Ident)
	return ok && x.Name == name
}

// findUses is every call of a helper; one whose argument is not C.f is an
// error: this test could not check it.
func findUses(t *testing.T, fset *token.FileSet, files []*ast.File, helpers map[string]string) []helperUse {
	t.Helper()
	var uses []helperUse
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			helper, ok := call.Fun.(*ast.Ident)
			if !ok || helpers[helper.Name] == "" {
				return true
			}
			pos := fset.Position(call.Pos())
			if len(call.Args) != 1 || cName(call.Args[0]) == "" {
				t.Errorf("%s: %s of something other than a C function, which this test cannot check", pos, helper.Name)
				return true
			}
			uses = append(uses, helperUse{pos, helper.Name, cName(call.Args[0])})
			return true
		})
	}
	return uses
}
