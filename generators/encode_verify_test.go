package generators

import (
	"os"
	"testing"
)

// Every test of this package checks each direct encoding against the general path
// (encode.go, cli.go): a difference fails the generation that meets it.
func TestMain(m *testing.M) {
	verifyEncodings = true
	os.Exit(m.Run())
}
