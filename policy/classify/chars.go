package classify

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Letter codes used in syllable keys. ASCII a–z and 0–9 stand for themselves;
// the seven Vietnamese letters outside ASCII get one control byte each, so a
// syllable key is a short byte string with no multi-byte sequences for
// Vietnamese text. Letters of other scripts are kept as their UTF-8 bytes
// (all ≥ 0x80, so they never collide with these codes).
const (
	codeABreve byte = 0x01 // ă
	codeACirc  byte = 0x02 // â
	codeECirc  byte = 0x03 // ê
	codeOCirc  byte = 0x04 // ô
	codeOHorn  byte = 0x05 // ơ
	codeUHorn  byte = 0x06 // ư
	codeDStrk  byte = 0x07 // đ
	// toneBase+tone (1..5) closes the key of a syllable that carries a tone.
	toneBase byte = 0x10
)

// Vietnamese tones, in the order used by toneMarks.
const (
	toneNone = iota
	toneGrave
	toneAcute
	toneHook
	toneTilde
	toneDot
)

var toneMarks = [6]rune{0, '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'}

// codeRune is the lower-case letter a code stands for.
var codeRune = [8]rune{0, 'ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ'}

// foldCode maps a letter code to its ASCII letter without diacritics.
var foldCode = [8]byte{0, 'a', 'a', 'e', 'o', 'o', 'u', 'd'}

// Character kinds.
const (
	kSep    uint8 = iota // ends a token
	kLetter              // a letter with a code (ASCII or Vietnamese)
	kOther               // a letter of another script: kept as UTF-8, lower-cased
	kDigit               // 0–9
	kIgnore              // zero-width characters, soft hyphen: dropped, token goes on
	kTone                // combining tone mark: sets the token's tone
	kMod                 // combining circumflex, breve or horn: changes the last letter
	kDrop                // other combining mark: dropped
	kPunct               // separator that headline cues count (see punct*)
	kAmp                 // '&' (HTML entity start)
	kLT                  // '<' (HTML tag start)
	kQuote1              // ' or ’ or ‘: apostrophe inside a word, a quote elsewhere
)

// Punctuation classes recorded after a token and counted per field.
const (
	pQuestion uint8 = 1 << iota
	pExclaim
	pEllipsis
	pQuote
	pColon
	pStop  // sentence end: . ? ! ; or a line break
	pBreak // any punctuation: a phrase does not run across it
)

type runeInfo struct {
	kind  uint8
	code  byte  // letter code (kLetter), mark (kMod: '^', '(', '+'), or punct class (kPunct)
	tone  uint8 // tone carried by a precomposed letter, or by a kTone mark
	upper bool
	fold  byte  // kLetter, kDigit: the folded code
	acc   uint8 // kLetter, kOther: the a* bits the character adds to its token
}

// table covers U+0000–U+24FF: Latin, combining marks, Vietnamese (U+1EA0–U+1EF9),
// general punctuation. Everything above is decided by unicode.IsLetter.
const tableSize = 0x2500

var runeTable [tableSize]runeInfo

// Direct tables for the UTF-8 forms of Vietnamese letters, so the hot loop
// needs no general decoding: two-byte sequences C3–C6 xx (U+00C0–U+01BF:
// à á â ã è é ê ì í ò ó ô õ ù ú ý ă đ ĩ ũ ơ ư …) and three-byte sequences
// E1 BA–BB xx (U+1E80–U+1EFF: ạ ả ấ ầ … ỹ).
var (
	asciiAcc   [26]uint8 // acc bits of a–z
	asciiTable [128]runeInfo
	utf8Two    [4 * 64]runeInfo
	utf8Three  [2 * 64]runeInfo
)

// compose[code or ASCII vowel][tone] is the precomposed lower-case letter.
var compose = map[[2]rune]rune{}

func init() {
	for r := rune(0); r < tableSize; r++ {
		runeTable[r] = finishInfo(classify(r))
	}
	copy(asciiTable[:], runeTable[:128])
	for c := 'a'; c <= 'z'; c++ {
		asciiAcc[c-'a'] = runeTable[c].acc
	}
	for i := range utf8Two {
		utf8Two[i] = runeTable[0xC0+i]
	}
	for i := range utf8Three {
		utf8Three[i] = runeTable[0x1E80+i]
	}
	for _, b := range "aăâeêioôơuưy" {
		for t := 1; t <= 5; t++ {
			s := norm.NFC.String(string(b) + string(toneMarks[t]))
			c, _ := utf8.DecodeRuneInString(s)
			compose[[2]rune{b, rune(t)}] = c
		}
	}
}

