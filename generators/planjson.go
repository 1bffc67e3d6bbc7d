package generators

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"github.com/ecsgen/ecsgen/internal/textdiff"
)

// deploy-plan.json is encoded by hand, field by field, in the order and with the omissions of
// the json tags of deployPlan and the types it holds, instead of by marshalIndent: encoding/json
// reached every field by reflection and then indented the whole result in a second pass, about
// 0.1 s and 38 MB at 10 000 services for a file that every build writes. The bytes are
// marshalIndent's (TestPlanJSONAgreesWithEncodingJSON compares them on random plans, awkward
// strings, every example and the benchmark spec): strings quoted by writeString, two-space
// indentation, maps with sorted keys, empty objects and arrays as {} and [].
func planJSON(p deployPlan) []byte {
	b := bytes.NewBuffer(make([]byte, 0, planJSONSize(p)))
	b.WriteString("{\n  \"region\": ")
	writeString(b, p.Region)
	b.WriteString(",\n  \"stacks\": ")
	switch {
	case p.Stacks == nil:
		b.WriteString("null")
	case len(p.Stacks) == 0:
		b.WriteString("[]")
	default:
		b.WriteByte('[')
		var keys []string // the sorted keys of a stack's parameters, reused
		for i := range p.Stacks {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n    ")
			keys = writeStackInPlan(b, &p.Stacks[i], keys[:0])
		}
		b.WriteString("\n  ]")
	}
	b.WriteString("\n}\n")
	return b.Bytes()
}

// planJSONSize is the size of a plan's JSON when no string needs escaping: its strings, and
// the keys, punctuation and indentation writeStackInPlan writes around them (the counts below
// are the lengths of its literals). It is the buffer's size from the start, so that the
// megabytes of a large plan are neither copied at every doubling of a growing buffer nor held
// with spare capacity until the build writes them; an escape only makes the buffer grow.
func planJSONSize(p deployPlan) int {
	n := 38 + len(p.Region) + max(len(p.Stacks)-1, 0) // the commas between stacks
	switch {
	case p.Stacks == nil:
		n += len("null") - len("[\n  ]")
	case len(p.Stacks) == 0:
		n += len("[]") - len("[\n  ]")
	}
	for i := range p.Stacks {
		st := &p.Stacks[i]
		n += 5 + 18 + len(st.Name) + 25 + len(st.Description) + 22 + len(st.Template) + 17 + decimalDigits(st.Bytes) + 6
		if len(st.Parameters) > 0 {
			n += 23 + 8 - 1 // no comma before the first member
			for k, v := range st.Parameters {
				n += 16 + len(k) + len(v)
			}
		}
		if len(st.Capabilities) > 0 {
			n += 25 + 8 - 1
			for _, c := range st.Capabilities {
				n += 12 + len(c)
			}
		}
		if st.S3Bucket {
			n += 24
		}
		if len(st.LogGroups) > 0 {
			n += 22 + 8 - 1
			for _, g := range st.LogGroups {
				n += 12 + len(g)
			}
		}
		if r := st.Release; r != nil {
			n += 193 + len(r.Application) + len(r.DeploymentGroup) + len(r.Cluster) + len(r.Service) + len(r.TaskDefinition) + len(r.CreateDeployment)
		}
		if t := st.LiveTraffic; t != nil {
			n += 25
			if t.Listener != "" {
				n += 30 + len(t.Listener)
			}
			if t.Rule != "" {
				n += 26 + len(t.Rule)
			}
			if t.Listener != "" && t.Rule != "" {
				n -= 6 // one "{" and one "}" less, one comma more
			}
		}
		if d := st.DesiredCount; d != nil {
			n += 99 + len(d.Cluster) + len(d.Service) + decimalDigits(d.Initial)
		}
	}
	return n
}

// decimalDigits is the length of n in decimal.
func decimalDigits(n int) int {
	d := 1
	if n < 0 {
		d++
	}
	for n >= 10 || n <= -10 {
		n /= 10
		d++
	}
	return d
}

