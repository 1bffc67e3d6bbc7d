package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Intrinsic functions.
//
// goformation's typed properties are plain strings, so an intrinsic function has to travel
// through a string field as a marker that the encoder later expands. goformation's own helpers
// (cloudformation.Ref, Sub, …) build their markers with Go's %q quoting, which is not JSON for
// control or non-printable characters, and its Template.JSON() then *evaluates* intrinsics it
// finds in free-form fields ({"Ref":"AWS::Region"} in a policy became "us-east-1"). So ecsgen
// builds every intrinsic with the helpers below and encodes templates with encodeTemplate: a
// marker is a NUL byte followed by the intrinsic's JSON, produced by encoding/json. The loader
// rejects NUL in user strings, so user data can never be mistaken for a marker.

const marker = "\x00"

// listMarker marks an intrinsic that stands for a whole list: a []string property holding just
// this one element is replaced by the intrinsic itself (e.g. Fn::Split of a joined list).
const listMarker = "\x00\x00"

// List makes a list-valued intrinsic usable where goformation wants []string.
func List(listIntrinsic string) []string {
	return []string{marker + listIntrinsic}
}

func intrinsic(name string, arg any) string {
	var b bytes.Buffer
	b.Grow(len(marker) + len(name) + 64)
	b.WriteString(marker)
	b.WriteString(`{"`)
	b.WriteString(name) // a literal name: Ref, Fn::…
	b.WriteString(`":`)
	direct := appendArg(&b, arg)
	b.WriteByte('}')
	if !direct || verifyEncodings {
		general := marshalIntrinsic(name, arg)
		if direct && b.String() != general {
			panic(fmt.Sprintf("internal error: intrinsic %s: the direct encoding %q differs from encoding/json's %q", name, b.String(), general))
		}
		return general
	}
	return b.String()
}

// marshalIntrinsic is the general path of intrinsic: encoding/json's text of the intrinsic's
// object, with nested markers as raw JSON.
func marshalIntrinsic(name string, arg any) string {
	b, err := json.Marshal(map[string]any{name: rawArgs(arg)})
	if err != nil {
		panic(fmt.Sprintf("intrinsic %s: %v", name, err)) // only ever called with JSON-safe Go values
	}
	return marker + string(b)
}

// appendArg writes an intrinsic's argument as json.Marshal(rawArgs(arg)) does, for the
// arguments the helpers below pass (strings and lists of them, markers nested); false for
// anything else, which intrinsic leaves to encoding/json. A nested marker's JSON came from
// encoding/json, which compacts it again unchanged.
func appendArg(b *bytes.Buffer, arg any) bool {
	switch v := arg.(type) {
	case string:
		if strings.HasPrefix(v, marker) {
			b.WriteString(v[len(marker):])
		} else {
			writeMarshalledString(b, v)
		}
		return true
	case []string:
		return appendList(b, v)
	case []any:
		return appendList(b, v)
	}
	return false
}

func appendList[E any](b *bytes.Buffer, list []E) bool {
	if list == nil {
		b.WriteString("null")
		return true
	}
	b.WriteByte('[')
	for i, e := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		if !appendArg(b, e) {
			return false
		}
	}
	b.WriteByte(']')
	return true
}

// rawArgs lets intrinsics nest: a marker string inside an argument becomes raw JSON.
func rawArgs(arg any) any {
	switch v := arg.(type) {
	case string:
		if strings.HasPrefix(v, marker) {
			return json.RawMessage(v[len(marker):])
		}
		return v
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = rawArgs(s)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = rawArgs(s)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, s := range v {
			out[k] = rawArgs(s)
		}
		return out
	}
	return arg
}

// Ref is {"Ref": name}.
func Ref(name string) string { return intrinsic("Ref", name) }

// GetAtt is {"Fn::GetAtt": [resource, attribute]}.
func GetAtt(resource, attribute string) string {
	return intrinsic("Fn::GetAtt", []string{resource, attribute})
}

// ImportValue is {"Fn::ImportValue": exportName}.
func ImportValue(exportName string) string { return intrinsic("Fn::ImportValue", exportName) }

// Sub is {"Fn::Sub": template}. The template is CloudFormation's, so literal text in it must
// have been escaped with subLiteral.
func Sub(template string) string { return intrinsic("Fn::Sub", template) }

// Base64 is {"Fn::Base64": value}.
func Base64(value string) string { return intrinsic("Fn::Base64", value) }

