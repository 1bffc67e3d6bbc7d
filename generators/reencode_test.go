package generators

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// treeEncoding is what encodeTemplate did before reencode: decode with UseNumber, expand the
// markers, encode the tree. reencode must give the same bytes for every input.
func treeEncoding(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	tree, err := expandMarkers(tree)
	if err != nil {
		return nil, err
	}
	return encodeTree(tree)
}

func reencodeCases(t testing.TB) [][]byte {
	values := []any{
		nil, true, false, 0, -1.5, 1e21, 12345678901234567890.0, "", "plain", []any{}, map[string]any{},
		"<&> html", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\rbell\x07",
		"\u2028 and \u2029", "invalid \xff\xfe utf-8", "é ü 日本 😀",
		map[string]any{"b": 1, "a": []any{1, "x", nil}, "é": "k", "<key>": "v", "A": map[string]any{}},
		Ref("Res"), GetAtt("Role", "Arn"), Sub("arn:${AWS::Partition}:s3:::b/*"), ImportValue("x-y"),
		Join(",", Ref("A"), "b", GetAtt("C", "D")), If("Cond", Ref("A"), Ref("AWS::NoValue")),
		List(Split(",", Ref("Subnets"))), []string{Ref("A")}, []string{Ref("A"), Ref("B")},
		Base64(Sub("#!/bin/bash\necho \"${AWS::Region}\" <tag> & \u2028")),
		map[string]any{"Ref": Ref("X"), "L": List(JoinList(",", Ref("P"))), "S": []string{listMarker + `{"Ref":"Q"}`}},
		Sub("caf\u00e9 \"quoted\" ${!Literal} \t"),
	}
	var out [][]byte
	for _, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
	// Text encoding/json does not write but a MarshalJSON may: spaces, duplicate keys (the
	// last wins), escaped keys, surrogate pairs and lone surrogates, uppercase hex escapes.
	for _, s := range []string{
		` { "b" : [ 1 , 2 ] , "a" : { } , "b" : "last" } `,
		`{"\u0061":1,"a":2,"\u00e9":3,"\ud83d\ude00":4,"\ud800x":5,"\uD83D\uDE00":6}`,
		`["\ud800", "\udc00\ud800", "\u00E9", "a\/b", "\u0000\u0000{\"Ref\":\"L\"}"]`,
		`{"k":["\u0000\u0000{\"Fn::Split\":[\",\",\"\\u0000{\\\"Ref\\\":\\\"P\\\"}\"]}"]}`,
		`["\u0000{\"Ref\":\"raw \u0001 control\"}"]`,
		`[[["\u0000{\"Ref\":\"Deep\"}"]], {"x": {"y": {"z": -0.0e+10}}}]`,
	} {
		out = append(out, []byte(s))
	}
	// The templates of the committed examples, as goformation-free compact JSON.
	files, _ := filepath.Glob("../examples/*/out/*/stacks/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			t.Fatal(err)
		}
		out = append(out, c.Bytes())
	}
	return out
}

func TestReencodeAgreesWithTreeEncoding(t *testing.T) {
	cases := reencodeCases(t)
	if len(cases) < 40 {
		t.Fatalf("only %d cases: the examples' stacks were not found", len(cases))
	}
	for _, raw := range cases {
		want, werr := treeEncoding(raw)
		got, gerr := reencode(raw)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%s: errors differ: tree %v, reencode %v", raw, werr, gerr)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\nreencode gives\n%s\nthe tree encoding gives\n%s", raw, got, want)
		}
	}
}

func TestReencodeRefusesMalformedText(t *testing.T) {
	for _, s := range []string{``, `{`, `{"a"}`, `{"a":}`, `[1,]`, `"abc`, `{"a":1}x`, `["\u0000{\"Ref\""]`, `"\u12"`, `"\q"`} {
		if out, err := reencode([]byte(s)); err == nil {
			t.Errorf("%s: no error, gives %s", s, out)
		}
	}
}

func FuzzReencode(f *testing.F) {
	for _, raw := range reencodeCases(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) || !wellFormedMarkers(raw) {
			return // encoding/json writes valid JSON, and intrinsic() valid markers
		}
		want, werr := treeEncoding(raw)
		got, gerr := reencode(raw)
		if werr != nil {
			return // a malformed marker: both refuse it, with their own words
		}
		if gerr != nil {
			t.Fatalf("%q: reencode refuses what the tree encoding accepts: %v", raw, gerr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%q:\nreencode gives\n%s\nthe tree encoding gives\n%s", raw, got, want)
		}
	})
}

// wellFormedMarkers reports whether every marker in a JSON text holds exactly one valid JSON
// value, as those intrinsic() writes do.
func wellFormedMarkers(raw []byte) bool {
	var tree any
	if json.Unmarshal(raw, &tree) != nil {
		return false
	}
	var ok func(v any) bool
	ok = func(v any) bool {
		switch x := v.(type) {
		case string:
			if len(x) > 0 && x[0] == 0 {
				inner := x[1:]
				if len(inner) > 0 && inner[0] == 0 {
					inner = inner[1:]
				}
				return json.Valid([]byte(inner)) && wellFormedMarkers([]byte(inner))
			}
		case []any:
			for _, e := range x {
				if !ok(e) {
					return false
				}
			}
		case map[string]any:
			for _, e := range x {
				if !ok(e) {
					return false
				}
			}
		}
		return true
	}
	return ok(tree)
}

