package load

import (
	"fmt"
	"os"
	"testing"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
)

func TestScratch(t *testing.T) {
	f := os.Getenv("SCRATCH")
	if f == "" {
		t.Skip()
	}
	ctx, spec, _ := compiledSchema()
	src, _ := os.ReadFile(f)
	user := ctx.CompileBytes(src, cue.Filename(f))
	err := spec.Unify(user).Validate(cue.All(), cue.Concrete(true))
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		fmt.Printf("%v | %q | %#v | %v\n", e.Path(), format, args, e.InputPositions())
	}
}
