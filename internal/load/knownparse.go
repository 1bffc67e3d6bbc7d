// Services a rebuild knows by their text: neither parsed nor walked.
//
// A rebuild of a large spec with one service edited parsed the whole file, hashed every
// service's syntax for its memo key (memo.go) and checked it for lazy positions, to find 999
// models in the build cache: 0.13 s of the load's CPU at 1000 services. The file's text alone
// tells which services are unchanged. pparse.go cuts the body of the file's services struct at
// lines the text alone decides (boundaries); the text of a region between two boundaries, from
// the "}" that ends the element before it, is what parser.ParseFile reads there, and the parser
// reaches the region in the same state wherever it sits (pparse.go's argument, and the one its
// tests check with cuts at every boundary). So a region whose text was seen before, holding
// exactly one service that was plain data (quickService) and validated, holds that service
// again, with the same syntax: its memo key, its name and where its field is in the region are
// a function of the text. Such a region is left out of the parse (parseRegions' skip), and the
// per-service path takes the service's model from the memo under that key and its positions
// from where the field is (read on demand, lazypositions.go, from the file's text as ever).
//
// What a region maps to is kept in one memo entry per file (the index, memoRegions, keyed by
// the file's name): for each region of the file's last load, a SHA-256 of its text (with the
// parser's version and mode, the struct's opening line and the elements' indentation) → the
// service's name, memo key and the field's offsets. The entry is the build cache's, so keyed
// by the ecsgen binary too, and checked like every entry; its mapping is a function of the
// region's text, so a stale index (another version of the file) only misses. The file's other
// text does not enter the key: it is parsed on every load (the first region, holding the text
// before the services and the first service, and the last, holding the last service and the
// text after), and the model of a service on the per-service path depends on its name and
// syntax only (memo.go).
//
// Only the answer of the per-service path from plain data (loadPlain) ever sees a tree with
// services left out. Anything else — the per-service path declining, a service that is not
// plain data, a name written twice, a model missing from the memo, several files, standard
// input, environments, an error in the instance — loads the spec again from the start
// without leaving anything out (loadFiles), so findings and positions are exactly today's.

package load

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// memoRegions is the kind of the memo entry holding a file's index of regions.
const memoRegions = "load.regions"

// servicesParsed counts the services the load's parse hook put into a tree (tests: a rebuild
// with one service edited parses that one and the first and last).
var servicesParsed atomic.Int64

// verifyKnown, set by tests, makes every region left out of a parse be parsed on its own and
// compared with what its index entry says (checkKnown).
var verifyKnown bool

// knownParse is cue/load's ParseFile for one load that may leave known services out.
type knownParse struct {
	memo  Memo
	spec  string // the spec file's name as CUE names it: no other file (an import) is left out of
	mu    sync.Mutex
	files map[string]*regionFile
}

func newKnownParse(memo Memo, spec string) *knownParse {
	return &knownParse{memo: memo, spec: spec, files: map[string]*regionFile{}}
}

// knownRegion is what an index entry says of a region: its one service's name and memo key,
// and where the service's field starts and ends, from the region's text (from).
type knownRegion struct {
	name       string
	key        []byte
	start, end int
}

// regionFile is a spec file's regions: every boundary of its services struct (bounds), the
// hash of each region between two (hashes[j]: [bounds[j-1], bounds[j]), j ≥ 1) and where its
// text starts (froms[j]), the index read from the memo, and the services left out.
type regionFile struct {
	name   string
	src    []byte
	index  []byte // the index entry as read (nil: none)
	known  map[[32]byte]knownRegion
	bounds []int
	froms  []int
	hashes [][32]byte
	elided []elidedService
}

// elidedService is a service left out of the parse: its name, memo key, and its field's
// offsets and position in the file.
type elidedService struct {
	name       string
	key        []byte
	start, end int
	line, col  int
}

