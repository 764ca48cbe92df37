package classify

import (
	"unicode/utf8"
)

// renderToken writes the finished token key[:n] (with t.tone) to t.out.
func (t *tokenizer) renderToken(n int) {
	key := t.key[:n]
	if len(t.out) > 0 && t.out[len(t.out)-1] != ' ' {
		t.out = append(t.out, ' ')
	}
	pos := -1
	if t.tone != 0 && t.acc&aVowel != 0 {
		pos = tonePos(key)
	}
	for i, c := range key {
		switch {
		case i == pos:
			t.out = appendRune(t.out, compose[[2]rune{codeToRune(c), rune(t.tone)}])
		case c < 8:
			t.out = appendRune(t.out, codeRune[c])
		default:
			t.out = append(t.out, c)
		}
	}
}

func appendRune(b []byte, r rune) []byte {
	var buf [4]byte
	n := utf8.EncodeRune(buf[:], r)
	return append(b, buf[:n]...)
}

// tonePos is where a syllable's tone mark goes, by the modern rule: on the
// modified vowel if there is one (the last: ươ → ơ); else on the last vowel
// when a consonant closes the syllable; else on the second vowel of oa, oe,
// uy, the middle one of three, the first of other pairs. The u of qu and the
// i of gi+vowel belong to the consonant. -1 if there is no vowel.
func tonePos(key []byte) int {
	n := len(key)
	start := 0
	if n > 2 && (key[0] == 'q' && key[1] == 'u' || key[0] == 'g' && key[1] == 'i') && isVowelCode(key[2]) {
		start = 2
	}
	i := start
	for i < n && !isVowelCode(key[i]) {
		i++
	}
	if i == n {
		return -1
	}
	j := i
	for j < n && isVowelCode(key[j]) {
		j++
	}
	for k := j - 1; k >= i; k-- {
		if key[k] < 8 {
			return k
		}
	}
	if j < n {
		return j - 1
	}
	switch j - i {
	case 1:
		return i
	case 2:
		a, b := key[i], key[i+1]
		if a == 'o' && (b == 'a' || b == 'e') || a == 'u' && b == 'y' {
			return i + 1
		}
		return i
	}
	return i + 1
}
