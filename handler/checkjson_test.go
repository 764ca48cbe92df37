package handler

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gatekeeper/internal/messages"
)

// checkDecodeCases are bodies where a decoder of the check could go wrong:
// each is decoded by decodeCheck and by decodeJSON (encoding/json and
// keyProblem, the reference) and must get the same answer.
var checkDecodeCases = []string{
	// Accepted, and the values decoded.
	`{"post":{"id":"d1","title":"Tin số 1","content":"Người dân phấn khởi.","declared_tone":"neutral"}}`,
	`{"post":{"id":"d1","link":"https://bao.vn/a","title":"t","excerpt":"e","content":"c","url":"https://bao.vn/a","categories":["Xã hội","Kinh tế"],"tags":["a"],"author":"Lan","language":"vi","site_locale":"vi_VN","declared_tone":"positive","published_at":"2026-12-05T10:00:00+07:00"},"dry_run":true}`,
	` { "post" : { "id" : "d1" , "title" : "t" } , "dry_run" : false } `,
	"\t\r\n{\"post\":{\"id\":\"d1\",\"title\":\"t\"}}\n",
	`{"post":{"id":"d1","title":"t","categories":[],"tags":null}}`,
	`{"post":{"id":"d1","title":"t","categories":[null,"a",null],"tags":[""]}}`,
	`{"post":{"id":"d1","title":null,"content":null},"dry_run":null}`,
	`{"post":null}`, `{"post":{}}`, `{}`, `null`, ` null `,
	`{"post":{"id":"d1","title":"t","cms":{"a":[1,-0,0.5,-1.5e+10,2E-3,1e9,true,false,null,"x",{},[]]}}}`,
	`{"post":{"id":"d1","title":"t","":1}}`,
	`{"post":{"id":"d1","title":"t","x":{"":1,"":2}}}`,
	// String escapes, surrogates and invalid UTF-8 (each bad byte is U+FFFD).
	`{"post":{"id":"d1","title":"a\"b\\c\/d\be\ff\ng\rh\ti"}}`,
	`{"post":{"id":"d1","title":"\u0041\u00e9\u1EA1\uFFFF\u0000"}}`,
	`{"post":{"id":"d1","title":"\ud83d\ude00 \uD83D\uDE00"}}`,
	`{"post":{"id":"d1","title":"x\ud83dy"}}`,
	`{"post":{"id":"d1","title":"x\ude00y"}}`,
	`{"post":{"id":"d1","title":"\ud83d\ud83d\ude00"}}`,
	`{"post":{"id":"d1","title":"\ud83d\u0041"}}`,
	`{"post":{"id":"d1","title":"\ud83d\n"}}`,
	`{"post":{"id":"d1","title":"\ud83d"}}`,
	`{"post":{"id":"d1","title":"\ude00\ud83d"}}`,
	"{\"post\":{\"id\":\"d1\",\"title\":\"a\xffb\xfe\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"\xc3\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"\xc3\\n\xa9\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe1\x80\"}}",
	// the scanner's own checks of two- and three-byte sequences, and what it
	// leaves to utf8.DecodeRune, in plain and in escaped strings
	"{\"post\":{\"id\":\"d1\",\"title\":\"\xe0\x80\xaf \xe0\xa4\x85 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbd \xf0\x9f\x98\x80 Đắk\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"Đắk\\n\xe0\x80\xaf \xed\xa0\x80\\t\xc3\xa9\xe1\xba\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"\xe1\xba\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"ok\",\"excerpt\":\"\xdf\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"t\",\"categories\":[\"\xff\",\"\\u00e9\"]}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"t\",\"x\xff\":1,\"x\xfe\":2}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"t\",\"ti\xfftle\":1}}",
	`{"post":{"id":"d1","title":"t","a\u0000":1,"a\u0000":2}}`,
	// Not JSON: refused before anything else.
	``, ` `, `{`, `}`, `{"post":{}`, `{"post":{}}}`, `{} x`, `{}{}`, `{},`, "\xef\xbb\xbf{}",
	`{"post":{"title":"a"},}`, `{,}`, `{"post"}`, `{"post":}`, `{"post" {}}`, `{'post':{}}`, `{post:{}}`,
	`{"post":{"id":"d1","x":[1,]}}`, `{"post":{"id":"d1","x":[,1]}}`, `{"post":{"id":"d1","x":[1 2]}}`,
	`{"post":{"id":"d1","title":"a\x"}}`, `{"post":{"id":"d1","title":"a\u12"}}`, `{"post":{"id":"d1","title":"a\u12g4"}}`,
	`{"post":{"id":"d1","title":"a\U0041"}}`, `{"post":{"id":"d1","title":"a\'"}}`, `{"post":{"id":"d1","title":"a`,
	`{"post":{"id":"d1","title":"a\`, "{\"post\":{\"id\":\"d1\",\"title\":\"a\x01\"}}", "{\"post\":{\"id\":\"d1\",\"title\":\"a\tb\"}}",
	"{\"post\":{\"id\":\"d1\",\"title\":\"t\",\"x\":1\x00}}", "{\"post\":{\"id\":\"d1\",\"title\":\"t\"}}\x0b", "\x0c{}",
	`{"post":{"id":"d1","x":01}}`, `{"post":{"id":"d1","x":1.}}`, `{"post":{"id":"d1","x":.5}}`, `{"post":{"id":"d1","x":-}}`,
	`{"post":{"id":"d1","x":1e}}`, `{"post":{"id":"d1","x":1e+}}`, `{"post":{"id":"d1","x":+1}}`, `{"post":{"id":"d1","x":0x1}}`,
	`{"post":{"id":"d1","x":-01}}`, `{"post":{"id":"d1","x":NaN}}`, `{"post":{"id":"d1","x":1.5.2}}`,
	`{"post":{"id":"d1","x":tru}}`, `{"post":{"id":"d1","x":nulll}}`, `{"post":{"id":"d1","x":True}}`, `{"dry_run":truex}`,
	`{"dry_run":nul}`, `{"post":nul}`, `{"post":{"title":nul}}`, `{"post":{"categories":[nul]}}`,
	// A syntax error after a wrong type or a key problem is still a syntax error.
	`{"post":1,"x":}`, `{"post":{"title":"a","title":"b"},"x":[}`,
	// Values of the wrong type: the first, in the order of the body.
	`[]`, `[{"post":{}}]`, `"x"`, `1`, `true`, `false`, `-1.5`,
	`{"post":1}`, `{"post":"x"}`, `{"post":[]}`, `{"post":[{"id":"d1"}]}`, `{"post":true}`,
	`{"dry_run":"true"}`, `{"dry_run":1}`, `{"dry_run":{}}`, `{"dry_run":[]}`,
	`{"post":{"title":1}}`, `{"post":{"title":{}}}`, `{"post":{"title":[]}}`, `{"post":{"title":true}}`, `{"post":{"title":-0.0e0}}`,
	`{"post":{"categories":"a"}}`, `{"post":{"categories":{}}}`, `{"post":{"tags":1}}`, `{"post":{"tags":false}}`,
	`{"post":{"categories":[1]}}`, `{"post":{"categories":["a",[]]}}`, `{"post":{"tags":[{}]}}`, `{"post":{"tags":[true]}}`,
	`{"post":{"title":1,"content":2},"dry_run":"x"}`, `{"dry_run":"x","post":{"title":1}}`,
	`{"post":{"title":"a","title":1}}`, `{"post":{"title":"a","x":1,"x":2,"author":3}}`,
	`{"extra":1,"post":{"title":1}}`, `{"post":{"Title":1}}`, `{"POST":{"TITLE":[]}}`, `{"Dry_Run":1}`,
	`{"post":{"ſite_locale":1}}`, `{"po\u017Ft":{"title":1}}`, `{"post":{"\u0074itle":1}}`, `{"post":{"Categories":"a"}}`,
	`{"post":{"categories":["a",1],"tags":"b"}}`, `{"post":[1,{"a":1,"a":2}]}`,
	// Repeated and unknown keys: the first, in the order of the body.
	`{"post":{"id":"d1","title":"a","title":"b"}}`, `{"post":{"id":"d1"},"post":{"id":"d2"}}`,
	`{"dry_run":true,"dry_run":true}`, `{"post":{"id":"d1","Title":"a"}}`, `{"post":{"id":"d1","TITLE":"a","title":"b"}}`,
	`{"post":{"id":"d1"},"extra":true}`, `{"extra":{"a":1,"a":2},"post":{"id":"d1"}}`, `{"Post":{"id":"d1"}}`,
	`{"post":{"id":"d1","\u0069d":"d2"}}`, `{"post":{"id":"d1","z":[{"q":1},{"q":1,"q":2}]}}`,
	`{"post":{"id":"d1","z":[[],[{"q":[{},{"r":1,"r":2}]}]]}}`, `{"post":{"id":"d1","a\"b":1,"a\"b":2}}`,
	`{"post":{"id":"d1","x":1},"dry_run":false,"DRY_RUN":true}`, `{"poſt":{"id":"d1"}}`, `{"po\u017Ft":{"id":"d1"}}`,
	`{"post":{"id":"d1","\ud800":1,"\udc00":2}}`, `{"post":{"id":"d1","\ud800":1,"\ufffd":2}}`,
	"{\"post\":{\"id\":\"d1\",\"\xff\":1,\"\\ufffd\":2}}",
	`{"post":{"x":{"a":1,"a":2},"title":1}}`, `{"post":{"x":{"a":1,"a":2}},"extra":1}`,
	// Validation after decoding (validator/v10).
	`{"post":{"title":"t"}}`, `{"post":{"id":"bad id!","title":"t"}}`, `{"post":{"id":"d1","title":"  "}}`,
	`{"post":{"id":"d1","title":"t","declared_tone":"angry"}}`, `{"post":{"id":"d1","title":"t","published_at":"yesterday"}}`,
	`{"post":{"id":"d1","title":"t","language":"1"}}`, `{"post":{"id":"d1","title":"t","url":"ftp://x"}}`,
	`{}`, `{"dry_run":true}`,
}

// nested is a post with an unknown field: the body nests depth levels deep.
func nested(depth int, open, inner, close string) string {
	return `{"post":{"id":"d1","title":"t","x":` + strings.Repeat(open, depth-2) + inner + strings.Repeat(close, depth-2) + `}}`
}

// manyLabels is a post with n categories and an unknown object of n keys
// (repeating key dup if dup ≥ 0).
func manyLabels(n, dup int) string {
	var b strings.Builder
	b.WriteString(`{"post":{"id":"d1","title":"t","categories":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote("c" + strconv.Itoa(i)))
	}
	b.WriteString(`],"x":{`)
	for i := 0; i < n; i++ {
		b.WriteString(`"k` + strconv.Itoa(i) + `":1,`)
	}
	if dup >= 0 {
		b.WriteString(`"k` + strconv.Itoa(dup) + `":2,`)
	}
	b.WriteString(`"end":0}}}`)
	return b.String()
}

func allCheckDecodeCases() []string {
	cases := append([]string{}, checkDecodeCases...)
	cases = append(cases, strictCases...)
	for _, depth := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		cases = append(cases, nested(depth, "[", "", "]"), nested(depth, `{"a":`, "1", "}"))
	}
	for _, n := range []int{seenInline - 1, seenInline, seenInline + 1, 40} {
		cases = append(cases, manyLabels(n, -1), manyLabels(n, 0), manyLabels(n, n-1))
	}
	return cases
}

