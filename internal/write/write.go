// Package write publishes generated files: each environment's directory, DIR/<env>/, changes
// from one whole generation of the output to the next, never file by file.
//
// # What a reader sees
//
// deploy.sh, `ecsgen check`, `git add`, a CI artifact upload or a `cp -r` read an environment's
// directory as a whole, so a build never changes DIR/<env> in place. It builds the new
// generation in a staging directory beside it, DIR/.ecsgen-stage.<env>.N (the same file system,
// so no byte is copied across devices), and then swaps the two directories in one system call:
// renameat2(RENAME_EXCHANGE) on Linux, renamex_np(RENAME_SWAP) on macOS. Before the swap the
// path DIR/<env> names the old generation, untouched; after it, the new one, complete. There is
// no instant in between, so a build killed at any point (SIGKILL from a CI timeout, a closed
// terminal, the OOM killer) leaves the whole old or the whole new output (the old output of a
// first build is an empty directory), and at most a staging directory beside it, which the next
// build removes. Before the swap the new files are flushed
// to disk (each by itself when there are few, syncfs on Linux when there are many), so a power
// cut cannot publish empty files either.
//
// The alternative, a generation number in the manifest that deploy.sh and `ecsgen check` verify
// before they use a directory, holds only for the readers that verify: `git add`, an editor, an
// artifact upload or a copy would take a mix of two builds without a word, and the mix would
// stay on disk until the next build. The swap holds for every reader, because no reader can ever
// see a mixed directory.
//
// # What a build keeps
//
// A file whose content is unchanged keeps its inode and so its modification time: the staging
// directory gets a hard link to it, not a copy (on a file system without hard links, a copy with
// the same mode and modification time). Make-style tools and `git status` stay quiet; the link
// count changes the file's ctime, which git treats as a cache hint: it reads the file once more,
// finds the same content, and shows nothing. A build that changes nothing does not swap at all:
// the directory is left exactly as it was.
//
// To compare, a build reads a file of the current generation only when the record of the
// generation it last published (kept in the build cache, Options.Records; see record.go)
// cannot vouch for it: a rebuild of 6011 files after one edit reads a handful. Publishing
// still costs a hard link per unchanged file, an unlink when the replaced generation is
// removed, and an lstat for the new record: a whole new directory is what lets the swap hold
// for every reader, so none of the three is skipped (see record.go for what each buys).
//
// Each environment's directory keeps a manifest, ManifestName, of the files ecsgen wrote there.
// A file ecsgen no longer generates is left out of the new generation only when the manifest
// says ecsgen wrote it. Anything else in the directory is the user's: it is carried into the new
// generation the same way (hard links; sub-directories with their modes; symbolic links as
// links). A user file where a generated one must go is replaced, as before; a directory where a
// generated file must go, or a file where a generated directory must go, is an error.
//
// # One build at a time
//
// A build locks the environment's directory itself with flock(2), exclusively; `ecsgen check`
// takes a shared lock (LockForReading) so that it compares against one generation. There is no
// lock file: the lock lives in the kernel, on the directory's inode, and the kernel drops it
// when the process dies, however it dies, so a kill never leaves a stale lock. Because a build
// replaces the directory, a waiter that gets its lock checks that the directory it locked is
// still the one at DIR/<env>, and otherwise locks the new one; a build holds locks on both the
// old and the staged directory across the swap, so whatever DIR/<env> names is locked for as
// long as a build runs. A waiting build says whom it waits for ("waiting for another ecsgen
// build of out/dev (pid 4242)…"; the process id comes from /proc/locks on Linux). Builds of
// other environments, or into other output directories, lock other directories and run in
// parallel. Where the file system has no flock on directories (NFS), a build says so and goes
// on unlocked; each build still publishes a whole generation, the last one to swap wins.
//
// # Leftovers and faults
//
// A build, holding the lock, removes the staging directories an interrupted build of the same
// environment left (a staging directory still locked by a live build is not touched), and
// leaves out the .ecsgen-tmp-* files that ecsgen versions before this one left in the
// directory. Nothing of ecsgen's own stays in the user's directory but the manifest.
//
// Any error before the swap (a read-only directory, a full disk, a directory in the way)
// removes the staging directory and returns one error naming the file in DIR/<env> and the
// cause; DIR/<env> is as it was.
//
// # What the swap costs
//
//   - A reader that runs while a build publishes: `ecsgen check` holds the shared lock, so it
//     reads one generation. deploy.sh works in the directory it started in (it cd's there), so
//     it reads its own generation until the build removes it, then fails, never mixing. A tool
//     that opens every file by its full path (git add) at the very instant of a swap reads
//     files of both; run it after the build, not beside it.
//   - DIR/<env> is a new directory after every build that changes something. A shell whose
//     current directory is DIR/<env> still sees the old one, now deleted (`cd .` again), and a
//     deploy.sh that runs while a build publishes stops with "No such file or directory" rather
//     than go on with the other generation: run it again.
//   - DIR/<env> must not be a mount point (a rename cannot move one). A symbolic link DIR/<env>
//     is followed: the swap happens where it points.
//   - Each environment is its own generation: a build of several environments publishes them one
//     after the other.
//   - Where the file system cannot exchange two directories (or on platforms other than Linux and
//     macOS), the swap is two renames: DIR/<env> to DIR/.ecsgen-old.<env>.N, then the staging
//     directory to DIR/<env>. Between the two, DIR/<env> does not exist — a reader finds no output,
//     never a mix — and a build killed there leaves the old generation at DIR/.ecsgen-old.<env>.N,
//     which the next build puts back before it starts.
package write

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ManifestName is the file, in each environment's directory, listing what ecsgen wrote there.
const ManifestName = ".ecsgen-manifest"

