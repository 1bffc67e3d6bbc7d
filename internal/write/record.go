package write

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// # What a build remembers of the generation it published
//
// Comparing the new files with the current generation would read every file of it (6011 for a
// 1000-service spec) though a rebuild after one edit changes a few. So a build keeps a record
// of the generation it publishes: for each generated file, the SHA-256 of its content and what
// lstat(2) said of it once it was in place — device, inode, size, modification and change time.
// The next build reads a file only when the record cannot vouch for it: no record, no entry, or
// any of these five differs. Any write into a file changes its modification and change time;
// replacing it (an editor, `git checkout`, `cp`, `tar x`, `rsync`) gives it another inode or, when the
// number is reused, another change time; restoring a modification time (`touch -r`, `cp -p`)
// changes the change time, which no one can set. A file whose modification time is not two
// seconds older than the build that records it is not vouched for either (the clock's tick:
// an edit just after the record could keep every field), so the files a build writes are read
// once more by the next one. The one edit a record cannot see is one that puts the
// modification time back (same size, same inode) while a build runs, between its comparison and
// its record: like any edit made during a build, it is not supported.
//
// The record is no file of the output: it lives in the build cache (Options.Records), under the
// environment directory's absolute path, so nothing new appears where users commit their
// output. Deleting it, or a cache of another ecsgen version, only makes the next build read
// every file, as it does without a cache.
//
// # What publishing a generation costs, and why it stays
//
// With the record, comparing costs an lstat per file and a SHA-256 of the new bytes, both
// taken on the goroutine that generated the file (Build.Add), in parallel. Publishing a
// generation in which a few files changed still costs, per unchanged file:
//
//   - a hard link into the staging directory. The swap needs a whole directory; a directory
//     cannot be linked into two parents, and moving an unchanged sub-directory out of the
//     current generation would change it before the swap, where a reader sees it.
//   - an unlink when the replaced generation is removed. Keeping it as a spare for the next
//     build to patch would leave a copy of the output beside DIR/<env>, where users commit.
//   - an lstat for the new record: the link and the unlink changed the file's change time, and
//     the record must hold the one a later edit will be compared with.
//
// What is skipped: a build that changes nothing stages and swaps nothing and rewrites the record
// only if it learnt something; unchanged files are linked, never read, copied or flushed.

// Records stores records of published generations between builds (internal/cache's Cache is
// one). Get gives back exactly what Put stored under the same kind and key, or false.
type Records interface {
	Get(kind string, key []byte) ([]byte, bool)
	Put(kind string, key, value []byte)
}

const recordKind = "write-generation-record"

// racyAfter: a file modified less than this before the build started is not vouched for.
const racyAfter = 2 * time.Second

// fileStat is what the record compares of a file: zero when unknown (never equal to a real one).
type fileStat struct {
	dev, ino       uint64
	size           int64
	mtime, ctimeNs int64
}

type recordEntry struct {
	stat fileStat
	sum  [sha256.Size]byte
}

// record of one environment's directory: generated file (relative path) -> entry.
type record map[string]recordEntry

func recordKey(target string) []byte {
	abs, err := filepath.Abs(target)
	if err != nil {
		abs = target
	}
	return []byte(abs)
}

// loadRecord is the record of the generation at target, or nil.
func loadRecord(rs Records, target string) record {
	if rs == nil {
		return nil
	}
	b, ok := rs.Get(recordKind, recordKey(target))
	if !ok {
		return nil
	}
	r, ok := decodeRecord(b)
	if !ok {
		return nil
	}
	return r
}

// has says whether the record has an entry for rel that knows its stat, without which it
// cannot vouch for the file (knows).
func (r record) has(rel string) bool {
	e, ok := r[rel]
	return ok && e.stat != (fileStat{})
}

// knows says whether the record knows what the file whose lstat is info holds, and if so
// whether that is the size bytes whose SHA-256 sum gives.
func (r record) knows(rel string, info fs.FileInfo, size int64, sum func() [sha256.Size]byte) (known, same bool) {
	e, ok := r[rel]
	if !ok || e.stat == (fileStat{}) {
		return false, false
	}
	st, ok := statOf(info)
	if !ok || st != e.stat {
		return false, false
	}
	return true, size == e.stat.size && sum() == e.sum
}

