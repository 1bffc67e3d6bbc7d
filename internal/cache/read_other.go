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

// openRegular opens the regular file at p for reading, with its modification time.
func openRegular(p string) (*os.File, time.Time, bool) {
	f, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}, false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, time.Time{}, false
	}
	return f, fi.ModTime(), true
}