// parseFile is the ParseFile of a load with a memo: parseSpecFile, leaving out the regions
// the index knows.
func (k *knownParse) parseFile(name string, src any, cfg parser.Config) (*ast.File, error) {
	b, ok := src.([]byte)
	if ok && name == k.spec && len(b) >= parallelParseMin && cfg.Mode == parser.ParseComments {
		if rf := k.regions(name, b, cfg); rf != nil && len(rf.known) > 0 {
			if f := rf.parseEliding(name, cfg); f != nil {
				servicesParsed.Add(int64(countServices(f)))
				return f, nil
			}
		}
	}
	f, err := parseSpecFile(name, src, cfg)
	if err == nil {
		servicesParsed.Add(int64(countServices(f)))
	}
	return f, err
}

// elided are the services left out of the parse of the load's files, nil when none.
func (k *knownParse) elided() map[string][]elidedService {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var out map[string][]elidedService
	for name, rf := range k.files {
		if len(rf.elided) > 0 {
			if out == nil {
				out = map[string][]elidedService{}
			}
			out[name] = rf.elided
		}
	}
	return out
}

// regions finds the boundaries of a file's services struct, hashes its regions and reads the
// file's index; nil when the file has no such struct.
func (k *knownParse) regions(name string, src []byte, cfg parser.Config) *regionFile {
	if startsWithAttribute(src) {
		return nil
	}
	s, ok := findBigStruct(src)
	if !ok {
		return nil
	}
	var bounds []int
	for at := s.openEnd; ; {
		c := nextBoundary(src, at, s)
		if c < 0 {
			break
		}
		bounds = append(bounds, c)
		at = c + 1
	}
	if len(bounds) < 2 {
		return nil
	}
	rf := &regionFile{name: name, src: src, bounds: bounds, froms: make([]int, len(bounds)), hashes: make([][32]byte, len(bounds))}
	// What every region's parse shares: the parser's version and mode, the struct's opening
	// line, the elements' indentation.
	var prefix []byte
	for _, part := range [][]byte{[]byte("ecsgen-region\x00"), []byte(cfg.Version), binary.AppendUvarint(nil, uint64(cfg.Mode)), src[s.open:s.openEnd], s.ind} {
		prefix = binary.AppendUvarint(prefix, uint64(len(part)))
		prefix = append(prefix, part...)
	}
	for j := 1; j < len(bounds); j++ {
		rf.froms[j] = bytes.LastIndexByte(src[:bounds[j-1]], '}') + 1
	}
	// Hashing 1.5 MB takes a few milliseconds: on every core.
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(bounds)-1)
	for w := range workers {
		wg.Go(func() {
			h := sha256.New()
			for j := 1 + w; j < len(bounds); j += workers {
				h.Reset()
				h.Write(prefix)
				h.Write(src[rf.froms[j]:bounds[j]])
				h.Sum(rf.hashes[j][:0])
			}
		})
	}
	if b, ok := k.memo.Get(memoRegions, indexKey(name)); ok {
		rf.index = b
		rf.known = decodeIndex(b)
	}
	wg.Wait()
	k.mu.Lock()
	k.files[name] = rf
	k.mu.Unlock()
	return rf
}

// indexKey is the memo key of a file's index.
func indexKey(name string) []byte {
	sum := sha256.Sum256([]byte("ecsgen-region-index\x00" + name))
	return sum[:]
}

