package generators

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// reencode writes JSON text as encodeTree writes the tree that decoding it with UseNumber and
// expanding its markers (expandMarkers) gives: two-space indent, object keys in sorted order
// (the last of duplicate keys wins, as in a decoded map), numbers and literals as written,
// strings re-quoted by writeString, marker strings replaced by the intrinsic they hold and a
// one-element list holding a list marker by that intrinsic. It reads the text once and builds
// no tree. It is the general path of the template encoding (encodeTemplateByText), which the
// direct encoder (encode.go) takes for what its plans do not cover and is checked against.
func reencode(data []byte) ([]byte, error) {
	b := getBuffer()
	b.Grow(len(data) + len(data)/2 + 64)
	r := reencoder{out: b}
	end, err := r.value(data, 0, 0)
	if err != nil {
		return nil, err
	}
	if end = skipSpace(data, end); end != len(data) {
		return nil, fmt.Errorf("internal error: JSON text continues after its value at offset %d", end)
	}
	b.WriteByte('\n')
	return release(b), nil
}

type reencoder struct {
	out *bytes.Buffer
	// members is a stack of the members of the objects being written, shared by the levels of
	// the recursion: each level appends its own and truncates them when done.
	members []member
	// str is scratch space for unquoting strings.
	str []byte
}

// member is one member of an object: its key (unquoted) and where its value lies.
type member struct {
	key        []byte
	rawKey     bool // key is the quoted text between quotes and can be copied as it is
	start, end int
	order      int
}

func malformed(data []byte, i int) error {
	return fmt.Errorf("internal error: malformed JSON at offset %d of %d", i, len(data))
}

// value writes the value at data[i:] and returns the offset after it.
func (r *reencoder) value(data []byte, i, depth int) (int, error) {
	i = skipSpace(data, i)
	if i >= len(data) {
		return i, malformed(data, i)
	}
	switch data[i] {
	case '{':
		return r.object(data, i, depth)
	case '[':
		return r.array(data, i, depth)
	case '"':
		end, err := stringEnd(data, i)
		if err != nil {
			return end, err
		}
		if plainString(data[i+1 : end-1]) {
			r.out.Write(data[i:end])
			return end, nil
		}
		s, err := r.unquote(data[i:end])
		if err != nil {
			return end, err
		}
		if len(s) > 0 && s[0] == marker[0] {
			return end, r.intrinsic(s, depth)
		}
		writeString(r.out, string(s))
		return end, nil
	default:
		end := literalEnd(data, i)
		if end == i {
			return i, malformed(data, i)
		}
		r.out.Write(data[i:end])
		return end, nil
	}
}

// intrinsic writes the intrinsic function a marker string holds. The markers' JSON comes
// from encoding/json (intrinsic), so it is well formed; text after the value is refused.
func (r *reencoder) intrinsic(s []byte, depth int) error {
	return r.intrinsicJSON(bytes.Clone(s[len(marker):]), depth) // s is scratch space that the recursion reuses
}

// intrinsicJSON writes the intrinsic function whose JSON text is fn (a marker without its
// NUL); fn must stay unchanged until it returns.
func (r *reencoder) intrinsicJSON(fn []byte, depth int) error {
	end, err := r.value(fn, 0, depth)
	if err == nil && skipSpace(fn, end) != len(fn) {
		err = malformed(fn, end)
	}
	if err != nil {
		return fmt.Errorf("internal error: malformed intrinsic %q: %v", fn, err)
	}
	return nil
}

func (r *reencoder) object(data []byte, i, depth int) (int, error) {
	base := len(r.members)
	defer func() { r.members = r.members[:base] }()
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		r.out.WriteString("{}")
		return i + 1, nil
	}
	for n := 0; ; n++ {
		if i >= len(data) || data[i] != '"' {
			return i, malformed(data, i)
		}
		kend, err := stringEnd(data, i)
		if err != nil {
			return kend, err
		}
		m := member{order: n}
		if raw := data[i+1 : kend-1]; plainString(raw) {
			m.key, m.rawKey = raw, true
		} else {
			k, err := r.unquote(data[i:kend])
			if err != nil {
				return kend, err
			}
			m.key = bytes.Clone(k)
		}
		i = skipSpace(data, kend)
		if i >= len(data) || data[i] != ':' {
			return i, malformed(data, i)
		}
		m.start = skipSpace(data, i+1)
		if m.end, err = skipValue(data, m.start); err != nil {
			return m.end, err
		}
		r.members = append(r.members, m)
		i = skipSpace(data, m.end)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			i++
			break
		}
		return i, malformed(data, i)
	}
	ms := r.members[base:]
	// Sorted by key; of equal keys the last one written is the one a decoded map keeps.
	slices.SortFunc(ms, func(a, b member) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.order - b.order
	})
	r.out.WriteByte('{')
	first := true
	for j := base; j < len(r.members); j++ {
		m := r.members[j]
		if j+1 < len(r.members) && bytes.Equal(m.key, r.members[j+1].key) {
			continue
		}
		if !first {
			r.out.WriteByte(',')
		}
		first = false
		newline(r.out, depth+1)
		if m.rawKey {
			r.out.WriteByte('"')
			r.out.Write(m.key)
			r.out.WriteByte('"')
		} else {
			writeString(r.out, string(m.key))
		}
		r.out.WriteString(": ")
		if _, err := r.value(data[:m.end], m.start, depth+1); err != nil {
			return i, err
		}
	}
	newline(r.out, depth)
	r.out.WriteByte('}')
	return i, nil
}

