// Package posting decides a post's identity when no CMS gives it one: a post
// on a social page (Facebook, Zalo OA, YouTube, TikTok) or on a portal,
// recorded by an editor, the command line or an imported history. An
// explicit id wins; otherwise the post's link, in a canonical form, is hashed
// into a short stable id, so the same link recorded twice counts once.
package posting

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"gatekeeper/internal/messages"
)

// MaxLinkLength bounds a link, in bytes, before it is read.
const MaxLinkLength = 2048

// LinkIDPrefix starts every id made from a link.
const LinkIDPrefix = "link-"

// ValidID reports whether id is a post id Gatekeeper accepts: 1–128 ASCII
// letters, digits and . _ : -, the form of every post id the API, the
// console and the command line accept (a CMS's own ids, and those made
// from links). (A loop, not a regular expression: it runs on every request,
// for the post id and the request id; TestValidIDAsPattern holds it to
// ^[A-Za-z0-9._:-]{1,128}$.)
func ValidID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// Error is a refused id or link, with its message in Vietnamese and English.
type Error struct {
	Code string // id, missing, link_long, link_control, link_scheme, link_host, link_invalid
	VI   string
	EN   string
}

// Error words it in both languages, Vietnamese first.
func (e *Error) Error() string { return e.VI + " / " + e.EN }

// In words it in lang.
func (e *Error) In(lang messages.Lang) string {
	if lang == messages.EN {
		return e.EN
	}
	return e.VI
}

func refuse(code string) *Error {
	p := errorText[code]
	return &Error{Code: code, VI: p[0], EN: p[1]}
}

var errorText = map[string][2]string{
	"id":           {"mã bài chỉ gồm chữ, số và . _ : - (tối đa 128 ký tự)", "a post id may contain only letters, digits and . _ : - (at most 128 characters)"},
	"missing":      {"cần liên kết của bài hoặc mã bài", "the post's link or an id is required"},
	"link_long":    {"liên kết dài quá 2048 ký tự", "the link is longer than 2048 characters"},
	"link_control": {"liên kết chứa ký tự điều khiển hoặc khoảng trắng", "the link contains control characters or spaces"},
	"link_scheme":  {"liên kết phải bắt đầu bằng http:// hoặc https://", "the link must start with http:// or https://"},
	"link_host":    {"liên kết không có tên miền hợp lệ", "the link has no valid host name"},
	"link_invalid": {"liên kết không hợp lệ", "the link is not valid"},
}

// PostID is the id a post is counted under: id when given (validated as
// every post id is), else LinkID(link). A link given with an id must be a
// link all the same (Canonical): it is kept with the post and shown.
func PostID(link, id string) (string, error) {
	if id = strings.TrimSpace(id); id != "" {
		if !ValidID(id) {
			return "", refuse("id")
		}
		if strings.TrimSpace(link) != "" {
			if _, err := Canonical(link); err != nil {
				return "", err
			}
		}
		return id, nil
	}
	if strings.TrimSpace(link) == "" {
		return "", refuse("missing")
	}
	return LinkID(link)
}

// DraftIDPrefix starts the id a check before posting is made under when
// the post has neither a link nor an id yet.
const DraftIDPrefix = "draft-"

// DraftID is that id: DraftIDPrefix and the first 12 bytes of the SHA-256 of
// the title and text, in hex. It names this draft only, so the dry run
// reads it as a new post (a fixed id could be one the outlet has counted).
func DraftID(title, text string) string {
	sum := sha256.Sum256([]byte(title + "\n" + text))
	return DraftIDPrefix + hex.EncodeToString(sum[:12])
}

// LinkID is the id made from a link: LinkIDPrefix and the first 12 bytes of
// the SHA-256 of its canonical form, in hex.
func LinkID(link string) (string, error) {
	c, err := Canonical(link)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(c))
	return LinkIDPrefix + hex.EncodeToString(sum[:12]), nil
}

