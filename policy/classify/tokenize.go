package classify

import (
	"html"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A token is one syllable (Vietnamese) or word (English) of normalised text:
// a maximal run of letters and digits, lower-cased, NFC/NFD and both
// tone-mark placements merged, HTML tags skipped and entities decoded,
// zero-width characters dropped, any other character a boundary.
type token struct {
	id    uint32 // dict id of the exact key (0: in no lexicon)
	fid   uint32 // dict id of the folded key (diacritics removed)
	flags uint8
	punct uint8 // punctuation between this token and the next (p* bits)
}

// Token flags.
const (
	tDiacritic uint8 = 1 << iota // carries a tone, a modified vowel or đ (bit 0: run relies on it)
	tNumber                      // digits only
	tUpperFirst
	tAllUpper
	tOther // contains letters outside Latin/Vietnamese
)

// notVietnamese marks letters no Vietnamese syllable starts with (bit 1) or
// ends with (bit 2).
var notVietnamese = func() (t [256]uint8) {
	for _, c := range "fjwz" {
		t[c] |= 1
	}
	for _, c := range "bdfjklqrsvwxz" {
		t[c] |= 2
	}
	return t
}()

// fieldStats are per-field counts gathered while tokenising.
type fieldStats struct {
	start, end int // token range in doc.toks
	letters    int // tokens with letters
	diacritic  int // tokens with tDiacritic
	question   int
	exclaim    int
	quote      int
	ellipsis   int
	colon      int
	viHint     int
	enHint     int
	foreign    int   // words without diacritics no Vietnamese syllable could be (gold, seek, fix)
	lead       uint8 // punctuation before the first token
}

const maxKey = 40

// Bits a token's characters add to tokenizer.acc. The first three are the
// token flags of the same name; the rest are turned into flags by end.
const (
	aDiacritic  = tDiacritic
	aUpperFirst = tUpperFirst
	aOther      = tOther
	aLetter     = 1 << 5
	aLower      = 1 << 6
	aVowel      = 1 << 7
)

// tokenizer turns text into tokens. It keeps its buffers between calls.
type tokenizer struct {
	d    *dict
	toks []token
	st   *fieldStats

	key    [maxKey]byte
	fold   [maxKey]byte
	klen   int
	long   bool  // key overflowed: the token is unknown
	tone   uint8 // the token's tone, 0 if none
	acc    uint8 // what the token's characters carry (a* bits)
	dots   int
	adding bool // building lexicons: unknown keys are added to d
	// needFold: look up folded keys too. Off in the first pass over a field
	// (a token with diacritics then gets fid 0); a field found to be typed
	// without diacritics is tokenised again with it on.
	needFold bool
	k8       uint64 // key[:8] packed (see pack8), kept up to date by the fast path
	rehash   bool   // a combining mark changed key: k8 is stale
	// record: append each token's full key (packed, or hashed when longer
	// than 8 bytes) to keys, for comparing words that are in no lexicon.
	record bool
	keys   []uint64
	// rendering: every finished token is also written to out (the tests' normalize).
	rendering bool
	out       []byte
	// cache: tokens of words seen before (see tokcache.go); nil: none.
	cache *tokenCache
	// packed: the counts that cache hits add, packed (see statSpread),
	// added to st when a count nears its field's limit and at the end.
	packed uint64
	fillSt fieldStats // fill's counts
}

// entities maps the HTML named entities that matter for text (Latin-1
// letters with accents, spaces, quotes, dashes) to their rune.
var entities = map[string]rune{}

func init() {
	names := []string{"nbsp", "amp", "lt", "gt", "quot", "apos", "hellip", "ndash", "mdash",
		"lsquo", "rsquo", "ldquo", "rdquo", "sbquo", "bdquo", "laquo", "raquo", "bull", "middot",
		"copy", "reg", "trade", "deg", "times", "divide", "szlig", "eth", "ETH", "thorn", "THORN",
		"aelig", "AElig", "oelig", "OElig", "euro", "zwj", "zwnj", "shy", "ensp", "emsp", "thinsp",
		"iexcl", "iquest", "prime", "Prime", "minus", "frac12", "frac14", "frac34", "sup2", "sup3"}
	for _, c := range "aeiouyAEIOUYcnsCNSz" {
		for _, m := range []string{"acute", "grave", "circ", "tilde", "uml", "ring", "cedil", "slash", "caron"} {
			names = append(names, string(c)+m)
		}
	}
	for _, n := range names {
		s := html.UnescapeString("&" + n + ";")
		if r, size := utf8.DecodeRuneInString(s); size == len(s) && s != "&"+n+";" {
			entities[n] = r
		}
	}
}

// run tokenises s, appending to t.toks and counting into st. The token in
// progress lives in local variables on the fast path (letters, digits,
// spaces) and is synced to t only around the slow paths.
func (t *tokenizer) run(s string, st *fieldStats) {
	t.reset()
	t.st = st
	st.start = len(t.toks)
	t.dots, t.packed = 0, 0
	var (
		klen      int
		k8        uint64
		acc, tone uint8
		long_     bool
		slow      runeInfo // info of a character past the table
	)
	needFold, record, cache := t.needFold, t.record, t.cache
	useCache := cache != nil && !t.adding && !t.rendering
	for i := 0; i < len(s); {
		c := s[i]
		if klen == 0 && useCache && wordByte[c] == wbWord {
			// A word starts: take it and the words after it from the
			// cache while they come plainly (cachedRun), then this word
			// from the cache if it is a simple one.
			if !needFold {
				if next := t.cachedRun(s, i); next != i {
					i = next
					continue
				}
			}
			var j int
			var raw uint64
			if i+cacheBytes < len(s) {
				// Where the word ends, from the eight bytes after its first
				// one at once, without a branch per byte.
				w := load8(s, i+1)
				m := uint(notWord[byte(w)]) | uint(notWord[byte(w>>8)])<<1 | uint(notWord[byte(w>>16)])<<2 |
					uint(notWord[byte(w>>24)])<<3 | uint(notWord[byte(w>>32)])<<4 | uint(notWord[byte(w>>40)])<<5 |
					uint(notWord[byte(w>>48)])<<6 | uint(notWord[byte(w>>56)])<<7
				j = i + 1 + bits.TrailingZeros8(uint8(m)) // i+9 when no byte of the eight ends it
				raw = uint64(c) | w<<8&(1<<(8*uint(j-i))-1)
			} else {
				j = i + 1
				for j < len(s) && wordByte[s[j]] == wbWord {
					j++
				}
				if j-i <= cacheBytes {
					raw = rawKey(s, i, j)
				}
			}
			if j-i <= cacheBytes && (j == len(s) || wordByte[s[j]] == wbEnd) {
				x := cacheIndex(raw)
				e := &cache.e[x]
				if e.raw == raw || t.miss(x, s, i, j, raw) {
					// Inline of a cache hit, the hot path.
					// fid: the id for a word without diacritics, else 0 (the
					// folded id once asked for); no branch on the diacritics,
					// which come and go from one syllable to the next.
					tok := token{id: e.id, fid: e.id & (uint32(e.flags&tDiacritic) - 1), flags: e.flags}
					if needFold && tok.flags&tDiacritic != 0 {
						tok.fid = cache.fid[x]
					}
					if t.packed += statSpread[e.stats]; t.packed&statsFull != 0 {
						flushStats(st, &t.packed)
					}
					if record {
						t.keys = append(t.keys, cache.key[x])
					}
					t.toks = append(t.toks, tok)
					t.dots = 0
					i = j
					// The separator after a word, when it is a plain one:
					// punctuation (recorded on the word) and one space.
					if i < len(s) {
						if c := s[i]; c == ' ' {
							i++
						} else if asciiTable[c].kind == kPunct {
							t.punct(asciiTable[c].code)
							if c == '.' {
								t.dots = 1
							}
							i++
							if i < len(s) && s[i] == ' ' {
								t.dots = 0
								i++
							}
						}
					}
					continue
				}
			}
		}
		if c-'a' < 26 && klen < 8 {
			// Runs of lower-case ASCII letters, the bulk of most text:
			// one compare a byte, and the key packed as it goes.
			j := i
			for {
				k8 |= uint64(c) << (8 * klen)
				t.key[klen] = c
				if needFold {
					t.fold[klen] = c
				}
				acc |= asciiAcc[c-'a']
				klen++
				j++
				if j == len(s) || klen == 8 {
					break
				}
				if c = s[j]; c-'a' >= 26 {
					break
				}
			}
			i = j
			if t.dots != 0 {
				t.dots = 0
			}
			continue
		}
		var r rune
		size := 1
		var info *runeInfo
		switch {
		case c < utf8.RuneSelf:
			r = rune(c)
			info = &asciiTable[c]
		case c >= 0xC3 && c <= 0xC6 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			x := int(c-0xC3)<<6 | int(s[i+1]&0x3F)
			r, size, info = rune(0xC0+x), 2, &utf8Two[x]
		case c == 0xE1 && i+2 < len(s) && s[i+1]&0xFE == 0xBA && s[i+2]&0xC0 == 0x80:
			x := int(s[i+1]&1)<<6 | int(s[i+2]&0x3F)
			r, size, info = rune(0x1E80+x), 3, &utf8Three[x]
		default:
			r, size = decodeRune(s, i)
			if r < tableSize {
				info = &runeTable[r]
			} else {
				slow = slowInfo(r)
				info = &slow
			}
		}
		i += size
		switch info.kind {
		case kLetter, kDigit:
			// Fast path: nearly every byte of text.
			if klen < maxKey-1 {
				t.key[klen] = info.code
				if needFold {
					t.fold[klen] = info.fold
				}
				if klen == 0 && info.upper {
					acc |= aUpperFirst
				}
				if klen < 8 {
					k8 |= uint64(info.code) << (8 * klen)
				}
				klen++
			} else {
				long_ = true
			}
			acc |= info.acc
			if info.tone != 0 {
				tone = info.tone
			}
			if t.dots != 0 {
				t.dots = 0
			}
			continue
		case kSep:
			if klen > 0 {
				t.klen, t.k8, t.acc, t.tone, t.long = klen, k8, acc, tone, long_
				t.end()
				klen, k8, acc, tone, long_ = 0, 0, 0, 0, false
			}
			if t.dots != 0 {
				t.dots = 0
			}
			continue
		}
		// Slow path: hand the token in progress to t.
		t.klen, t.k8, t.acc, t.tone, t.long = klen, k8, acc, tone, long_
		switch info.kind {
		case kLT:
			if n, stop := skipTag(s[i-1:]); n > 0 {
				t.end()
				if stop {
					t.punct(pStop | pBreak)
				}
				i += n - 1
			} else {
				t.end()
				t.dots = 0
			}
		case kAmp:
			if er, n := entity(s[i-1:]); n > 0 {
				i += n - 1
				t.feed(er, lookupInfo(er), s, i)
			} else {
				t.feed(r, *info, s, i)
			}
		default:
			t.feed(r, *info, s, i)
		}
		klen, k8, acc, tone, long_ = t.klen, t.k8, t.acc, t.tone, t.long
	}
	t.klen, t.k8, t.acc, t.tone, t.long = klen, k8, acc, tone, long_
	t.end()
	flushStats(st, &t.packed)
	st.end = len(t.toks)
}

// The counts a cached token adds (its c* bits) are summed in one word, a
// field of statBits bits per count, instead of five counters in memory.
const statBits = 12

// statSpread[c* bits] is what a cached token adds to the packed counts.
var statSpread = func() (t [32]uint64) {
	for c := range t {
		for k := 0; k < 5; k++ {
			if c&(1<<k) != 0 {
				t[c] |= 1 << (statBits * k)
			}
		}
	}
	return t
}()

// statsFull is the top bit of every packed count: once one is set, the
// counts are added to the field's stats before any can overflow.
const statsFull = 1<<(statBits-1) | 1<<(2*statBits-1) | 1<<(3*statBits-1) | 1<<(4*statBits-1) | 1<<(5*statBits-1)

func flushStats(st *fieldStats, stats *uint64) {
	const mask = 1<<statBits - 1
	x := *stats
	st.letters += int(x & mask)
	st.diacritic += int(x >> statBits & mask)
	st.foreign += int(x >> (2 * statBits) & mask)
	st.viHint += int(x >> (3 * statBits) & mask)
	st.enHint += int(x >> (4 * statBits) & mask)
	*stats = 0
}

// notWord[b] is 1 for a byte that ends a simple word or makes it not
// simple (wordByte other than wbWord), 0 for a byte that may go on with it.
var notWord = func() (t [256]uint8) {
	for c := range t {
		if wordByte[c] != wbWord {
			t[c] = 1
		}
	}
	return t
}()

// decodeRune decodes the non-ASCII character at s[i], inline for the two-
// and three-byte sequences of Vietnamese that need no range checks.
func decodeRune(s string, i int) (rune, int) {
	c := s[i]
	switch {
	case c >= 0xC2 && c <= 0xDF && i+1 < len(s):
		if c1 := s[i+1]; c1&0xC0 == 0x80 {
			return rune(c&0x1F)<<6 | rune(c1&0x3F), 2
		}
	case c >= 0xE1 && c <= 0xEC && i+2 < len(s):
		if c1, c2 := s[i+1], s[i+2]; c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
			return rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

func lookupInfo(r rune) runeInfo {
	if r < tableSize {
		return runeTable[r]
	}
	return slowInfo(r)
}

func slowInfo(r rune) runeInfo {
	switch {
	case r == '\ufeff':
		return runeInfo{kind: kIgnore}
	case r == '\uff1f':
		return runeInfo{kind: kPunct, code: pQuestion | pStop | pBreak}
	case r == '\uff01':
		return runeInfo{kind: kPunct, code: pExclaim | pStop | pBreak}
	case unicode.IsLetter(r):
		return finishInfo(runeInfo{kind: kOther, upper: unicode.IsUpper(r)})
	case unicode.Is(unicode.Mn, r):
		return runeInfo{kind: kDrop}
	case unicode.IsSpace(r):
		return runeInfo{kind: kSep}
	}
	return runeInfo{kind: kPunct, code: pBreak}
}

// feed handles one decoded character; next is the offset of the following one.
func (t *tokenizer) feed(r rune, info runeInfo, s string, next int) {
	if r != '.' && info.kind != kIgnore {
		t.dots = 0
	}
	switch info.kind {
	case kLetter:
		if t.klen == 0 && info.upper {
			t.acc |= aUpperFirst
		}
		t.acc |= info.acc
		if info.tone != 0 {
			t.tone = info.tone
		}
		t.put(info.code, info.fold)
	case kDigit:
		t.put(info.code, info.code)
	case kOther:
		if t.klen == 0 && info.upper {
			t.acc |= aUpperFirst
		}
		t.acc |= info.acc
		var b [utf8.UTFMax]byte
		n := utf8.EncodeRune(b[:], unicode.ToLower(r))
		for _, x := range b[:n] {
			t.put(x, x)
		}
	case kTone:
		if t.klen > 0 {
			t.tone = info.tone
			t.acc |= aDiacritic
		}
	case kMod:
		if t.klen > 0 && t.klen <= maxKey {
			last := t.key[t.klen-1]
			if m := applyMod(last, info.code); m != last {
				t.key[t.klen-1] = m
				t.acc |= aDiacritic
				t.rehash = true
			}
		}
	case kIgnore, kDrop:
	case kQuote1:
		// An apostrophe between letters (don't, l'eau) splits the word; elsewhere it quotes.
		if t.klen > 0 && next < len(s) && startsLetter(s[next:]) {
			t.end()
			return
		}
		t.end()
		t.punct(pQuote | pBreak)
	case kPunct:
		t.end()
		p := info.code
		if r == '.' {
			t.dots++
			if t.dots >= 2 {
				p |= pEllipsis
				if t.dots > 2 {
					return
				}
			}
		}
		t.punct(p)
	default:
		t.end()
	}
}

func fold1(c byte) byte {
	if c < 8 {
		return foldCode[c]
	}
	return c
}

func startsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	k := lookupInfo(r).kind
	return k == kLetter || k == kOther
}

func (t *tokenizer) put(k, f byte) {
	if t.klen >= maxKey-1 {
		t.long = true
		return
	}
	t.key[t.klen] = k
	t.fold[t.klen] = f
	if t.klen < 8 {
		t.k8 |= uint64(k) << (8 * t.klen)
	}
	t.klen++
}

func (t *tokenizer) punct(p uint8) {
	st := t.st
	countPunct(st, p)
	if len(t.toks) > st.start {
		t.toks[len(t.toks)-1].punct |= p
	} else {
		st.lead |= p
	}
}

// countPunct adds punctuation p to the field's counts.
func countPunct(st *fieldStats, p uint8) {
	if p&pQuestion != 0 {
		st.question++
	}
	if p&pExclaim != 0 {
		st.exclaim++
	}
	if p&pQuote != 0 {
		st.quote++
	}
	if p&pEllipsis != 0 {
		st.ellipsis++
	}
	if p&pColon != 0 {
		st.colon++
	}
}

// end finishes the token in progress, if any.
func (t *tokenizer) end() {
	if t.klen == 0 {
		// Nothing in progress: every other field is still at its reset value.
		return
	}
	n := t.klen
	acc := t.acc
	tok := token{flags: acc & (aDiacritic | aUpperFirst | aOther)}
	if acc&aLetter == 0 {
		tok.flags |= tNumber
	} else {
		t.st.letters++
		if acc&aLower == 0 && n > 1 {
			tok.flags |= tAllUpper
		}
	}
	vowel := acc&aVowel != 0
	if tok.flags&tDiacritic != 0 {
		t.st.diacritic++
	}
	if tok.flags&tNumber != 0 {
		tok.id, tok.fid = numID, numID
	} else if !t.long {
		key := t.key[:n]
		k8 := t.k8
		if t.rehash {
			k8 = pack8(t.key[:min(n, 8)])
		}
		if t.tone != 0 && vowel {
			t.key[n] = toneBase + t.tone
			key = t.key[:n+1]
			if n < 8 {
				k8 |= uint64(toneBase+t.tone) << (8 * n)
			}
		}
		var id uint32
		if len(key) <= 8 {
			id = t.d.lookupShort(k8)
		} else {
			id = t.d.lookupLong(key)
		}
		switch {
		case t.adding:
			tok.id = t.d.add(key)
			tok.fid = t.d.add(t.fold[:n])
		case tok.flags&tDiacritic == 0:
			// Only words without diacritics say anything about the language.
			tok.id = id
			tok.fid = id
			if notVietnamese[key[0]]&1 != 0 || notVietnamese[key[n-1]]&2 != 0 {
				t.st.foreign++
			}
			if hint := t.d.hint[id]; hint != 0 {
				if hint&hintVI != 0 {
					t.st.viHint++
				}
				if hint&hintEN != 0 {
					t.st.enHint++
				}
			}
		default:
			tok.id = id
			if t.needFold {
				tok.fid = t.d.lookup(t.fold[:n])
			}
		}
	}
	if t.rendering && !t.long {
		t.renderToken(n)
	}
	if t.record {
		var k uint64
		switch {
		case tok.flags&tNumber != 0:
			k = 0 // numbers are not words
		case n < 8:
			k = t.k8
			if t.tone != 0 && vowel {
				k |= uint64(toneBase+t.tone) << (8 * n)
			}
		default:
			k = uint64(fnv32(t.key[:n]))<<32 | uint64(t.tone) | 1<<31
		}
		t.keys = append(t.keys, k)
	}
	t.toks = append(t.toks, tok)
	t.reset()
}

func (t *tokenizer) reset() {
	t.klen, t.long, t.tone, t.acc = 0, false, 0, 0
	t.k8, t.rehash = 0, false
}

// skipTag returns the length of the HTML tag (or comment) at the start of s,
// 0 if s does not start a tag. stop is true for tags that end a block of text.
// The contents of script and style elements are skipped with the tag.
func skipTag(s string) (n int, stop bool) {
	if len(s) < 2 {
		return 0, false
	}
	c := s[1]
	if !(c == '/' || c == '!' || c == '?' || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
		return 0, false
	}
	if len(s) >= 4 && s[1:4] == "!--" {
		if j := strings.Index(s[4:], "-->"); j >= 0 {
			return 4 + j + 3, false
		}
		return len(s), false
	}
	j := strings.IndexByte(s, '>')
	if j < 0 {
		return 0, false
	}
	name := s[1:j]
	if len(name) > 0 && name[0] == '/' {
		name = name[1:]
	}
	k := 0
	for k < len(name) && (name[k]|0x20 >= 'a' && name[k]|0x20 <= 'z' || name[k] >= '0' && name[k] <= '9') {
		k++
	}
	name = name[:k]
	switch {
	case eqFold(name, "script"), eqFold(name, "style"):
		if s[1] != '/' {
			if e := indexFold(s[j:], "</"+name); e >= 0 {
				rest := s[j+e:]
				if g := strings.IndexByte(rest, '>'); g >= 0 {
					return j + e + g + 1, true
				}
			}
			return len(s), true
		}
		return j + 1, true
	case eqFold(name, "p"), eqFold(name, "br"), eqFold(name, "div"), eqFold(name, "li"),
		eqFold(name, "tr"), eqFold(name, "td"), eqFold(name, "blockquote"), eqFold(name, "figcaption"),
		len(name) == 2 && name[0]|0x20 == 'h' && name[1] >= '1' && name[1] <= '6':
		return j + 1, true
	}
	return j + 1, false
}

// entity decodes the HTML character reference at the start of s ("&aacute;",
// "&#225;", "&#xE1;"). n is 0 when s does not start a known reference.
func entity(s string) (r rune, n int) {
	end := -1
	for k := 1; k < len(s) && k < 34; k++ {
		if s[k] == ';' {
			end = k
			break
		}
		c := s[k]
		if !(c == '#' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			return 0, 0
		}
	}
	if end < 2 {
		return 0, 0
	}
	name := s[1:end]
	if name[0] == '#' {
		v := 0
		digits := name[1:]
		base := 10
		if len(digits) > 0 && digits[0]|0x20 == 'x' {
			base, digits = 16, digits[1:]
		}
		if len(digits) == 0 || len(digits) > 7 {
			return 0, 0
		}
		for i := 0; i < len(digits); i++ {
			c := digits[i]
			var x int
			switch {
			case c >= '0' && c <= '9':
				x = int(c - '0')
			case base == 16 && c|0x20 >= 'a' && c|0x20 <= 'f':
				x = int(c|0x20-'a') + 10
			default:
				return 0, 0
			}
			v = v*base + x
		}
		if v == 0 || v > unicode.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
			return utf8.RuneError, end + 1
		}
		return rune(v), end + 1
	}
	if r, ok := entities[name]; ok {
		return r, end + 1
	}
	return 0, 0
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if eqFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func eqFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 32
		}
		if y >= 'A' && y <= 'Z' {
			y += 32
		}
		if x != y {
			return false
		}
	}
	return true
}
