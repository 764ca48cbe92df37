package console

import (
	"encoding/json"
	"strings"

	stdhtml "html"

	"golang.org/x/net/html"

	"gatekeeper/internal/gate"
)

// snapshot is a hold's gate.Snapshot as a reviewer reads it: the real
// type, decoded strictly, with the post's untrusted HTML turned into text.
type snapshot struct {
	gate.Snapshot
	// HasPolicy: the rules the check decided with are valid, so the
	// reasons of the hold can be given again from them.
	HasPolicy bool
}

// decodeSnapshot reads the gate.Snapshot the gate stored with a hold. A
// record that does not decode shows as empty (the page then names the
// post by its id).
func decodeSnapshot(b []byte) snapshot {
	var s snapshot
	if json.Unmarshal(b, &s.Snapshot) != nil {
		return snapshot{}
	}
	p := &s.Post
	p.Title = stdhtml.UnescapeString(p.Title)
	p.Excerpt = htmlToText(p.Excerpt)
	p.Content = htmlToText(p.Content)
	p.Author = stdhtml.UnescapeString(p.Author)
	for i, c := range p.Categories {
		p.Categories[i] = stdhtml.UnescapeString(c)
	}
	s.HasPolicy = s.Rules.Validate() == nil
	return s
}

// blockTags end a paragraph when text is extracted from HTML.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "blockquote": true, "tr": true, "figcaption": true,
	"section": true, "article": true, "pre": true, "ul": true, "ol": true, "table": true,
}

// inlineTags format text without separating words: "tai n<b>ạ</b>n" is
// one word.
var inlineTags = map[string]bool{
	"a": true, "b": true, "strong": true, "em": true, "i": true, "u": true, "s": true, "span": true, "mark": true,
	"small": true, "sub": true, "sup": true, "abbr": true, "code": true, "font": true, "q": true, "cite": true,
	"del": true, "ins": true, "kbd": true, "bdi": true, "bdo": true, "wbr": true,
}

// htmlToText returns the text of untrusted HTML: tags dropped, entities
// decoded, script and style contents skipped, paragraphs separated by a blank
// line. The result is plain text, escaped again when rendered.
func htmlToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var paras []string
	var cur strings.Builder
	skip := 0
	flush := func() {
		if t := strings.Join(strings.Fields(cur.String()), " "); t != "" {
			paras = append(paras, t)
		}
		cur.Reset()
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			flush()
			return strings.Join(paras, "\n\n")
		case html.TextToken:
			if skip == 0 {
				cur.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template", "iframe", "object":
				if !strings.HasSuffix(string(z.Raw()), "/>") {
					skip++
				}
			default:
				switch {
				case blockTags[string(name)]:
					flush()
				case !inlineTags[string(name)]:
					cur.WriteByte(' ')
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template", "iframe", "object":
				if skip > 0 {
					skip--
				}
			default:
				if blockTags[string(name)] {
					flush()
				}
			}
		}
	}
}
