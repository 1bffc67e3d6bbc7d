package canon

import (
	"bytes"
	"encoding/hex"
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

// TestUnmarshalShared: the values UnmarshalShared gives back are Unmarshal's (nil and empty
// apart), their []byte values are slices of the data, and appending to one copies it instead
// of writing over the data that follows.
func TestUnmarshalShared(t *testing.T) {
	one := 1
	values := []outer{
		{},
		{In: inner{B: []byte{}}},
		{In: inner{S: []string{""}, P: &one, B: []byte{7, 8, 9}}, Ins: []inner{{B: []byte{1}}, {B: nil}, {B: []byte{}}}},
	}
	for i, v := range values {
		b, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var got, copied outer
		if err := UnmarshalShared(b, &got); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if err := Unmarshal(b, &copied); err != nil || !reflect.DeepEqual(got, copied) || !reflect.DeepEqual(got, v) {
			t.Errorf("value %d: shared %+v, copied %+v (%v), want %+v", i, got, copied, err, v)
		}
		for n := range len(b) {
			if UnmarshalShared(b[:n], &got) == nil {
				t.Errorf("value %d: a prefix of %d bytes of %d decoded", i, n, len(b))
			}
		}
	}
	b, _ := Marshal(values[2])
	before := bytes.Clone(b)
	var got outer
	if err := UnmarshalShared(b, &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte{7, 8, 9}) || &got.In.B[0] != &b[bytes.Index(b, []byte{7, 8, 9})] {
		t.Error("the []byte value is a copy, not a slice of the data")
	}
	_ = append(got.In.B, 0xff)
	if !bytes.Equal(b, before) {
		t.Error("appending to a shared value wrote into the data")
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

// TestEncodingPinned: the encoding of a value with every kind is these bytes. The build cache
// keys entries by encodings, so a change of the encoding makes every entry miss once; this test
// says so before it happens.
func TestEncodingPinned(t *testing.T) {
	one := 1
	v := outer{Name: "x", N: -5, U: 7, F: -0.5, Ok: true, In: inner{S: []string{"", "s"}, M: map[string]int{"b": 2, "a": 1, "": 0}, P: &one, B: []byte{0, 1}, Ar: [2]string{"l", "r"}},
		Ins: []inner{{}, {S: []string{}}}, ByKey: map[[2]string]*inner{{"a", "b"}: nil, {"c", ""}: {P: new(int), M: map[string]int{}}}}
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	const want = "01780907000000000000e0bf01010200017301030000016102016204010201020001016c017201020000000000000100000000000001020161016200016300010001000100000000"
	if got := hex.EncodeToString(b); got != want {
		t.Errorf("the encoding changed:\n%s\nwant\n%s", got, want)
	}
	var back outer
	if err := Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, v) {
		t.Errorf("decoded %+v, %v", back, err)
	}
}