// sameCheckDecode fails t if decodeCheck and the reference answer body
// differently, in either language, or decode it to different requests.
func sameCheckDecode(t *testing.T, body []byte) {
	t.Helper()
	// The decoded request, before validation.
	var want checkRequest
	wantOK := json.Unmarshal(body, &want) == nil
	if wantOK {
		_, rule := keyProblem(body, reflect.TypeOf(&want))
		wantOK = rule == ""
	}
	var got checkRequest
	d := checkDecoder{data: body}
	fail, ok := d.request(&got)
	gotOK := ok && d.typeKind == "" && fail == nil
	if gotOK != wantOK {
		t.Fatalf("%q: decoded %v, reference %v", body, gotOK, wantOK)
	}
	if gotOK && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded\n%#v %#v\nreference\n%#v %#v", body, got, got.Post, want, want.Post)
	}
	// The answer.
	for _, lang := range []messages.Lang{messages.VI, messages.EN} {
		var got, want checkRequest
		gotCode, gotFields := decodeCheck(body, &got, lang)
		wantCode, wantFields := decodeJSON(body, &want, lang)
		if gotCode != wantCode || !reflect.DeepEqual(gotFields, wantFields) {
			t.Fatalf("%q (%s): got %q %v, reference %q %v", body, lang, gotCode, gotFields, wantCode, wantFields)
		}
		if gotCode == "" && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: accepted as %#v, reference %#v", body, got.Post, want.Post)
		}
	}
}

