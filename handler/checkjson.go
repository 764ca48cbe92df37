package handler

import (
	"bytes"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"gatekeeper/internal/messages"
	"gatekeeper/internal/utf8seq"
)

// decodeCheck reads a check request's body into req and validates it, as
// decodeJSON(body, req, lang) does and with the same answer for every body:
// the same refusal (invalid JSON, a value of the wrong type, a repeated or
// unknown key, then validator/v10's rules) with the same messages, and the
// same decoded request. It is one pass over the bytes instead of
// encoding/json's validity scan, decode and unquoting plus keyProblem's scan:
// the check is the webhook every post sends, and decoding its body was the
// largest part of the service's own work per check.
//
// The order of the refusals is encoding/json's: a body that is not valid
// JSON anywhere is refused as such before anything else, then the first value
// of the wrong type (in the order of the body), then the first key problem.
func decodeCheck(body []byte, req *checkRequest, lang messages.Lang) (string, map[string]string) {
	d := checkDecoder{data: body}
	keyFail, ok := d.request(req)
	switch {
	case !ok:
		return "invalid_json", nil
	case d.typeKind != "":
		return typeRefusal(d.typeField, d.typeKind, lang)
	case keyFail != nil:
		return keyRefusal(keyFail.path(), keyFail.rule, lang)
	}
	return validateStruct(req, lang)
}

// maxJSONDepth is how deeply arrays and objects may nest, as in
// encoding/json (its scanner refuses the 10,001st level).
const maxJSONDepth = 10000

// The fields of a check request and of its post, by their JSON names, in the
// order postInput.field and postInput.list take them
// (TestCheckDecoderKnowsEveryField holds them to the struct tags).
var (
	checkFieldNames = [...]string{"post", "dry_run"}
	postFieldNames  = [...]string{
		"id", "link", "title", "excerpt", "content", "url", "categories", "tags",
		"author", "language", "site_locale", "declared_tone", "published_at",
	}
	// postFieldPaths are the fields as a refusal names them ("post.title").
	postFieldPaths = func() (paths [len(postFieldNames)]string) {
		for i, name := range postFieldNames {
			paths[i] = "post." + name
		}
		return paths
	}()
)

const (
	checkPost = iota
	checkDryRun
)

const (
	postCategories = 6
	postTags       = 7
)

// field is the string field of p numbered as in postFieldNames (nil for
// the lists).
func (p *postInput) field(i int) *string {
	switch i {
	case 0:
		return &p.ID
	case 1:
		return &p.Link
	case 2:
		return &p.Title
	case 3:
		return &p.Excerpt
	case 4:
		return &p.Content
	case 5:
		return &p.URL
	case 8:
		return &p.Author
	case 9:
		return &p.Language
	case 10:
		return &p.SiteLocale
	case 11:
		return &p.DeclaredTone
	case 12:
		return &p.PublishedAt
	}
	return nil
}

// list is the list field of p numbered as in postFieldNames.
func (p *postInput) list(i int) *[]string {
	if i == postCategories {
		return &p.Categories
	}
	return &p.Tags
}

// checkDecoder is one pass of decodeCheck over a body. Its methods return
// false on a syntax error, which ends the pass; a value of the wrong type is
// noted (the first one) and skipped, as encoding/json does; a key problem is
// returned up the levels, each adding its step to the path.
type checkDecoder struct {
	data  []byte
	pos   int
	depth int
	// text holds the decoded strings of the request one after another; each
	// string field is a view of its part (see str).
	text []byte
	// The first value of the wrong type: the field (as encoding/json names
	// it: "post.title", "" for the body itself) and the JSON type it needed.
	typeField, typeKind string
}

// request reads the whole body into req.
func (d *checkDecoder) request(req *checkRequest) (*keyFailure, bool) {
	d.skipSpace()
	var fail *keyFailure
	var ok bool
	switch d.peek() {
	case '{':
		fail, ok = d.requestObject(req)
	case 'n':
		ok = d.literal("null")
	default:
		d.wrongType("", "object")
		_, ok = d.skip()
	}
	if !ok {
		return nil, false
	}
	d.skipSpace()
	return fail, d.pos == len(d.data)
}

// requestObject reads the members of the request's object (closed: an
// unknown key is refused).
func (d *checkDecoder) requestObject(req *checkRequest) (*keyFailure, bool) {
	return d.members(checkFieldNames[:], false, func(field int) (*keyFailure, bool) {
		if field == checkPost {
			return d.post(req)
		}
		return nil, d.dryRun(req)
	})
}

func (d *checkDecoder) post(req *checkRequest) (*keyFailure, bool) {
	switch d.peek() {
	case '{':
		if req.Post == nil {
			req.Post = new(postInput)
		}
		return d.postObject(req.Post)
	case 'n':
		req.Post = nil
		return nil, d.literal("null")
	}
	d.wrongType("post", "object")
	return d.skip()
}

