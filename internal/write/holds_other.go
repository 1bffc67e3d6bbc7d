//go:build !unix

package write

import (
	"bytes"
	"os"
)

// holdsData reports whether the file name holds exactly data.
func holdsData(name string, data []byte) (bool, error) {
	old, err := os.ReadFile(name)
	if err != nil {
		return false, err
	}
	return bytes.Equal(old, data), nil
}
