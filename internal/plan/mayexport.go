package plan

import (
	"bytes"
	"path"
	"strings"
)

// Whether a template may export a name, from its bytes alone.
//
// The plan needs every stack that exports a name (exportsOf), but on a rebuild after one edit
// almost every stack is unchanged and never parsed. MayExport tells, without parsing, the
// templates none of whose outputs has an Export; the plan parses the others. The scan is
// exported so that a build can take it while it holds a template's bytes anyway (internal/build
// does, at the sink every service's files pass through), and give the result to the plan
// (Options.MayExport): the plan then neither reads nor scans an unchanged stack's file again.

var escapeU, port = []byte(`\u`), []byte("port")

// MayExport says whether a template's bytes may give an output an Export: they hold a key
// that encoding/json matches to the field Export — the six letters in any case (it matches
// keys without regard to case; no other character folds to these), or an escape (\u…) that
// could spell them. False means that no output of the template exports a name, without
// parsing it. It keeps nothing of raw, and may run on several goroutines at once.
func MayExport(raw []byte) bool {
	if bytes.Contains(raw, escapeU) {
		return true
	}
	for _, x := range []byte{'x', 'X'} {
		for rest, at := raw, 0; ; {
			i := bytes.IndexByte(rest, x)
			if i < 0 {
				break
			}
			at += i
			if at >= 1 && at+5 <= len(raw) && raw[at-1]|0x20 == 'e' && bytes.EqualFold(raw[at+1:at+5], port) {
				return true
			}
			at++
			rest = raw[at:]
		}
	}
	return false
}

// IsTemplate says whether a build's file ("<env>/…") is a stack's template, one the plan
// reads for its exports: <env>/stacks/*.json.
func IsTemplate(file string) bool {
	_, rel, ok := strings.Cut(file, "/")
	return ok && isTemplate(rel)
}

// isTemplate is IsTemplate of a path under an environment's directory ("stacks/…").
func isTemplate(rel string) bool {
	return path.Dir(rel) == "stacks" && path.Ext(rel) == ".json"
}
