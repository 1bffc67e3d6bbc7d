package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/ecsgen/ecsgen/internal/write"
)

// abortOnSignal makes an interrupt (Ctrl-C, SIGTERM from a CI timeout) end a staged build as
// an error does: the staging directories go and every DIR/<env> stays as it was. Since each
// service's files are staged as they are generated, a build spends most of its time with a
// staging directory beside the output; without this, an interrupt left it there (visible to
// `git status`) until the next build. Abort waits for a Commit in progress, so an environment
// is published whole or not at all; the process then exits with 128 + the signal's number, as
// a shell reports a process the signal ended. SIGKILL cannot be caught: the next build removes
// what it leaves. The returned function stops watching.
func abortOnSignal(wb *write.Build) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			wb.Abort()
			code := 130
			if n, ok := s.(syscall.Signal); ok {
				code = 128 + int(n)
			}
			os.Exit(code)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}
