package handler

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// checkBodies are check bodies a CMS (or anyone) may send, the awkward ones
// included: the fast decoder must read each exactly as encoding/json does.
var checkBodies = []string{
	`{"post": {"id": "p1", "title": "Tai nạn giao thông", "content": "<p>Hai người bị thương</p>", "categories": ["Thời sự", "Pháp luật"], "declared_tone": "negative"}}`,
	`{"post": {"id": "p1", "title": "T", "published_at": "2026-11-27T08:00:00+07:00", "url": "https://a.vn/x?y=1&z=2"}, "dry_run": true}`,
	`{"post": {"id": "p1", "title": "\u0054\u00e0i \ud83d\ude00 \u003cb\u003e", "excerpt": "a\"b\\c\/d\b\f\n\r\t"}}`,
	`{"post": {"id": "p1", "title": "lone \ud800 surrogate \udc00"}}`,
	"{\"post\": {\"id\": \"p1\", \"title\": \"bad utf-8 \xff\xfe here \xc3\"}}",
	`{"post": {"id": "p1", "id": "p2", "title": "duplicate keys"}}`,
	`{"POST": {"ID": "p1", "Title": "case-insensitive keys", "Declared_Tone": "neutral"}, "DRY_RUN": true}`,
	`{"post": {"id": "p1", "title": "unknown fields", "extra": {"a": [1, 2, {"b": null}]}, "n": 1e400}}`,
	`{"post": null}`,
	`{"post": {"id": null, "title": null, "categories": null}}`,
	`{"post": {"id": "p1", "title": "t", "categories": []}}`,
	`{"post": {"id": "p1", "title": "t", "categories": [null, "a"]}}`,
	`{"post": {"id": 12, "title": "number for a string"}}`,
	`{"post": {"id": "p1", "title": "t"}, "dry_run": "true"}`,
	`{"post": {"id": "p1", "title": "t"}, "dry_run": 1}`,
	`{"post": {"id": "p1", "title": "t", "categories": "a"}}`,
	`{"post": ["not", "an", "object"]}`,
	`{"post": {"id": "p1", "title": "t"}} trailing`,
	`{"post": {"id": "p1", "title": "t"}}{"post": {}}`,
	`{"post": {"id": "p1", "title": "t",}}`,
	`{"post": {"id": "p1" "title": "t"}}`,
	`{"post": {"id": "p1", "title": "t"}`,
	`[]`, `null`, `""`, `1`, ``, `   `, `{}`,
	"\ufeff{\"post\": {\"id\": \"p1\", \"title\": \"BOM\"}}",
	`{"post": {"id": "p1", "title": "t\u0000nul"}}`,
	"{\"post\": {\"id\": \"p1\", \"title\": \"raw\tcontrol\"}}",
	`{"post": {"id": "p1", "title": "t"}, "dry_run": null}`,
	`{"post": {"id": "p1", "title": "t"}, "dry_run": false, "dry_run": true}`,
	"  \n{\"post\":{\"id\":\"p1\",\"title\":\"whitespace\"}}\n\t ",
	`{"post": {"id": "p1", "title": "` + strings.Repeat("Người dân phấn khởi. ", 400) + `"}}`,
	`{"post": {"id": "p1", "title": "t", "content": "` + strings.Repeat(`\u1ea1\n`, 300) + `"}}`,
}

// TestFastDecodeMatchesEncodingJSON: for every body, the check decoder and
// encoding/json agree on success or failure and, on success, on every field.
func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	for i, body := range checkBodies {
		var std, fast checkRequest
		errStd := json.Unmarshal([]byte(body), &std)
		errFast := decodeCheck([]byte(body), &fast)
		if (errStd == nil) != (errFast == nil) {
			t.Errorf("body %d %.80q: encoding/json err %v, fast err %v", i, body, errStd, errFast)
			continue
		}
		if errStd == nil && !reflect.DeepEqual(std, fast) {
			t.Errorf("body %d %.80q: encoding/json %+v, fast %+v", i, body, std.Post, fast.Post)
		}
	}
}

// FuzzFastDecodeMatchesEncodingJSON looks for a body the two decoders read
// differently (go test runs the seeds; go test -fuzz explores).
func FuzzFastDecodeMatchesEncodingJSON(f *testing.F) {
	for _, b := range checkBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var std, fast checkRequest
		errStd := json.Unmarshal(body, &std)
		errFast := decodeCheck(body, &fast)
		if (errStd == nil) != (errFast == nil) {
			t.Fatalf("%q: encoding/json err %v, fast err %v", body, errStd, errFast)
		}
		if errStd == nil && !reflect.DeepEqual(std, fast) {
			t.Fatalf("%q: encoding/json %+v, fast %+v", body, std.Post, fast.Post)
		}
	})
}

// BenchmarkDecodeCheck reads a 3 KB check body: decodeCheck (json.Valid and
// go-json) against encoding/json alone.
func BenchmarkDecodeCheck(b *testing.B) {
	body := []byte(`{"post": {"id": "b1", "title": "Tin số 1", "content": "` +
		strings.Repeat("Người dân xã Đắk Pék phấn khởi đón mùa cà phê bội thu. ", 55) +
		`", "categories": ["Thời sự"], "declared_tone": "neutral"}}`)
	b.Run("decodeCheck", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r checkRequest
			if err := decodeCheck(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r checkRequest
			if err := json.Unmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeCheckParts(b *testing.B) {
	body := []byte(`{"post": {"id": "b1", "title": "Tin số 1", "content": "` +
		strings.Repeat("Người dân xã Đắk Pék phấn khởi đón mùa cà phê bội thu. ", 55) +
		`", "categories": ["Thời sự"], "declared_tone": "neutral"}}`)
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			_ = json.Valid(body)
		}
	})
	b.Run("utf8.Valid", func(b *testing.B) {
		for b.Loop() {
			_ = utf8.Valid(body)
		}
	})
	b.Run("go-json", func(b *testing.B) {
		for b.Loop() {
			var r checkRequest
			_ = gojson.Unmarshal(body, &r)
		}
	})
}
