package write

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// exchange swaps the directories at a and b in one step (renamex_np RENAME_SWAP, APFS and HFS+).
// swapped is false when the file system cannot swap.
func exchange(a, b string) (swapped bool, err error) {
	err = unix.RenamexNp(a, b, unix.RENAME_SWAP)
	if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EINVAL) {
		return false, nil
	}
	if err != nil {
		return false, &os.LinkError{Op: "exchange", Old: a, New: b, Err: err}
	}
	return true, nil
}

// syncFS: macOS has no syncfs; fsync of the directory is the closest the platform offers.
func syncFS(f *os.File) error { return f.Sync() }
