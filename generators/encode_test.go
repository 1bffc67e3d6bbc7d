package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/awslabs/goformation/v7/cloudformation/logs"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/schema"
)

// directly is the direct encoder's text of v (encode.go).
func directly(v any) ([]byte, error) {
	var b bytes.Buffer
	w := directWriter{re: reencoder{out: &b}}
	if err := w.value(reflect.ValueOf(&v).Elem(), 0, ""); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// generally is the general path's text of v: encoding/json's, re-encoded.
func generally(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return reencode(raw)
}

func agree(t *testing.T, what string, v any) {
	t.Helper()
	want, werr := generally(v)
	got, gerr := directly(v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%s: errors differ: general %v, direct %v", what, werr, gerr)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: the direct encoder gives\n%s\nthe general path gives\n%s", what, got, want)
	}
}

// Values that take every rule of encode.go: markers, list markers, strings encoding/json
// rewrites, omitempty, nil and empty, Marshalers with value and pointer receivers on
// addressable and other values, and the types the plans leave to encoding/json.
type (
	byValue    struct{ X int }
	byPointer  struct{ X int }
	textual    string
	markerText string // its text is its value: a marker only encoding/json can see
	embedded   struct{ byValue }
	quotedTag  struct {
		N int `json:",string"`
	}
	oddName struct {
		A int `json:"a-b"`
	}
	allKinds struct {
		S       string            `json:"S"`
		Empty   string            `json:"Empty,omitempty"`
		P       *string           `json:"P,omitempty"`
		Nil     *string           `json:"Nil"`
		I       int64             `json:"I,omitempty"`
		U       uint8             `json:"U"`
		F       float64           `json:"F"`
		NegZero float64           `json:"NegZero,omitempty"`
		B       bool              `json:"B,omitempty"`
		L       []string          `json:"L"`
		NilL    []string          `json:"NilL"`
		EmptyL  []string          `json:"EmptyL,omitempty"`
		M       map[string]any    `json:"M"`
		SS      map[string]string `json:"SS,omitempty"`
		IntKeys map[int]string    `json:"IntKeys"`
		Any     any               `json:"Any"`
		Bytes   []byte            `json:"Bytes"`
		Arr     [2]string         `json:"Arr"`
		Num     json.Number       `json:"Num"`
		Raw     json.RawMessage   `json:"Raw"`
		V       byValue           `json:"V"`
		PV      *byPointer        `json:"PV"`
		VP      byPointer         `json:"VP"`
		T       textual           `json:"T"`
		E       embedded          `json:"E"`
		Q       quotedTag         `json:"Q"`
		O       oddName           `json:"O"`
		Untag   string
		hidden  string
		Skip    string `json:"-"`
	}
)

func (b byValue) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`{"by":"value","x":%d}`, b.X)), nil
}
func (b *byPointer) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(` [ "by pointer", %d ] `, b.X)), nil
}
func (t textual) MarshalText() ([]byte, error)    { return []byte("text:" + string(t)), nil }
func (t markerText) MarshalText() ([]byte, error) { return []byte(t), nil }

func TestDirectEncodingAgreesOnCases(t *testing.T) {
	s := "x"
	strs := []string{
		"", "plain", "<&> html", "quote \" backslash \\", "tab\tnewline\nbell\x07", "\u2028 \u2029",
		"invalid \xff\xfe utf-8", "é 日本 😀", Ref("Res"), GetAtt("Role", "Arn"), Sub("a ${AWS::Region} <b>"),
		Join(",", Ref("A"), "b", GetAtt("C", "D")), If("C", Ref("A"), Ref("AWS::NoValue")),
		marker + "\xff", marker + `{"Ref":"X"} trailing`, listMarker + `{"Ref":"Y"}`,
	}
	full := allKinds{
		S: "s", P: &s, U: 7, F: 1e21, NegZero: negZero(), L: []string{"a", Ref("B")}, EmptyL: []string{},
		M:       map[string]any{"b": 1, "a": []any{nil, "x", Ref("Z")}, "é": "k", "<k>": map[string]any{}, "\xffbad": 1},
		SS:      map[string]string{"z": "1", "a": Ref("Q")},
		IntKeys: map[int]string{2: "b", 1: "a"}, Any: map[string]any{"Ref": Ref("X")},
		Bytes: []byte("bytes"), Arr: [2]string{"a", Ref("B")}, Num: "12.50", Raw: json.RawMessage(`{"b":1, "a":[ ]}`),
		V: byValue{3}, PV: &byPointer{4}, VP: byPointer{5}, T: "t", E: embedded{byValue{6}}, Q: quotedTag{7}, O: oddName{8},
		Untag: "u", hidden: "h", Skip: "s",
	}
	cases := map[string]any{
		"zero struct": allKinds{}, "full struct": full, "pointer to full": &full,
		"slice of structs": []allKinds{full, {}}, "map of structs": map[string]allKinds{"b": full, "a": {}},
		"nil": nil, "empty map": map[string]any{}, "nil map": map[string]any(nil), "float": 0.1,
		"list marker": List(Split(",", Ref("Subnets"))), "list marker in []any": []any{listMarker + `{"Ref":"L"}`},
		"one pointer element": []*string{&s}, "one nil element": []*string{nil},
		"one marshaler element": []byValue{{1}}, "one text element": []textual{"t"},
		"one list marker as text": []markerText{listMarker + `{"Ref":"M"}`},
		"one list marker pointer": []*string{ptr(listMarker + `{"Ref":"P"}`)},
		"nested lists":            []any{[]any{[]string{Ref("Deep")}}, map[string]any{"x": map[string]any{"y": -0.0}}},
		"resource by value":       logs.LogGroup{LogGroupName: &s, AWSCloudFormationDeletionPolicy: "Retain"},
		"nil resource":            (*logs.LogGroup)(nil), "nil extension": (*taskDefinition)(nil),
		"resources": cloudformation.Resources{"A": &logs.LogGroup{}, "B": nil, "C": (*logs.LogGroup)(nil)},
	}
	for i, str := range strs {
		cases[fmt.Sprintf("string %d", i)] = str
		cases[fmt.Sprintf("key %d", i)] = map[string]string{str: str}
		cases[fmt.Sprintf("list of string %d", i)] = []string{str}
	}
	for name, v := range cases {
		agree(t, name, v)
	}
}

