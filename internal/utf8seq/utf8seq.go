// Package utf8seq tells, without decoding, whether a valid two- or
// three-byte UTF-8 sequence starts at a byte: every letter of Vietnamese is
// one. The JSON decoder of a check's body and the JSON writer of its answer
// read Vietnamese text byte by byte and take these sequences in one step;
// anything else goes to utf8.DecodeRune, which knows all of UTF-8.
package utf8seq

// Short is the length of the valid two- or three-byte sequence at s[i]: 2
// for a lead byte C2–DF, 3 for E1–EC and EE–EF, each with the continuation
// bytes (80–BF) it needs. It is 0 for everything else, including the valid
// sequences it leaves to utf8.DecodeRune: those led by E0 or ED (whose
// second byte has a narrower range), four-byte ones, and ASCII.
func Short[T string | []byte](s T, i int) int {
	switch b := s[i]; {
	case b >= 0xc2 && b <= 0xdf:
		if i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
			return 2
		}
	case b >= 0xe1 && b <= 0xef && b != 0xed:
		if i+2 < len(s) && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80 {
			return 3
		}
	}
	return 0
}
