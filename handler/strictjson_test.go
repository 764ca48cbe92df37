package handler

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The request types keyProblem is asked about, and a few forms beside them.
type strictProbe struct {
	Check   checkRequest       `json:"check"`
	Sync    syncRequest        `json:"sync"`
	Labels  map[string]string  `json:"labels"`
	Any     any                `json:"any"`
	Matrix  [][]resolveRequest `json:"matrix"`
	private int
	Skipped int `json:"-"`
	Plain   int
}

var strictTypes = []reflect.Type{
	reflect.TypeOf(&checkRequest{}), reflect.TypeOf(&syncRequest{}), reflect.TypeOf(&resolveRequest{}),
	reflect.TypeOf(&strictProbe{}), reflect.TypeOf(map[string]any{}), reflect.TypeOf([]postInput{}),
}

var strictCases = []string{
	`{"post":{"id":"d1","title":"Tin","declared_tone":"neutral"}}`,
	`{"post":{"id":"d1","title":"Tin","declared_tone":"neutral","declared_tone":"negative"}}`,
	`{"post":{"id":"d1","title":"Tin","Declared_Tone":"negative"}}`,
	`{"post":{"id":"d1","title":"Tin","x":{"a":1,"a":2}}}`,
	`{"post":{"id":"d1","title":"Tin","x":[{"a":1},{"b":[1,{"c":1,"c":2}]}]}}`,
	`{"post":{"id":"d1","extra":1,"extra":2}}`,
	`{"post":{"id":"d1","\u0069d":"d2"}}`,
	`{"post":{"id":"d1","i\u0044":"d2"}}`,
	`{"post":{"\u017Fite_locale":"vi"}}`,
	`{"post":{"ſite_locale":"vi"}}`,
	"{\"post\":{\"x\xff\":1,\"x\xfe\":2}}",
	`{"post":{"a\"b":1,"a\"b":2}}`,
	`{"post":{"a\\":1,"a\\\\":2}}`,
	`{"dry_run":true,"dry_run":false}`,
	`{"dry_run":true,"extra":1}`,
	`{"posts":[{"id":"a","published_at":"x"},{"id":"b","id":"c"}]}`,
	`{"posts":[{"id":"a"},{"ID":"b"}]}`,
	`{"posts":[],"complete":true,"posts":[]}`,
	`{"reviewer":"editor1","note":"ok","reviewer":"truongban"}`,
	`{"Reviewer":"truongban","note":"ok"}`,
	`{"reviewer":"truongban","NOTE":"ok"}`,
	`{"labels":{"a":"1","A":"2","a":"3"}}`,
	`{"any":{"":1,"":2}}`,
	`{"":{"":{"x":1,"x":1}}}`,
	`[{"id":"a"},{"id":"b","title":"t","title":"u"}]`,
	`{"matrix":[[{"reviewer":"a"}],[{"note":"n","Note":"m"}]]}`,
	`{"Plain":1,"plain":2}`,
	`{"private":1}`,
	`{"Skipped":1}`,
	` { "post" : { "id" : "d1" , "title" : "t" , "title" : "u" } } `,
	`null`, `"x"`, `12`, `[]`, `{}`, `[[[]]]`,
}

// A map takes over past seenInline keys: the duplicate is found either way.
func manyKeys(n, dup int) string {
	var b strings.Builder
	b.WriteString(`{"post":{"id":"d1"`)
	for i := 0; i < n; i++ {
		b.WriteString(`,"k` + strconv.Itoa(i) + `":1`)
	}
	if dup >= 0 {
		b.WriteString(`,"k` + strconv.Itoa(dup) + `":2`)
	}
	b.WriteString(`}}`)
	return b.String()
}

func TestKeyProblemMatchesReference(t *testing.T) {
	cases := append([]string{}, strictCases...)
	for _, n := range []int{seenInline - 1, seenInline, seenInline + 1, 200} {
		cases = append(cases, manyKeys(n, -1), manyKeys(n, 0), manyKeys(n, n-1))
	}
	found := 0
	for _, body := range cases {
		if !json.Valid([]byte(body)) {
			t.Fatalf("not valid JSON: %s", body)
		}
		for _, ty := range strictTypes {
			p, r := keyProblem([]byte(body), ty)
			wp, wr := referenceKeyProblem([]byte(body), ty)
			if p != wp || r != wr {
				t.Errorf("%v %s: got %q %q, want %q %q", ty, body, p, r, wp, wr)
			}
			if r != "" {
				found++
			}
		}
	}
	if found == 0 {
		t.Fatal("no case had a problem")
	}
}

