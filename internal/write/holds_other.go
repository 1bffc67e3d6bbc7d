//go:build !linux && !darwin

package write

import (
	"bytes"
	"io"
	"os"
)

// holdsData says what the file name holds compared with data.
func holdsData(name string, data []byte) (holding, error) {
	f, err := os.Open(name)
	if err != nil {
		return holding{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return holding{}, err
	}
	if !info.Mode().IsRegular() || info.Size() != int64(len(data)) {
		return holding{info: info}, nil
	}
	old, err := io.ReadAll(f)
	if err != nil {
		return holding{}, err
	}
	return holding{same: bytes.Equal(old, data), info: info, read: true}, nil
}
