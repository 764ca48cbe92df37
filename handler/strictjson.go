package handler

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// openObject marks a request type whose JSON object may carry fields the
// service does not know: a CMS may extend the post it sends (WordPress's
// gatekeeper_check_payload filter), and unknown post fields are ignored.
// Every other object of a request is closed: an unknown field is refused, so a
// signed body of one kind (a callback, a check) never passes as another.
type openObject interface{ openJSONObject() }

var openType = reflect.TypeOf((*openObject)(nil)).Elem()

// keyProblem walks body (valid JSON) against the request type t and returns
// the path and rule of the first key that is repeated in its object
// ("duplicate"), differs only in case from a field of t, or is not a field of
// a closed object ("unknown"). encoding/json would otherwise take the last of
// repeated keys and match names case-insensitively, so one signed body could
// mean two things.
func keyProblem(body []byte, t reflect.Type) (path, rule string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	path, rule, _ = walkJSON(dec, t, "")
	return path, rule
}

func walkJSON(dec *json.Decoder, t reflect.Type, path string) (string, string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", "", err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return "", "", nil
	}
	switch d {
	case '{':
		var fields map[string]reflect.Type
		open := true
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
			open = reflect.PointerTo(t).Implements(openType) || t.Implements(openType)
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", "", err
			}
			key, _ := kt.(string)
			kp := key
			if path != "" {
				kp = path + "." + key
			}
			if seen[key] {
				return kp, "duplicate", nil
			}
			seen[key] = true
			var ft reflect.Type
			switch {
			case fields != nil:
				var known bool
				ft, known = fields[key]
				if !known {
					for name := range fields {
						if strings.EqualFold(name, key) {
							return kp, "unknown", nil
						}
					}
					if !open {
						return kp, "unknown", nil
					}
				}
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			}
			if p, r, err := walkJSON(dec, ft, kp); err != nil || r != "" {
				return p, r, err
			}
		}
		_, err := dec.Token()
		return "", "", err
	case '[':
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if p, r, err := walkJSON(dec, et, path+"["+strconv.Itoa(i)+"]"); err != nil || r != "" {
				return p, r, err
			}
		}
		_, err := dec.Token()
		return "", "", err
	}
	return "", "", nil
}

// jsonFields maps the JSON names of struct t's fields to their types, with
// embedded structs' fields promoted (the outer field wins, as in encoding/json).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
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
		out[name] = f.Type
	}
	for _, e := range embedded {
		for name, ft := range jsonFields(e) {
			if _, ok := out[name]; !ok {
				out[name] = ft
			}
		}
	}
	return out
}