// retainedByDecoding is retainedOf as it was: the template decoded by encoding/json.
func retainedByDecoding(body []byte) []retainedResource {
	var t struct {
		Resources map[string]struct {
			Type           string
			DeletionPolicy string
			Properties     map[string]any
		}
	}
	if json.Unmarshal(body, &t) != nil {
		return nil
	}
	var out []retainedResource
	for _, id := range sortedKeys(t.Resources) {
		r := t.Resources[id]
		if r.DeletionPolicy != "Retain" && r.DeletionPolicy != "RetainExceptOnCreate" {
			continue
		}
		name, _ := r.Properties["LogGroupName"].(string)
		out = append(out, retainedResource{ID: id, Type: r.Type, LogGroupName: name})
	}
	return out
}

func TestRetainedOfAgreesWithDecoding(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/out/*/stacks/*.json")
	bodies := [][]byte{
		[]byte(`{"Resources":{"B":{"Type":"AWS::Logs::LogGroup","DeletionPolicy":"Retain","Properties":{"LogGroupName":{"Ref":"X"}}},"A":{"Type":"T","DeletionPolicy":"RetainExceptOnCreate"}}}`),
		[]byte(`{"Resources":{"A":{"Type":"AWS::Logs::LogGroup","DeletionPolicy":"Retain","Properties":{"LogGroupName":"caf\u00e9 \"g\""}}, "C":{"DeletionPolicy":"Delete"}}}`),
	}
	retained := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	for _, b := range bodies {
		want, got := retainedByDecoding(b), retainedOf(b)
		retained += len(got)
		if !slices.Equal(got, want) {
			t.Errorf("%.80s…: retainedOf gives %v, decoding gives %v", b, got, want)
		}
	}
	if retained < 5 {
		t.Fatalf("only %d retained resources among %d templates: the cases prove nothing", retained, len(bodies))
	}
}

// importNames, which scans a template's text, finds what a walk of the decoded template finds:
// every literal name of an Fn::ImportValue, on every committed stack and on escaped names.
func TestImportNamesAgreesWithDecoding(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/out/*/stacks/*.json")
	goldens, _ := filepath.Glob("../testdata/golden/*/out/*/stacks/*.json")
	bodies := [][]byte{
		[]byte(`{"A": {"Fn::ImportValue": "caf\u00e9 \"x\":y"}, "B": [{"Fn::ImportValue": "a\\"}, {"Fn::ImportValue": {"Fn::Sub": "n"}}]}`),
		[]byte(`{"Description": "quoted \"Fn::ImportValue\": \"not-an-import\""}`),
	}
	for _, f := range append(files, goldens...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	imports := 0
	for _, b := range bodies {
		var tree any
		if err := json.Unmarshal(b, &tree); err != nil {
			t.Fatalf("%.80s: %v", b, err)
		}
		seen := map[string]bool{}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if name, ok := x.(string); ok && k == "Fn::ImportValue" {
						seen[name] = true
					} else {
						walk(x)
					}
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(tree)
		want, got := sortedKeys(seen), importNames(b)
		imports += len(got)
		if !slices.Equal(got, want) {
			t.Errorf("%.80s…: importNames gives %v, decoding gives %v", b, got, want)
		}
	}
	if imports < 20 {
		t.Fatalf("only %d imports among %d templates: the cases prove nothing", imports, len(bodies))
	}
}

// noExtensions sees every extension field, including one added later: any field set means
// the resource is decoded and edited.
func TestNoExtensionsSeesEveryField(t *testing.T) {
	if !noExtensions(&service{}) || !noExtensions(&taskDefinition{containerExtras: make([]containerExtras, 2)}) ||
		!noExtensions(&service{loadBalancerExtras: []*loadBalancerAdvanced{nil}}) {
		t.Fatal("a resource without extensions is said to have some")
	}
	enabled := "enabled"
	for _, r := range []any{
		&service{desiredCount: "x"}, &service{deployment: &serviceDeploymentExtras{}},
		&service{loadBalancerExtras: []*loadBalancerAdvanced{nil, {}}},
		&taskDefinition{containerExtras: []containerExtras{{}, {VersionConsistency: &enabled}}},
	} {
		if noExtensions(r) {
			t.Errorf("%#v: extensions not seen", r)
		}
	}
	// Every field of service and taskDefinition but goformation's own is an extension.
	for _, r := range []any{service{}, taskDefinition{}} {
		typ := reflect.TypeOf(r)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Anonymous {
				continue
			}
			v := reflect.New(typ)
			fv := v.Elem().Field(i)
			switch fv.Kind() {
			case reflect.String:
				fv = reflect.NewAt(fv.Type(), fv.Addr().UnsafePointer()).Elem()
				fv.SetString("x")
			case reflect.Pointer:
				fv = reflect.NewAt(fv.Type(), fv.Addr().UnsafePointer()).Elem()
				fv.Set(reflect.New(fv.Type().Elem()))
			case reflect.Slice:
				fv = reflect.NewAt(fv.Type(), fv.Addr().UnsafePointer()).Elem()
				one := reflect.MakeSlice(fv.Type(), 1, 1)
				if e := one.Index(0); e.Kind() == reflect.Pointer {
					e.Set(reflect.New(e.Type().Elem()))
				} else {
					// a struct element: set its first field
					ef := e.Field(0)
					ef = reflect.NewAt(ef.Type(), ef.Addr().UnsafePointer()).Elem()
					ef.Set(reflect.New(ef.Type().Elem()))
				}
				fv.Set(one)
			default:
				t.Fatalf("%s.%s: a %s field; extend this test", typ.Name(), f.Name, fv.Kind())
			}
			if noExtensions(v.Interface()) {
				t.Errorf("%s.%s set: noExtensions does not see it", typ.Name(), f.Name)
			}
		}
	}
}
