package console

import (
	"encoding/json"
	"fmt"
	"strings"

	stdhtml "html"

	"golang.org/x/net/html"

	"gatekeeper/policy"
)

// snapPost is the post as the CMS sent it (untrusted text).
type snapPost struct {
	ID         string
	Title      string
	Excerpt    string
	Content    string // text only, HTML stripped
	URL        string
	Categories []string
	Author     string
}

// reason is one reason code with its message.
type reason struct {
	Code    string
	Message string
}

// snapshot is what the console reads of a hold's Snapshot. Every part is
// decoded on its own: a part that is missing or malformed is left empty and
// the rest still shows.
type snapshot struct {
	Post           snapPost
	Classification policy.Classification
	Reasons        []reason
	// Rules and Subject are what the check decided with (HasPolicy when
	// both were present), so the reasons of a hold can be given again.
	Rules     policy.Rules
	Subject   policy.Subject
	HasPolicy bool
	// Notes are the assessment's extra reason codes (declared tone...).
	Notes []string
	// ToneEvidence and SensEvidence are the classifier's evidence with the
	// fields policy.Evidence may not carry (a structural cue code).
	ToneEvidence, SensEvidence []evidenceItem
}

// decodeSnapshot reads the JSON the handler stored with a hold.
func decodeSnapshot(b []byte) snapshot {
	var s snapshot
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return s
	}
	if raw, ok := top["post"]; ok {
		var p map[string]json.RawMessage
		if json.Unmarshal(raw, &p) == nil {
			s.Post = snapPost{
				ID:         jsonString(p["id"]),
				Title:      stdhtml.UnescapeString(jsonString(p["title"])),
				Excerpt:    htmlToText(jsonString(p["excerpt"])),
				Content:    htmlToText(jsonString(p["content"])),
				URL:        jsonString(p["url"]),
				Categories: unescapeAll(jsonStrings(p["categories"])),
				Author:     stdhtml.UnescapeString(jsonString(p["author"])),
			}
		}
	}
	if raw, ok := top["classification"]; ok {
		var c policy.Classification
		if json.Unmarshal(raw, &c) == nil {
			s.Classification = c
		} else {
			// Take what decodes.
			var parts map[string]json.RawMessage
			if json.Unmarshal(raw, &parts) == nil {
				_ = json.Unmarshal(parts["tone"], &s.Classification.Tone)
				_ = json.Unmarshal(parts["sensational"], &s.Classification.Sensational)
			}
		}
	}
	if raw, ok := top["classification"]; ok {
		var parts map[string]json.RawMessage
		if json.Unmarshal(raw, &parts) == nil {
			s.ToneEvidence = evidenceOf(parts["tone"])
			s.SensEvidence = evidenceOf(parts["sensational"])
		}
	}
	_, hasRules := top["rules"]
	_, hasSubject := top["subject"]
	if hasRules && hasSubject && json.Unmarshal(top["rules"], &s.Rules) == nil && json.Unmarshal(top["subject"], &s.Subject) == nil {
		s.HasPolicy = s.Rules.Validate() == nil
	}
	s.Notes = jsonStrings(top["notes"])
	if raw, ok := top["reasons"]; ok {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			for _, it := range items {
				var r struct {
					Code    any `json:"code"`
					Message any `json:"message"`
				}
				if json.Unmarshal(it, &r) == nil {
					s.Reasons = append(s.Reasons, reason{Code: anyString(r.Code), Message: anyString(r.Message)})
				} else if str := jsonString(it); str != "" {
					s.Reasons = append(s.Reasons, reason{Code: str})
				}
			}
		}
	}
	return s
}

// evidenceOf reads the evidence list of a tone or sensational result; items
// that do not decode are skipped.
func evidenceOf(raw json.RawMessage) []evidenceItem {
	var r struct {
		Evidence []json.RawMessage `json:"evidence"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return nil
	}
	var out []evidenceItem
	for _, it := range r.Evidence {
		var e evidenceItem
		if json.Unmarshal(it, &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// unescapeAll decodes HTML entities in each string (WordPress sends
// category names and titles with entities).
func unescapeAll(list []string) []string {
	for i, s := range list {
		list[i] = stdhtml.UnescapeString(s)
	}
	return list
}

// jsonString reads a JSON string, or a number or boolean as text; "" otherwise.
func jsonString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return anyString(v)
}

func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", x), "0"), ".")
	case bool:
		return fmt.Sprint(x)
	}
	return ""
}

// jsonStrings reads a list of strings, or one string.
func jsonStrings(raw json.RawMessage) []string {
	var list []any
	if json.Unmarshal(raw, &list) == nil {
		out := make([]string, 0, len(list))
		for _, v := range list {
			if s := anyString(v); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if s := jsonString(raw); s != "" {
		return []string{s}
	}
	return nil
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
