package handler

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// openObject marks a request type whose JSON object may carry fields the
// service does not know: a CMS may extend the post it sends (WordPress's
// gatekeeper_check_payload filter), and unknown post fields are ignored.
// Every other object of a request is closed: an unknown field is refused, so a
// signed body of one kind (a callback, a check) never passes as another.
type openObject interface{ openJSONObject() }

var openType = reflect.TypeOf((*openObject)(nil)).Elem()

// keyProblem walks body (valid JSON) against the request type t and returns
// the path and rule of the first key, in the order of the body, that is
// repeated in its object ("duplicate"), differs only in case from a field of
// t, or is not a field of a closed object ("unknown"). encoding/json would
// otherwise take the last of repeated keys and match names
// case-insensitively, so one signed body could mean two things.
//
// It is one pass over the bytes that allocates nothing for a body without a
// problem whose keys are plain (no escapes, valid UTF-8): keys are compared
// as byte slices where they stand, the path of a problem is built only once
// it is found. A body that is not valid JSON has no key problem here (the
// decoder refuses it).
func keyProblem(body []byte, t reflect.Type) (path, rule string) {
	s := keyScanner{body: body}
	if _, p := s.value(s.skipSpace(0), shapeOf(t)); p != nil {
		return p.path(), p.rule
	}
	return "", ""
}

// shape is what keyProblem knows of a request type: the JSON fields of a
// struct and the shapes of their values, the element of a map, slice or
// array. A nil *shape is a value of any form, checked for repeated keys only.
type shape struct {
	fields []shapeField // structs
	open   bool         // a struct that accepts unknown fields (openObject)
	elem   *shape       // maps, slices and arrays
	kind   reflect.Kind
}

type shapeField struct {
	name  []byte
	shape *shape
}

var shapes sync.Map // reflect.Type → *shape

// shapeOf is t's shape, built once per type.
func shapeOf(t reflect.Type) *shape {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return nil
	}
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	s := buildShape(t, map[reflect.Type]*shape{})
	actual, _ := shapes.LoadOrStore(t, s)
	return actual.(*shape)
}

// buildShape builds t's shape; building holds the shapes under construction,
// so a type that contains itself refers to its own shape.
func buildShape(t reflect.Type, building map[reflect.Type]*shape) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := building[t]; ok {
		return s
	}
	s := &shape{kind: t.Kind()}
	building[t] = s
	switch t.Kind() {
	case reflect.Struct:
		s.open = reflect.PointerTo(t).Implements(openType) || t.Implements(openType)
		for _, f := range jsonFields(t) {
			s.fields = append(s.fields, shapeField{name: []byte(f.name), shape: buildShape(f.typ, building)})
		}
	case reflect.Map, reflect.Slice, reflect.Array:
		s.elem = buildShape(t.Elem(), building)
	}
	return s
}

type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the JSON names of struct t's fields with their types, with
// embedded structs' fields promoted (the outer field wins, as in encoding/json).
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	has := func(name string) bool {
		for _, f := range out {
			if f.name == name {
				return true
			}
		}
		return false
	}
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			embedded = append(embedded, f.Type)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	for _, e := range embedded {
		for _, f := range jsonFields(e) {
			if !has(f.name) {
				out = append(out, f)
			}
		}
	}
	return out
}

// keyScanner is one pass of keyProblem over a body.
type keyScanner struct{ body []byte }

// keyFailure is the rule a key broke and the way to it, built only once a
// problem is found: each level adds its step on the way out (innermost first).
type keyFailure struct {
	rule    string
	reverse []pathStep
}

// pathStep is an object key (its decoded bytes) or an array index.
type pathStep struct {
	key   []byte
	index int
}

func (f *keyFailure) at(step pathStep) *keyFailure {
	f.reverse = append(f.reverse, step)
	return f
}

func failKey(rule string, key []byte) *keyFailure {
	return &keyFailure{rule: rule, reverse: []pathStep{{key: key, index: -1}}}
}

// seenInline is how many keys of one object are compared one by one before
// a map takes over (an object of thousands of keys stays linear).
const seenInline = 16

// keySet holds the keys of one object seen so far: compared one by one up to
// seenInline, by a map beyond. Its zero value is empty.
type keySet struct {
	inline [seenInline][]byte
	n      int
	many   map[string]struct{}
}

// repeated reports whether key was seen before in the object, and adds it.
func (ks *keySet) repeated(key []byte) bool {
	if ks.many != nil {
		if _, dup := ks.many[string(key)]; dup {
			return true
		}
		ks.many[string(key)] = struct{}{}
		return false
	}
	for _, k := range ks.inline[:ks.n] {
		if bytes.Equal(k, key) {
			return true
		}
	}
	if ks.n < seenInline {
		ks.inline[ks.n] = key
		ks.n++
		return false
	}
	ks.many = make(map[string]struct{}, 2*seenInline)
	for _, k := range ks.inline {
		ks.many[string(k)] = struct{}{}
	}
	ks.many[string(key)] = struct{}{}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *keyScanner) skipSpace(i int) int {
	for i < len(s.body) && isSpace(s.body[i]) {
		i++
	}
	return i
}