// Canonical is the form of a link that two copies of the same post's link
// share: https, the host in lower case without "www." (and without the
// mobile prefixes of the big platforms), no port 80/443, no fragment, no
// trailing slash, no tracking or sharing parameters, the remaining
// parameters sorted; Facebook and YouTube keep only the parameters that name
// the post (story_fbid and id, fbid, v), and youtu.be, /shorts/, /live/ and
// /embed/ links become youtube.com/watch?v=…. A link without a scheme
// ("facebook.com/…") is read as https.
func Canonical(link string) (string, error) {
	if len(link) > MaxLinkLength {
		return "", refuse("link_long")
	}
	link = strings.TrimSpace(link)
	if link == "" {
		return "", refuse("missing")
	}
	if !utf8.ValidString(link) {
		return "", refuse("link_invalid")
	}
	for _, r := range link {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return "", refuse("link_control")
		}
	}
	switch scheme, rest, ok := strings.Cut(link, ":"); {
	case !ok || !schemePattern.MatchString(scheme) || isPort(rest):
		// "facebook.com/…", "example.vn:8080/x": no scheme at all.
		link = "https://" + link
	case !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https"):
		// "javascript:…", "data:…", "mailto:…", "ftp://…"
		return "", refuse("link_scheme")
	case !strings.HasPrefix(rest, "//"):
		return "", refuse("link_invalid")
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", refuse("link_invalid")
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return "", refuse("link_scheme")
	}
	if u.User != nil || u.Opaque != "" {
		return "", refuse("link_invalid")
	}
	host, err := canonicalHost(u.Host)
	if err != nil {
		return "", err
	}
	c := &url.URL{Scheme: "https", Host: host, Path: strings.TrimRight(u.Path, "/")}
	q := u.Query()
	platform := platformOf(host)
	switch platform {
	case "facebook":
		c.Host = "facebook.com"
		if c.Path == "/story.php" { // the mobile site's permalink
			c.Path = "/permalink.php"
		}
		q = keep(q, "story_fbid", "id", "fbid", "v")
	case "youtube":
		c.Host, c.Path, q = youtube(host, c.Path, q)
	case "tiktok":
		c.Host = "tiktok.com"
		if host == "vm.tiktok.com" || host == "vt.tiktok.com" {
			c.Host = host // a short link: its target is not known offline
		}
		q = url.Values{}
	default:
		for k := range q {
			if tracking(k) {
				delete(q, k)
			}
		}
	}
	c.RawQuery = encode(q)
	return c.String(), nil
}

// Href is link as an address a page may point to: the link itself when it
// is an http or https address with a host, with "https://" in front when
// it names no scheme and Canonical reads it ("facebook.com/…"), else ""
// (javascript:, data:, anything that is not a post's address): a page
// shows no anchor for it.
func Href(link string) string {
	link = strings.TrimSpace(link)
	if link == "" || len(link) > MaxLinkLength {
		return ""
	}
	for _, r := range link {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ""
		}
	}
	if u, err := url.Parse(link); err == nil && u.Host != "" && u.User == nil &&
		(strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) {
		return link
	}
	if scheme, rest, ok := strings.Cut(link, ":"); ok && schemePattern.MatchString(scheme) && !isPort(rest) {
		return "" // a scheme other than http(s), or one without "//host"
	}
	if _, err := Canonical(link); err != nil {
		return ""
	}
	return "https://" + link
}

// schemePattern is a URL scheme (RFC 3986): what comes before the first
// colon when the link names one.
var schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// isPort reports whether rest (what follows a colon) starts with a port
// number: "example.com:8080/x" has no scheme.
func isPort(rest string) bool {
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	return n > 0 && (n == len(rest) || rest[n] == '/' || rest[n] == '?' || rest[n] == '#')
}