// Names of ecsgen's own transient files: never part of a generation.
const (
	stagePrefix = ".ecsgen-stage." // + env + ".N" beside DIR/<env>: a generation being built, or the one just replaced
	oldPrefix   = ".ecsgen-old."   // + env + ".N" beside DIR/<env>: the replaced generation, where there is no exchange
	tmpPrefix   = ".ecsgen-tmp-"   // in DIR/<env>: temporary files of ecsgen versions that wrote file by file
)

var errNotDir = errors.New("not a directory")

// readFile reads a file of the current generation to compare it; tests count the calls.
var readFile = os.ReadFile

// exchangeDirs is exchange; tests replace it to take the path of platforms without one.
var exchangeDirs = exchange

// hook, when set (by tests), runs at each step of a publication; an error it returns fails the
// build there, as a failing system call would.
var hook func(step string) error

func step(name string) error {
	if hook == nil {
		return nil
	}
	return hook(name)
}

// Stats say what a write did.
type Stats struct {
	Written   []string // files created or changed, relative to the directory
	Unchanged int
	Removed   []string // files ecsgen wrote before and no longer generates
}

// Options tune a write.
type Options struct {
	// Notify, when set, gets a line for the user while the build is held up: it waits for
	// another build of the same environment, or it cannot lock the directory.
	Notify func(msg string)
	// Records, when set (the build cache), keeps a record of each generation published, so
	// that the next build compares without reading the files the record vouches for (see
	// record.go). Without it, every file of the current generation is read.
	Records Records
}

// cutEnv splits "<env>/rest".
func cutEnv(file string) (env, rest string, ok bool) {
	env, rest, ok = strings.Cut(file, "/")
	return env, rest, ok && env != "" && rest != ""
}

// Dir writes files (slash-separated paths relative to dir, each inside an environment's
// directory: "<env>/...") under dir, one generation per environment; see the package
// documentation.
func Dir(dir string, files map[string][]byte) (Stats, error) { return Options{}.Dir(dir, files) }

