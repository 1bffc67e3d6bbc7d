package generators

import "bytes"

// Policy files (policies/*.json, four of every service's files) are written without
// reflection: encodePolicyFile gives marshalIndent(d) — encoding/json's text with two-space
// indent, no HTML escaping, a final newline, members in policyJSON's declared order (which is
// key order) and map keys sorted — byte for byte. ok is false for an Action or Resource that is
// neither a string nor a list of strings (render makes no other), which addPolicy leaves to
// encoding/json; with verifyEncodings set (the package's tests) addPolicy compares the two on
// every policy file.
func encodePolicyFile(d policyJSON) (_ []byte, ok bool) {
	b := getBuffer()
	b.WriteString("{\n  \"Statement\": ")
	switch {
	case d.Statement == nil:
		b.WriteString("null")
	case len(d.Statement) == 0:
		b.WriteString("[]")
	default:
		b.WriteByte('[')
		for i, st := range d.Statement {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(b, 2)
			if !writeStatement(b, st, 2) {
				release(b)
				return nil, false
			}
		}
		newline(b, 1)
		b.WriteByte(']')
	}
	b.WriteString(",\n  \"Version\": ")
	writeString(b, d.Version)
	b.WriteString("\n}\n")
	return release(b), true
}

func writeStatement(b *bytes.Buffer, st statementJSON, depth int) bool {
	key := func(k string) {
		newline(b, depth+1)
		b.WriteString(k)
	}
	b.WriteByte('{')
	key(`"Action": `)
	if !writeStringOrList(b, st.Action, depth+1) {
		return false
	}
	if len(st.Condition) > 0 {
		b.WriteByte(',')
		key(`"Condition": {`)
		for i, op := range sortedKeys(st.Condition) {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(b, depth+2)
			writeString(b, op)
			b.WriteString(": ")
			writeStringMap(b, st.Condition[op], depth+2)
		}
		newline(b, depth+1)
		b.WriteByte('}')
	}
	b.WriteByte(',')
	key(`"Effect": `)
	writeString(b, st.Effect)
	if len(st.Principal) > 0 {
		b.WriteByte(',')
		key(`"Principal": `)
		writeStringMap(b, st.Principal, depth+1)
	}
	if st.Resource != nil {
		b.WriteByte(',')
		key(`"Resource": `)
		if !writeStringOrList(b, st.Resource, depth+1) {
			return false
		}
	}
	if st.Sid != "" {
		b.WriteByte(',')
		key(`"Sid": `)
		writeString(b, st.Sid)
	}
	newline(b, depth)
	b.WriteByte('}')
	return true
}

// writeStringMap writes a non-empty map of strings, keys sorted.
func writeStringMap(b *bytes.Buffer, m map[string]string, depth int) {
	b.WriteByte('{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteByte(',')
		}
		newline(b, depth+1)
		writeString(b, k)
		b.WriteString(": ")
		writeString(b, m[k])
	}
	newline(b, depth)
	b.WriteByte('}')
}

func writeStringOrList(b *bytes.Buffer, v any, depth int) bool {
	switch x := v.(type) {
	case string:
		writeString(b, x)
	case []string:
		switch {
		case x == nil:
			b.WriteString("null")
		case len(x) == 0:
			b.WriteString("[]")
		default:
			b.WriteByte('[')
			for i, s := range x {
				if i > 0 {
					b.WriteByte(',')
				}
				newline(b, depth+1)
				writeString(b, s)
			}
			newline(b, depth)
			b.WriteByte(']')
		}
	default:
		return false
	}
	return true
}