// Join is {"Fn::Join": [sep, values]}.
func Join(sep string, values ...string) string {
	return intrinsic("Fn::Join", []any{sep, values})
}

// If is {"Fn::If": [condition, whenTrue, whenFalse]}.
func If(condition, whenTrue, whenFalse string) string {
	return intrinsic("Fn::If", []any{condition, whenTrue, whenFalse})
}

// Equals is {"Fn::Equals": [a, b]}, for the Conditions section.
func Equals(a, b string) string { return intrinsic("Fn::Equals", []any{a, b}) }

// JoinList is {"Fn::Join": [sep, list]} for a list-valued intrinsic (the Ref of a List
// parameter).
func JoinList(sep, list string) string { return intrinsic("Fn::Join", []any{sep, list}) }

// Split is {"Fn::Split": [sep, value]}; wrap it in List to use it as a list property.
func Split(sep, value string) string { return intrinsic("Fn::Split", []any{sep, value}) }

// subLiteral escapes text that goes into an Fn::Sub template verbatim: "${" starts a variable in
// Fn::Sub, "${!" is its escape for a literal "${".
func subLiteral(s string) string { return strings.ReplaceAll(s, "${", "${!") }

// pseudoString is a string that may name CloudFormation pseudo parameters (${AWS::Partition},
// ${AWS::Region}, ${AWS::AccountId}). Inside a template it becomes Fn::Sub; in a file written
// for humans or the AWS CLI it is resolved with the values the spec knows.
type pseudoString string

// cfn returns the value to put in a template.
func (p pseudoString) cfn() string {
	if strings.Contains(string(p), "${") {
		return Sub(string(p))
	}
	return string(p)
}

// resolve returns the value with pseudo parameters and the current stack's references
// replaced (resolveFile); an unknown account becomes "*".
func (p pseudoString) resolve(e *env) string { return e.resolveFile(string(p)) }

// setFileRef says how policy files show a reference to a resource of the current stack. A
// reference is a logical id, or one with an attribute (TaskRole.Arn): never a "}".
func (e *env) setFileRef(ref, arnPattern string) {
	if strings.Contains(ref, "}") {
		panic("internal error: file reference " + ref) // resolveFile ends a reference at its "}"
	}
	e.fileRefs[ref] = arnPattern
}

// resolveFile resolves a pseudoString for policy files: from left to right, each
// "${AWS::Partition}", "${AWS::Region}" and "${AWS::AccountId}" becomes the spec's value ("*"
// for an unknown account), each "${!" becomes "${", and each "${<ref>}" of the current stack's
// references becomes the ARN pattern setFileRef gave, its pseudo parameters resolved; nothing
// replaced is scanned again. That is what a strings.Replacer of those pairs (in that order, the
// earlier pair first where two match) does, without building one for every stack
// (TestResolveFileAgreesWithReplacer).
func (e *env) resolveFile(s string) string {
	return e.replacePatterns(s, true)
}

func (e *env) replacePatterns(s string, refs bool) string {
	i := strings.Index(s, "${")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 32)
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		if v, n := e.pattern(s, refs); n > 0 {
			b.WriteString(v)
			s = s[n:]
		} else {
			b.WriteByte('$')
			s = s[1:]
		}
		i = strings.Index(s, "${")
	}
	b.WriteString(s)
	return b.String()
}

// pattern is the replacement of the pattern s starts with and the pattern's length, or 0.
func (e *env) pattern(s string, refs bool) (string, int) {
	for _, p := range [...]struct{ name, value string }{
		{"${AWS::Partition}", e.partition}, {"${AWS::Region}", e.spec.Region}, {"${AWS::AccountId}", e.account()},
	} {
		if strings.HasPrefix(s, p.name) {
			return p.value, len(p.name)
		}
	}
	if !refs {
		return "", 0
	}
	if strings.HasPrefix(s, "${!") {
		return "${", len("${!")
	}
	if end := strings.IndexByte(s, '}'); end >= 2 {
		if v, ok := e.fileRefs[s[2:end]]; ok {
			return e.replacePatterns(v, false), end + 1
		}
	}
	return "", 0
}

// account is the spec's account for files, "*" when unknown.
func (e *env) account() string {
	if e.spec.Account == "" {
		return "*"
	}
	return e.spec.Account
}

