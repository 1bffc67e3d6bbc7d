// Package cache is ecsgen's build cache: results of one service's part of a build (its
// validated model, its generated files), stored in a directory by a key that hashes every
// input of that result. A rebuild of a large spec in which one service changed takes the
// others from the cache.
//
// The cache can never change the output:
//
//   - The key of an entry is the SHA-256 of the kind of result, the identity of the ecsgen
//     binary (the SHA-256 of its executable: any change to ecsgen, its schema or its Go
//     version is another binary) and the caller's key, which hashes everything the result
//     depends on. An entry of another version is never looked up.
//   - An entry holds its key and a SHA-256 of its key and its value: a truncated, corrupt or
//     misplaced entry (one key's file under another's name) is a miss, never an error.
//   - Entries are written to a temporary file and renamed into place, so concurrent builds
//     sharing a directory see a whole entry or none; two builds writing the same key write the
//     same bytes.
//   - Any failure to read or write the cache is a miss: the build computes the result.
//
// What it cannot detect is an entry forged on purpose, with a valid checksum over a wrong
// value: like Go's build cache, the directory must be writable only by its user.
//
// A build reads most entries from packs: one file per kind of the entries the build before
// used, written at its end (Pack; pack.go), each entry in it as its file holds it and checked
// the same way.
//
// The directory is safe to delete at any time. It is pruned as Go prunes its build cache: a
// hit refreshes an entry's modification time (at most once an hour), and at most once a day
// a build removes the entries unused for five days (Trim).
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EnvVar names the cache directory, or turns the cache off with "off".
const EnvVar = "ECSGEN_CACHE_DIR"

// Off is the directory name that turns the cache off.
const Off = "off"

// layout is the version of the directory's layout: entries live under DIR/v1/.
const layout = "v1"

// magic starts every entry.
var magic = []byte("ecsgen-cache-entry\x00")

// Cache is a cache directory. A nil *Cache is a cache that is off: it never hits and stores
// nothing.
type Cache struct {
	dir string // DIR/v1

	idOnce sync.Once
	id     []byte // identity of the running binary; nil: unknown, the cache is off

	packsMu sync.Mutex
	packs   map[string]*kindPack // by kind: its packs and the entries the build used (pack.go)
}

// Dir is the cache directory a build uses: flag (from --cache-dir) when set, else
// $ECSGEN_CACHE_DIR, else os.UserCacheDir()/ecsgen. Empty: the cache is off (set to "off", or
// the user has no cache directory).
func Dir(flag string) string {
	d := flag
	if d == "" {
		d = os.Getenv(EnvVar)
	}
	if d == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		d = filepath.Join(base, "ecsgen")
	}
	if d == Off {
		return ""
	}
	return d
}

// Open returns the cache in dir; "" gives nil, the cache that is off. The directory is
// created when the first entry is written.
func Open(dir string) *Cache {
	if dir == "" {
		return nil
	}
	return &Cache{dir: filepath.Join(dir, layout)}
}

// path is where the entry of a full key lives: DIR/v1/ab/abcdef….
func (c *Cache) path(full [32]byte) string {
	h := hex.EncodeToString(full[:])
	return filepath.Join(c.dir, h[:2], h)
}

// fullKey binds the caller's key to the kind of result and the binary.
func (c *Cache) fullKey(kind string, key []byte) ([32]byte, bool) {
	c.idOnce.Do(func() { c.id = binaryIdentity(c.dir) })
	if c.id == nil {
		return [32]byte{}, false
	}
	h := sha256.New()
	for _, part := range [][]byte{c.id, []byte(kind), key} {
		h.Write(binary.AppendUvarint(nil, uint64(len(part))))
		h.Write(part)
	}
	var full [32]byte
	h.Sum(full[:0])
	return full, true
}

