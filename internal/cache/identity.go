package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// binaryIdentity is the SHA-256 of the running executable: every input of a result that is
// not in its key — the code of ecsgen, its embedded schema, the Go release that built it — is
// in these bytes. Hashing a binary of 30–40 MB costs 30–60 ms, so the hash is remembered in
// dir, under a name made of the executable's path, size, and modification time (in nanoseconds):
// a new build of ecsgen is a new name. Nil when the executable cannot be read (the cache is then off).
func binaryIdentity(dir string) []byte {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return nil
	}
	stamp := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", exe, fi.Size(), fi.ModTime().UnixNano()))
	memo := filepath.Join(dir, "exe", hex.EncodeToString(stamp[:16]))
	if b, err := os.ReadFile(memo); err == nil {
		if id, err := hex.DecodeString(string(b)); err == nil && len(id) == sha256.Size {
			return id
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return nil
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil
	}
	id := h.Sum(nil)
	writeAtomic(memo, []byte(hex.EncodeToString(id)))
	return id
}

// OpenAs is Open for a binary of the given identity instead of the running one: for tests of
// entries written by another version of ecsgen.
func OpenAs(dir string, identity []byte) *Cache {
	c := Open(dir)
	if c != nil {
		c.idOnce.Do(func() { c.id = identity })
	}
	return c
}
