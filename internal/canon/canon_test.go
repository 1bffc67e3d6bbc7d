package canon

import (
	"bytes"
	"reflect"
	"testing"
)

type inner struct {
	S  []string
	M  map[string]int
	P  *int
	B  []byte
	Ar [2]string
}

type outer struct {
	Name  string
	N     int
	U     uint16
	F     float64
	Ok    bool
	In    inner
	Ins   []inner
	ByKey map[[2]string]*inner
}

func TestRoundTripKeepsNilAndEmpty(t *testing.T) {
	one := 1
	values := []outer{
		{},
		{In: inner{S: []string{}, M: map[string]int{}, B: []byte{}}},
		{In: inner{S: []string{""}, M: map[string]int{"": 0}, P: &one, B: []byte{0}}},
		{Name: "x", N: -5, U: 7, F: -0.5, Ok: true, Ins: []inner{{}, {S: []string{}}}, ByKey: map[[2]string]*inner{{"a", "b"}: nil, {"c", ""}: {P: new(int)}}},
	}
	encodings := map[string]int{}
	for i, v := range values {
		b, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if j, seen := encodings[string(b)]; seen {
			t.Errorf("values %d and %d have the same encoding", j, i)
		}
		encodings[string(b)] = i
		var got outer
		if err := Unmarshal(b, &got); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("value %d: got back %+v, want %+v", i, got, v)
		}
		// Every proper prefix is refused, and so is a byte more.
		for n := range len(b) {
			if Unmarshal(b[:n], &got) == nil {
				t.Errorf("value %d: a prefix of %d bytes of %d decoded", i, n, len(b))
			}
		}
		if Unmarshal(append(bytes.Clone(b), 0), &got) == nil {
			t.Errorf("value %d: a byte left over was accepted", i)
		}
	}
}

func TestMapOrderCanonical(t *testing.T) {
	m := map[string]int{}
	for i := range 200 {
		m[string(rune('a'+i%26))+string(rune('a'+i/26))] = i
	}
	first, _ := Marshal(m)
	for range 20 {
		again, _ := Marshal(m)
		if !bytes.Equal(first, again) {
			t.Fatal("two encodings of one map differ")
		}
	}
}

func TestRefusesWhatItCannotEncodeExactly(t *testing.T) {
	for _, v := range []any{struct{ A any }{1}, struct{ a int }{1}, struct{ F func() }{}, make(chan int)} {
		if _, err := Marshal(v); err == nil {
			t.Errorf("%T encoded", v)
		}
	}
}
