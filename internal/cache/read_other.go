//go:build !linux

package cache

import (
	"io"
	"os"
	"time"
)

// readEntry reads the file at p whole, with its modification time: false when it is missing,
// not a regular file, or cannot be read.
func readEntry(p string) ([]byte, time.Time, bool) {
	f, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, time.Time{}, false
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, time.Time{}, false
	}
	return data, fi.ModTime(), true
}
