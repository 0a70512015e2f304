module tfe/bindings/go

go 1.24
