package cache

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// A FIFO where an entry goes is a miss, not a wait for a writer.
func TestFIFOMisses(t *testing.T) {
	c := OpenAs(t.TempDir(), []byte("one"))
	c.Put("k", []byte("b"), []byte("x")) // makes the directory
	full, _ := c.fullKey("k", []byte("a"))
	os.MkdirAll(c.dir+"/"+fmt.Sprintf("%x", full[:1]), 0o755)
	if err := syscall.Mkfifo(c.path(full), 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan bool)
	go func() {
		_, ok := c.Get("k", []byte("a"))
		done <- ok
	}()
	select {
	case ok := <-done:
		if ok {
			t.Error("a FIFO hit")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get waits on a FIFO")
	}
}

// A FIFO where a pack goes is no pack, not a wait for a writer.
func TestFIFOPackIgnored(t *testing.T) {
	c := OpenAs(t.TempDir(), []byte("one"))
	c.Put("k", []byte("a"), []byte("x"))
	os.MkdirAll(c.dir+"/pack", 0o755)
	if err := syscall.Mkfifo(c.packPath("k", "base"), 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan bool)
	go func() {
		v, ok := c.Get("k", []byte("a"))
		done <- ok && string(v) == "x"
	}()
	select {
	case ok := <-done:
		if !ok {
			t.Error("the entry's file did not answer")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get waits on a FIFO")
	}
}

// BenchmarkGet reads 2000 entries of 20 KB, as a rebuild of 1000 services does (a model and
// the generated files of each).
func BenchmarkGet(b *testing.B) {
	c := OpenAs(b.TempDir(), []byte("one"))
	var keys [][]byte
	val := make([]byte, 20000)
	for i := range 2000 {
		k := fmt.Appendf(nil, "key%d", i)
		c.Put("k", k, val)
		keys = append(keys, k)
	}
	for b.Loop() {
		for _, k := range keys {
			if _, ok := c.Get("k", k); !ok {
				b.Fatal("miss")
			}
		}
	}
}
