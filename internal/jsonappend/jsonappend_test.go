package jsonappend

import (
	"encoding/json"
	"math"
	"testing"
)

var strings_ = []string{
	"", "a", "Tai nạn giao thông", "Tai na\u0323n", "<b>&amp;</b>", `"quoted" \ back`,
	"\x00\x01\b\f\n\r\t\x1f\x7f", "\u2028\u2029", "bad \xff\xfe utf-8", "\xe1\xba", "😀 emoji", "ký tự",
}

func TestStringAsMarshal(t *testing.T) {
	for _, s := range strings_ {
		want, _ := json.Marshal(s)
		if got := String(nil, s); string(got) != string(want) {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range strings_ {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := String([]byte("x"), s); string(got[1:]) != string(want) {
			t.Fatalf("String(%q) = %s, want %s", s, got[1:], want)
		}
	})
}

var floats = []float64{0, math.Copysign(0, -1), 1, -1, 0.15, 0.1262, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, 1.5e-9,
	1e20, 1e21, 1.5e21, -2.5e-8, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 5e-324}

func TestFloatAsMarshal(t *testing.T) {
	for _, f := range floats {
		want, _ := json.Marshal(f)
		if got := Float(nil, f); string(got) != string(want) {
			t.Errorf("Float(%v) = %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := Float(nil, f); string(got) != "null" {
			t.Errorf("Float(%v) = %s, want null", f, got)
		}
	}
}

// TestFloatFourDecimals: every number of ten-thousandths up to 100, and
// some far larger, written as Marshal writes it.
func TestFloatFourDecimals(t *testing.T) {
	check := func(x float64) {
		t.Helper()
		want, _ := json.Marshal(x)
		if got := Float(nil, x); string(got) != string(want) {
			t.Fatalf("Float(%v) = %s, want %s", x, got, want)
		}
	}
	for k := int64(-1_000_000); k <= 1_000_000; k++ {
		check(float64(k) / 10000)
	}
	for k := int64(99_999_999_999_000); k < 100_000_000_001_000; k += 7 {
		check(float64(k) / 10000)
	}
}

func FuzzFloat(f *testing.F) {
	for _, x := range floats {
		f.Add(x)
	}
	f.Add(0.1262)
	f.Fuzz(func(t *testing.T, x float64) {
		want, err := json.Marshal(x)
		if err != nil {
			return // NaN, ±Inf: Marshal refuses them
		}
		if got := Float(nil, x); string(got) != string(want) {
			t.Fatalf("Float(%v) = %s, want %s", x, got, want)
		}
	})
}

func TestOthersAsMarshal(t *testing.T) {
	n, s := int64(-42), "x<y"
	for _, c := range []struct {
		got []byte
		v   any
	}{
		{Int(nil, math.MinInt64), int64(math.MinInt64)}, {Int(nil, 7), 7}, {Bool(nil, true), true}, {Bool(nil, false), false},
		{IntPtr(nil, nil), (*int64)(nil)}, {IntPtr(nil, &n), &n}, {StringPtr(nil, nil), (*string)(nil)}, {StringPtr(nil, &s), &s},
		{Strings(nil, nil), []string(nil)}, {Strings(nil, []string{}), []string{}}, {Strings(nil, []string{"a", "<", ""}), []string{"a", "<", ""}},
	} {
		want, _ := json.Marshal(c.v)
		if string(c.got) != string(want) {
			t.Errorf("%#v: got %s, want %s", c.v, c.got, want)
		}
	}
}

func FuzzFloatTenThousandths(f *testing.F) {
	f.Add(int64(1262))
	f.Add(int64(-99_999_999_999_999))
	f.Fuzz(func(t *testing.T, k int64) {
		x := float64(k) / 10000
		want, _ := json.Marshal(x)
		if got := Float(nil, x); string(got) != string(want) {
			t.Fatalf("Float(%v) = %s, want %s", x, got, want)
		}
	})
}