func (r *reencoder) array(data []byte, i, depth int) (int, error) {
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		r.out.WriteString("[]")
		return i + 1, nil
	}
	// A list holding only a list marker stands for the intrinsic after its first NUL.
	if i < len(data) && data[i] == '"' {
		end, err := stringEnd(data, i)
		if err != nil {
			return end, err
		}
		if after := skipSpace(data, end); after < len(data) && data[after] == ']' && !plainString(data[i+1:end-1]) {
			s, err := r.unquote(data[i:end])
			if err != nil {
				return end, err
			}
			if bytes.HasPrefix(s, []byte(listMarker)) {
				return after + 1, r.intrinsic(s[len(marker):], depth)
			}
		}
	}
	r.out.WriteByte('[')
	for n := 0; ; n++ {
		if n > 0 {
			r.out.WriteByte(',')
		}
		newline(r.out, depth+1)
		end, err := r.value(data, i, depth+1)
		if err != nil {
			return end, err
		}
		i = skipSpace(data, end)
		if i < len(data) && data[i] == ',' {
			i++
			continue
		}
		if i < len(data) && data[i] == ']' {
			i++
			break
		}
		return i, malformed(data, i)
	}
	newline(r.out, depth)
	r.out.WriteByte(']')
	return i, nil
}

// plainString reports whether the text between a string's quotes is printable ASCII without
// escapes: then writeString of the unquoted string gives the same text.
func plainString(raw []byte) bool {
	for _, c := range raw {
		if c < 0x20 || c >= utf8.RuneSelf || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the offset after the string that starts at data[i] (a quote).
func stringEnd(data []byte, i int) (int, error) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '"':
			return j + 1, nil
		case '\\':
			j++
		default:
			if data[j] < 0x20 {
				return j, malformed(data, j) // a control character must be escaped
			}
		}
	}
	return len(data), malformed(data, i)
}

// literalEnd returns the offset after a number, true, false or null at data[i].
func literalEnd(data []byte, i int) int {
	for i < len(data) {
		switch c := data[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c == '-', c == '+', c == '.', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the offset after the value at data[i].
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return i, malformed(data, i)
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		nest := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, err := stringEnd(data, j)
				if err != nil {
					return end, err
				}
				j = end - 1
			case '{', '[':
				nest++
			case '}', ']':
				if nest--; nest == 0 {
					return j + 1, nil
				}
			}
		}
		return len(data), malformed(data, i)
	}
	end := literalEnd(data, i)
	if end == i {
		return i, malformed(data, i)
	}
	return end, nil
}

// unquote decodes a quoted JSON string as encoding/json does: invalid UTF-8 and lone
// surrogates become U+FFFD. The result is valid until the next call.
func (r *reencoder) unquote(q []byte) ([]byte, error) {
	s := q[1 : len(q)-1]
	out := r.str[:0]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("internal error: malformed string %q", q)
			}
			switch s[i+1] {
			case '"', '\\', '/', '\'':
				out = append(out, s[i+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r1, ok := hex4(s[i+2:])
				if !ok {
					return nil, fmt.Errorf("internal error: malformed string %q", q)
				}
				i += 6
				if utf16.IsSurrogate(r1) {
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2, ok := hex4(s[i+2:]); ok {
							if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
								out = utf8.AppendRune(out, dec)
								i += 6
								continue
							}
						}
					}
					r1 = utf8.RuneError
				}
				out = utf8.AppendRune(out, r1)
				continue
			default:
				return nil, fmt.Errorf("internal error: malformed string %q", q)
			}
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			rr, size := utf8.DecodeRune(s[i:])
			if rr == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
		}
	}
	r.str = out
	return out, nil
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// jsonField is a member of a JSON object: its key, unquoted, and where its value lies.
type jsonField struct {
	key        string
	start, end int
}

// fieldsOf lists the members of the JSON object at data[i:], in the order written, without
// decoding their values.
func fieldsOf(data []byte, i int) ([]jsonField, error) {
	i = skipSpace(data, i)
	if i >= len(data) || data[i] != '{' {
		return nil, malformed(data, i)
	}
	var r reencoder
	var out []jsonField
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return nil, malformed(data, i)
		}
		kend, err := stringEnd(data, i)
		if err != nil {
			return nil, err
		}
		k, err := r.unquote(data[i:kend])
		if err != nil {
			return nil, err
		}
		f := jsonField{key: string(k)}
		if i = skipSpace(data, kend); i >= len(data) || data[i] != ':' {
			return nil, malformed(data, i)
		}
		f.start = skipSpace(data, i+1)
		if f.end, err = skipValue(data, f.start); err != nil {
			return nil, err
		}
		out = append(out, f)
		i = skipSpace(data, f.end)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return out, nil
		}
		return nil, malformed(data, i)
	}
}

// fieldString is the value of the member key of the JSON object at data[i:] if it is a string.
func fieldString(data []byte, fields []jsonField, key string) (string, bool) {
	for _, f := range slices.Backward(fields) { // the last of duplicate keys wins
		if f.key == key {
			if data[f.start] != '"' {
				return "", false
			}
			var r reencoder
			s, err := r.unquote(data[f.start:f.end])
			return string(s), err == nil
		}
	}
	return "", false
}
