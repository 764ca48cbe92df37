// Package appendtest holds a hand-written AppendJSON to json.Marshal (or a
// short form to json.Unmarshal reading it back): it
// fills a value of the type at random, field by field (each field also left
// zero now and then, and nil or empty for slices and pointers, so omitempty
// is exercised), and compares the two encodings. A field added to the type
// and not to its AppendJSON is filled, written by Marshal and missing from
// AppendJSON's output, so the comparison fails.
package appendtest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// AsMarshal fills a T n times and fails t whenever appendJSON(nil, &v)
// differs from json.Marshal(v). appendJSON runs first: one that encodes
// only part of a T sets v to that part for Marshal.
func AsMarshal[T any](t *testing.T, n int, appendJSON func(dst []byte, v *T) []byte) {
	t.Helper()
	each(t, n, 1, func(i int, v *T) {
		got := appendJSON(nil, v)
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("value %d: json.Marshal: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("value %d: AppendJSON differs from json.Marshal\n got %s\nwant %s", i, got, want)
		}
	})
}

// ReadsBack fills a T n times and fails t unless json.Unmarshal reads
// appendJSON(nil, &v) back as v, for a short form of a type that
// json.Unmarshal reads: json.Marshal writes the same of the value read back
// as of v read back from json.Marshal (so strings that Marshal itself
// changes, such as invalid UTF-8, compare as it leaves them). appendJSON
// runs first: one that encodes only part of a T sets v to that part.
func ReadsBack[T any](t *testing.T, n int, appendJSON func(dst []byte, v *T) []byte) {
	t.Helper()
	each(t, n, 3, func(i int, v *T) {
		enc := appendJSON(nil, v)
		var back, ref T
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("value %d: json.Unmarshal of %s: %v", i, enc, err)
		}
		plain, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(plain, &ref)
		}
		if err != nil {
			t.Fatalf("value %d: json.Marshal and json.Unmarshal: %v", i, err)
		}
		got, err1 := json.Marshal(&back)
		want, err2 := json.Marshal(&ref)
		if err1 != nil || err2 != nil {
			t.Fatalf("value %d: json.Marshal: %v, %v", i, err1, err2)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("value %d: %s reads back as\n %s\nwant %s", i, enc, got, want)
		}
	})
}

// each calls check with n values of T filled at random (the same ones for
// the same seed).
func each[T any](t *testing.T, n int, seed uint64, check func(i int, v *T)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := range n {
		var v T
		fill(t, rng, reflect.ValueOf(&v).Elem(), 0)
		check(i, &v)
	}
}

// Strings and floats that encode in every way Marshal has.
var (
	strs   = []string{"", "a", "allow", "Tai nạn giao thông", "Tai na\u0323n", "<b>&</b>", `"q" \`, "\x00\n\t\x1f", "\u2028", "bad \xff", "😀"}
	floats = []float64{0, 1, 0.15, 0.1262, 1.0 / 3, -0.5, 1e-7, 2.5e21, 123.456}
	ints   = []int64{0, 1, -3, 1500, 1 << 40}
)

func fill(t *testing.T, rng *rand.Rand, v reflect.Value, depth int) {
	t.Helper()
	if rng.IntN(4) == 0 && depth > 0 {
		return // left zero
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(strs[rng.IntN(len(strs))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x := ints[rng.IntN(len(ints))]
		if v.OverflowInt(x) {
			x = 1
		}
		v.SetInt(x)
	case reflect.Float64:
		v.SetFloat(floats[rng.IntN(len(floats))])
	case reflect.Float32:
		v.SetFloat(float64(float32(floats[rng.IntN(len(floats))])))
	case reflect.Pointer:
		if rng.IntN(2) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(t, rng, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch rng.IntN(4) {
		case 0:
			return
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1+rng.IntN(3), 3)
		for i := range s.Len() {
			fill(t, rng, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			zone := time.FixedZone("", (rng.IntN(48)-24)*1800)
			v.Set(reflect.ValueOf(time.Unix(rng.Int64N(1<<34), rng.Int64N(2)*rng.Int64N(1e9)).In(zone)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, rng, v.Field(i), depth+1)
			}
		}
	default:
		t.Fatalf("appendtest: %s is of kind %s, which the filler does not fill: extend it", v.Type(), v.Kind())
	}
}