// parseEliding parses the file without the regions the index knows: nil when it cannot (the
// caller parses it whole).
func (rf *regionFile) parseEliding(name string, cfg parser.Config) *ast.File {
	src := rf.src
	s, _ := findBigStruct(src)
	knownAt := map[int]knownRegion{} // by j
	// The first region (up to bounds[0]) and the last (from the last bound) are always parsed.
	for j := 1; j < len(rf.bounds); j++ {
		e, ok := rf.known[rf.hashes[j]]
		if !ok || e.start < 0 || e.start >= e.end || rf.froms[j]+e.start < rf.bounds[j-1] || rf.froms[j]+e.end > rf.bounds[j] {
			continue
		}
		knownAt[j] = e
	}
	if len(knownAt) == 0 {
		return nil
	}
	// The cuts: those of the parallel parse, and both ends of each known region.
	set := map[int]bool{}
	if n := min(2*runtime.GOMAXPROCS(0), len(src)/minRegion); n > 1 {
		for _, c := range cutPoints(src, s, n) {
			set[c] = true
		}
	}
	for j := range knownAt {
		set[rf.bounds[j-1]], set[rf.bounds[j]] = true, true
	}
	cuts := make([]int, 0, len(set))
	for c := range set {
		cuts = append(cuts, c)
	}
	slices.Sort(cuts)
	// Region i is [cuts[i-1], cuts[i]); the known region j is [bounds[j-1], bounds[j]).
	at := map[int]int{} // bound offset → j of the known region starting there
	for j := range knownAt {
		at[rf.bounds[j-1]] = j
	}
	skip := make([]bool, len(cuts)+1)
	skipped := map[int]int{} // region i → j
	for i := 1; i < len(cuts); i++ {
		if j, ok := at[cuts[i-1]]; ok && rf.bounds[j] == cuts[i] {
			skip[i], skipped[i] = true, j
		}
	}
	f, file := parseRegions(name, src, cfg, s, cuts, skip)
	if f == nil || !servicesStruct(f, s) {
		return nil
	}
	var truth *ast.File
	if verifyKnown {
		var err error
		if truth, err = parser.ParseFile(name, src, cfg); err != nil {
			panic("load: a file parsed in regions does not parse whole")
		}
	}
	elided := make([]elidedService, 0, len(skipped))
	for i := 1; i < len(cuts); i++ {
		j, ok := skipped[i]
		if !ok {
			continue
		}
		e := knownAt[j]
		start := rf.froms[j] + e.start
		pos := file.Pos(start, token.NoRelPos)
		el := elidedService{name: e.name, key: e.key, start: start, end: rf.froms[j] + e.end, line: pos.Line(), col: pos.Column()}
		if verifyKnown && !rf.checkKnown(name, cfg, j, el, truth) {
			panic("load: a region left out of the parse is not what its index entry says")
		}
		elided = append(elided, el)
	}
	rf.elided = elided
	return f
}

// servicesStruct reports whether the struct the parse cut is the top-level field services.
func servicesStruct(f *ast.File, s bigStruct) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok && fd.Pos().Offset() == s.open {
			label, ok := plainLabel(fd.Label)
			return ok && label == servicesLabel
		}
	}
	return false
}

// countServices counts the fields of a file's top-level services structs.
func countServices(f *ast.File) int {
	n := 0
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			if label, _ := plainLabel(fd.Label); label == servicesLabel {
				if st, ok := fd.Value.(*ast.StructLit); ok {
					for _, e := range st.Elts {
						if _, ok := e.(*ast.Field); ok {
							n++
						}
					}
				}
			}
		}
	}
	return n
}

// checkKnown checks, for tests, that the region left out at j is what el says: parsed on its
// own as pparse.go parses a region, it has the shape of one; and the serial parse of the whole
// file (truth, parsed once) has exactly one service in it, the one el says, at el's offsets and
// position, taken by quickService, with el's memo key.
func (rf *regionFile) checkKnown(name string, cfg parser.Config, j int, el elidedService, truth *ast.File) bool {
	from := rf.froms[j]
	text := append(append([]byte(wrapperHead+"\n0"), rf.src[from:rf.bounds[j]]...), "}\n"...)
	if f, err := parser.ParseFile(name, text, cfg); err != nil || !wrapperShape(f, false, len(text)-2, len(wrapperHead)+1) {
		return false
	}
	services, ok := servicesFromSyntax([]*ast.File{truth})
	if !ok {
		return false
	}
	// The fields in the region, each as a service of its own (a name written twice is the
	// loader's to find, not the region's).
	var hits []userService
	for _, svc := range services {
		for _, d := range svc.decls {
			if d.Pos().Offset() >= rf.bounds[j-1] && d.End().Offset() <= rf.bounds[j] {
				hits = append(hits, userService{name: svc.name, expr: d.(*ast.Field).Value, decls: []ast.Decl{d}})
			}
		}
	}
	if len(hits) != 1 {
		return false
	}
	svc := hits[0]
	d := svc.decls[0]
	var labels []string
	return svc.name == el.name && d.Pos().Offset() == el.start && d.End().Offset() == el.end &&
		d.Pos().Line() == el.line && d.Pos().Column() == el.col && quickService(svc.decls, &labels) &&
		bytes.Equal(syntaxKey(svc), el.key)
}

