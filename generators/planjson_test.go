package generators

import (
	"bytes"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/ecsgen/ecsgen/internal/textdiff"
)

// awkwardStrings are strings encoding/json escapes, or could be thought to: quotes,
// backslashes, HTML's <, > and & (left as they are: no HTML escaping), U+2028 and U+2029,
// non-ASCII, control characters, invalid UTF-8 and the empty string.
var awkwardStrings = []string{
	"", `"quoted"`, `back\slash`, "<script>&amp;</script>", "line\u2028separator\u2029paragraph",
	"naïve café 日本語 🚀", "tab\tnewline\ncr\rbell\afeed\fbs\b nul\x00 unit\x1f del\x7f",
	"invalid \xff\xfe utf-8 \xc3", "$(rm -rf /) 'single' `tick`", "plain-name_1.json",
}

// assertPlanJSON fails the test when planJSON's bytes differ from marshalIndent's.
func assertPlanJSON(t *testing.T, name string, p deployPlan) {
	t.Helper()
	want, err := marshalIndent(p)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got := planJSON(p); !bytes.Equal(got, want) {
		t.Errorf("%s: planJSON differs from encoding/json:\n%s", name, textdiff.Unified("encoding/json", "planJSON", want, got))
	}
}

// TestPlanJSONAgreesWithEncodingJSON: the hand-written encoder of deploy-plan.json writes
// exactly marshalIndent's bytes for random plans (testing/quick fills every field the types
// have, so a field added to them without the encoder fails here), for plans whose every string
// and key is awkward, for edge cases (no stacks, empty maps and slices, empty live traffic),
// and for the plans of every example and of the benchmark spec.
func TestPlanJSONAgreesWithEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cfg := &quick.Config{Rand: rng, MaxCount: 300}
	if err := quick.Check(func(p deployPlan) bool {
		assertPlanJSON(t, "random plan", p)
		return true
	}, cfg); err != nil {
		t.Fatal(err)
	}

	for i := range 200 {
		v, ok := quick.Value(reflect.TypeFor[deployPlan](), rng)
		if !ok {
			t.Fatal("quick.Value cannot make a deployPlan")
		}
		setStrings(v, func() string { return awkwardStrings[rng.Intn(len(awkwardStrings))] })
		p := v.Interface().(deployPlan)
		if i == 0 && len(p.Stacks) == 0 {
			t.Fatal("the first random plan has no stacks")
		}
		assertPlanJSON(t, "awkward plan", p)
	}

	for _, s := range awkwardStrings {
		assertPlanJSON(t, "awkward stack", deployPlan{Region: s, Stacks: []stackInPlan{{
			Name: s, Description: s, Template: s, Bytes: -1,
			Parameters:   map[string]string{s: s, s + "2": s, "a": s},
			Capabilities: []string{s, s}, S3Bucket: true,
			Release:      &codeDeployRelease{Application: s, DeploymentGroup: s, Cluster: s, Service: s, TaskDefinition: s, CreateDeployment: s},
			LiveTraffic:  &liveTraffic{Listener: s, Rule: s},
			DesiredCount: &liveDesiredCount{Cluster: s, Service: s, Initial: 7},
			LogGroups:    []string{s},
			Exports:      []string{s}, Imports: []string{s},
		}}})
	}
	edges := map[string]deployPlan{
		"no stacks":    {Region: "eu-west-1"},
		"empty stacks": {Region: "eu-west-1", Stacks: []stackInPlan{}},
		"empty members": {Stacks: []stackInPlan{
			{Parameters: map[string]string{}, Capabilities: []string{}, LogGroups: []string{}, LiveTraffic: &liveTraffic{}},
			{LiveTraffic: &liveTraffic{Listener: "l"}, Release: &codeDeployRelease{}, DesiredCount: &liveDesiredCount{}},
			{LiveTraffic: &liveTraffic{Rule: "r"}},
		}},
	}
	for name, p := range edges {
		assertPlanJSON(t, name, p)
	}

	specs := exampleSpecs(t, 40)
	for name, s := range specs {
		_, _, plan, _, err := Options{}.stacks(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertPlanJSON(t, name, plan)
	}
}

// setStrings sets every string v holds, map keys included, to one of next's.
func setStrings(v reflect.Value, next func() string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(next())
	case reflect.Pointer:
		if !v.IsNil() {
			setStrings(v.Elem(), next)
		}
	case reflect.Slice:
		for i := range v.Len() {
			setStrings(v.Index(i), next)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			setStrings(v.Field(i), next)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		m := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			nk, nv := reflect.New(k.Type()).Elem(), reflect.New(v.Type().Elem()).Elem()
			nk.Set(k)
			nv.Set(v.MapIndex(k))
			setStrings(nk, next)
			setStrings(nv, next)
			m.SetMapIndex(nk, nv)
		}
		v.Set(m)
	}
}

// TestPlanJSONSizeIsExact: without strings to escape, planJSONSize is the size of the plan's
// JSON, so that planJSON's buffer neither grows nor holds spare bytes.
func TestPlanJSONSizeIsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	plain := []string{"", "a", "plain-name_1.json", "subnet-0123456789abcdef0,subnet-0fedcba9876543210"}
	check := func(name string, p deployPlan) {
		t.Helper()
		if got, want := planJSONSize(p), len(planJSON(p)); got != want {
			t.Errorf("%s: planJSONSize is %d, the JSON %d bytes:\n%s", name, got, want, planJSON(p))
		}
	}
	for range 200 {
		v, ok := quick.Value(reflect.TypeFor[deployPlan](), rng)
		if !ok {
			t.Fatal("quick.Value cannot make a deployPlan")
		}
		setStrings(v, func() string { return plain[rng.Intn(len(plain))] })
		check("random plan", v.Interface().(deployPlan))
	}
	check("no stacks", deployPlan{})
	check("one stack", deployPlan{Stacks: []stackInPlan{{Name: "a", Bytes: -12}}})
}