// canonicalHost lower-cases the host (IDNA for non-ASCII names), drops the
// default ports, a final dot and "www.".
func canonicalHost(h string) (string, error) {
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = h, ""
	}
	if port != "" && port != "80" && port != "443" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", refuse("link_invalid")
		}
	} else {
		port = ""
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || strings.HasPrefix(host, "[") {
		return "", refuse("link_host")
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err == nil {
		// A name whose ASCII form does not read back the same is not one.
		again, err2 := idna.Lookup.ToASCII(ascii)
		if err2 != nil || again != ascii || !utf8.ValidString(host) {
			err = errors.New("not a host name")
		}
	}
	if err != nil || !strings.Contains(ascii, ".") {
		if net.ParseIP(host) == nil {
			return "", refuse("link_host")
		}
		ascii = host
	}
	for _, label := range strings.Split(ascii, ".") {
		if label == "" || len(label) > 63 {
			return "", refuse("link_host")
		}
	}
	ascii = strings.TrimPrefix(strings.ToLower(ascii), "www.")
	if port != "" {
		ascii += ":" + port
	}
	return ascii, nil
}

// platformOf names the platform whose links have rules of their own.
func platformOf(host string) string {
	is := func(domain string) bool { return host == domain || strings.HasSuffix(host, "."+domain) }
	switch {
	case is("facebook.com") || host == "fb.com" || host == "fb.watch":
		if host == "fb.watch" {
			return ""
		}
		return "facebook"
	case is("youtube.com") || host == "youtu.be":
		return "youtube"
	case is("tiktok.com"):
		return "tiktok"
	}
	return ""
}

// youtube maps every form of a video's link to youtube.com/watch?v=ID.
func youtube(host, path string, q url.Values) (string, string, url.Values) {
	id := ""
	switch {
	case host == "youtu.be":
		id = strings.Trim(path, "/")
	case strings.HasPrefix(path, "/shorts/"), strings.HasPrefix(path, "/live/"), strings.HasPrefix(path, "/embed/"):
		parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
		id = parts[1]
	case path == "/watch":
		id = q.Get("v")
	}
	if id != "" && !strings.Contains(id, "/") {
		return "youtube.com", "/watch", url.Values{"v": {id}}
	}
	// A channel, a playlist or another page: its own path, no tracking.
	return "youtube.com", path, keep(q, "v", "list")
}

// keep returns the parameters of q named in names.
func keep(q url.Values, names ...string) url.Values {
	out := url.Values{}
	for _, n := range names {
		if v, ok := q[n]; ok {
			out[n] = v
		}
	}
	return out
}

// trackingParams are parameters that say who shared a link or how it was
// reached, never which post it is.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"igshid": true, "igsh": true, "mibextid": true, "rdid": true, "sfnsn": true, "ref": true, "ref_src": true,
	"ref_url": true, "refsrc": true, "share_url": true, "_ga": true, "_gl": true, "mc_cid": true, "mc_eid": true,
	"zarsrc": true, "gidzl": true, "zl_src": true, "si": true, "feature": true, "_t": true, "_r": true,
	"is_from_webapp": true, "sender_device": true, "share_app_id": true, "share_link_id": true, "__cft__": true,
	"__tn__": true, "__xts__": true, "hc_ref": true, "hc_location": true, "comment_id": true, "notif_id": true,
	"notif_t": true,
}

func tracking(k string) bool {
	k = strings.ToLower(k)
	if i := strings.IndexByte(k, '['); i > 0 {
		k = k[:i] // __cft__[0]
	}
	return trackingParams[k] || strings.HasPrefix(k, "utm_")
}

// encode is url.Values.Encode with values of one key sorted too, so the
// order parameters came in never matters.
func encode(q url.Values) string {
	for k := range q {
		sort.Strings(q[k])
	}
	return q.Encode()
}

// MaxHeadline bounds a headline made from a post's text, in characters.
const MaxHeadline = 200

// Headline is the title a post is read with: its own title, else the first
// non-empty line of its text (a social post has no title), cut at
// MaxHeadline characters on a word boundary. The API requires a title; the
// console, the command line and the importer give it this.
func Headline(title, text string) string {
	if t := strings.TrimSpace(title); t != "" {
		return t
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) <= MaxHeadline {
			return line
		}
		r := []rune(line)[:MaxHeadline]
		cut := string(r)
		if i := strings.LastIndexByte(cut, ' '); i > MaxHeadline/2 {
			cut = cut[:i]
		}
		return cut + "…"
	}
	return ""
}
