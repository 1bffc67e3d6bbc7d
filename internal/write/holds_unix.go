//go:build linux || darwin

package write

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// holdsData says what the file name holds compared with data. A build without the record (no
// build cache, or files it cannot vouch for) compares every file of the current generation
// this way: 6000 at 1000 services. So it makes the system calls itself, as writeFile does, on
// one path lookup: an open, an fstat (the stat the build keeps, instead of an lstat of the
// path before), and, when the sizes agree, one read into a buffer used again and a close.
// os.ReadFile would add, per file, the poller's registration attempt and a buffer of the
// file's size that is garbage a moment later, and an lstat beside it a second path lookup.
func holdsData(name string, data []byte) (holding, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		return err
	})
	if err != nil {
		return holding{}, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := retry(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		return holding{}, &fs.PathError{Op: "fstat", Path: name, Err: err}
	}
	info := &statInfo{name: filepath.Base(name), st: st}
	if !info.Mode().IsRegular() || st.Size != int64(len(data)) {
		return holding{info: info}, nil // another size is another content: nothing to read
	}
	bp := compareBuffers.Get().(*[]byte)
	defer compareBuffers.Put(bp)
	// One byte more than data: a file that fills it grew since the fstat, and differs.
	if cap(*bp) < len(data)+1 {
		*bp = make([]byte, len(data)+1)
	}
	buf := (*bp)[:len(data)+1]
	n := 0
	for n < len(buf) {
		var k int
		if err := retry(func() (err error) { k, err = syscall.Read(fd, buf[n:]); return err }); err != nil {
			return holding{}, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if k == 0 {
			break // end of file
		}
		n += k
		if n == len(data) {
			// As long as the fstat said: a regular file reads to its end in one call, so the
			// read that would return 0 is not made. A file that grew in between differs from
			// its stat, which the record keeps, so the next build reads it again anyway.
			break
		}
	}
	return holding{same: n == len(data) && bytes.Equal(buf[:n], data), info: info, read: true}, nil
}

var compareBuffers = sync.Pool{New: func() any { return new([]byte) }}

// statInfo is the fs.FileInfo of an fstat, as os.Lstat gives it for a regular file.
type statInfo struct {
	name string
	st   syscall.Stat_t
}

func (s *statInfo) Name() string       { return s.name }
func (s *statInfo) Size() int64        { return s.st.Size }
func (s *statInfo) ModTime() time.Time { return mtimeOf(&s.st) } // fileid_*.go
func (s *statInfo) IsDir() bool        { return s.Mode().IsDir() }
func (s *statInfo) Sys() any           { return &s.st }

// Mode is os's conversion of st_mode.
func (s *statInfo) Mode() fs.FileMode {
	m := fs.FileMode(s.st.Mode & 0o777)
	switch s.st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	}
	if s.st.Mode&syscall.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if s.st.Mode&syscall.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if s.st.Mode&syscall.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

var _ fs.FileInfo = (*statInfo)(nil)
