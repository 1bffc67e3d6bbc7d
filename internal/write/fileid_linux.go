package write

import (
	"io/fs"
	"syscall"
	"time"
)

// fileID is a file's device, inode and change time (ns) from its lstat.
func fileID(info fs.FileInfo) (dev, ino uint64, ctime int64, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, false
	}
	return uint64(st.Dev), st.Ino, st.Ctim.Nano(), true
}

// mtimeOf is a stat's modification time, as os gives it.
func mtimeOf(st *syscall.Stat_t) time.Time { return time.Unix(st.Mtim.Unix()) }
