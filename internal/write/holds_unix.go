//go:build unix

package write

import (
	"bytes"
	"io/fs"
	"sync"
	"syscall"
)

// holdsData reports whether the file name holds exactly data. A build without the record (no
// build cache, or files it cannot vouch for) compares every file of the current generation
// this way: 6000 at 1000 services. So it makes the system calls itself, as writeFile does:
// os.ReadFile adds, per file, the poller's registration attempt, an fstat and a buffer of the
// file's size that is garbage a moment later; here a file costs an open, a read or two and a
// close, into a buffer used again.
func holdsData(name string, data []byte) (bool, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return false, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	bp := compareBuffers.Get().(*[]byte)
	defer compareBuffers.Put(bp)
	// One byte more than data: a file that fills it is longer than data.
	if cap(*bp) < len(data)+1 {
		*bp = make([]byte, len(data)+1)
	}
	buf := (*bp)[:len(data)+1]
	n := 0
	for n < len(buf) {
		var k int
		if err := retry(func() (err error) { k, err = syscall.Read(fd, buf[n:]); return err }); err != nil {
			return false, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if k == 0 {
			break // end of file
		}
		n += k
	}
	return n == len(data) && bytes.Equal(buf[:n], data), nil
}

var compareBuffers = sync.Pool{New: func() any { return new([]byte) }}