func TestCheckDecodeMatchesReference(t *testing.T) {
	codes := map[string]int{}
	for _, body := range allCheckDecodeCases() {
		sameCheckDecode(t, []byte(body))
		var req checkRequest
		code, fields := decodeCheck([]byte(body), &req, messages.EN)
		for f := range fields {
			code += " " + strings.SplitN(fields[f], " ", 2)[0]
		}
		codes[code]++
	}
	// The cases reach every kind of answer.
	for _, want := range []string{"", "invalid_json", "validation_failed"} {
		found := false
		for code := range codes {
			if code == want || strings.HasPrefix(code, want+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("no case answered %q (answers: %v)", want, codes)
		}
	}
}

// The answers themselves, not only agreement with the reference.
func TestCheckDecodeAnswers(t *testing.T) {
	for body, want := range map[string]map[string]string{
		`{"post":{"id":"d1","title":"t"}}`:                     nil,
		`{"post":{"title":1}}`:                                 {"post.title": messages.Field(messages.EN, "type", "string")},
		`{"post":{"categories":[1]}}`:                          {"post.categories": messages.Field(messages.EN, "type", "string")},
		`{"post":{"Categories":"a"}}`:                          {"post.categories": messages.Field(messages.EN, "type", "array")},
		`{"dry_run":"x","post":{"title":1}}`:                   {"dry_run": messages.Field(messages.EN, "type", "boolean")},
		`[]`:                                                   {"body": messages.Field(messages.EN, "type", "object")},
		`{"post":{"id":"d1","title":"a","title":"b"}}`:         {"post.title": messages.Field(messages.EN, "duplicate", "")},
		`{"post":{"id":"d1","z":[{"q":1},{"q":1,"q":2}]}}`:     {"post.z[1].q": messages.Field(messages.EN, "duplicate", "")},
		`{"post":{"id":"d1","title":"t"},"extra":1}`:           {"extra": messages.Field(messages.EN, "unknown", "")},
		`{"post":{"id":"d1","Title":"t"}}`:                     {"post.Title": messages.Field(messages.EN, "unknown", "")},
		`{"post":{"id":"d1","title":"t","declared_tone":"x"}}`: {"post.declared_tone": messages.Field(messages.EN, "oneof", "negative, neutral, positive")},
	} {
		var req checkRequest
		code, fields := decodeCheck([]byte(body), &req, messages.EN)
		if want == nil && code != "" || want != nil && (code != "validation_failed" || !reflect.DeepEqual(fields, want)) {
			t.Errorf("%s: got %q %v, want %v", body, code, fields, want)
		}
	}
	for _, body := range []string{`{"post":{"id":"d1","title":"t"}`, `{"post":{"title":1}} x`, nested(maxJSONDepth+1, "[", "", "]")} {
		var req checkRequest
		if code, _ := decodeCheck([]byte(body), &req, messages.EN); code != "invalid_json" {
			t.Errorf("%.60s: got %q, want invalid_json", body, code)
		}
	}
	var req checkRequest
	body := "{\"post\":{\"id\":\"d1\",\"title\":\"\\ud83d\\ude00 \\ud83d x\xff \\u00e9\",\"tags\":[null,\"a\"],\"categories\":[]},\"dry_run\":true}"
	if code, _ := decodeCheck([]byte(body), &req, messages.EN); code != "" {
		t.Fatalf("refused: %s", code)
	}
	if p := req.Post; p.Title != "😀 \uFFFD x\uFFFD é" || !reflect.DeepEqual(p.Tags, []string{"", "a"}) ||
		p.Categories == nil || len(p.Categories) != 0 || !req.DryRun {
		t.Fatalf("decoded %#v", *p)
	}
}

// The decoder's field tables follow postInput's JSON tags: a field added to
// the struct must be added to the decoder.
func TestCheckDecoderKnowsEveryField(t *testing.T) {
	fields := jsonFields(reflect.TypeOf(postInput{}))
	if len(fields) != len(postFieldNames) {
		t.Fatalf("postInput has %d JSON fields, the decoder knows %d", len(fields), len(postFieldNames))
	}
	var p postInput
	pv := reflect.ValueOf(&p).Elem()
	for i, name := range postFieldNames {
		sf, ok := reflect.TypeOf(p).FieldByNameFunc(func(n string) bool {
			f, _ := reflect.TypeOf(p).FieldByName(n)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			return tag == name
		})
		if !ok {
			t.Fatalf("no field of postInput is %q", name)
		}
		addr := pv.FieldByIndex(sf.Index).Addr().Interface()
		switch sf.Type.Kind() {
		case reflect.String:
			if p.field(i) != addr {
				t.Errorf("%s: field(%d) is not postInput.%s", name, i, sf.Name)
			}
		case reflect.Slice:
			if (i != postCategories && i != postTags) || p.list(i) != addr {
				t.Errorf("%s: list(%d) is not postInput.%s", name, i, sf.Name)
			}
		default:
			t.Errorf("%s: the decoder reads no %v", name, sf.Type)
		}
	}
	fields = jsonFields(reflect.TypeOf(checkRequest{}))
	if len(fields) != 2 || fields[checkPost].name != checkFieldNames[checkPost] || fields[checkDryRun].name != checkFieldNames[checkDryRun] {
		t.Fatalf("checkRequest's JSON fields are %v", fields)
	}
}

// A check body is decoded with at most an allocation for the post, one for
// its strings and one per list that is not empty.
func TestCheckDecodeAllocations(t *testing.T) {
	body := []byte(`{"post": {"id": "b1", "title": "Tin số 1", "content": "` + strings.Repeat(`Người dân xã Đắk Pék phấn khởi.\n`, 90) +
		`", "categories": ["a", "b"], "tags": [], "declared_tone": "neutral", "cms_extra": {"k": [1, 2.5, true, null]}}, "dry_run": false}`)
	n := testing.AllocsPerRun(100, func() {
		var req checkRequest
		d := checkDecoder{data: body}
		if fail, ok := d.request(&req); !ok || fail != nil || d.typeKind != "" {
			t.Fatal("refused")
		}
	})
	if n > 3 {
		t.Fatalf("%v allocations per decode, want at most 3", n)
	}
}

func FuzzCheckDecode(f *testing.F) {
	for _, c := range checkDecodeCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(manyLabels(20, 7)))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameCheckDecode(t, body)
	})
}