// writeStackInPlan writes one stack of the plan, at the indentation of an element of "stacks".
// keys is room for the sorted keys of its parameters, returned for the next stack.
func writeStackInPlan(b *bytes.Buffer, st *stackInPlan, keys []string) []string {
	const in = "\n      " // a member of the stack
	b.WriteString("{" + in + "\"name\": ")
	writeString(b, st.Name)
	b.WriteString("," + in + "\"description\": ")
	writeString(b, st.Description)
	b.WriteString("," + in + "\"template\": ")
	writeString(b, st.Template)
	b.WriteString("," + in + "\"bytes\": ")
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(st.Bytes), 10))
	if len(st.Parameters) > 0 {
		b.WriteString("," + in + "\"parameters\": {")
		for k := range st.Parameters {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(in + "  ")
			writeString(b, k)
			b.WriteString(": ")
			writeString(b, st.Parameters[k])
		}
		b.WriteString(in + "}")
	}
	if len(st.Capabilities) > 0 {
		b.WriteString("," + in + "\"capabilities\": ")
		writeStrings(b, st.Capabilities, in)
	}
	if st.S3Bucket {
		b.WriteString("," + in + "\"s3Bucket\": true")
	}
	if r := st.Release; r != nil {
		const rin = in + "  "
		b.WriteString("," + in + "\"release\": {" + rin + "\"application\": ")
		writeString(b, r.Application)
		b.WriteString("," + rin + "\"deploymentGroup\": ")
		writeString(b, r.DeploymentGroup)
		b.WriteString("," + rin + "\"cluster\": ")
		writeString(b, r.Cluster)
		b.WriteString("," + rin + "\"service\": ")
		writeString(b, r.Service)
		b.WriteString("," + rin + "\"taskDefinition\": ")
		writeString(b, r.TaskDefinition)
		b.WriteString("," + rin + "\"createDeployment\": ")
		writeString(b, r.CreateDeployment)
		b.WriteString(in + "}")
	}
	if t := st.LiveTraffic; t != nil {
		const tin = in + "  "
		b.WriteString("," + in + "\"liveTraffic\": ")
		switch {
		case t.Listener == "" && t.Rule == "":
			b.WriteString("{}")
		default:
			b.WriteByte('{')
			if t.Listener != "" {
				b.WriteString(tin + "\"listener\": ")
				writeString(b, t.Listener)
			}
			if t.Rule != "" {
				if t.Listener != "" {
					b.WriteByte(',')
				}
				b.WriteString(tin + "\"rule\": ")
				writeString(b, t.Rule)
			}
			b.WriteString(in + "}")
		}
	}
	if d := st.DesiredCount; d != nil {
		const din = in + "  "
		b.WriteString("," + in + "\"desiredCount\": {" + din + "\"cluster\": ")
		writeString(b, d.Cluster)
		b.WriteString("," + din + "\"service\": ")
		writeString(b, d.Service)
		b.WriteString("," + din + "\"initial\": ")
		b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(d.Initial), 10))
		b.WriteString(in + "}")
	}
	if len(st.LogGroups) > 0 {
		b.WriteString("," + in + "\"logGroups\": ")
		writeStrings(b, st.LogGroups, in)
	}
	b.WriteString("\n    }")
	return keys
}

// writeStrings writes a non-empty array of strings whose owner's members are indented by in.
func writeStrings(b *bytes.Buffer, list []string, in string) {
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(in)
		b.WriteString("  ")
		writeString(b, s)
	}
	b.WriteString(in)
	b.WriteByte(']')
}

// deployPlanFile is deploy-plan.json. With verifyEncodings set (the package's tests) it is
// also encoded by marshalIndent, and a difference fails the generation.
func deployPlanFile(p deployPlan) ([]byte, error) {
	body := planJSON(p)
	if verifyEncodings {
		general, err := marshalIndent(p)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(body, general) {
			return nil, fmt.Errorf("internal error: deploy-plan.json: the direct encoding differs from encoding/json's:\n%s", textdiff.Unified("encoding/json", "direct", general, body))
		}
	}
	return body, nil
}