// Get returns the value stored under kind and key, or false: no entry, an entry that does not
// check out, or a cache that is off.
func (c *Cache) Get(kind string, key []byte) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	full, ok := c.fullKey(kind, key)
	if !ok {
		return nil, false
	}
	k := c.kindPack(kind)
	k.load(c, kind)
	if value, ok := k.fromPack(full); ok {
		return value, true
	}
	p := c.path(full)
	data, mtime, ok := readEntry(p)
	if !ok {
		return nil, false
	}
	value, ok := unseal(full, data)
	if !ok {
		return nil, false
	}
	if time.Since(mtime) > refreshAfter {
		now := time.Now()
		os.Chtimes(p, now, now)
	}
	k.use(full, true)
	return value[:len(value):len(value)], true
}

// Put stores value under kind and key; failures are ignored (the next build misses).
func (c *Cache) Put(kind string, key, value []byte) {
	if c == nil {
		return
	}
	full, ok := c.fullKey(kind, key)
	if !ok {
		return
	}
	writeAtomic(c.path(full), seal(full, value))
	c.kindPack(kind).use(full, false)
}

// seal is an entry: magic, the full key, the value's length, the value, and the SHA-256 of
// everything before it.
func seal(full [32]byte, value []byte) []byte {
	b := make([]byte, 0, len(magic)+32+binary.MaxVarintLen64+len(value)+32)
	b = append(b, magic...)
	b = append(b, full[:]...)
	b = binary.AppendUvarint(b, uint64(len(value)))
	b = append(b, value...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// unseal checks an entry and returns its value.
func unseal(full [32]byte, data []byte) ([]byte, bool) {
	if len(data) < len(magic)+32+1+32 {
		return nil, false
	}
	body, sum := data[:len(data)-32], data[len(data)-32:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, false
	}
	rest, ok := bytes.CutPrefix(body, magic)
	if !ok || !bytes.Equal(rest[:32], full[:]) {
		return nil, false
	}
	rest = rest[32:]
	n, size := binary.Uvarint(rest)
	if size <= 0 || uint64(len(rest)-size) != n {
		return nil, false
	}
	return rest[size:], true
}

// writeAtomic writes data to a temporary file beside p and renames it to p.
func writeAtomic(p string, data []byte) {
	dir := filepath.Dir(p)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if errors.Is(err, fs.ErrNotExist) {
		if os.MkdirAll(dir, 0o755) != nil {
			return
		}
		f, err = os.CreateTemp(dir, ".tmp-*")
	}
	if err != nil {
		return
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), p) != nil {
		os.Remove(f.Name())
	}
}

// refreshAfter is how old an entry's modification time gets before a hit refreshes it.
const refreshAfter = time.Hour

// Pruning, as Go's build cache does it.
const (
	trimEvery  = 24 * time.Hour     // at most one Trim a day
	trimUnused = 5 * 24 * time.Hour // entries unused this long are removed
)

// Trim removes the entries not used for five days, at most once a day (DIR/v1/trim.txt holds
// the time of the last one), and temporary files left by a build that was killed.
func (c *Cache) Trim() {
	if c == nil {
		return
	}
	marker := filepath.Join(c.dir, "trim.txt")
	now := time.Now()
	if b, err := os.ReadFile(marker); err == nil {
		if t, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && now.Sub(time.Unix(t, 0)) < trimEvery {
			return
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return
	}
	if _, err := os.Stat(c.dir); err != nil {
		return
	}
	writeAtomic(marker, []byte(strconv.FormatInt(now.Unix(), 10)+"\n"))
	c.trim(now.Add(-trimUnused))
}

// trim removes the entries (and temporary files) last modified before cutoff.
func (c *Cache) trim(cutoff time.Time) {
	subdirs, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	for _, sd := range subdirs {
		if !sd.IsDir() || (len(sd.Name()) != 2 && sd.Name() != "exe" && sd.Name() != "pack") {
			continue
		}
		sub := filepath.Join(c.dir, sd.Name())
		entries, err := os.ReadDir(sub)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
				os.Remove(filepath.Join(sub, e.Name()))
			}
		}
	}
}
