package classify

import (
	"math/rand/v2"
	"strings"
	"testing"

	"gatekeeper/policy"
)

func TestHeadline(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Sân bay Vinh đóng cửa 6 tháng để nâng cấp", "Sân bay Vinh đóng cửa 6 tháng để nâng cấp"},
		{"Đội tuyển nữ về nước sau giải châu Á - Báo Thể Thao & Đời Sống", "Đội tuyển nữ về nước sau giải châu Á"},
		{"Mười cây cầu dài nhất miền Tây - Chuyên trang Giao Thông - Báo Đường Sắt Mới",
			"Mười cây cầu dài nhất miền Tây"},
		{"Chợ nổi mùa nước nổi đông khách - Tạp chí Du Lịch Xanh", "Chợ nổi mùa nước nổi đông khách"},
		{"Ca sĩ trẻ 'gây bão' với bản hát lại | GÓC GIẢI TRÍ", "Ca sĩ trẻ 'gây bão' với bản hát lại"},
		{"Giá vàng hôm nay tăng mạnh – VnExpress.net", "Giá vàng hôm nay tăng mạnh"},
		{"Lãnh đạo hai nước hội đàm trực tuyến - TinNhanhSo", "Lãnh đạo hai nước hội đàm trực tuyến"},
		{"Giá vàng - Báo Mới", "Giá vàng - Báo Mới"}, // fewer than three words would be left
		{"Liên danh Sông Xanh - Núi Đỏ đề xuất dự án mới", "Liên danh Sông Xanh - Núi Đỏ đề xuất dự án mới"},
		{"Kết quả trận Real Madrid - Barcelona", "Kết quả trận Real Madrid - Barcelona"},
		{"", ""},
		{" - ", " - "},
	}
	for _, tc := range cases {
		if got := headline(tc.in); got != tc.want {
			t.Errorf("headline(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A publication's name appended to the title changes nothing.
func TestSiteSuffixIgnored(t *testing.T) {
	c := Default()
	tx := policy.Text{Title: "Động thái bất thường của nữ ca sĩ sau ồn ào", Excerpt: "Nữ ca sĩ vừa đăng tải dòng trạng thái gây chú ý."}
	a := c.Classify(tx)
	tx.Title += " - Báo Tiền Phong"
	b := c.Classify(tx)
	if a.Sensational.Score != b.Sensational.Score || a.Tone.Score != b.Tone.Score {
		t.Errorf("suffix changed the scores: %+v vs %+v", a, b)
	}
}

// "end" phrases count only as the title's last words; elsewhere the plain
// entry of the same phrase (if any) counts.
func TestPositionalEntries(t *testing.T) {
	c := Default()
	l := c.head[langVI]
	var endIdx, plainIdx int32 = -1, -1
	for i, e := range l.entries {
		if e.text == "này" && e.end {
			endIdx = int32(i)
		}
		if e.text == "này" && !e.positional() {
			plainIdx = int32(i)
		}
	}
	if endIdx < 0 || plainIdx < 0 {
		t.Fatalf("lexicon lacks \"này\" plain and at the end (%d, %d)", endIdx, plainIdx)
	}
	if l.entries[endIdx].alt != plainIdx {
		t.Fatalf("alt of \"này\" end = %d, want %d", l.entries[endIdx].alt, plainIdx)
	}
	if got := l.at(endIdx, 5, 6, 6); got != endIdx {
		t.Errorf("at the end: %d, want %d", got, endIdx)
	}
	if got := l.at(endIdx, 2, 3, 6); got != plainIdx {
		t.Errorf("mid-title: %d, want the plain entry %d", got, plainIdx)
	}
	end := c.Classify(policy.Text{Title: "Người hâm mộ sẽ còn nhắc mãi những khoảnh khắc này", Language: "vi"})
	mid := c.Classify(policy.Text{Title: "Những khoảnh khắc này người hâm mộ sẽ còn nhắc mãi", Language: "vi"})
	we, _ := hasEv(end.Sensational.Evidence, "này")
	wm, _ := hasEv(mid.Sensational.Evidence, "này")
	if !(we.Weight > wm.Weight) {
		t.Errorf("\"này\" closing the title (%+v) should weigh more than mid-title (%+v)", we, wm)
	}
}

// Headline phrases in the lead count, as excerpt evidence.
func TestLeadCues(t *testing.T) {
	c := Default()
	title := "Nữ ca sĩ chia sẻ về cuộc sống ở quê nhà"
	plain := c.Classify(policy.Text{Title: title, Excerpt: "Nữ ca sĩ trở về quê nhà ở Nghệ An sau chuyến lưu diễn dài ngày."})
	tease := c.Classify(policy.Text{Title: title, Excerpt: "Câu chuyện của nữ ca sĩ khiến dân mạng không khỏi xúc động, ai cũng bất ngờ."})
	if !(tease.Sensational.Score > plain.Sensational.Score) {
		t.Errorf("teasing lead %.3f, plain lead %.3f: want higher", tease.Sensational.Score, plain.Sensational.Score)
	}
	e, ok := hasEv(tease.Sensational.Evidence, "dân mạng")
	if !ok || e.Field != "excerpt" {
		t.Errorf("want excerpt evidence \"dân mạng\", got %+v", tease.Sensational.Evidence)
	}
}

// lastSeparatorScan is the byte-by-byte scan that lastSeparator replaced,
// kept as its reference: every space from the end, then the mark after it.
func lastSeparatorScan(s string) (int, string) {
	stop := max(0, len(s)-maxSite-len(" — "))
	for i := len(s) - 3; i >= stop; i-- {
		if s[i] != ' ' {
			continue
		}
		if c := s[i+1]; c != '-' && c != '|' && c != 0xE2 {
			continue
		}
		for _, sep := range separators {
			if strings.HasPrefix(s[i:], sep) {
				return i, sep
			}
		}
	}
	return -1, ""
}

// lastSeparator finds what the scan finds, on titles of separators, marks
// without their spaces, other three-byte characters starting with E2 and
// letters, shorter and longer than the part of a long title it searches.
func TestLastSeparatorMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{" ", "-", "|", "–", "—", "“", "…", "a", "bé", " - ", " – ", " — ", " | ", "x y"}
	for n := 0; n < 100000; n++ {
		var b strings.Builder
		for k := r.IntN(90); k > 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		i, sep := lastSeparator(s)
		j, want := lastSeparatorScan(s)
		if i != j || sep != want {
			t.Fatalf("%q: %d %q, the scan %d %q", s, i, sep, j, want)
		}
	}
}