func negZero() float64 {
	z := 0.0
	return -z
}

// fill sets every field of v, recursively: strings, numbers, lists of two, maps of two and
// interfaces holding intrinsics, so that every member of every resource type is written.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d <&>", depth))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(depth + 1))
	case reflect.Float64, reflect.Float32:
		v.SetFloat(float64(depth) + 0.5)
	case reflect.Pointer:
		if depth > 6 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		if depth > 6 {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if depth > 6 || v.Type().Key().Kind() != reflect.String {
			return
		}
		v.Set(reflect.MakeMap(v.Type()))
		for _, k := range []string{"b", "a"} {
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, depth+1)
			v.SetMapIndex(reflect.ValueOf(k), e)
		}
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(map[string]any{"Ref": Ref("X"), "Fn": Sub("${AWS::Region}"), "L": []any{1, "x"}}))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

// Every resource type of goformation, with every property and attribute set, as the only
// resource of a template: the emulation of its MarshalJSON (writeResource) and everything
// under it must give goformation's own bytes. The resource types without the generated
// wrapper (a MarshalJSON of their own) must fall back.
func TestDirectEncodingAgreesOnEveryResourceType(t *testing.T) {
	all := cloudformation.AllResources()
	if len(all) < 1000 {
		t.Fatalf("only %d resource types", len(all))
	}
	emulated := 0
	for _, name := range sortedKeys(all) {
		r := all[name]
		fill(reflect.ValueOf(r).Elem(), 0)
		if planOf(reflect.TypeOf(r).Elem()).kind == asResource {
			emulated++
		}
		tpl := cloudformation.NewTemplate()
		tpl.Resources["R"] = r
		want, werr := encodeTemplateByText(tpl)
		got, gerr := directly(tpl)
		if werr != nil || gerr != nil {
			t.Fatalf("%s: general %v, direct %v", name, werr, gerr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the direct encoder gives\n%s\nthe general path gives\n%s", name, got, want)
		}
	}
	if emulated < len(all)*9/10 {
		t.Errorf("only %d of %d resource types are written directly", emulated, len(all))
	}
}

// Every spec the examples and the benchmarks hold, generated with each direct encoding checked
// against the general path (TestMain sets verifyEncodings): templates, task definitions in
// both forms, policies. The package's other tests add their hand-made specs.
func TestDirectEncodingAgreesOnExamples(t *testing.T) {
	if !verifyEncodings {
		t.Fatal("verifyEncodings is off")
	}
	specs := exampleSpecs(t, 12)
	stacks := 0
	for name, s := range specs {
		out, err := Generate(s)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for p := range out {
			if strings.Contains(p, "/stacks/") {
				stacks++
			}
		}
	}
	if stacks < 30 {
		t.Errorf("only %d stacks compared", stacks)
	}
}

func TestVerifyEncodingsCatchesADifference(t *testing.T) {
	tpl := cloudformation.NewTemplate()
	tpl.Resources["T"] = &ecs.TaskDefinition{Family: ptr("f")}
	if _, err := encodeTemplate(tpl); err != nil {
		t.Fatal(err)
	}
	// A plan that misnames a member: the check must see it.
	p := planOf(reflect.TypeFor[ecs.TaskDefinition]())
	k := slices.IndexFunc(p.fields, func(f fieldPlan) bool { return f.name == "Family" })
	p.fields[k].name = "Familx"
	defer func() { p.fields[k].name = "Family" }()
	if _, err := encodeTemplate(tpl); err == nil {
		t.Fatal("a direct encoding that differs from the general one passed the check")
	}
}

// exampleSpecs are the specs of every example, by file, and a benchmark spec of n services
// ("benchmark spec").
func exampleSpecs(t *testing.T, n int) map[string]*schema.Spec {
	t.Helper()
	files, _ := filepath.Glob("../examples/*/spec.cue")
	if len(files) < 5 {
		t.Fatalf("only %d examples", len(files))
	}
	specs := map[string]*schema.Spec{}
	for _, f := range files {
		res, findings, err := load.Files([]string{f}, load.Options{})
		if err != nil || res == nil {
			t.Fatalf("%s: %v %v", f, err, findings)
		}
		specs[f] = res.Spec
	}
	bench := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(bench, []byte(benchspec.Spec(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	res, findings, err := load.Files([]string{bench}, load.Options{})
	if err != nil || res == nil {
		t.Fatalf("benchmark spec: %v %v", err, findings)
	}
	specs["benchmark spec"] = res.Spec
	return specs
}
