module tfe/examples/go

go 1.24

require tfe/bindings/go v0.0.0

// The binding of this checkout (a program of your own points its replace
// directive, or a go.work file, at its copy of bindings/go).
replace tfe/bindings/go => ../../bindings/go
