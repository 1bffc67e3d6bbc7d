//go:build unix

package write

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// dirLock is an flock(2) on a directory. The kernel releases it when the process dies, however
// it dies, so no stale lock survives a kill; nothing is written to disk for it.
type dirLock struct{ f *os.File }

func (l *dirLock) release() {
	if l != nil && l.f != nil {
		l.f.Close() // closing the only descriptor releases the flock
	}
}

// lockDir locks the directory at dir, shared (readers) or exclusive (a build), waiting for the
// holder of a conflicting lock and telling notify once that it waits. The directory at dir may
// be exchanged for a new one while it waits (that is how a build publishes): the lock is only
// held once it is on the directory that is at dir after the wait. With create, a missing
// directory is created (mode 0755 less the umask); created reports whether this call made it.
//
// Where the file system has no flock on directories (NFS), the lock is not held and unlocked is
// true: the caller goes on without it.
func lockDir(dir string, exclusive, create bool, notify func(string)) (l *dirLock, created, unlocked bool, err error) {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	told := false
	for {
		if create {
			if err := os.Mkdir(dir, 0o755); err == nil {
				created = true
			} else if !errors.Is(err, os.ErrExist) {
				return nil, created, false, err
			}
		}
		f, err := os.Open(dir)
		if err != nil {
			return nil, created, false, err
		}
		if fi, err := f.Stat(); err != nil || !fi.IsDir() {
			f.Close()
			if err == nil {
				err = errNotDir
			}
			return nil, created, false, err
		}
		err = flock(f, how|unix.LOCK_NB)
		if errors.Is(err, unix.EWOULDBLOCK) {
			if notify != nil && !told {
				notify(waitMessage(dir, f, exclusive))
				told = true
			}
			err = flock(f, how)
		}
		switch {
		case err == nil:
		case errors.Is(err, unix.ENOLCK), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOTSUP),
			errors.Is(err, unix.EBADF), errors.Is(err, unix.EINVAL):
			return &dirLock{f}, created, true, nil
		default:
			f.Close()
			return nil, created, false, err
		}
		same, err := isAt(f, dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			f.Close()
			return nil, created, false, err
		}
		if same {
			return &dirLock{f}, created, false, nil
		}
		f.Close() // the directory was replaced (or removed) while we waited: lock the new one
		if err != nil && !create {
			return nil, created, false, err
		}
	}
}

// tryLockDir takes an exclusive lock without waiting; ok is false when another process holds
// one (a staging directory still in use).
func tryLockDir(dir string) (l *dirLock, ok bool, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false, err
	}
	err = flock(f, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		f.Close()
		return nil, false, nil
	}
	// Taken, or no flock on this file system: then nobody can tell, and the directory counts as
	// free (the caller holds the environment's lock, or has been told it could not).
	return &dirLock{f}, true, nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// isAt reports whether the open directory f is the one now at path dir.
func isAt(f *os.File, dir string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(dir)
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// waitMessage says whom a lock waits for: the process holding the lock, as /proc/locks (Linux)
// tells, and whether it builds (exclusive) or reads (`ecsgen check`, shared).
func waitMessage(dir string, f *os.File, exclusive bool) string {
	pid, writer := holder(f)
	who := ""
	if pid > 0 {
		who = fmt.Sprintf(" (pid %d)", pid)
	}
	switch {
	case !exclusive:
		return fmt.Sprintf("waiting for an ecsgen build of %s%s to finish…", dir, who)
	case pid > 0 && !writer:
		return fmt.Sprintf("waiting for an ecsgen check of %s%s to finish…", dir, who)
	default:
		return fmt.Sprintf("waiting for another ecsgen build of %s%s…", dir, who)
	}
}

// holder finds, in /proc/locks, a process holding an flock on f's inode; 0 when unknown.
func holder(f *os.File) (pid int, writer bool) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0, false
	}
	id := fmt.Sprintf("%02x:%02x:%d", unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), st.Ino)
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0, false
	}
	defer locks.Close()
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"; waiters have "->" after the number.
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != id {
			continue
		}
		if n, err := strconv.Atoi(fields[4]); err == nil && n > 0 {
			return n, fields[3] == "WRITE"
		}
	}
	return 0, false
}

// writable reports an error when the process may not write into dir.
func writable(dir string) error { return unix.Access(dir, unix.W_OK) }
