// Package canon is a canonical binary encoding of Go values, for the build cache: the same
// value always gives the same bytes (map entries sorted), two different values never do, and
// decoding gives back a value reflect.DeepEqual to the one encoded — nil and empty slices,
// maps and pointers stay apart, which encoding/json (omitempty) and encoding/gob blur.
//
// The encoding is directed by the Go type, which both ends know, so it carries no type names:
// a bool is a byte, integers are varints, a float its IEEE bits, a string or []byte its
// length and bytes, a slice or map a nil flag, its length and its elements (map entries in
// the order of their encoded keys), a pointer a nil flag and its element, a struct its fields
// in order. Types it cannot encode exactly — interfaces, functions, channels, unexported
// fields — are an error, never an approximation, so a caller can fall back to not caching.
package canon

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
)

// Memo stores results between builds in this encoding, under keys that hash every input of
// a result (internal/cache implements it on disk). Get's value is exactly what Put stored
// under the same kind and key, or false; the memo never modifies it afterwards, and the caller
// does not modify it either (it may decode it with UnmarshalShared). It is used from several
// goroutines at once.
type Memo interface {
	Get(kind string, key []byte) ([]byte, bool)
	Put(kind string, key, value []byte)
}

// Marshal encodes v canonically.
func Marshal(v any) ([]byte, error) {
	e := &encoder{}
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// Hash is the SHA-256 of v's canonical encoding.
func Hash(v any) ([32]byte, error) {
	b, err := Marshal(v)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// Unmarshal decodes data into the value v points to. It fails on data that is not exactly
// one encoding of a value of that type (truncated, or with bytes left over).
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("canon: Unmarshal needs a non-nil pointer")
	}
	d := &decoder{buf: data}
	if err := d.value(rv.Elem()); err != nil {
		return err
	}
	if len(d.buf) != 0 {
		return errors.New("canon: bytes left over")
	}
	return nil
}

// UnmarshalShared is Unmarshal, but the []byte values it decodes are slices of data instead
// of copies (capped at their length, so an append copies): data and those values must not be
// modified while either is used. For values read from the build cache, whose largest part is
// the bytes of generated files: copying them cleared and filled as much memory again.
func UnmarshalShared(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("canon: Unmarshal needs a non-nil pointer")
	}
	d := &decoder{buf: data, shared: true}
	if err := d.value(rv.Elem()); err != nil {
		return err
	}
	if len(d.buf) != 0 {
		return errors.New("canon: bytes left over")
	}
	return nil
}

type encoder struct{ buf []byte }

func (e *encoder) uvarint(n uint64) { e.buf = binary.AppendUvarint(e.buf, n) }
func (e *encoder) flag(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *encoder) value(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Bool:
		e.flag(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = binary.AppendVarint(e.buf, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.uvarint(v.Uint())
	case reflect.Float32, reflect.Float64:
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v.Float()))
	case reflect.String:
		e.uvarint(uint64(v.Len()))
		e.buf = append(e.buf, v.String()...)
	case reflect.Slice:
		e.flag(!v.IsNil())
		if v.IsNil() {
			return nil
		}
		e.uvarint(uint64(v.Len()))
		if v.Type().Elem().Kind() == reflect.Uint8 {
			e.buf = append(e.buf, v.Bytes()...)
			return nil
		}
		for i := range v.Len() {
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		e.flag(!v.IsNil())
		if v.IsNil() {
			return nil
		}
		// Each entry's key and value encoded into one scratch buffer, then copied in the order
		// of the encoded keys.
		type entry struct{ k, v, end int } // offsets in sub.buf
		entries := make([]entry, 0, v.Len())
		sub := &encoder{}
		byInterface := v.Type().Key().Kind() == reflect.Interface
		it := v.MapRange()
		for it.Next() {
			en := entry{k: len(sub.buf)}
			if byInterface { // the key's dynamic value, as Marshal encodes it
				k, err := Marshal(it.Key().Interface())
				if err != nil {
					return err
				}
				sub.buf = append(sub.buf, k...)
			} else if err := sub.value(it.Key()); err != nil {
				return err
			}
			en.v = len(sub.buf)
			if err := sub.value(it.Value()); err != nil {
				return err
			}
			en.end = len(sub.buf)
			entries = append(entries, en)
		}
		slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(sub.buf[a.k:a.v], sub.buf[b.k:b.v]) })
		e.uvarint(uint64(len(entries)))
		for _, en := range entries {
			e.buf = append(e.buf, sub.buf[en.k:en.end]...)
		}
	case reflect.Pointer:
		e.flag(!v.IsNil())
		if !v.IsNil() {
			return e.value(v.Elem())
		}
	case reflect.Struct:
		t := v.Type()
		for i, exported := range exportedFields(t) {
			if !exported {
				return fmt.Errorf("canon: %s has an unexported field %s", t, t.Field(i).Name)
			}
			if err := e.value(v.Field(i)); err != nil {
				return err
			}
		}
	case reflect.Invalid:
		return errors.New("canon: no value")
	default:
		return fmt.Errorf("canon: cannot encode a %s exactly", v.Type())
	}
	return nil
}

