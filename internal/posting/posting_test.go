package posting

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"gatekeeper/internal/messages"
	"gatekeeper/internal/testsupport"
)

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Facebook: every host, tracking and sharing parameters gone, the post's own kept.
		{"https://www.facebook.com/dakglei.gov/posts/pfbid02xYz9?__cft__[0]=AZV&__tn__=%2CO%2CP-R", "https://facebook.com/dakglei.gov/posts/pfbid02xYz9"},
		{"https://m.facebook.com/story.php?story_fbid=1234567890&id=100064&mibextid=Nif5oz", "https://facebook.com/permalink.php?id=100064&story_fbid=1234567890"},
		{"http://facebook.com/permalink.php?id=100064&story_fbid=1234567890&fbclid=IwAR0x", "https://facebook.com/permalink.php?id=100064&story_fbid=1234567890"},
		{"https://web.facebook.com/photo.php?fbid=987&set=a.123&type=3", "https://facebook.com/photo.php?fbid=987"},
		{"https://www.facebook.com/watch/?v=555666777&ref=sharing", "https://facebook.com/watch?v=555666777"},
		{"facebook.com/UBNDhuyenDakGlei/videos/1122334455/", "https://facebook.com/UBNDhuyenDakGlei/videos/1122334455"},
		// Zalo OA: Zalo's sharing parameters and UTM gone.
		{"https://zalo.me/s/4102835362/?zarsrc=30&utm_source=zalo&utm_medium=zalo&utm_campaign=zalo&gidzl=Xy1", "https://zalo.me/s/4102835362"},
		{"https://oa.zalo.me/home/baiviet/abc123?utm_source=zalo", "https://oa.zalo.me/home/baiviet/abc123"},
		// YouTube: every form of a video's link is one.
		{"https://youtu.be/dQw4w9WgXcQ?si=AbCdEf&t=42", "https://youtube.com/watch?v=dQw4w9WgXcQ"},
		{"https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=youtu.be&ab_channel=X", "https://youtube.com/watch?v=dQw4w9WgXcQ"},
		{"https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"},
		{"https://youtube.com/shorts/Ab12Cd34Ef5?feature=share", "https://youtube.com/watch?v=Ab12Cd34Ef5"},
		{"https://www.youtube.com/@TruyenHinhKonTum/videos", "https://youtube.com/@TruyenHinhKonTum/videos"},
		// TikTok: the query is all sharing.
		{"https://www.tiktok.com/@ubnd.dakglei/video/7312345678901234567?is_from_webapp=1&sender_device=pc&lang=vi", "https://tiktok.com/@ubnd.dakglei/video/7312345678901234567"},
		{"https://vm.tiktok.com/ZSabc123/", "https://vm.tiktok.com/ZSabc123"},
		// Portals: case of scheme and host, default port, fragment, trailing slash.
		{"HTTPS://DakGlei.KonTum.gov.VN:443/tin-tuc/le-hoi-mua-xuan.html#binh-luan", "https://dakglei.kontum.gov.vn/tin-tuc/le-hoi-mua-xuan.html"},
		{"http://www.baokontum.com.vn/kinh-te/nong-nghiep/?id=42&utm_campaign=x&gclid=abc", "https://baokontum.com.vn/kinh-te/nong-nghiep?id=42"},
		{"https://example.gov.vn/bai?b=2&a=1", "https://example.gov.vn/bai?a=1&b=2"},
		{"https://example.gov.vn:8080/bai/", "https://example.gov.vn:8080/bai"},
		{"  https://example.gov.vn/  ", "https://example.gov.vn"},
		{"baokontum.com.vn/tin?u=http://x.vn&utm_source=zalo", "https://baokontum.com.vn/tin?u=http%3A%2F%2Fx.vn"},
		{"example.gov.vn:8443/bai", "https://example.gov.vn:8443/bai"},
		{"https://dắkglei.vn/tin", "https://xn--dkglei-pf8b.vn/tin"},
	} {
		got, err := Canonical(tc.in)
		if err != nil {
			t.Errorf("Canonical(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSameLinkSameID(t *testing.T) {
	groups := [][]string{
		{"https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=x", "youtube.com/shorts/dQw4w9WgXcQ"},
		{"https://m.facebook.com/story.php?story_fbid=1&id=2", "https://www.facebook.com/permalink.php?id=2&story_fbid=1&__tn__=K-R"},
		{"https://zalo.me/s/1/?gidzl=a", "http://zalo.me/s/1#top"},
	}
	seen := map[string]int{}
	for g, links := range groups {
		first, err := PostID(links[0], "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(first, LinkIDPrefix) || !ValidID(first) || len(first) != len(LinkIDPrefix)+24 {
			t.Errorf("PostID(%q) = %q: not a short valid id", links[0], first)
		}
		for _, l := range links[1:] {
			if id, _ := PostID(l, ""); id != first {
				t.Errorf("PostID(%q) = %q, want %q (same post as %q)", l, id, first, links[0])
			}
		}
		if prev, ok := seen[first]; ok {
			t.Errorf("groups %d and %d share id %s", prev, g, first)
		}
		seen[first] = g
	}
	// Different posts of one page differ.
	a, _ := PostID("https://facebook.com/permalink.php?story_fbid=1&id=2", "")
	b, _ := PostID("https://facebook.com/permalink.php?story_fbid=3&id=2", "")
	if a == b {
		t.Error("two posts of one page share an id")
	}
}

func TestPostIDExplicitWins(t *testing.T) {
	id, err := PostID("https://facebook.com/x/posts/1", "fb-2026-001")
	if err != nil || id != "fb-2026-001" {
		t.Fatalf("PostID = %q, %v", id, err)
	}
	// A bad explicit id is refused even with a good link: no silent fallback.
	if _, err := PostID("https://facebook.com/x/posts/1", "bài 1"); code(err) != "id" {
		t.Fatalf("bad id: %v", err)
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct{ link, id, code string }{
		{"", "", "missing"},
		{"   ", "", "missing"},
		{"", strings.Repeat("a", 129), "id"},
		{"", "<script>", "id"},
		{"javascript:alert(1)", "", "link_scheme"},
		{"JavaScript:alert(document.cookie)//https://facebook.com", "", "link_scheme"},
		{"data:text/html;base64,PHNjcmlwdD4=", "", "link_scheme"},
		{"mailto:a@b.vn", "", "link_scheme"},
		{"ftp://example.vn/file", "", "link_scheme"},
		{"http:example.vn/x", "", "link_invalid"},
		{"vbscript:msgbox", "", "link_scheme"},
		{"https://example.vn/a\nb", "", "link_control"},
		{"https://example.vn/a\x00b", "", "link_control"},
		{"https://example.vn/a b", "", "link_control"},
		{"https://example.vn/\u200btin", "", "link_control"},
		{"https://" + strings.Repeat("a", MaxLinkLength) + ".vn", "", "link_long"},
		{"https://user:pass@example.vn/x", "", "link_invalid"},
		{"https:///path-only", "", "link_host"},
		{"https://localhost/x", "", "link_host"},
		{"https://exa_mple..vn/x", "", "link_host"},
		{"https://example.vn:99999/x", "", "link_invalid"},
		{"https://example.vn/\xff", "", "link_invalid"},
		{"https://%zz", "", "link_invalid"},
		// A link given with an id is kept and shown: it is a link all the same.
		{"javascript:alert(1)", "fb-2026-001", "link_scheme"},
		{"https://example.vn/a b", "fb-2026-001", "link_control"},
	} {
		_, err := PostID(tc.link, tc.id)
		if code(err) != tc.code {
			t.Errorf("PostID(%q, %q) = %v, want code %s", tc.link, tc.id, err, tc.code)
			continue
		}
		var pe *Error
		errors.As(err, &pe)
		if pe.In(messages.VI) == "" || pe.In(messages.EN) == "" || pe.In(messages.VI) == pe.In(messages.EN) {
			t.Errorf("%s: messages %q / %q", tc.code, pe.VI, pe.EN)
		}
	}
}

func code(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"https://youtu.be/x", "facebook.com/a?story_fbid=1&id=2", "javascript:x", "https://a.vn:1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Canonical(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Canonical(%q): unworded error %v", s, err)
			}
			return
		}
		// Canonical is a fixed point.
		if c2, err := Canonical(c); err != nil || c2 != c {
			t.Fatalf("Canonical(%q) = %q, again %q, %v", s, c, c2, err)
		}
	})
}