// value scans the value at i against sh and returns the index after it, or
// the first key problem in it.
func (s *keyScanner) value(i int, sh *shape) (int, *keyFailure) {
	if i >= len(s.body) {
		return i, nil
	}
	switch s.body[i] {
	case '{':
		return s.object(i+1, sh)
	case '[':
		var elem *shape
		if sh != nil && (sh.kind == reflect.Slice || sh.kind == reflect.Array) {
			elem = sh.elem
		}
		i = s.skipSpace(i + 1)
		if i < len(s.body) && s.body[i] == ']' {
			return i + 1, nil
		}
		for n := 0; i < len(s.body); n++ {
			j, f := s.value(s.skipSpace(i), elem)
			if f != nil {
				return j, f.at(pathStep{index: n})
			}
			i = s.skipSpace(j)
			if i >= len(s.body) || s.body[i] != ',' {
				break
			}
			i++
		}
		return s.closing(i, ']'), nil
	case '"':
		return s.skipString(i), nil
	default: // a number, true, false or null
		for i < len(s.body) {
			switch c := s.body[i]; {
			case c == ',' || c == '}' || c == ']' || isSpace(c):
				return i, nil
			}
			i++
		}
		return i, nil
	}
}

func (s *keyScanner) closing(i int, c byte) int {
	if i < len(s.body) && s.body[i] == c {
		return i + 1
	}
	return i
}

// object scans the members of an object whose '{' is before i.
func (s *keyScanner) object(i int, sh *shape) (int, *keyFailure) {
	var fields []shapeField
	open := true
	var elem *shape
	if sh != nil {
		switch sh.kind {
		case reflect.Struct:
			fields, open = sh.fields, sh.open
		case reflect.Map:
			elem = sh.elem
		}
	}
	var seen keySet
	i = s.skipSpace(i)
	if i < len(s.body) && s.body[i] == '}' {
		return i + 1, nil
	}
	for i < len(s.body) && s.body[i] == '"' {
		raw, end, plain := s.str(i)
		key := raw
		if !plain {
			key = decodeKey(s.body[i:end])
		}
		if seen.repeated(key) {
			return end, failKey("duplicate", key)
		}
		// A field of the struct, in its exact case?
		vs := elem
		if sh != nil && sh.kind == reflect.Struct {
			known := false
			for _, f := range fields {
				if bytes.Equal(f.name, key) {
					vs, known = f.shape, true
					break
				}
			}
			if !known {
				for _, f := range fields {
					if bytes.EqualFold(f.name, key) {
						return end, failKey("unknown", key)
					}
				}
				if !open {
					return end, failKey("unknown", key)
				}
			}
		}
		i = s.skipSpace(end)
		if i >= len(s.body) || s.body[i] != ':' {
			return i, nil
		}
		j, f := s.value(s.skipSpace(i+1), vs)
		if f != nil {
			return j, f.at(pathStep{key: key, index: -1})
		}
		i = s.skipSpace(j)
		if i >= len(s.body) || s.body[i] != ',' {
			break
		}
		i = s.skipSpace(i + 1)
	}
	return s.closing(i, '}'), nil
}

// str scans the string whose opening quote is at i and returns its contents
// as they stand, the index after the closing quote, and whether the contents
// are their own decoding (no escape, valid UTF-8).
func (s *keyScanner) str(i int) (raw []byte, end int, plain bool) {
	start := i + 1
	plain = true
	ascii := true
	for j := start; j < len(s.body); j++ {
		switch c := s.body[j]; {
		case c == '"':
			raw = s.body[start:j]
			if !ascii && plain {
				plain = utf8.Valid(raw)
			}
			return raw, j + 1, plain
		case c == '\\':
			plain = false
			j++ // the escaped byte (a quote or backslash among them)
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return s.body[start:], len(s.body), false
}

// skipString returns the index after the string whose opening quote is at
// i: the next quote not escaped, found with bytes.IndexByte (a 3 KB post
// is mostly one string).
func (s *keyScanner) skipString(i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(s.body[j:], '"')
		if k < 0 {
			return len(s.body)
		}
		j += k
		slashes := 0
		for b := j - 1; b > i && s.body[b] == '\\'; b-- {
			slashes++
		}
		if slashes%2 == 0 {
			return j + 1
		}
		j++
	}
}

// decodeKey decodes a quoted key with escapes or invalid UTF-8 as
// encoding/json does (invalid bytes and lone surrogates become U+FFFD).
func decodeKey(quoted []byte) []byte {
	var k string
	if err := json.Unmarshal(quoted, &k); err != nil {
		return quoted
	}
	return []byte(k)
}

// path is the path of the key as the error names it ("post.title",
// "posts[2].id").
func (f *keyFailure) path() string {
	var b strings.Builder
	for n := len(f.reverse) - 1; n >= 0; n-- {
		p := f.reverse[n]
		if p.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(p.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(p.key)
	}
	return b.String()
}
