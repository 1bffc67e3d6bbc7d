package load

// A large spec file of plain data loaded without cue/load.
//
// cue/load does, around the parse of a spec file, work that a large file of plain data does not
// need, on one core while the other waits: it reads the file again (preflight read it) through
// a UTF-8 decoder, walks the whole syntax for @tag attributes, and resolves every identifier of
// it a second time (build.Instance.AddSyntax; the parser resolved them already). At 1000
// services that is about 35 ms of a 0.55 s build, before the first service is validated.
//
// directLoad parses such a file itself, from preflight's bytes, with the parser configuration
// and the file name cue/load would use, and gives the syntax to the per-service path. It is
// taken only where cue/load's own work cannot change the answer:
//   - one file, named *.cue, not standard input, whose base name does not start with "." or
//     "_" (names cue/load treats apart), at least parallelParseMin bytes (a smaller file costs
//     cue/load a few milliseconds; the examples never come here);
//   - no -t tags, and no cue.mod above it: no module sets a language version, and nothing is
//     imported (a file with an import declaration is declined after the parse);
//   - no "@" anywhere in the text: no attribute (@tag, @if, @extern, @experiment) can be there;
//   - no byte order mark: the decoder would strip it, and every position would move;
//   - the file parses without an error, and the per-service path answers. It answers only for
//     a spec that is plain data throughout, which refers to nothing, so the second resolution
//     has nothing to find.
//
// Anything else goes through cue/load as before, from the same bytes (an overlay: an editor
// may have saved the file since preflight read it, and the findings must be those of the text
// that was checked), and gives the same result and findings as ever.

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// directLoads counts the loads directLoad answered (for tests).
var directLoads atomic.Int64

// noDirectLoad turns directLoad off (tests compare the two ways).
var noDirectLoad bool

// directLoad loads one large plain-data spec file from its bytes (texts, as preflight read
// them) without cue/load, parsing it with known when the load has one (knownparse.go). ok is
// false when it does not answer; cfg then has an overlay with the bytes, when it parsed them.
func directLoad(ctx *cue.Context, spec cue.Value, files []string, texts [][]byte, cfg *load.Config, opts Options, known *knownParse) (res *Result, findings diag.List, err error, ok bool) {
	if noDirectLoad || len(files) != 1 || len(texts) != 1 || files[0] == "-" || len(opts.Tags) > 0 || cfg.ModuleRoot != "" || opts.Evaluation == WholeSpec {
		return nil, nil, nil, false
	}
	src := texts[0]
	base := filepath.Base(files[0])
	if len(src) < parallelParseMin || filepath.Ext(base) != ".cue" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") ||
		bytes.IndexByte(src, '@') >= 0 || bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		return nil, nil, nil, false
	}
	name := files[0]
	if opts.Dir != "" && !filepath.IsAbs(name) {
		name = filepath.Join(opts.Dir, name)
	}
	name, absErr := filepath.Abs(name)
	if absErr != nil {
		return nil, nil, nil, false
	}
	// The fallback reads the same bytes (see above).
	cfg.Overlay = map[string]load.Source{name: load.FromBytes(src)}
	parseFile := parseSpecFile
	if known != nil {
		parseFile = known.parseFile
	}
	// cue/load's parser configuration for a file outside any module.
	f, parseErr := parseFile(name, src, parser.NewConfig(parser.ParseComments))
	if parseErr != nil || f == nil {
		return nil, nil, nil, false
	}
	for range f.ImportDecls() {
		return nil, nil, nil, false
	}
	files1 := []*ast.File{f}
	text := sources{name: &sourceFile{name: name, display: displayName(name), src: src}}
	res, findings, plain, err := loadPlainKnown(ctx, spec, files1, text, opts, true, known)
	if plain != plainAnswered {
		return nil, nil, nil, false
	}
	directLoads.Add(1)
	return res, findings, err, true
}
