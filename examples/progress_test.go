package examples_test

// Progress of the artifacts gate. `go test ./...` shows a passing package's output only with
// -v, so the gate, which takes minutes, also writes its progress to the terminal when there is
// one (/dev/tty): a line when it starts and one per output judged. CI, without a terminal,
// sees the t.Log lines of failures as before. ECSGEN_GATE_PROGRESS=0 turns the lines off.

import (
	"fmt"
	"os"
	"sync"
	"time"
)

type gateProgress struct {
	mu     sync.Mutex
	tty    *os.File // nil: no terminal, or progress turned off
	total  int
	judged int
}

func newGateProgress(total int) *gateProgress {
	p := &gateProgress{total: total}
	if os.Getenv("ECSGEN_GATE_PROGRESS") != "0" {
		if f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			p.tty = f
		}
	}
	return p
}

func (p *gateProgress) printf(format string, args ...any) {
	if p.tty == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.tty, format+"\n", args...)
}

// done reports one output judged.
func (p *gateProgress) done(name string, failed bool, took time.Duration) {
	p.mu.Lock()
	p.judged++
	n := p.judged
	p.mu.Unlock()
	verdict := "ok"
	if failed {
		verdict = "FAILED"
	}
	p.printf("artifacts gate: [%d/%d] %s %s (%s)", n, p.total, name, verdict, took.Round(time.Second))
}

// close releases the terminal.
func (p *gateProgress) close() {
	if p.tty != nil {
		p.tty.Close()
	}
}

// outputs counts output directories in words.
func outputs(n int) string {
	if n == 1 {
		return "1 output"
	}
	return fmt.Sprintf("%d outputs", n)
}
