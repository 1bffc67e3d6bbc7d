//go:build unix

package write

import (
	"io/fs"
	"syscall"
)

// writeFile creates the file name (it must not exist) with data and the mode perm, whatever the
// umask. A build creates thousands of files (60 000 at 10 000 services), so it makes the system
// calls itself: os.OpenFile would add, per file, the poller's registration attempt and its fcntl,
// and os.Chmod another path lookup — a third of the time a file takes to create.
func writeFile(name string, data []byte, perm fs.FileMode) error {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm.Perm()))
		return err
	})
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	for len(data) > 0 && err == nil {
		var n int
		if err = retry(func() (err error) { n, err = syscall.Write(fd, data); return err }); err == nil {
			if n == 0 {
				err = syscall.EIO // a write that makes no progress: never loop
			}
			data = data[n:]
		}
	}
	if err == nil {
		// The umask does not decide whether a script is executable.
		err = retry(func() error { return syscall.Fchmod(fd, uint32(perm.Perm())) })
	}
	if cerr := syscall.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}

// retry runs a system call again while a signal interrupts it.
func retry(call func() error) error {
	for {
		if err := call(); err != syscall.EINTR {
			return err
		}
	}
}