// Dir is the package function Dir, with options.
func (o Options) Dir(dir string, files map[string][]byte) (Stats, error) {
	byEnv := map[string]map[string][]byte{}
	for rel, data := range files {
		env, rest, ok := strings.Cut(rel, "/")
		if !fs.ValidPath(rel) || !filepath.IsLocal(filepath.FromSlash(rel)) || !ok || rest == "" {
			return Stats{}, fmt.Errorf("internal error: refusing to write %q: not inside an environment's directory", rel)
		}
		if base := path.Base(rest); base == ManifestName || strings.HasPrefix(base, ".ecsgen-") || strings.HasPrefix(env, ".") {
			return Stats{}, fmt.Errorf("internal error: refusing to write %q: the name is ecsgen's own", rel)
		}
		if byEnv[env] == nil {
			byEnv[env] = map[string][]byte{}
		}
		byEnv[env][rest] = data
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("creating %s: %w", dir, cause(err))
	}
	var st Stats
	for _, env := range slices.Sorted(maps.Keys(byEnv)) {
		est, err := o.publish(filepath.Join(dir, env), byEnv[env])
		for _, r := range est.Written {
			st.Written = append(st.Written, env+"/"+r)
		}
		for _, r := range est.Removed {
			st.Removed = append(st.Removed, env+"/"+r)
		}
		st.Unchanged += est.Unchanged
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// publish makes files (paths relative to the environment's directory shown) the directory's
// new generation.
func (o Options) publish(shown string, files map[string][]byte) (st Stats, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w; %s was left as it was", err, shown)
		}
	}()
	target := shown
	if fi, err := os.Lstat(target); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(shown); err != nil {
			return st, fmt.Errorf("following %s: %w", shown, cause(err))
		}
	}
	parent, name := filepath.Dir(target), filepath.Base(target)
	restoreReplaced(parent, name)

	lock, created, unlocked, err := lockDir(target, true, true, o.Notify)
	if errors.Is(err, errNotDir) {
		return st, fmt.Errorf("%s is in the way: a file where the environment's directory must go", shown)
	}
	if err != nil {
		return st, fmt.Errorf("creating %s: %w", shown, cause(err))
	}
	defer lock.release()
	if unlocked && o.Notify != nil {
		o.Notify(fmt.Sprintf("cannot lock %s on this file system: builds into it at the same time are not serialised", shown))
	}
	defer func() {
		if err != nil && created {
			os.Remove(target) // the empty directory this build made
		}
	}()
	removeLeftovers(parent, name)

	started := time.Now()
	rec := loadRecord(o.Records, target)
	p, err := plan(target, shown, files, rec)
	if err != nil {
		return st, err
	}
	st = p.stats()
	notBefore := started.Add(-racyAfter)
	if len(p.written) == 0 && len(p.stale) == 0 {
		for _, rel := range p.junk { // nothing to publish: only the litter of older versions goes
			os.Remove(filepath.Join(target, filepath.FromSlash(rel)))
		}
		saveRecord(o.Records, target, newRecord(target, p.files, p.sums, p.old, notBefore), rec)
		return st, nil
	}
	if err := p.stage(parent, name, target); err != nil {
		return Stats{}, err
	}
	// Linking and unlinking changed every file's change time: the record takes each file's
	// lstat now, in the published generation.
	saveRecord(o.Records, target, newRecord(target, p.files, p.sums, nil, notBefore), rec)
	return st, nil
}

// generation is what a build publishes into one environment's directory, and where each entry
// of the new generation comes from.
type generation struct {
	shown     string                 // the directory as the user named it, for messages
	files     map[string][]byte      // generated files, manifest included
	old       map[string]fs.FileInfo // every entry of the current directory (not followed)
	unchanged map[string]bool        // generated files already there with the same bytes
	sums      map[string][32]byte    // SHA-256 of generated files, where worked out
	written   []string               // generated files created or changed
	stale     []string               // files ecsgen wrote before and no longer generates
	junk      []string               // ecsgen's leftovers in the directory
	carried   []string               // the user's files, symbolic links and empty directories
	rootMode  fs.FileMode
}