// statOf is the part of info a record compares; false where the platform does not say.
func statOf(info fs.FileInfo) (fileStat, bool) {
	if info == nil || !info.Mode().IsRegular() {
		return fileStat{}, false
	}
	dev, ino, ctime, ok := fileID(info)
	if !ok {
		return fileStat{}, false
	}
	return fileStat{dev: dev, ino: ino, size: info.Size(), mtime: info.ModTime().UnixNano(), ctimeNs: ctime}, true
}

// newRecord is the record of the generation now at target, whose generated files are files
// (their sizes and SHA-256 sums). info gives a file's lstat, nil to take it now. Files
// modified after notBefore are left without a stat: the next build reads them.
func newRecord(target string, files map[string]fileMeta, info map[string]fs.FileInfo, notBefore time.Time) record {
	rels := make([]string, 0, len(files))
	for rel, m := range files {
		if m.summed { // otherwise not known: the next build reads the file
			rels = append(rels, rel)
		}
	}
	// The lstats of a published generation (thousands of files) are taken on every core.
	entries := make([]recordEntry, len(rels))
	ok := make([]bool, len(rels))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(rels)/256)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(rels); i = int(next.Add(1)) - 1 {
				rel, m := rels[i], files[rels[i]]
				fi := info[rel]
				if fi == nil {
					var err error
					if fi, err = os.Lstat(filepath.Join(target, filepath.FromSlash(rel))); err != nil {
						continue
					}
				}
				st, known := statOf(fi)
				if !known || st.size != m.size || !fi.ModTime().Before(notBefore) {
					st = fileStat{}
				}
				entries[i], ok[i] = recordEntry{stat: st, sum: m.sum}, true
			}
		})
	}
	wg.Wait()
	r := make(record, len(rels))
	for i, rel := range rels {
		if ok[i] {
			r[rel] = entries[i]
		}
	}
	return r
}

func (r record) encode() []byte {
	var b []byte
	for _, rel := range slices.Sorted(maps.Keys(r)) {
		e := r[rel]
		b = binary.AppendUvarint(b, uint64(len(rel)))
		b = append(b, rel...)
		for _, v := range []uint64{e.stat.dev, e.stat.ino, uint64(e.stat.size), uint64(e.stat.mtime), uint64(e.stat.ctimeNs)} {
			b = binary.AppendUvarint(b, v)
		}
		b = append(b, e.sum[:]...)
	}
	return b
}

func decodeRecord(b []byte) (record, bool) {
	r := record{}
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, false
		}
		rel := string(b[k : k+int(n)])
		b = b[k+int(n):]
		var v [5]uint64
		for i := range v {
			if v[i], k = binary.Uvarint(b); k <= 0 {
				return nil, false
			}
			b = b[k:]
		}
		if len(b) < sha256.Size {
			return nil, false
		}
		e := recordEntry{stat: fileStat{dev: v[0], ino: v[1], size: int64(v[2]), mtime: int64(v[3]), ctimeNs: int64(v[4])}}
		copy(e.sum[:], b)
		b = b[sha256.Size:]
		r[rel] = e
	}
	return r, true
}

// saveRecord stores r as the record of target, unless it is the one stored (old).
func saveRecord(rs Records, target string, r, old record) {
	if rs == nil {
		return
	}
	b := r.encode()
	if old != nil && bytes.Equal(b, old.encode()) {
		return
	}
	rs.Put(recordKind, recordKey(target), b)
}

// Unchanged returns what `ecsgen plan` may ask before a build writes into dir: whether the
// current output has exactly data at file ("<env>/…"), as the record of the generation there
// vouches without reading the file. False means "not known", never "different". The function
// may be called from several goroutines at once (the generators' own, through a sink).
func (o Options) Unchanged(dir string) func(file string, data []byte) bool {
	if o.Records == nil {
		return func(string, []byte) bool { return false }
	}
	var mu sync.Mutex // over records; a record, once loaded, is only read
	records := map[string]record{}
	return func(file string, data []byte) bool {
		env, rel, ok := cutEnv(file)
		if !ok {
			return false
		}
		mu.Lock()
		r, loaded := records[env]
		if !loaded {
			target := filepath.Join(dir, env)
			if fi, err := os.Lstat(target); err == nil && fi.Mode()&fs.ModeSymlink != 0 { // as publish names it
				if resolved, err := filepath.EvalSymlinks(target); err == nil {
					target = resolved
				}
			}
			r = loadRecord(o.Records, target)
			records[env] = r
		}
		mu.Unlock()
		if r == nil {
			return false
		}
		info, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			return false
		}
		known, same := r.knows(rel, info, int64(len(data)), func() [sha256.Size]byte { return sha256.Sum256(data) })
		return known && same
	}
}