// userTemplate makes a pseudoString of a string the user wrote: the pseudo parameters
// ${AWS::Partition}, ${AWS::Region} and ${AWS::AccountId} are substituted, and any other "${"
// (an IAM policy variable such as ${aws:username}) stays literal.
func userTemplate(s string) pseudoString {
	s = subLiteral(s)
	for _, p := range []string{"AWS::Partition", "AWS::Region", "AWS::AccountId"} {
		s = strings.ReplaceAll(s, "${!"+p+"}", "${"+p+"}")
	}
	return pseudoString(s)
}

// expandMarkers replaces every marker string in a decoded JSON tree with the intrinsic it holds.
func expandMarkers(v any) (any, error) {
	switch x := v.(type) {
	case string:
		if !strings.HasPrefix(x, marker) {
			return x, nil
		}
		dec := json.NewDecoder(strings.NewReader(x[len(marker):]))
		dec.UseNumber()
		var fn any
		if err := dec.Decode(&fn); err != nil {
			return nil, fmt.Errorf("internal error: malformed intrinsic %q: %v", x[1:], err)
		}
		return expandMarkers(fn)
	case []any:
		if len(x) == 1 {
			if s, ok := x[0].(string); ok && strings.HasPrefix(s, listMarker) {
				return expandMarkers(s[len(marker):])
			}
		}
		for i := range x {
			e, err := expandMarkers(x[i])
			if err != nil {
				return nil, err
			}
			x[i] = e
		}
	case map[string]any:
		for k := range x {
			e, err := expandMarkers(x[k])
			if err != nil {
				return nil, err
			}
			x[k] = e
		}
	}
	return v, nil
}

// marshalIndent is json.MarshalIndent without HTML escaping ("<", ">" and "&" stay readable in
// scripts and policies) and with a final newline.
func marshalIndent(v any) ([]byte, error) {
	buf := getBuffer()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return release(buf), nil
}

// encodeTree writes a decoded JSON tree (maps, slices, strings, json.Number, bools, nil) as
// marshalIndent would — two-space indent, sorted keys, no HTML escaping, final newline — without
// reflection and without encoding/json's separate indentation pass. Templates are most of what
// ecsgen writes, so this is where the encoding time goes.
func encodeTree(v any) ([]byte, error) {
	b := getBuffer()
	if err := writeTree(b, v, 0); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return release(b), nil
}

func writeTree(b *bytes.Buffer, v any, depth int) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(x))
	case string:
		writeString(b, x)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(b, depth+1)
			if err := writeTree(b, e, depth+1); err != nil {
				return err
			}
		}
		newline(b, depth)
		b.WriteByte(']')
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(b, depth+1)
			writeString(b, k)
			b.WriteString(": ")
			if err := writeTree(b, x[k], depth+1); err != nil {
				return err
			}
		}
		newline(b, depth)
		b.WriteByte('}')
	default:
		return fmt.Errorf("internal error: cannot encode %T", v)
	}
	return nil
}

func newline(b *bytes.Buffer, depth int) {
	if n := 1 + 2*depth; n <= len(indents) {
		b.WriteString(indents[:n]) // one copy instead of one per level
		return
	}
	b.WriteByte('\n')
	for range depth {
		b.WriteString("  ")
	}
}

// indents is a newline and the indentation of 32 levels.
var indents = "\n" + strings.Repeat("  ", 32)

// writeString quotes s as encoding/json does with HTML escaping off: control characters,
// quotes and backslashes escaped, U+2028 and U+2029 escaped, each byte of invalid UTF-8
// replaced by the escape \ufffd.
func writeString(b *bytes.Buffer, s string) { writeQuoted(b, s, `\ufffd`, false) }

// writeDecodedString quotes s as writeString quotes the string that decoding encoding/json's
// encoding of s gives: each byte of invalid UTF-8 becomes U+FFFD itself, not its escape. This
// is how a template's strings came out of encoding, decoding and encoding again, and so how the
// direct encoder (encode.go) must write them.
func writeDecodedString(b *bytes.Buffer, s string) { writeQuoted(b, s, "\uFFFD", false) }

// writeMarshalledString quotes s as json.Marshal does: writeString with "<", ">" and "&"
// escaped too.
func writeMarshalledString(b *bytes.Buffer, s string) { writeQuoted(b, s, `\ufffd`, true) }

func writeQuoted(b *bytes.Buffer, s, invalid string, html bool) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && !(html && (c == '<' || c == '>' || c == '&')) {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(invalid)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
