package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ReadPrevious reads the files of an environment's previous output that the plan compares:
// deploy-plan.json and stacks/*.json under dir. A directory without them gives no files.
func ReadPrevious(dir string) (map[string][]byte, error) {
	files, _, _, err := readPrevious(dir, nil, nil, nil)
	return files, err
}

// readPrevious is ReadPrevious; a file that same says holds the new build's bytes (cur) is not
// read: those bytes are its content. Those files, and the ones read that hold the new build's
// bytes, are in vouched. The files in staged hold the bytes of the new build's staged file
// (Staged.Same): they are not read either, but left for the plan to read when it needs them
// (lazy), and vouched for.
func readPrevious(dir string, cur map[string][]byte, same func(rel string, data []byte) bool, staged map[string]bool) (files map[string][]byte, vouched map[string]bool, lazy lazyFiles, err error) {
	files, vouched, lazy = map[string][]byte{}, map[string]bool{}, lazyFiles{}
	add := func(rel string) error {
		if staged[rel] {
			lazy[rel] = lazyFile{path: filepath.Join(dir, filepath.FromSlash(rel))}
			vouched[rel] = true
			return nil
		}
		if b, ok := cur[rel]; ok && same != nil && same(rel, b) {
			files[rel] = b
			vouched[rel] = true
			return nil
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if c, ok := cur[rel]; ok && bytes.Equal(b, c) {
			b = c // the same bytes: one copy stays alive, not two
			vouched[rel] = true
		}
		files[rel] = b
		return nil
	}
	if err := add("deploy-plan.json"); err != nil {
		return nil, nil, nil, err
	}
	entries, err := os.ReadDir(filepath.Join(dir, "stacks"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, err
	}
	for _, e := range entries {
		if rel := path.Join("stacks", e.Name()); !e.IsDir() && isStackFile(rel) {
			if err := add(rel); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	for rel := range staged {
		if lazy[rel].path == "" { // the previous output holds it, Staged says: not where it was listed
			return nil, nil, nil, fmt.Errorf("internal error: %s is said to be unchanged, and is not in the previous output", filepath.Join(dir, filepath.FromSlash(rel)))
		}
	}
	return files, vouched, lazy, nil
}

// Options tune a plan.
type Options struct {
	// Unchanged, when set, says whether the previous output holds exactly data at file
	// ("<env>/…") without reading it (internal/write's record of the generation it published);
	// false means "not known". Such a file is not read: the plan takes the new build's bytes.
	Unchanged func(file string, data []byte) bool
	// PreviousOnly plans only the environments that have a previous output; the others get a
	// nil plan. Without one the plan lists every stack as new, which parses every new template:
	// `ecsgen build` does not print that plan, so it does not pay for it.
	PreviousOnly bool
	// Staged, when set, holds the build's files that files does not (internal/write's Build,
	// which staged them as they were generated). The plan reads the stacks it needs from it,
	// one environment at a time; a stack whose bytes the previous output holds too (Same) is
	// not read at all unless the plan needs its template, and then from the previous output.
	Staged Staged
	// MayExport, with Staged, is MayExport of the bytes of the templates given to Staged
	// ("<env>/stacks/…": true or false), as the build scanned them while it held them
	// (internal/build's Result.MayExport). It is used only for a template that Staged.Same
	// says the previous output holds too: such a file is then not read for the exports scan,
	// only if the plan needs its template. A template it does not name is read and scanned.
	// A fact of other bytes than those given to Staged would change the plan: true is always
	// safe (the template is parsed), false only for exactly those bytes.
	MayExport map[string]bool
	// SkipUnreadable gives an environment whose previous output the plan cannot read (a
	// template or deploy-plan.json that does not parse: a merge conflict in a committed file,
	// a hand edit) a plan that says so (Plan.Unreadable) instead of failing: `ecsgen build`,
	// whose new output replaces the unreadable one, prints the plan as advice only.
	SkipUnreadable bool
}

// Staged is a build's output written to disk as it was generated.
type Staged interface {
	// Generated lists the files of the environment env ("<env>/…").
	Generated(env string) []string
	// Same says whether the previous output holds exactly the bytes of file ("<env>/…").
	Same(file string) bool
	// Read reads file ("<env>/…").
	Read(file string) ([]byte, error)
}

// Environments plans every environment of a build: files are the build's, under "<env>/…";
// the previous output of each is read from outDir/<env>.
//
// A stack of the previous output whose template holds the new build's bytes (Unchanged vouches
// for it, or it was read and compared), with the same parameter values, is the same stack in
// both outputs: its template is parsed only when the plan needs it (most of the plan compares
// what changed). So files must be a build's output, whose templates parse: the plan does not
// parse an unchanged template it never needs, so it would not report one that does not.
func Environments(outDir string, envs []string, files map[string][]byte) ([]*Plan, error) {
	return Options{}.Environments(outDir, envs, files)
}

// Environments is the package function Environments, with options.
func (o Options) Environments(outDir string, envs []string, files map[string][]byte) ([]*Plan, error) {
	var plans []*Plan
	for _, env := range envs {
		cur := map[string][]byte{}
		for p, b := range files {
			if rel, ok := cutPrefix(p, env+"/"); ok {
				cur[rel] = b
			}
		}
		var same func(rel string, data []byte) bool
		if o.Unchanged != nil {
			same = func(rel string, data []byte) bool { return o.Unchanged(env+"/"+rel, data) }
		}
		staged := map[string]bool{} // stacks of the staged files whose bytes the previous output has
		var unread []string         // and those it does not, read once the plan is needed
		if o.Staged != nil {
			for _, file := range o.Staged.Generated(env) {
				rel, _ := cutPrefix(file, env+"/")
				if _, held := cur[rel]; held || !isStackFile(rel) {
					continue
				}
				if o.Staged.Same(file) {
					staged[rel] = true
				} else {
					unread = append(unread, rel)
				}
			}
		}
		old, vouched, lazy, err := readPrevious(filepath.Join(outDir, env), cur, same, staged)
		if err != nil {
			return nil, err
		}
		// Every lazy file is one of staged: Staged.Same vouched that the previous output holds
		// the bytes the build gave Staged, which are the bytes MayExport describes.
		for rel, l := range lazy {
			if may, known := o.MayExport[env+"/"+rel]; known && staged[rel] {
				l.exports = scannedAs(may)
				lazy[rel] = l
			}
		}
		if o.PreviousOnly && len(old) == 0 && len(lazy) == 0 {
			plans = append(plans, nil)
			continue
		}
		for _, rel := range unread {
			if cur[rel], err = o.Staged.Read(env + "/" + rel); err != nil {
				return nil, err
			}
		}
		p, err := compare(env, old, cur, vouched, lazy)
		if unreadable := (*PreviousError)(nil); o.SkipUnreadable && errors.As(err, &unreadable) {
			p, err = &Plan{Env: env, Previous: true, Unreadable: unreadable.Err.Error()}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(outDir, env), err)
		}
		plans = append(plans, p)
	}
	return plans, nil
}

func cutPrefix(s, prefix string) (string, bool) { return strings.CutPrefix(s, prefix) }