// finishInfo fills in the fields derived from kind, code and tone.
func finishInfo(info runeInfo) runeInfo {
	switch info.kind {
	case kLetter, kDigit:
		info.fold = fold1(info.code)
	}
	switch info.kind {
	case kLetter:
		info.acc = aLetter
		if info.code < 8 || info.tone != 0 {
			info.acc |= aDiacritic
		}
		if isVowelCode(info.code) {
			info.acc |= aVowel
		}
		if !info.upper {
			info.acc |= aLower
		}
	case kOther:
		info.acc = aLetter | aOther
		if !info.upper {
			info.acc |= aLower
		}
	}
	return info
}

func letterCode(r rune) (byte, bool) {
	switch {
	case r >= 'a' && r <= 'z':
		return byte(r), true
	}
	for i := 1; i < len(codeRune); i++ {
		if codeRune[i] == r {
			return byte(i), true
		}
	}
	return 0, false
}

func classify(r rune) runeInfo {
	switch {
	case r >= 'a' && r <= 'z':
		return runeInfo{kind: kLetter, code: byte(r)}
	case r >= 'A' && r <= 'Z':
		return runeInfo{kind: kLetter, code: byte(r + 32), upper: true}
	case r >= '0' && r <= '9':
		return runeInfo{kind: kDigit, code: byte(r)}
	}
	switch r {
	case '&':
		return runeInfo{kind: kAmp}
	case '<':
		return runeInfo{kind: kLT}
	case '\'', '\u2019', '\u2018', '`', '\u00b4':
		return runeInfo{kind: kQuote1}
	case '?', '\uff1f':
		return runeInfo{kind: kPunct, code: pQuestion | pStop | pBreak}
	case '!', '\uff01':
		return runeInfo{kind: kPunct, code: pExclaim | pStop | pBreak}
	case '\u2026':
		return runeInfo{kind: kPunct, code: pEllipsis | pBreak}
	case '"', '\u201c', '\u201d', '\u00ab', '\u00bb', '\u201e', '\u201f':
		return runeInfo{kind: kPunct, code: pQuote | pBreak}
	case ':':
		return runeInfo{kind: kPunct, code: pColon | pBreak}
	case '.', ';', '\n', '\r':
		return runeInfo{kind: kPunct, code: pStop | pBreak}
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e':
		return runeInfo{kind: kIgnore}
	case '\u0300':
		return runeInfo{kind: kTone, tone: toneGrave}
	case '\u0301', '\u0341':
		return runeInfo{kind: kTone, tone: toneAcute}
	case '\u0309':
		return runeInfo{kind: kTone, tone: toneHook}
	case '\u0303':
		return runeInfo{kind: kTone, tone: toneTilde}
	case '\u0323':
		return runeInfo{kind: kTone, tone: toneDot}
	case '\u0340':
		return runeInfo{kind: kTone, tone: toneGrave}
	case '\u0302':
		return runeInfo{kind: kMod, code: '^'}
	case '\u0306':
		return runeInfo{kind: kMod, code: '('}
	case '\u031b':
		return runeInfo{kind: kMod, code: '+'}
	case 'Đ', 'Ð':
		return runeInfo{kind: kLetter, code: codeDStrk, upper: true}
	case 'đ':
		return runeInfo{kind: kLetter, code: codeDStrk}
	}
	if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
		return runeInfo{kind: kDrop}
	}
	if unicode.IsSpace(r) || r == '-' || r == '/' || r == '_' {
		return runeInfo{kind: kSep}
	}
	if !unicode.IsLetter(r) {
		// Commas, brackets, dashes, symbols, other digits.
		return runeInfo{kind: kPunct, code: pBreak}
	}
	// Decompose: base letter + Vietnamese marks → letter code and tone.
	d := []rune(norm.NFD.String(string(r)))
	upper := unicode.IsUpper(r)
	base := unicode.ToLower(d[0])
	if code, ok := letterCode(base); ok || (base >= 'a' && base <= 'z') {
		if !ok {
			code = byte(base)
		}
		info := runeInfo{kind: kLetter, code: code, upper: upper}
		for _, m := range d[1:] {
			mi := classify(m)
			switch mi.kind {
			case kTone:
				info.tone = mi.tone
			case kMod:
				info.code = applyMod(info.code, mi.code)
			}
		}
		return info
	}
	return runeInfo{kind: kOther, upper: upper}
}

// applyMod applies a combining circumflex ('^'), breve ('(') or horn ('+') to
// a letter code; other combinations leave the letter as it is.
func applyMod(code, mod byte) byte {
	switch mod {
	case '^':
		switch code {
		case 'a':
			return codeACirc
		case 'e':
			return codeECirc
		case 'o':
			return codeOCirc
		}
	case '(':
		if code == 'a' {
			return codeABreve
		}
	case '+':
		switch code {
		case 'o':
			return codeOHorn
		case 'u':
			return codeUHorn
		}
	}
	return code
}

func isVowelCode(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y', codeABreve, codeACirc, codeECirc, codeOCirc, codeOHorn, codeUHorn:
		return true
	}
	return false
}

func codeToRune(c byte) rune {
	if c < 8 {
		return codeRune[c]
	}
	return rune(c)
}