func (g *generation) stats() Stats {
	st := Stats{Removed: g.stale}
	for rel := range g.unchanged {
		if rel != ManifestName {
			st.Unchanged++
		}
	}
	for _, rel := range g.written {
		if rel != ManifestName {
			st.Written = append(st.Written, rel)
		}
	}
	return st
}

// plan compares files with the directory at target; a file the record rec vouches for is not
// read.
func plan(target, shown string, files map[string][]byte, rec record) (*generation, error) {
	g := &generation{shown: shown, old: map[string]fs.FileInfo{}, unchanged: map[string]bool{}, sums: map[string][32]byte{}}
	names := slices.Sorted(maps.Keys(files))
	g.files = maps.Clone(files)
	g.files[ManifestName] = []byte("# Files ecsgen wrote here; it removes them when it no longer generates them.\n" + strings.Join(names, "\n") + "\n")

	root, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", shown, cause(err))
	}
	g.rootMode = root.Mode().Perm()
	err = filepath.WalkDir(target, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == target {
			return nil
		}
		rel, err := filepath.Rel(target, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), tmpPrefix) && d.Type().IsRegular() {
			g.junk = append(g.junk, rel)
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		g.old[rel] = info
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", shown, cause(err))
	}

	listed := map[string]bool{} // what the current manifest says ecsgen wrote
	if m, err := os.ReadFile(filepath.Join(target, ManifestName)); err == nil {
		for _, line := range strings.Split(string(m), "\n") {
			if line != "" && !strings.HasPrefix(line, "#") && fs.ValidPath(line) {
				listed[line] = true
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(shown, ManifestName), cause(err))
	}
	isStale := func(rel string) bool {
		_, generated := g.files[rel]
		info, there := g.old[rel]
		return listed[rel] && !generated && there && !info.IsDir()
	}

	for _, rel := range slices.Sorted(maps.Keys(g.files)) {
		for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
			if info, there := g.old[dir]; there && !info.IsDir() && !isStale(dir) {
				return nil, fmt.Errorf("%s is in the way: a directory must go there for %s", g.path(dir), g.path(rel))
			}
		}
		info, there := g.old[rel]
		switch {
		case there && info.IsDir():
			return nil, fmt.Errorf("%s is in the way: a directory where a generated file must go", g.path(rel))
		case there && info.Mode().IsRegular():
			data := g.files[rel]
			known, same := rec.knows(rel, info, data, func() [32]byte { s := sha256.Sum256(data); g.sums[rel] = s; return s })
			switch {
			case known && same:
				g.unchanged[rel] = true
				continue
			case known:
				g.written = append(g.written, rel) // the record says what it holds: other bytes
				continue
			}
			old, err := readFile(filepath.Join(target, filepath.FromSlash(rel)))
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", g.path(rel), cause(err))
			}
			if bytes.Equal(old, g.files[rel]) {
				g.unchanged[rel] = true
				continue
			}
		}
		g.written = append(g.written, rel)
	}

	for _, rel := range slices.Sorted(maps.Keys(g.old)) {
		info := g.old[rel]
		if _, generated := g.files[rel]; generated {
			continue
		}
		if isStale(rel) {
			g.stale = append(g.stale, rel)
			continue
		}
		if info.IsDir() && !g.emptyDir(rel) {
			continue // made when something goes into it
		}
		g.carried = append(g.carried, rel)
	}
	return g, nil
}

// emptyDir reports whether the directory rel of the current generation has no entry.
func (g *generation) emptyDir(rel string) bool {
	for other := range g.old {
		if strings.HasPrefix(other, rel+"/") {
			return false
		}
	}
	return !slices.ContainsFunc(g.junk, func(j string) bool { return strings.HasPrefix(j, rel+"/") })
}

func (g *generation) path(rel string) string { return filepath.Join(g.shown, filepath.FromSlash(rel)) }