// store writes the index of each file from the services of a load the per-service path
// answered: a region of the file holding exactly one service whose positions are read from its
// span and whose model is in the memo maps to it.
func (k *knownParse) store(r *serviceRun) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, rf := range k.files {
		rf.store(k.memo, r)
	}
}

func (rf *regionFile) store(memo Memo, r *serviceRun) {
	type entry struct {
		hash [32]byte
		knownRegion
	}
	count := map[int]int{}
	found := map[int]entry{}
	for i, svc := range r.services {
		span := r.parts[i].span
		if span == nil {
			return // a service whose place is not known: it could sit in any region
		}
		if span.file.name != rf.name {
			continue
		}
		j := sort.SearchInts(rf.bounds, span.end) // the first bound at or after the field's end
		if j < 1 || j >= len(rf.bounds) || rf.bounds[j-1] > span.start {
			continue // in the first or the last region, or across a boundary
		}
		count[j]++
		if r.keys[i] != nil {
			found[j] = entry{rf.hashes[j], knownRegion{name: svc.name, key: r.keys[i], start: span.start - rf.froms[j], end: span.end - rf.froms[j]}}
		}
	}
	var entries []entry
	for j, e := range found {
		if count[j] == 1 {
			entries = append(entries, e)
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	var b []byte
	for _, e := range entries {
		b = append(b, e.hash[:]...)
		b = binary.AppendUvarint(b, uint64(len(e.name)))
		b = append(b, e.name...)
		b = binary.AppendUvarint(b, uint64(len(e.key)))
		b = append(b, e.key...)
		b = binary.AppendUvarint(b, uint64(e.start))
		b = binary.AppendUvarint(b, uint64(e.end))
	}
	if len(entries) > 0 && !bytes.Equal(b, rf.index) {
		memo.Put(memoRegions, indexKey(rf.name), b)
	}
}

// decodeIndex reads an index; what does not decode ends it.
func decodeIndex(b []byte) map[[32]byte]knownRegion {
	out := map[[32]byte]knownRegion{}
	uv := func() (int, bool) {
		n, size := binary.Uvarint(b)
		if size <= 0 || n > 1<<31 {
			return 0, false
		}
		b = b[size:]
		return int(n), true
	}
	bytesOf := func() ([]byte, bool) {
		n, ok := uv()
		if !ok || n > len(b) {
			return nil, false
		}
		v := b[:n:n]
		b = b[n:]
		return v, true
	}
	for len(b) >= 32 {
		var h [32]byte
		copy(h[:], b)
		b = b[32:]
		name, ok1 := bytesOf()
		key, ok2 := bytesOf()
		start, ok3 := uv()
		end, ok4 := uv()
		if !ok1 || !ok2 || !ok3 || !ok4 {
			break
		}
		out[h] = knownRegion{name: string(name), key: key, start: start, end: end}
	}
	return out
}

// withKnown adds the services left out of the parse of files to those parsed, in the order
// the files write them; false when a name is written twice (the whole-spec path judges that)
// or a file's text is not known.
func withKnown(services []userService, elided map[string][]elidedService, src sources) ([]userService, bool) {
	if len(elided) != 1 {
		return nil, false
	}
	type placed struct {
		at  int
		svc userService
	}
	var all []placed
	names := map[string]bool{}
	for _, svc := range services {
		if len(svc.decls) == 0 {
			return nil, false
		}
		names[svc.name] = true
		all = append(all, placed{svc.decls[0].Pos().Offset(), svc})
	}
	for name, list := range elided {
		file := src[name]
		if file == nil {
			return nil, false
		}
		for _, s := range services {
			if s.decls[0].Pos().Filename() != name {
				return nil, false
			}
		}
		for _, el := range list {
			if names[el.name] {
				return nil, false
			}
			names[el.name] = true
			span := &serviceSpan{name: el.name, file: file, start: el.start, end: el.end, line: el.line, col: el.col}
			all = append(all, placed{el.start, userService{name: el.name, known: &knownService{key: el.key, span: span}}})
		}
	}
	slices.SortStableFunc(all, func(a, b placed) int { return a.at - b.at })
	out := make([]userService, len(all))
	for i, p := range all {
		out[i] = p.svc
	}
	return out, true
}
