// Packs: the entries of one kind that a build used, in one file that the next build reads in
// one go.
//
// A rebuild of 1000 services takes 2000 entries from the cache: opening and reading each one's
// file cost about 70 ms, reading the same bytes from one file about 16 ms. So at the end of a
// build (Pack), the entries of each kind it used — got or put — are copied into a pack,
// DIR/v1/pack/<name>.base, and the next build's first Get of that kind reads the pack whole and
// takes the entries it holds from it; the others are read from their files as before.
//
// A pack changes none of the cache's properties:
//
//   - A pack holds entries exactly as their files do (magic, full key, value, SHA-256), each
//     checked on every Get as one read from its file: a damaged entry is a miss there, and
//     its file is read instead. A pack damaged elsewhere is read up to the damage; one that
//     does not start as a pack is not read at all.
//   - Its name hashes the binary's identity and the kind: another version of ecsgen never
//     reads it (and its keys would not match anyway).
//   - Packs are written to a temporary file and renamed into place: a build sees a whole pack
//     or none. Two builds packing at once leave one's pack or the other's, both whole.
//   - Entries are still written to their own files, and a pack only copies them: deleting a
//     pack, or the whole directory, at any time costs time, never a wrong result.
//   - Trim removes packs unused for five days, as it does entries.
//
// Writing a pack costs a build too, so it is written only when it changes: a build whose
// entries are all in the packs writes nothing, and one with a few new entries (an edited
// service) writes them into a second, small pack beside the first, <name>.delta. The base is
// written again, with the entries used, when the delta grows past a quarter of it or the packs
// hold more than twice the entries the build used. A build that found less than half its
// entries in the cache (a cold one) writes no pack: the next one does. Builds of different
// specs sharing a directory replace each other's packs: a loss of time, not of correctness.

package cache

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// packMagic starts every pack.
var packMagic = []byte("ecsgen-cache-pack\x00")

// minPacked is the fewest entries of a kind a build uses for them to be packed: a few files
// cost less than a pack.
const minPacked = 16

// kindPack is the packs of one kind and what the build did with the kind's entries.
type kindPack struct {
	once  sync.Once
	index map[[32]byte][]byte // sealed entries of the packs read, by full key (the delta's win)
	// What the packs read hold: entries and bytes of the base, the delta's full keys.
	baseEntries, baseBytes int
	deltaKeys              [][32]byte
	modTimes               [2]time.Time // the base's and the delta's, to refresh them as hits refresh entries

	mu      sync.Mutex
	used    map[[32]byte]bool // full keys got or put; true: to be packed from its file
	hits    int               // Gets that hit, from a pack or a file
	fromPak bool              // a Get hit in a pack
}

// kindPack returns the state of kind; nil when the cache is off.
func (c *Cache) kindPack(kind string) *kindPack {
	c.packsMu.Lock()
	defer c.packsMu.Unlock()
	if c.packs == nil {
		c.packs = map[string]*kindPack{}
	}
	k := c.packs[kind]
	if k == nil {
		k = &kindPack{used: map[[32]byte]bool{}}
		c.packs[kind] = k
	}
	return k
}

// packPath is where a kind's pack of the given part ("base", "delta") lives.
func (c *Cache) packPath(kind, part string) string {
	h := sha256.New()
	for _, p := range [][]byte{c.id, []byte(kind)} {
		h.Write(binary.AppendUvarint(nil, uint64(len(p))))
		h.Write(p)
	}
	return filepath.Join(c.dir, "pack", hex.EncodeToString(h.Sum(nil)[:16])+"."+part)
}

// load reads the kind's packs, once.
func (k *kindPack) load(c *Cache, kind string) {
	k.once.Do(func() {
		k.index = map[[32]byte][]byte{}
		k.baseEntries, _, k.baseBytes, k.modTimes[0] = readPackFile(c.packPath(kind, "base"), k.index, nil)
		_, k.deltaKeys, _, k.modTimes[1] = readPackFile(c.packPath(kind, "delta"), k.index, [][32]byte{})
	})
}

// readPackFile reads the pack at p as readPack does, with its size and modification time.
func readPackFile(p string, index map[[32]byte][]byte, keys [][32]byte) (int, [][32]byte, int, time.Time) {
	f, mtime, ok := openRegular(p)
	if !ok {
		return 0, keys, 0, time.Time{}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, keys, 0, time.Time{}
	}
	n, keys := readPack(f, fi.Size(), index, keys)
	return n, keys, int(fi.Size()), mtime
}