// stage builds the new generation beside target and swaps it in.
func (g *generation) stage(parent, name, target string) error {
	if err := step("staging"); err != nil {
		return err
	}
	// The directory is replaced, not written into; yet a directory the user made read-only
	// stays as it is, as it would if the files were written into it.
	if err := writable(target); err != nil {
		return fmt.Errorf("writing into %s: %w", g.shown, err)
	}
	stage, err := os.MkdirTemp(parent, stagePrefix+name+".*")
	if err != nil {
		return fmt.Errorf("creating a staging directory in %s: %w", parent, cause(err))
	}
	defer os.RemoveAll(stage) // the partial new generation, or after the swap the old one
	stageLock, _, err := tryLockDir(stage)
	if err != nil {
		return fmt.Errorf("creating a staging directory in %s: %w", parent, cause(err))
	}
	defer stageLock.release()

	made := map[string]bool{".": true}
	mkdirs := func(dir string) error {
		if made[dir] {
			return nil
		}
		if err := mkdirsOf(dir, made, stage); err != nil {
			return fmt.Errorf("creating %s: %w", g.path(dir), cause(err))
		}
		return nil
	}
	// New content reaches the disk before the swap makes it the output, so that a power cut
	// cannot publish empty files: each new file flushed by itself when there are few (a rebuild
	// after an edit), the whole file system at once when there are many (a first build).
	perFile := len(g.written) <= syncEachMax
	todo := slices.Concat(slices.Collect(maps.Keys(g.files)), g.carried)
	slices.Sort(todo)
	for _, rel := range todo {
		src := filepath.Join(target, filepath.FromSlash(rel))
		dst := filepath.Join(stage, filepath.FromSlash(rel))
		info := g.old[rel]
		if _, generated := g.files[rel]; !generated && info.IsDir() {
			if err := mkdirs(rel); err != nil {
				return err
			}
			continue
		}
		if err := mkdirs(path.Dir(rel)); err != nil {
			return err
		}
		var err error
		switch _, generated := g.files[rel]; {
		case generated && !g.unchanged[rel]:
			err = writeFile(dst, g.files[rel], mode(rel), perFile)
		case info.Mode()&fs.ModeSymlink != 0:
			var to string
			if to, err = os.Readlink(src); err == nil {
				err = os.Symlink(to, dst)
			}
		case info.Mode().IsRegular():
			err = linkOrCopy(src, dst, info, perFile)
		default:
			return fmt.Errorf("%s: cannot carry a %v into the new output; move it out of the directory", g.path(rel), info.Mode().Type())
		}
		if err == nil {
			err = step("file " + rel)
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", g.path(rel), cause(err))
		}
	}
	// The directories get their modes last: a read-only one is still filled first.
	dirs := slices.Sorted(maps.Keys(made))
	slices.Reverse(dirs)
	for _, dir := range dirs {
		perm := g.rootMode
		if info, there := g.old[dir]; there && info.IsDir() {
			perm = info.Mode().Perm()
		} else if dir != "." {
			continue
		}
		if err := os.Chmod(filepath.Join(stage, filepath.FromSlash(dir)), perm); err != nil {
			return fmt.Errorf("creating %s: %w", g.path(dir), cause(err))
		}
	}
	if !perFile {
		if err := syncDir(stage); err != nil {
			return fmt.Errorf("writing %s: %w", g.shown, cause(err))
		}
	}
	if err := step("staged"); err != nil {
		return err
	}
	return swap(stage, target, parent, name, g.shown)
}

// swap makes the staged directory the one at target, and removes the replaced generation.
func swap(stage, target, parent, name, shown string) error {
	swapped, err := exchangeDirs(stage, target)
	if err != nil {
		return fmt.Errorf("replacing %s: %w", shown, cause(err))
	}
	replaced := stage
	if !swapped {
		replaced = filepath.Join(parent, oldPrefix+name+strings.TrimPrefix(filepath.Base(stage), stagePrefix+name))
		if err := os.Rename(target, replaced); err != nil {
			return fmt.Errorf("replacing %s: %w", shown, cause(err))
		}
		if err := step("moved"); err != nil {
			return err
		}
		if err := os.Rename(stage, target); err != nil {
			os.Rename(replaced, target)
			return fmt.Errorf("replacing %s: %w", shown, cause(err))
		}
	}
	if d, err := os.Open(parent); err == nil { // make the swap itself durable
		d.Sync()
		d.Close()
	}
	if err := step("exchanged"); err != nil {
		return nil // the new generation is out; only the removal of the old one is skipped
	}
	os.RemoveAll(replaced)
	step("removed")
	return nil
}

