// This directory is a JavaScript project (the CDK peer of scripts/bench), not Go. The CDK CLI in
// its node_modules ships Go project templates ("%name%.template.go"); this file makes the
// directory a module of its own so that `go test ./...` and `go vet ./...` at the root do not
// descend into them.
module ecsgen.invalid/bench-cdk

go 1.26.8
