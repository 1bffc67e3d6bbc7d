package cache

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// readEntry reads the file at p whole, with its modification time: false when it is missing,
// not a regular file, or cannot be read. A rebuild of a large spec reads thousands of entries,
// so this takes four system calls (open, fstat, read, close): os.Open would also register the
// file with the runtime's poller, which Linux refuses for regular files (epoll_ctl, and four
// fcntl around it), and give it a finalizer. O_NONBLOCK: a FIFO at p is not waited on (then a
// miss); it changes nothing for a regular file.
func readEntry(p string) ([]byte, time.Time, bool) {
	fd, ok := openNonblock(p)
	if !ok {
		return nil, time.Time{}, false
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, time.Time{}, false
	}
	data := make([]byte, st.Size)
	for n := 0; n < len(data); {
		m, err := syscall.Read(fd, data[n:])
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil || m <= 0:
			return nil, time.Time{}, false // an error, or shorter than it was
		}
		n += m
	}
	return data, time.Unix(st.Mtim.Unix()), true
}

// openRegular opens the regular file at p for reading, with its modification time (as
// readEntry: a FIFO is not waited on).
func openRegular(p string) (*os.File, time.Time, bool) {
	fd, ok := openNonblock(p)
	if !ok {
		return nil, time.Time{}, false
	}
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, time.Time{}, false
	}
	return os.NewFile(uintptr(fd), p), time.Unix(st.Mtim.Unix()), true
}

// openNonblock opens p read-only with O_NONBLOCK (a FIFO is not waited on), retrying on EINTR.
func openNonblock(p string) (int, bool) {
	for {
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if !errors.Is(err, syscall.EINTR) {
			return fd, err == nil
		}
	}
}