func (d *checkDecoder) dryRun(req *checkRequest) bool {
	switch d.peek() {
	case 't':
		req.DryRun = true
		return d.literal("true")
	case 'f':
		req.DryRun = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	d.wrongType("dry_run", "boolean")
	_, ok := d.skip()
	return ok
}

// postObject reads the members of the post's object (open: an unknown key
// is skipped, its value checked for repeated keys only).
func (d *checkDecoder) postObject(p *postInput) (*keyFailure, bool) {
	return d.members(postFieldNames[:], true, func(field int) (*keyFailure, bool) {
		if field == postCategories || field == postTags {
			return nil, d.stringList(p.list(field), postFieldPaths[field])
		}
		return nil, d.stringInto(p.field(field), postFieldPaths[field])
	})
}

// members reads the members of the object at d.pos, each key matched among
// names (member): value reads the value of a field, skip any other value.
// The first key problem found, at any depth, is returned with its path.
// With no names and open, only repeated keys are problems (skipObject).
func (d *checkDecoder) members(names []string, open bool, value func(field int) (*keyFailure, bool)) (*keyFailure, bool) {
	var first *keyFailure
	var known uint32
	var others keySet
	more, ok := d.firstMember()
	for ok && more {
		key, field, rule, valid := d.member(names, &known, &others, open)
		if !valid {
			return nil, false
		}
		if rule != "" && first == nil {
			first = failKey(rule, key)
		}
		var inner *keyFailure
		if field >= 0 {
			inner, ok = value(field)
		} else {
			inner, ok = d.skip()
		}
		if !ok {
			return nil, false
		}
		if inner != nil && first == nil {
			first = inner.at(pathStep{key: key, index: -1})
		}
		more, ok = d.nextMember()
	}
	return first, ok
}

// member reads a member's key and the colon after it. field is the field
// the key names among names (as encoding/json matches them: by the exact
// name, else ignoring case), -1 for none; rule is keyProblem's for the key:
// "duplicate" for a key met before in the object, "unknown" for a key that
// differs from its field in case or, in a closed object, names no field.
// known holds the fields met by their exact names, others the other keys.
func (d *checkDecoder) member(names []string, known *uint32, others *keySet, open bool) (key []byte, field int, rule string, ok bool) {
	key, ok = d.key()
	if !ok {
		return nil, -1, "", false
	}
	field = -1
	for i, name := range names {
		if string(key) == name {
			field = i
			break
		}
	}
	if field >= 0 {
		bit := uint32(1) << field
		if *known&bit != 0 {
			return key, field, "duplicate", true
		}
		*known |= bit
		return key, field, "", true
	}
	// bytes.EqualFold is encoding/json's folding of names (its foldName).
	for i, name := range names {
		if bytes.EqualFold(key, []byte(name)) {
			field = i
			break
		}
	}
	switch {
	case others.repeated(key):
		rule = "duplicate"
	case field >= 0 || !open:
		rule = "unknown"
	}
	return key, field, rule, true
}

// stringInto reads a string field into dst (null leaves it as it is).
func (d *checkDecoder) stringInto(dst *string, path string) bool {
	switch d.peek() {
	case '"':
		s, ok := d.str()
		*dst = s
		return ok
	case 'n':
		return d.literal("null")
	}
	d.wrongType(path, "string")
	_, ok := d.skip()
	return ok
}

// stringList reads a list of strings into dst: null makes it nil, [] empty,
// a null item is "".
func (d *checkDecoder) stringList(dst *[]string, path string) bool {
	switch d.peek() {
	case '[':
	case 'n':
		*dst = nil
		return d.literal("null")
	default:
		d.wrongType(path, "array")
		_, ok := d.skip()
		return ok
	}
	var inline [16]string // most lists are short: one allocation, of the right size
	items := inline[:0]
	more, ok := d.firstElement()
	for ok && more {
		var s string
		switch d.peek() {
		case '"':
			s, ok = d.str()
		case 'n':
			ok = d.literal("null")
		default:
			d.wrongType(path, "string")
			_, ok = d.skip()
		}
		if !ok {
			return false
		}
		items = append(items, s)
		more, ok = d.nextElement()
	}
	if !ok {
		return false
	}
	*dst = append(make([]string, 0, len(items)), items...)
	return true
}

// wrongType notes a value of the wrong type at field, if it is the first.
func (d *checkDecoder) wrongType(field, kind string) {
	if d.typeKind == "" {
		d.typeField, d.typeKind = field, kind
	}
}

// skip reads a value the request has no field for (or of the wrong type):
// only its syntax and its repeated keys matter.
func (d *checkDecoder) skip() (*keyFailure, bool) {
	switch d.peek() {
	case '{':
		return d.skipObject()
	case '[':
		return d.skipArray()
	case '"':
		_, _, _, ok := d.scanString()
		return nil, ok
	case 't':
		return nil, d.literal("true")
	case 'f':
		return nil, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	return nil, d.number()
}

func (d *checkDecoder) skipObject() (*keyFailure, bool) {
	return d.members(nil, true, nil)
}

func (d *checkDecoder) skipArray() (*keyFailure, bool) {
	var first *keyFailure
	more, ok := d.firstElement()
	for n := 0; ok && more; n++ {
		var inner *keyFailure
		if inner, ok = d.skip(); !ok {
			return nil, false
		}
		if inner != nil && first == nil {
			first = inner.at(pathStep{index: n})
		}
		more, ok = d.nextElement()
	}
	return first, ok
}

// firstMember reads the '{' at d.pos and what follows it: more is whether a
// member (its key's quote) comes.
func (d *checkDecoder) firstMember() (more, ok bool) {
	if !d.enter() {
		return false, false
	}
	switch d.peek() {
	case '}':
		d.leave()
		return false, true
	case '"':
		return true, true
	}
	return false, false
}

// nextMember reads what follows a member's value: ',' and the next key's
// quote (more), or the closing '}'.
func (d *checkDecoder) nextMember() (more, ok bool) {
	d.skipSpace()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipSpace()
		return true, d.peek() == '"'
	case '}':
		d.leave()
		return false, true
	}
	return false, false
}

// firstElement reads the '[' at d.pos and what follows it: more is whether
// an element comes.
func (d *checkDecoder) firstElement() (more, ok bool) {
	if !d.enter() {
		return false, false
	}
	if d.peek() == ']' {
		d.leave()
		return false, true
	}
	return true, true
}

// nextElement reads what follows an element: ',' (more) or the closing ']'.
func (d *checkDecoder) nextElement() (more, ok bool) {
	d.skipSpace()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipSpace()
		return true, true
	case ']':
		d.leave()
		return false, true
	}
	return false, false
}

