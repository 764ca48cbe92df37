package classify

import "unicode/utf8"

// A token cache remembers what the tokenizer made of the raw bytes of a
// word, so the next time the same bytes come it skips the per-character
// work (decoding, letter codes, tone, packing, dictionary lookup) and takes
// the token, its key and its counts as they were. Text repeats its words
// (a few thousand syllables make most of Vietnamese prose), so nearly every
// word is a hit.
//
// Only "simple" words are cached: at most cacheBytes bytes of ASCII letters
// and digits and precomposed letters (two-byte U+00C0–U+01BF and three-byte
// U+1E80–U+1EFF sequences), starting where no token is in progress and
// followed by a character that ends a token without touching it (space,
// punctuation other than apostrophes, '<', the end of the text). What the tokenizer
// makes of such a word depends on its bytes alone, so the cached result is
// the one it would compute. Anything else (combining marks, entities,
// zero-width characters, other scripts, long words) takes the normal path.
// TestTokenizerMatchesReference holds the two paths to the same output.
//
// The cache is direct-mapped, fixed in size and owned by one tokenizer (one
// scratch, which the Classifier keeps between calls so the cache stays
// warm), so it needs no lock and does not allocate once made. The hit path
// is written out in tokenizer.run.
const (
	cacheBits  = 14 // 16384 entries (640 KiB with the keys): about 4% misses on news text
	cacheBytes = 16
)

type cacheEntry struct {
	lo, hi uint64 // the raw bytes, zero-padded (simple words hold no zero byte)
	tok    token  // fid as with needFold (see apply); punct holds the counts the token adds (c* bits)
}

// tokenCache is a tokenizer's cache: the entries, and each entry's record
// key (tokenizer.keys) apart, since only titles and leads need it.
type tokenCache struct {
	e   [1 << cacheBits]cacheEntry
	key [1 << cacheBits]uint64
}

// Counts a cached token adds to its field's stats.
const (
	cLetters uint8 = 1 << iota
	cDiacritic
	cForeign
	cVIHint
	cENHint
)

// byteClass sorts bytes for scanSimple. (Built from classify, not from
// asciiTable, which is filled later, by init.)
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 128; c++ {
		switch classify(rune(c)).kind {
		case kLetter, kDigit:
			t[c] = bcAlnum
		case kSep, kPunct, kLT:
			t[c] = bcEnd
		default: // '&' (an entity may go on with the word); an apostrophe,
			// which is read by whether a word is in progress
			t[c] = bcNo
		}
	}
	for c := 0xC3; c <= 0xC6; c++ {
		t[c] = bcTwo
	}
	t[0xE1] = bcThree
	for c := 0x80; c < 256; c++ {
		if t[c] == 0 {
			t[c] = bcOther
		}
	}
	return t
}()

const (
	_       = iota
	bcAlnum // ASCII letter or digit
	bcTwo   // lead byte of a two-byte precomposed letter
	bcThree // lead byte of a three-byte precomposed letter
	bcEnd   // ASCII character that ends a token untouched
	bcNo    // ASCII character after which a word is not simple
	bcOther // other non-ASCII lead (or stray continuation) byte
)

// scanSimple reads the simple word at s[i:] (see above). ok is false when
// the word there is not simple; j is where it ends.
func scanSimple(s string, i int) (j int, lo, hi uint64, ok bool) {
	k := uint(0)
	j = i
	for j < len(s) {
		c := s[j]
		switch byteClass[c] {
		case bcAlnum:
			if k == cacheBytes {
				return j, 0, 0, false
			}
			if k < 8 {
				lo |= uint64(c) << (8 * k)
			} else {
				hi |= uint64(c) << (8 * (k - 8))
			}
			k++
			j++
			continue
		case bcTwo:
			if j+1 >= len(s) || s[j+1]&0xC0 != 0x80 || k+2 > cacheBytes {
				return j, 0, 0, false
			}
			if utf8Two[int(c-0xC3)<<6|int(s[j+1]&0x3F)].kind != kLetter {
				break // × ÷ and the like end the word: check them below
			}
			for _, b := range [2]byte{c, s[j+1]} {
				if k < 8 {
					lo |= uint64(b) << (8 * k)
				} else {
					hi |= uint64(b) << (8 * (k - 8))
				}
				k++
			}
			j += 2
			continue
		case bcThree:
			if j+2 >= len(s) || s[j+1]&0xFE != 0xBA || s[j+2]&0xC0 != 0x80 || k+3 > cacheBytes {
				break // another three-byte character: check it below
			}
			if utf8Three[int(s[j+1]&1)<<6|int(s[j+2]&0x3F)].kind != kLetter {
				break
			}
			for _, b := range [3]byte{c, s[j+1], s[j+2]} {
				if k < 8 {
					lo |= uint64(b) << (8 * k)
				} else {
					hi |= uint64(b) << (8 * (k - 8))
				}
				k++
			}
			j += 3
			continue
		case bcEnd:
			return j, lo, hi, k > 0
		case bcNo:
			return j, 0, 0, false
		}
		// A non-ASCII character that is not a cached letter: the word is
		// simple if it ends the token untouched.
		if k == 0 {
			return j, 0, 0, false
		}
		r, _ := decodeRune(s, j)
		switch lookupInfo(r).kind {
		case kSep, kPunct:
			return j, lo, hi, true
		}
		return j, 0, 0, false
	}
	return j, lo, hi, k > 0
}