// mkdirsOf creates dir and its missing parents under stage (0755 less the umask; the caller
// gives those of the current generation their modes at the end).
func mkdirsOf(dir string, made map[string]bool, stage string) error {
	if made[dir] {
		return nil
	}
	if err := mkdirsOf(path.Dir(dir), made, stage); err != nil {
		return err
	}
	p := filepath.Join(stage, filepath.FromSlash(dir))
	if err := os.Mkdir(p, 0o755); err != nil {
		return err
	}
	made[dir] = true
	return nil
}

// syncDir flushes the file system holding dir (syncFS).
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return syncFS(f)
}

// syncEachMax is how many new files a build flushes one by one; above it, it flushes the file
// system once (syncfs), which costs more for a few files and less for many.
const syncEachMax = 32

func writeFile(name string, data []byte, perm fs.FileMode, sync bool) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Chmod(name, perm) // the umask does not decide whether a script is executable
}

// linkOrCopy puts the file src at dst as the same file (a hard link), or where the file system
// refuses that, as a copy with the same mode and modification time.
func linkOrCopy(src, dst string, info fs.FileInfo, sync bool) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	return copyFile(src, dst, info, sync)
}

func copyFile(src, dst string, info fs.FileInfo, sync bool) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil && sync {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(dst, info.Mode().Perm())
	}
	if err == nil {
		err = os.Chtimes(dst, time.Time{}, info.ModTime())
	}
	return err
}

// removeLeftovers removes what interrupted builds of the environment name left beside it:
// staging directories that no live build holds, and replaced generations.
func removeLeftovers(parent, name string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !isLeftoverOf(e.Name(), name) {
			continue
		}
		p := filepath.Join(parent, e.Name())
		l, free, err := tryLockDir(p)
		if err != nil || !free {
			continue // in use by a live build (or already gone)
		}
		os.RemoveAll(p)
		l.release()
	}
}

// restoreReplaced puts back the generation a build killed between its two renames left aside
// (only where the swap is two renames): the environment's directory is missing and the old
// generation is beside it.
func restoreReplaced(parent, name string) {
	target := filepath.Join(parent, name)
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		return
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e.Name(), oldPrefix+name+"."); ok && digits(rest) && e.IsDir() {
			if os.Rename(filepath.Join(parent, e.Name()), target) == nil {
				return
			}
		}
	}
}

// isLeftoverOf reports whether entry is a staging or replaced directory of the environment name.
func isLeftoverOf(entry, name string) bool {
	for _, prefix := range []string{stagePrefix, oldPrefix} {
		if rest, ok := strings.CutPrefix(entry, prefix+name+"."); ok && digits(rest) {
			return true
		}
	}
	return false
}

// IsLeftover reports whether name, an entry of the output directory, is what an interrupted
// build left beside an environment's directory (the next build of that environment removes it).
func IsLeftover(name string) bool {
	return strings.HasPrefix(name, stagePrefix) || strings.HasPrefix(name, oldPrefix)
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// LockForReading takes a shared lock on the environment's directory dir, so that no build
// publishes into it until release is called: the caller reads one generation. It waits for a
// build in progress, telling notify. A missing directory is not locked.
func LockForReading(dir string, notify func(string)) (release func(), err error) {
	l, _, _, err := lockDir(dir, false, false, notify)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, cause(err))
	}
	return l.release, nil
}

// cause strips the path from a file system error: messages name the file in the user's
// directory, not in the staging directory.
func cause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	case errors.As(err, &se):
		return se.Err
	}
	return err
}

// mode makes scripts executable.
func mode(rel string) os.FileMode {
	if strings.HasSuffix(rel, ".sh") {
		return 0o755
	}
	return 0o644
}