// exportedFields says, for each field of the struct type t, whether it is exported; worked out
// once per type.
func exportedFields(t reflect.Type) []bool {
	if f, ok := exported.Load(t); ok {
		return f.([]bool)
	}
	f := make([]bool, t.NumField())
	for i := range f {
		f[i] = t.Field(i).IsExported()
	}
	exported.Store(t, f)
	return f
}

var exported sync.Map // reflect.Type → []bool

type decoder struct {
	buf    []byte
	shared bool // []byte values are slices of buf (UnmarshalShared)
}

var errShort = errors.New("canon: truncated data")

var bytesType = reflect.TypeFor[[]byte]()

func (d *decoder) uvarint() (uint64, error) {
	n, size := binary.Uvarint(d.buf)
	if size <= 0 {
		return 0, errShort
	}
	d.buf = d.buf[size:]
	return n, nil
}

func (d *decoder) flag() (bool, error) {
	if len(d.buf) == 0 {
		return false, errShort
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, errors.New("canon: bad flag")
}

// length reads a length, which cannot exceed the bytes left (every element takes at least
// one byte but in an array of empty structs, which the model has none of).
func (d *decoder) length() (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(d.buf)) {
		return 0, errShort
	}
	return int(n), nil
}

func (d *decoder) value(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Bool:
		b, err := d.flag()
		v.SetBool(b)
		return err
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, size := binary.Varint(d.buf)
		if size <= 0 {
			return errShort
		}
		d.buf = d.buf[size:]
		if v.OverflowInt(n) {
			return errors.New("canon: integer out of range")
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := d.uvarint()
		if err != nil {
			return err
		}
		if v.OverflowUint(n) {
			return errors.New("canon: integer out of range")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		if len(d.buf) < 8 {
			return errShort
		}
		v.SetFloat(math.Float64frombits(binary.LittleEndian.Uint64(d.buf)))
		d.buf = d.buf[8:]
	case reflect.String:
		n, err := d.length()
		if err != nil {
			return err
		}
		v.SetString(string(d.buf[:n]))
		d.buf = d.buf[n:]
	case reflect.Slice:
		ok, err := d.flag()
		if err != nil || !ok {
			return err
		}
		n, err := d.length()
		if err != nil {
			return err
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if d.shared && v.Type() == bytesType {
				v.SetBytes(d.buf[:n:n])
				d.buf = d.buf[n:]
				return nil
			}
			s := reflect.MakeSlice(v.Type(), n, n)
			copy(s.Bytes(), d.buf[:n])
			d.buf = d.buf[n:]
			v.Set(s)
			return nil
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			if err := d.value(s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			if err := d.value(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		ok, err := d.flag()
		if err != nil || !ok {
			return err
		}
		n, err := d.length()
		if err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		k := reflect.New(v.Type().Key()).Elem() // reused: SetMapIndex copies them
		e := reflect.New(v.Type().Elem()).Elem()
		for range n {
			k.SetZero()
			if err := d.value(k); err != nil {
				return err
			}
			e.SetZero()
			if err := d.value(e); err != nil {
				return err
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		ok, err := d.flag()
		if err != nil || !ok {
			return err
		}
		p := reflect.New(v.Type().Elem())
		if err := d.value(p.Elem()); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Struct:
		t := v.Type()
		for i, exported := range exportedFields(t) { // t.Field(i) per field was a fifth of decoding
			if !exported {
				return fmt.Errorf("canon: %s has an unexported field %s", t, t.Field(i).Name)
			}
			if err := d.value(v.Field(i)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("canon: cannot decode a %s", v.Type())
	}
	return nil
}