// The rules themselves, not only agreement with the reference.
func TestKeyProblemRules(t *testing.T) {
	ty := reflect.TypeOf(&checkRequest{})
	for body, want := range map[string][2]string{
		`{"post":{"id":"d1","title":"a","title":"b"}}`:     {"post.title", "duplicate"},
		`{"post":{"id":"d1","Title":"a"}}`:                 {"post.Title", "unknown"},
		`{"post":{"id":"d1","\u0069d":"d2"}}`:              {"post.id", "duplicate"},
		`{"post":{"id":"d1","z":[{"q":1},{"q":1,"q":2}]}}`: {"post.z[1].q", "duplicate"},
		`{"post":{"id":"d1"},"extra":true}`:                {"extra", "unknown"},
		`{"post":{"id":"d1","extra":true}}`:                {"", ""},
		manyKeys(100, 57):                                  {"post.k57", "duplicate"},
	} {
		p, r := keyProblem([]byte(body), ty)
		if p != want[0] || r != want[1] {
			t.Errorf("%s: got %q %q, want %q %q", body, p, r, want[0], want[1])
		}
	}
}

// A check body with plain keys is scanned without allocating.
func TestKeyProblemAllocatesNothing(t *testing.T) {
	body := []byte(`{"post": {"id": "b1", "title": "Tin số 1", "content": "` + strings.Repeat("Người dân xã Đắk Pék phấn khởi. ", 90) +
		`", "categories": ["a", "b"], "tags": [], "declared_tone": "neutral", "cms_extra": {"k": [1, 2.5, true, null]}}, "dry_run": false}`)
	ty := reflect.TypeOf(&checkRequest{})
	if _, r := keyProblem(body, ty); r != "" {
		t.Fatalf("problem %q", r)
	}
	if n := testing.AllocsPerRun(100, func() { keyProblem(body, ty) }); n != 0 {
		t.Fatalf("%v allocations per scan, want 0", n)
	}
}

func FuzzKeyProblem(f *testing.F) {
	for _, c := range strictCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(manyKeys(40, 3)))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			keyProblem(body, reflect.TypeOf(&checkRequest{})) // must not panic
			return
		}
		for _, ty := range strictTypes {
			p, r := keyProblem(body, ty)
			wp, wr := referenceKeyProblem(body, ty)
			if p != wp || r != wr {
				t.Fatalf("%v %q: got %q %q, want %q %q", ty, body, p, r, wp, wr)
			}
		}
	})
}

// referenceKeyProblem is keyProblem written plainly over encoding/json's
// tokens (the first implementation): the new one must agree with it.
func referenceKeyProblem(body []byte, t reflect.Type) (path, rule string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	path, rule, _ = referenceWalk(dec, t, "")
	return path, rule
}

func referenceWalk(dec *json.Decoder, t reflect.Type, path string) (string, string, error) {
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
			fields = map[string]reflect.Type{}
			for _, f := range jsonFields(t) {
				fields[f.name] = f.typ
			}
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
			if p, r, err := referenceWalk(dec, ft, kp); err != nil || r != "" {
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
			if p, r, err := referenceWalk(dec, et, path+"["+strconv.Itoa(i)+"]"); err != nil || r != "" {
				return p, r, err
			}
		}
		_, err := dec.Token()
		return "", "", err
	}
	return "", "", nil
}

// claimRecord writes what json.Marshal writes for every target.
func TestClaimRecordMatchesMarshal(t *testing.T) {
	for _, target := range []string{"", "POST /v1/outlets/a/check", "GET /v1/outlets/a/report?from=2026-01-01&to=x",
		"POST /x<y>", `POST /"q"`, `POST /a\b`, "POST /\x01", "POST /đ", "POST /\xff", "DELETE /v1/outlets/a/posts/p%20q"} {
		want, _ := json.Marshal(reply{Target: target})
		if got := claimRecord(target); string(got) != string(want) {
			t.Errorf("%q: %s, want %s", target, got, want)
		}
	}
}

// Strings with escaped quotes and backslashes end where JSON says.
func TestKeyProblemSkipsEscapedStrings(t *testing.T) {
	ty := reflect.TypeOf(&checkRequest{})
	for _, body := range []string{
		`{"post":{"id":"a\"","title":"t","title":"u"}}`,
		`{"post":{"id":"a\\","title":"t","title":"u"}}`,
		`{"post":{"id":"a\\\"\\","title":"t","title":"u"}}`,
		`{"post":{"id":"\"\"\"","x":"\\\\\\\\","title":"t","title":"u"}}`,
	} {
		if p, r := keyProblem([]byte(body), ty); p != "post.title" || r != "duplicate" {
			t.Errorf("%s: %q %q", body, p, r)
		}
	}
}