// enter reads the opening bracket at d.pos and the space after it.
func (d *checkDecoder) enter() bool {
	d.depth++
	if d.depth > maxJSONDepth {
		return false
	}
	d.pos++
	d.skipSpace()
	return true
}

// leave reads the closing bracket at d.pos.
func (d *checkDecoder) leave() {
	d.depth--
	d.pos++
}

// peek is the byte at d.pos, 0 at the end of the body (never valid there).
func (d *checkDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *checkDecoder) skipSpace() {
	for d.pos < len(d.data) && isSpace(d.data[d.pos]) {
		d.pos++
	}
}

func (d *checkDecoder) literal(word string) bool {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(word)) {
		return false
	}
	d.pos += len(word)
	return true
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *checkDecoder) number() bool {
	i := d.pos
	if d.at(i) == '-' {
		i++
	}
	switch c := d.at(i); {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = d.digits(i)
	default:
		return false
	}
	if d.at(i) == '.' {
		j := d.digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if c := d.at(i); c == 'e' || c == 'E' {
		i++
		if c := d.at(i); c == '+' || c == '-' {
			i++
		}
		j := d.digits(i)
		if j == i {
			return false
		}
		i = j
	}
	d.pos = i
	return true
}

func (d *checkDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (d *checkDecoder) digits(i int) int {
	for '0' <= d.at(i) && d.at(i) <= '9' {
		i++
	}
	return i
}

// key reads a member's key (its decoded bytes: a view of the body when it
// has no escape and is valid UTF-8, a copy otherwise), the colon after it and
// the space around.
func (d *checkDecoder) key() ([]byte, bool) {
	raw, escaped, valid, ok := d.scanString()
	if !ok {
		return nil, false
	}
	key := raw
	if escaped || !valid {
		key = appendUnquoted(make([]byte, 0, len(raw)), raw, valid)
	}
	d.skipSpace()
	if d.peek() != ':' {
		return nil, false
	}
	d.pos++
	d.skipSpace()
	return key, true
}

// str reads a string value. Its decoded bytes are appended to d.text and the
// string is a view of them: d.text only grows by append, so the bytes under
// a string are never written again (an append past the capacity copies to a
// new array and leaves the old one as it was). A request's strings share
// one allocation instead of one each.
func (d *checkDecoder) str() (string, bool) {
	raw, escaped, valid, ok := d.scanString()
	if !ok || len(raw) == 0 {
		return "", ok
	}
	if d.text == nil {
		d.text = make([]byte, 0, len(d.data)) // enough unless invalid UTF-8 (3 bytes for 1)
	}
	start := len(d.text)
	if !escaped && valid {
		d.text = append(d.text, raw...)
	} else {
		d.text = appendUnquoted(d.text, raw, valid)
	}
	if len(d.text) == start {
		return "", true
	}
	return unsafe.String(&d.text[start], len(d.text)-start), true
}

// scanString reads the string whose quote is at d.pos and returns its
// contents as they stand, whether they hold an escape, and whether their
// bytes other than escapes are valid UTF-8 (checked in the same pass: two-
// and three-byte sequences, all of Vietnamese, by utf8seq.Short). It
// refuses what encoding/json's scanner refuses: a control character, an
// unknown escape, a \u without four hex digits, no closing quote.
func (d *checkDecoder) scanString() (raw []byte, escaped, valid, ok bool) {
	data := d.data
	start := d.pos + 1
	valid = true
	for i := start; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if !stringStop[c] {
				i++
				continue
			}
			switch c {
			case '"':
				d.pos = i + 1
				return data[start:i], escaped, valid, true
			case '\\':
				n := escapeLen(data[i:])
				if n == 0 {
					return nil, false, false, false
				}
				escaped = true
				i += n
				continue
			}
			return nil, false, false, false // a control character
		}
		// A sequence's bytes are all ≥ 0x80: never a quote, an escape or a
		// control character.
		if n := utf8seq.Short(data, i); n > 0 {
			i += n
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			valid = false
		}
		i += size
	}
	return nil, false, false, false
}