// readPack adds the entries of a pack of size bytes to index, and returns their number and
// their full keys appended to keys when it is not nil. It reads up to the first damage in the
// framing (a length is never more than the bytes left); the entries themselves are checked when they are got. Each entry is read into
// a slice of its own, as from its file: one slice of the whole pack (18 MB at 1000 services)
// took fresh memory where entries reuse what the build freed before, and it would be held
// whole as long as any value decoded from it shares its bytes (canon.UnmarshalShared).
func readPack(r io.Reader, size int64, index map[[32]byte][]byte, keys [][32]byte) (int, [][32]byte) {
	br := bufio.NewReaderSize(r, 256<<10)
	head := make([]byte, len(packMagic))
	if _, err := io.ReadFull(br, head); err != nil || !bytes.Equal(head, packMagic) {
		return 0, keys
	}
	n, left := 0, size-int64(len(head))
	for {
		length, err := binary.ReadUvarint(br)
		if err != nil {
			break
		}
		for l := length; ; l >>= 7 { // the bytes of the length
			left--
			if l < 0x80 {
				break
			}
		}
		if length > uint64(left) {
			break
		}
		entry := make([]byte, length)
		if _, err := io.ReadFull(br, entry); err != nil {
			break
		}
		left -= int64(length)
		if len(entry) < len(magic)+32 || !bytes.HasPrefix(entry, magic) {
			continue
		}
		full := [32]byte(entry[len(magic) : len(magic)+32])
		index[full] = entry
		if keys != nil {
			keys = append(keys, full)
		}
		n++
	}
	return n, keys
}

// fromPack returns the value of full from the kind's packs, if they hold it whole; else the
// entry is marked to be packed again from its file.
func (k *kindPack) fromPack(full [32]byte) ([]byte, bool) {
	entry, ok := k.index[full]
	var value []byte
	if ok {
		value, ok = unseal(full, entry)
	}
	k.mu.Lock()
	k.used[full] = !ok
	if ok {
		k.hits++
		k.fromPak = true
	}
	k.mu.Unlock()
	return value[:len(value):len(value)], ok
}

// use records a key got from its file (hit) or put.
func (k *kindPack) use(full [32]byte, hit bool) {
	k.mu.Lock()
	if _, seen := k.used[full]; !seen || hit {
		k.used[full] = true
	}
	if hit {
		k.hits++
	}
	k.mu.Unlock()
}

// Pack writes, for each kind of which the build used enough entries, the packs the next build
// reads them from (see the top of this file). Call it once the build has got and put its
// entries; entries got or put after it are not packed. Failures are ignored.
func (c *Cache) Pack() {
	if c == nil {
		return
	}
	c.packsMu.Lock()
	packs := c.packs
	c.packs = nil // what the build read from the packs goes with the packs' state
	c.packsMu.Unlock()
	for kind, k := range packs {
		k.pack(c, kind)
	}
}

func (k *kindPack) pack(c *Cache, kind string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.used) < minPacked || k.hits*2 < len(k.used) {
		return
	}
	k.load(c, kind) // a kind only put has not read its packs
	for i, part := range []string{"base", "delta"} {
		if t := k.modTimes[i]; k.fromPak && !t.IsZero() && time.Since(t) > refreshAfter {
			now := time.Now()
			os.Chtimes(c.packPath(kind, part), now, now)
		}
	}
	// The entries used that the packs lack (or hold damaged), and those of the delta used.
	var missing, delta [][32]byte
	for full, fromFile := range k.used {
		if _, packed := k.index[full]; fromFile || !packed {
			missing = append(missing, full)
		}
	}
	for _, full := range k.deltaKeys {
		if fromFile, used := k.used[full]; used && !fromFile {
			delta = append(delta, full)
		}
	}
	packed := k.baseEntries + len(k.deltaKeys)
	if len(missing) == 0 && packed <= 2*len(k.used) {
		return // the packs hold every entry used, and not too many others
	}
	entries := map[[32]byte][]byte{}
	size := 0
	for _, full := range missing {
		if data, _, ok := readEntry(c.path(full)); ok {
			if _, ok := unseal(full, data); ok {
				entries[full] = data
				size += len(data)
			}
		}
	}
	if len(entries) == 0 && packed <= 2*len(k.used) {
		return
	}
	for _, full := range delta {
		entries[full] = k.index[full]
		size += len(k.index[full])
	}
	if k.baseEntries > 0 && size <= k.baseBytes/4 && packed+len(missing) <= 2*len(k.used) {
		writeAtomic(c.packPath(kind, "delta"), packOf(entries))
		return
	}
	// A new base of every entry used; the delta goes (a build reading the new base with an
	// old delta finds entries it may not use, each checked all the same).
	for full, fromFile := range k.used {
		if _, ok := entries[full]; !ok && !fromFile {
			entries[full] = k.index[full]
		}
	}
	writeAtomic(c.packPath(kind, "base"), packOf(entries))
	os.Remove(c.packPath(kind, "delta"))
}

// packOf is a pack of the sealed entries, in the order of their full keys (two builds packing
// the same entries write the same bytes).
func packOf(entries map[[32]byte][]byte) []byte {
	keys := make([][32]byte, 0, len(entries))
	size := len(packMagic)
	for full, e := range entries {
		keys = append(keys, full)
		size += binary.MaxVarintLen64 + len(e)
	}
	slices.SortFunc(keys, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	out := make([]byte, 0, size)
	out = append(out, packMagic...)
	for _, full := range keys {
		out = binary.AppendUvarint(out, uint64(len(entries[full])))
		out = append(out, entries[full]...)
	}
	return out
}
