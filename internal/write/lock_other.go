//go:build !unix

package write

import (
	"errors"
	"os"
)

// dirLock: this platform has no flock on directories; builds are not serialised (the README says
// so), each still publishes a whole generation.
type dirLock struct{}

func (*dirLock) release() {}

func lockDir(dir string, exclusive, create bool, notify func(string)) (*dirLock, bool, bool, error) {
	created := false
	if create {
		if err := os.Mkdir(dir, 0o755); err == nil {
			created = true
		} else if !errors.Is(err, os.ErrExist) {
			return nil, false, false, err
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, created, false, err
	}
	if !fi.IsDir() {
		return nil, created, false, errNotDir
	}
	return &dirLock{}, created, true, nil
}

func tryLockDir(dir string) (*dirLock, bool, error) { return &dirLock{}, true, nil }

func writable(dir string) error { return nil }
