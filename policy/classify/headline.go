package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// siteWords start the names of publications that aggregators and some CMS
// themes append to a headline ("… - Báo Tiền Phong", "… - Tạp chí
// Tri thức"). Compared ignoring case; the input is matched as written (NFC,
// the form nearly every feed uses).
var siteWords = []string{
	"báo ", "tạp chí ", "chuyên trang ", "trang tin ", "trang thông tin ", "cổng thông tin ",
	"đài phát thanh", "đài truyền hình", "kênh ", "thông tấn xã ", "tin tức ", "tạp chí điện tử ",
}

// headline returns title without the publication names appended to it
// ("Gói thầu … - Chuyên trang Đầu tư - Báo Xây dựng" → "Gói thầu …"): they
// are not part of what the editor wrote, and they would count as words the
// lead does not repeat, as capitalised names and as length. A trailing
// segment is taken off when it follows " - ", " – ", " — " or " | " and is
// a publication name (see siteWords; at most 12 words and maxSite bytes), a
// web address or a brand written in
// one word with inner capitals (VnExpress, VietTimes); after " | " any
// segment of at most four words is a programme label ("| ON TRENDING").
// At least three words of headline are always kept. It does not allocate.
func headline(title string) string {
	for {
		i, sep := lastSeparator(title)
		if i < 0 {
			return title
		}
		head := strings.TrimRight(title[:i], " \t")
		seg := strings.TrimSpace(title[i+len(sep):])
		if words(head) < 3 || !siteName(seg, sep == " | ") {
			return title
		}
		title = head
	}
}

// maxSite is the longest publication name, in bytes, that headline takes off.
const maxSite = 120

// separators are what lastSeparator looks for. Each is a space, a mark
// that starts with one of sepMarks, and a space.
var (
	separators = [...]string{" - ", " – ", " — ", " | "}
	sepMarks   = [...]byte{'-', '|', 0xE2} // – and — start with E2
)

// lastSeparator finds the last " - ", " – ", " — " or " | " in s that is
// followed by at most maxSite bytes (a long title is searched at its end
// only). The marks are rare in a title, so it looks for them, not for the
// spaces before them.
func lastSeparator(s string) (int, string) {
	if len(s) < len(" - ") {
		return -1, ""
	}
	stop := max(0, len(s)-maxSite-len(" — "))
	// A separator starts at i in [stop, len(s)-3]: its mark is at i+1.
	marks := s[stop+1 : len(s)-1]
	best, bestSep := -1, ""
	for _, m := range sepMarks {
		for from := 0; ; {
			k := strings.IndexByte(marks[from:], m)
			if k < 0 {
				break
			}
			i := stop + from + k // the space before the mark
			from += k + 1
			if i <= best || s[i] != ' ' {
				continue
			}
			for _, sep := range separators {
				if strings.HasPrefix(s[i:], sep) {
					best, bestSep = i, sep
					break
				}
			}
		}
	}
	return best, bestSep
}

func siteName(seg string, pipe bool) bool {
	n := words(seg)
	switch {
	case n == 0 || n > 12 || len(seg) > maxSite:
		return false
	case pipe && n <= 4:
		return true
	}
	for _, w := range siteWords {
		if hasPrefixFold(seg, w) {
			return true
		}
	}
	if n != 1 {
		return false
	}
	// One word: a web address (tuoitre.vn, VnExpress.net) or a brand with
	// inner capitals (VietTimes, TheLEADER). Plain capitalised words
	// ("Barcelona" after "Real Madrid - ") are left alone.
	if j := strings.LastIndexByte(seg, '.'); j > 0 {
		switch strings.ToLower(seg[j+1:]) {
		case "vn", "com", "net", "org", "info", "tv":
			return true
		}
	}
	lower := false
	for _, r := range seg {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r) && lower:
			return true
		}
	}
	return false
}

// words counts space-separated words.
func words(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		sp := s[i] == ' ' || s[i] == '\t'
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// hasPrefixFold reports whether s starts with prefix (lower case), ignoring
// the case of s.
func hasPrefixFold(s, prefix string) bool {
	for _, pr := range prefix {
		if len(s) == 0 {
			return false
		}
		r, size := utf8.DecodeRuneInString(s)
		if unicode.ToLower(r) != pr {
			return false
		}
		s = s[size:]
	}
	return true
}