func TestHeadline(t *testing.T) {
	long := strings.Repeat("Xã Đắk Pék tổ chức ", 20)
	for _, tc := range []struct{ title, text, want string }{
		{"  Tiêu đề  ", "Nội dung", "Tiêu đề"},
		{"", "\n\n  Dòng   đầu  \nDòng hai", "Dòng đầu"},
		{"", "", ""},
	} {
		if got := Headline(tc.title, tc.text); got != tc.want {
			t.Errorf("Headline(%q, %q) = %q, want %q", tc.title, tc.text, got, tc.want)
		}
	}
	h := Headline("", long)
	if n := len([]rune(h)); n > MaxHeadline+1 || !strings.HasSuffix(h, "…") || strings.HasSuffix(h, " …") {
		t.Errorf("long headline %q (%d characters)", h, n)
	}
}

// TestHref: a link a page may point to is an http(s) address; a link
// without a scheme gets https://; every other scheme gets no anchor.
func TestHref(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{"https://facebook.com/x/posts/1?a=b", "https://facebook.com/x/posts/1?a=b"},
		{"HTTP://Example.vn/tin", "HTTP://Example.vn/tin"},
		{"http://localhost:8080/?p=3", "http://localhost:8080/?p=3"}, // a CMS's own address
		{" facebook.com/dakglei/posts/123 ", "https://facebook.com/dakglei/posts/123"},
		{"example.vn:8080/tin", "https://example.vn:8080/tin"},
		{"javascript:alert(1)", ""},
		{"JavaScript://%0aalert(1)", ""},
		{"data:text/html;base64,PHNjcmlwdD4=", ""},
		{"vbscript:msgbox", ""},
		{"//evil.example/x", ""},
		{"https://user:pass@example.vn/x", ""},
		{"https://example.vn/a b", ""},
		{"https://example.vn/a\x00b", ""},
		{"", ""},
		{"not a link", ""},
	} {
		if got := Href(tc.link); got != tc.want {
			t.Errorf("Href(%q) = %q, want %q", tc.link, got, tc.want)
		}
	}
}

// TestDraftID: a draft's id is a valid post id, the same for the same
// title and text, another for another text.
func TestDraftID(t *testing.T) {
	a, b := DraftID("Tin", "Nội dung"), DraftID("Tin", "Nội dung khác")
	if !ValidID(a) || !strings.HasPrefix(a, DraftIDPrefix) || a != DraftID("Tin", "Nội dung") || a == b {
		t.Fatalf("DraftID: %q %q", a, b)
	}
}

// idPattern is the form ValidID accepts, as a regular expression: the
// oracle ValidID's loop is held to.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func TestValidIDAsPattern(t *testing.T) {
	for _, id := range testsupport.IDsAround(128, "aZ09._:-/ \x00\x7f\xc3\xa1-A") {
		if got, want := ValidID(id), idPattern.MatchString(id); got != want {
			t.Errorf("ValidID(%q) = %t, the pattern says %t", id, got, want)
		}
	}
}

func FuzzValidID(f *testing.F) {
	for _, id := range []string{"", "a", "bài-1", "x:y.z_1-2", strings.Repeat("a", 129)} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := ValidID(id), idPattern.MatchString(id); got != want {
			t.Errorf("ValidID(%q) = %t, the pattern says %t", id, got, want)
		}
	})
}
