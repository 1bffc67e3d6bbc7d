// Command cmd prints a synthetic ecsgen spec with -n services, for scripts/bench:
//
//	go run ./internal/benchspec/cmd -n 100 > spec.cue
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

func main() {
	n := flag.Int("n", 10, "number of services")
	flag.Parse()
	if *n < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/benchspec/cmd [-n SERVICES] > spec.cue")
		os.Exit(2)
	}
	if _, err := os.Stdout.WriteString(benchspec.Spec(*n)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
