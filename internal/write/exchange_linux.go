package write

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// exchange swaps the directories at a and b in one step (renameat2 RENAME_EXCHANGE): at every
// instant each path names a whole directory. swapped is false when the file system cannot
// exchange (then nothing happened and the caller falls back to two renames).
func exchange(a, b string) (swapped bool, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
		return false, nil
	}
	if err != nil {
		return false, &os.LinkError{Op: "exchange", Old: a, New: b, Err: err}
	}
	return true, nil
}

// syncFS flushes the file system holding f to stable storage (syncfs(2)): the staged files
// reach the disk before the exchange makes them the output, so a power cut cannot publish
// empty files either.
func syncFS(f *os.File) error { return unix.Syncfs(int(f.Fd())) }
