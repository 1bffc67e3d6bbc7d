//go:build !unix

package write

import (
	"io/fs"
	"os"
)

// writeFile creates the file name (it must not exist) with data and the mode perm.
func writeFile(name string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Chmod(name, perm)
}
