// Package jsonappend writes JSON values onto a byte slice exactly as
// encoding/json's Marshal writes them: strings escaped the same way (HTML
// characters, invalid UTF-8, U+2028 and U+2029), numbers formatted the same
// way. It is for the few types on the check path whose encoding is written
// by hand (an AppendJSON method next to the type); each of those is held to
// json.Marshal by a test that fills every field (appendtest.AsMarshal), so a
// field added to the type and not to its AppendJSON fails that test.
package jsonappend

import (
	"math"
	"strconv"
	"unicode/utf8"

	"gatekeeper/internal/utf8seq"
)

const hex = "0123456789abcdef"

// safe[b] is true for the ASCII bytes Marshal writes as they are inside a
// string: not a control character, '"', '\\', '<', '>' or '&'.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// String appends s as a JSON string.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		// Two- and three-byte sequences (all of Vietnamese) in one step, but
		// those led by E2, where U+2028 and U+2029 are; the rest goes
		// through utf8.DecodeRuneInString.
		if s[i] != 0xe2 {
			if n := utf8seq.Short(s, i); n > 0 {
				i += n
				continue
			}
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// List appends xs as a JSON array, each element written by elem (a method
// expression such as (*T).AppendJSON fits); a nil slice is null, as
// Marshal writes it.
func List[T any](dst []byte, xs []T, elem func(*T, []byte) []byte) []byte {
	if xs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(&xs[i], dst)
	}
	return append(dst, ']')
}

// Strings appends ss as a JSON array of strings; a nil slice is null.
func Strings(dst []byte, ss []string) []byte {
	return List(dst, ss, func(s *string, dst []byte) []byte { return String(dst, *s) })
}

// Float appends f as Marshal writes a float64: the shortest decimal that
// reads back as f, in exponent form below 1e-6 and from 1e21. NaN and the
// infinities, which Marshal refuses with an error, are written as null.
func Float(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if dst, ok := appendFourDecimals(dst, f); ok {
		return dst
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendFourDecimals writes f when it is a number of ten-thousandths k/10⁴
// (the scores, weights and shares Gatekeeper rounds to four decimals) with
// 10⁻⁴ ≤ |f| < 10¹¹: the double nearest k/10⁴ is then the only one any
// decimal of as few digits reads back as (doubles that large are still far
// closer together than 10⁻⁴), so k/10⁴ without trailing zeros is the
// shortest decimal that reads back as f, which is what Marshal writes.
func appendFourDecimals(dst []byte, f float64) ([]byte, bool) {
	abs := math.Abs(f)
	if abs < 1e-4 || abs >= 1e11 {
		return dst, false
	}
	k := math.Round(abs * 10000)
	if k/10000 != abs {
		return dst, false
	}
	if f < 0 {
		dst = append(dst, '-')
	}
	n := int64(k)
	dst = strconv.AppendInt(dst, n/10000, 10)
	frac := n % 10000
	if frac == 0 {
		return dst, true
	}
	digits := [5]byte{'.', byte('0' + frac/1000), byte('0' + frac/100%10), byte('0' + frac/10%10), byte('0' + frac%10)}
	end := len(digits)
	for digits[end-1] == '0' {
		end--
	}
	return append(dst, digits[:end]...), true
}

// Int appends i.
func Int(dst []byte, i int64) []byte { return strconv.AppendInt(dst, i, 10) }

// Bool appends true or false.
func Bool(dst []byte, b bool) []byte { return strconv.AppendBool(dst, b) }

// IntPtr appends *p, or null when p is nil.
func IntPtr(dst []byte, p *int64) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return Int(dst, *p)
}

// StringPtr appends *p, or null when p is nil.
func StringPtr(dst []byte, p *string) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return String(dst, *p)
}