// wordByte sorts bytes for the quick scan that finds a word's end before
// the cache is asked: wbWord bytes may be part of a simple word (ASCII
// letters and digits, the lead bytes of precomposed letters, continuation
// bytes), wbEnd bytes end one untouched, anything else (wbOther) leaves the
// word to the normal path. The cache checks what the quick scan lets by
// (scanSimple) before it stores a word.
var wordByte = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch bc := byteClass[c]; {
		case bc == bcAlnum || bc == bcTwo || bc == bcThree || c >= 0x80 && c < 0xC0:
			t[c] = wbWord
		case bc == bcEnd:
			t[c] = wbEnd
		default:
			t[c] = wbOther
		}
	}
	return t
}()

const (
	wbWord = iota
	wbEnd
	wbOther
)

// load8 reads 8 bytes of s at i, little-endian (one load on most machines).
func load8(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// rawKey packs s[i:j] (at most cacheBytes bytes) into lo, hi, zero-padded.
func rawKey(s string, i, j int) (lo, hi uint64) {
	n := uint(j - i)
	if i+16 <= len(s) {
		lo, hi = load8(s, i), load8(s, i+8)
		if n <= 8 {
			return lo & (1<<(8*n) - 1), 0
		}
		return lo, hi & (1<<(8*(n-8)) - 1)
	}
	for k := uint(0); k < n; k++ {
		c := uint64(s[i+int(k)])
		if k < 8 {
			lo |= c << (8 * k)
		} else {
			hi |= c << (8 * (k - 8))
		}
	}
	return lo, hi
}

// miss makes the token of the word s[i:j] (bytes lo, hi) and stores it in
// entry x, e, if the word is simple; it reports false, having done
// nothing, for a word that is not. The hit path is in tokenizer.run.
func (t *tokenizer) miss(e *cacheEntry, x uint64, s string, i, j int, lo, hi uint64) bool {
	if end, _, _, ok := scanSimple(s, i); !ok || end != j {
		return false
	}
	t.fill(e, &t.cache.key[x], s[i:j], lo, hi)
	return true
}

func cacheIndex(lo, hi uint64) uint64 {
	return ((lo ^ hi*0xC2B2AE3D27D4EB4F) * 0x9E3779B97F4A7C15) >> (64 - cacheBits)
}

// fill tokenises the simple word w alone, as the normal path would, and
// stores the result in e.
func (t *tokenizer) fill(e *cacheEntry, key *uint64, w string, lo, hi uint64) {
	saveSt, saveFold, saveRec := t.st, t.needFold, t.record
	t.fillSt = fieldStats{}
	st := &t.fillSt
	t.st, t.needFold, t.record = st, true, true
	n, k := len(t.toks), len(t.keys)
	for p := 0; p < len(w); {
		r, size := utf8.DecodeRuneInString(w[p:])
		p += size
		t.feed(r, lookupInfo(r), w, p)
	}
	t.end()
	*e = cacheEntry{lo: lo, hi: hi, tok: t.toks[n]}
	*key = t.keys[k]
	t.toks, t.keys = t.toks[:n], t.keys[:k]
	t.st, t.needFold, t.record = saveSt, saveFold, saveRec
	for _, c := range [...]struct {
		n   int
		bit uint8
	}{{st.letters, cLetters}, {st.diacritic, cDiacritic}, {st.foreign, cForeign}, {st.viHint, cVIHint}, {st.enHint, cENHint}} {
		if c.n != 0 {
			e.tok.punct |= c.bit
		}
	}
}
