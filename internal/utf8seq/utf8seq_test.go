package utf8seq

import (
	"testing"
	"unicode/utf8"
)

// TestShortAgreesWithDecodeRune: for every lead byte and every two
// following bytes, Short is either 0 or the size utf8.DecodeRune decodes
// a valid rune of, for strings and byte slices, and for a sequence cut short
// by the end of the text.
func TestShortAgreesWithDecodeRune(t *testing.T) {
	buf := make([]byte, 3)
	taken := 0
	for lead := 0; lead < 256; lead++ {
		for b1 := 0; b1 < 256; b1++ {
			for b2 := 0; b2 < 256; b2 += 1 + b2%7 { // every continuation byte, and some others
				buf[0], buf[1], buf[2] = byte(lead), byte(b1), byte(b2)
				for n := 1; n <= 3; n++ {
					s := buf[:n]
					got, gotStr := Short(s, 0), Short(string(s), 0)
					if got != gotStr {
						t.Fatalf("% x: %d for bytes, %d for a string", s, got, gotStr)
					}
					if got == 0 {
						continue
					}
					r, size := utf8.DecodeRune(s)
					if (r == utf8.RuneError && size == 1) || size != got {
						t.Fatalf("% x: Short %d, utf8.DecodeRune %U of %d bytes", s, got, r, size)
					}
					taken++
				}
			}
		}
	}
	// Every letter of Vietnamese is taken in one step.
	for _, r := range "ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĂÂĐÊÔƠƯẠỰỴ" {
		s := string(r)
		if Short(s, 0) != len(s) {
			t.Errorf("%q (%U): Short %d, want %d", s, r, Short(s, 0), len(s))
		}
	}
	if taken == 0 {
		t.Fatal("no sequence taken")
	}
}
