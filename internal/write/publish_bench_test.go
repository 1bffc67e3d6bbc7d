package write

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkPublishOneEdit publishes a generation of 6000 files (the size of a 1000-service
// spec's output) in which one file changed, with the record of the previous generation, and
// reports where the time goes: comparing (the walk, and reading what the record does not
// vouch for), staging (a hard link per unchanged file), the swap, removing the replaced
// generation (an unlink per file), and taking the new record (an lstat per file).
func BenchmarkPublishOneEdit(b *testing.B) {
	out := b.TempDir()
	files := map[string][]byte{}
	for i := range 6000 {
		files[fmt.Sprintf("dev/%s/f%04d.json", []string{"stacks", "taskdefs", "policies"}[i%3], i)] = []byte(strings.Repeat(fmt.Sprintf("%d,", i), 500))
	}
	o := Options{Records: &memRecords{}}
	for range 2 { // the first build, then one that records every file's lstat
		if _, err := o.Dir(out, files); err != nil {
			b.Fatal(err)
		}
		backdate(b, out, time.Now().Add(-time.Hour))
	}
	if _, err := o.Dir(out, files); err != nil {
		b.Fatal(err)
	}
	var phases [5]time.Duration
	var last time.Time
	at := map[string]int{"staging": 0, "staged": 1, "exchanged": 2, "removed": 3}
	hook = func(step string) error {
		if i, ok := at[step]; ok {
			now := time.Now()
			phases[i] += now.Sub(last)
			last = now
		}
		return nil
	}
	defer func() { hook = nil }()
	n := 0
	for b.Loop() {
		n++
		files["dev/stacks/f0000.json"] = fmt.Appendf(nil, "edit %d", n)
		last = time.Now()
		if _, err := o.Dir(out, files); err != nil {
			b.Fatal(err)
		}
		phases[4] += time.Since(last)
	}
	for i, name := range []string{"compare", "stage", "swap", "remove", "record"} {
		b.ReportMetric(float64(phases[i].Microseconds())/1000/float64(n), name+"-ms")
	}
}