// stringStop marks the bytes that end a run of a string's plain bytes: the
// closing quote, an escape, a control character (not allowed).
var stringStop = func() (stop [256]bool) {
	for c := 0; c < ' '; c++ {
		stop[c] = true
	}
	stop['"'], stop['\\'] = true, true
	return stop
}()

// escapeLen is the length of the valid escape at the start of s, 0 if it
// is not one.
func escapeLen(s []byte) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(s) >= 6 && hex4(s[2:6]) >= 0 {
			return 6
		}
	}
	return 0
}

// hex4 is the value of four hex digits, -1 if they are not.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendUnquoted appends the decoding of raw (a string's contents that
// scanString accepted, valid as it said) to dst as encoding/json decodes
// it: each invalid UTF-8 byte and each lone surrogate becomes U+FFFD, a
// surrogate pair one rune.
func appendUnquoted(dst, raw []byte, valid bool) []byte {
	for len(raw) > 0 {
		run := raw
		k := bytes.IndexByte(raw, '\\')
		if k >= 0 {
			run = raw[:k]
		}
		if valid {
			dst = append(dst, run...)
		} else {
			dst = appendValidUTF8(dst, run)
		}
		if k < 0 {
			break
		}
		var n int
		dst, n = appendEscape(dst, raw[k:])
		raw = raw[k+n:]
	}
	return dst
}

// appendValidUTF8 appends s to dst with each byte that is not part of valid
// UTF-8 replaced by U+FFFD.
func appendValidUTF8(dst, s []byte) []byte {
	if utf8.Valid(s) {
		return append(dst, s...)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, unicode.ReplacementChar)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// appendEscape appends the decoding of the escape at the start of s (valid)
// and returns how many bytes of s it took: a \u surrogate followed by a \u
// that completes its pair takes both.
func appendEscape(dst, s []byte) ([]byte, int) {
	switch s[1] {
	case 'b':
		return append(dst, '\b'), 2
	case 'f':
		return append(dst, '\f'), 2
	case 'n':
		return append(dst, '\n'), 2
	case 'r':
		return append(dst, '\r'), 2
	case 't':
		return append(dst, '\t'), 2
	case 'u':
	default: // '"', '\\', '/'
		return append(dst, s[1]), 2
	}
	r := hex4(s[2:6])
	if utf16.IsSurrogate(r) {
		if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if pair := utf16.DecodeRune(r, hex4(s[8:12])); pair != unicode.ReplacementChar {
				return utf8.AppendRune(dst, pair), 12
			}
		}
		r = unicode.ReplacementChar
	}
	return utf8.AppendRune(dst, r), 6
}

// typeRefusal is the answer to a value of the wrong JSON type at field (""
// for the body itself); kind is the type the field needs.
func typeRefusal(field, kind string, lang messages.Lang) (string, map[string]string) {
	if field == "" {
		field = "body"
	}
	return "validation_failed", map[string]string{field: messages.Field(lang, "type", kind)}
}

// keyRefusal is the answer to a key problem (keyProblem's path and rule).
func keyRefusal(path, rule string, lang messages.Lang) (string, map[string]string) {
	return "validation_failed", map[string]string{path: messages.Field(lang, rule, "")}
}
