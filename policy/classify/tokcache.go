package classify

import (
	"math/bits"
	"unicode/utf8"
)

// A token cache remembers what the tokenizer made of the raw bytes of a
// word, so the next time the same bytes come it skips the per-character
// work (decoding, letter codes, tone, packing, dictionary lookup) and takes
// the token, its key and its counts as they were. Text repeats its words
// (a few thousand syllables make most of Vietnamese prose), so nearly every
// word is a hit.
//
// Only "simple" words are cached: at most cacheBytes bytes (99% of the
// words of Vietnamese news) of ASCII letters and digits and precomposed letters (two-byte U+00C0–U+01BF and three-byte
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
// is written out twice: cachedRun takes the words that follow one another
// plainly (nearly all of them), the cache branch of tokenizer.run the rest.
const (
	cacheBits  = 15 // 32768 entries of 16 bytes: the hot ones stay in the nearest caches
	cacheBytes = 8
)

type cacheEntry struct {
	raw   uint64 // the word's bytes, zero-padded (simple words hold no zero byte)
	id    uint32 // token.id; token.fid is id for a word without diacritics, else in tokenCache.fid
	flags uint8  // token.flags
	stats uint8  // the counts the token adds (c* bits)
}

// tokenCache is a tokenizer's cache. What only some calls need of an
// entry is kept apart, so that the entries stay small, and in a table of
// its own each, so that a call that needs one reads no more memory than
// it: the record key (tokenizer.keys, for titles and leads) and the folded
// id (for text typed without diacritics).
type tokenCache struct {
	e   [1 << cacheBits]cacheEntry
	key [1 << cacheBits]uint64
	fid [1 << cacheBits]uint32
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
// the word there is not simple; j is where it ends. k counts its bytes.
func scanSimple(s string, i int) (j, k int, ok bool) {
	j = i
	for j < len(s) {
		c := s[j]
		switch byteClass[c] {
		case bcAlnum:
			if k == cacheBytes {
				return j, k, false
			}
			k++
			j++
			continue
		case bcTwo:
			if j+1 >= len(s) || s[j+1]&0xC0 != 0x80 || k+2 > cacheBytes {
				return j, k, false
			}
			if utf8Two[int(c-0xC3)<<6|int(s[j+1]&0x3F)].kind != kLetter {
				break // × ÷ and the like end the word: check them below
			}
			k += 2
			j += 2
			continue
		case bcThree:
			if j+2 >= len(s) || s[j+1]&0xFE != 0xBA || s[j+2]&0xC0 != 0x80 || k+3 > cacheBytes {
				break // another three-byte character, or too long: check it below
			}
			if utf8Three[int(s[j+1]&1)<<6|int(s[j+2]&0x3F)].kind != kLetter {
				break
			}
			k += 3
			j += 3
			continue
		case bcEnd:
			return j, k, k > 0
		case bcNo:
			return j, k, false
		}
		// A non-ASCII character that is not a cached letter: the word is
		// simple if it ends the token untouched.
		if k == 0 {
			return j, k, false
		}
		r, _ := decodeRune(s, j)
		switch lookupInfo(r).kind {
		case kSep, kPunct:
			return j, k, true
		}
		return j, k, false
	}
	return j, k, k > 0
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

// rawKey packs s[i:j] (at most 8 bytes) into a word, zero-padded.
func rawKey(s string, i, j int) uint64 {
	n := uint(j - i)
	if i+8 <= len(s) {
		return load8(s, i) & (1<<(8*n) - 1)
	}
	var raw uint64
	for k := uint(0); k < n; k++ {
		raw |= uint64(s[i+int(k)]) << (8 * k)
	}
	return raw
}

// miss makes the token of the word s[i:j] (bytes raw) and stores it in
// entry x, if the word is simple; it reports false, having done nothing,
// for a word that is not. The hit paths are cachedRun and tokenizer.run.
func (t *tokenizer) miss(x uint64, s string, i, j int, raw uint64) bool {
	if end, _, ok := scanSimple(s, i); !ok || end != j {
		return false
	}
	t.fill(x, s[i:j], raw)
	return true
}

func cacheIndex(raw uint64) uint64 {
	return (raw * 0x9E3779B97F4A7C15) >> (64 - cacheBits)
}

// fill tokenises the simple word w alone, as the normal path would, and
// stores the result in entry x.
func (t *tokenizer) fill(x uint64, w string, raw uint64) {
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
	tok := t.toks[n]
	e := cacheEntry{raw: raw, id: tok.id, flags: tok.flags}
	t.cache.key[x], t.cache.fid[x] = t.keys[k], tok.fid
	t.toks, t.keys = t.toks[:n], t.keys[:k]
	t.st, t.needFold, t.record = saveSt, saveFold, saveRec
	for _, c := range [...]struct {
		n   int
		bit uint8
	}{{st.letters, cLetters}, {st.diacritic, cDiacritic}, {st.foreign, cForeign}, {st.viHint, cVIHint}, {st.enHint, cENHint}} {
		if c.n != 0 {
			e.stats |= c.bit
		}
	}
	t.cache.e[x] = e
}

// cachedRun is the hot path of tokenizer.run: it takes the words at s[i:]
// from the cache one after another while each is a hit of at most
// cacheBytes bytes followed by a byte below '0' (a space, most ASCII
// punctuation, a line break), and returns where it stopped and the packed
// counts (see statSpread), to which it adds. It stops, having taken
// nothing of it, at the first word it cannot take so, and leaves that one
// to the caller's general path (a miss, a long word, another separator);
// also when the token buffers are full, so that it never grows them.
// Only for the first pass over a field (needFold off).
//
// A byte below '0' ends a word without a table: no byte of a simple word
// is below '0', and every entry holds the bytes of a simple word, so when
// s[i:j] is found in the cache and s[j] < '0', the word is exactly s[i:j];
// the first such byte of eight is found at once. The same argument lets the
// first byte go unchecked: one that is not a simple word's cannot be found
// in the cache (0, the free entries' bytes, is below '0').
// TestTokenizerMatchesReference holds this path to the reference tokenizer.
func (t *tokenizer) cachedRun(s string, i int) int {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	cache := t.cache
	toks, n := t.toks[:cap(t.toks)], len(t.toks)
	// Each word taken uses at least two bytes (itself and its separator)
	// and one token: stopping before stop leaves toks never short.
	stop := min(len(s)-cacheBytes, i+2*(len(toks)-n))
	for i < stop {
		b := s[i : i+cacheBytes+1]
		w0 := load8(b, 0)                   // the word's first byte and the seven after it
		w := load8(b, 1)                    // the eight bytes after its first
		below := (w - '0'*ones) &^ w & high // the high bit of each byte below '0'; the first is exact
		if b[0] < '0' || below == 0 {
			break
		}
		raw := w0 & (below ^ (below - 1)) // the bytes before the first byte below '0'
		x := cacheIndex(raw)
		e := &cache.e[x]
		if e.raw != raw {
			break
		}
		k := bits.TrailingZeros64(below) >> 3 // the word is b[:k+1]
		sep := b[k+1]
		if sep != ' ' && wordByte[sep] != wbEnd {
			break // '&' or an apostrophe: not a simple word's end
		}
		if t.packed += statSpread[e.stats%32]; t.packed&statsFull != 0 {
			flushStats(t.st, &t.packed)
		}
		if t.record {
			t.keys = append(t.keys, cache.key[x])
		}
		id, flags := e.id, e.flags
		tk := &toks[n]
		*tk = token{id: id, fid: id & (uint32(flags&tDiacritic) - 1), flags: flags}
		n++
		i += k + 2 // the word and its separator
		if sep != ' ' {
			i = t.afterWord(s, i, sep, tk)
		}
	}
	if n != len(t.toks) {
		// A period right before where the run stopped may begin an ellipsis.
		t.dots = 0
		if s[i-1] == '.' {
			t.dots = 1
		}
	}
	t.toks = toks[:n]
	return i
}

// afterWord records the separator sep that ended the cached word tok and
// returns where the next word may start: after the separator, and after one
// space that follows punctuation.
func (t *tokenizer) afterWord(s string, i int, sep byte, tok *token) int {
	if info := &asciiTable[sep]; info.kind == kPunct {
		tok.punct |= info.code
		countPunct(t.st, info.code)
		if i < len(s) && s[i] == ' ' {
			i++
		}
	}
	return i
}