// benchCheckBody is a check body as the WordPress plugin sends one: a 3 KB
// Vietnamese post, its paragraphs as \n escapes.
var benchCheckBody = []byte(`{"post": {"id": "b1", "title": "Tin số 1", "content": ` + strconv.Quote(strings.Repeat("Người dân xã Đắk Pék phấn khởi với vụ mùa bội thu.\n", 60)) +
	`, "categories": ["Xã hội", "Kinh tế"], "tags": ["nông nghiệp"], "author": "Lan", "language": "vi", "declared_tone": "neutral", "published_at": "2026-12-05T10:00:00+07:00"}}`)

// BenchmarkCheckDecode is the decoding and validation of a check body alone:
// decodeCheck against the reference decodeJSON.
func BenchmarkCheckDecode(b *testing.B) {
	body := benchCheckBody
	for _, dec := range []struct {
		name   string
		decode func([]byte, *checkRequest, messages.Lang) (string, map[string]string)
	}{
		{"encoding-json", func(body []byte, req *checkRequest, lang messages.Lang) (string, map[string]string) {
			return decodeJSON(body, req, lang)
		}},
		{"decodeCheck", decodeCheck},
	} {
		b.Run(dec.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var req checkRequest
				if code, fields := dec.decode(body, &req, messages.VI); code != "" {
					b.Fatal(code, fields)
				}
			}
		})
	}
}

// BenchmarkCheckDecodeOnly is the decoding without validation: the one pass
// of decodeCheck against encoding/json and keyProblem's scan.
func BenchmarkCheckDecodeOnly(b *testing.B) {
	body := benchCheckBody
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var req checkRequest
			if json.Unmarshal(body, &req) != nil {
				b.Fatal("refused")
			}
			if _, rule := keyProblem(body, reflect.TypeOf(&req)); rule != "" {
				b.Fatal(rule)
			}
		}
	})
	b.Run("decodeCheck", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var req checkRequest
			d := checkDecoder{data: body}
			if fail, ok := d.request(&req); !ok || fail != nil || d.typeKind != "" {
				b.Fatal("refused")
			}
		}
	})
}
