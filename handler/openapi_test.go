package handler_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// The OpenAPI document is kept honest: every answer the handler tests get
// from a documented route is validated against the document's schema for
// that route, method and status.

type apiDoc struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	routes   []docRoute
	mu       sync.Mutex
	cache    map[string]*jsonschema.Schema
}

type docRoute struct {
	template string
	re       *regexp.Regexp
}

var (
	docOnce sync.Once
	docVal  *apiDoc
	docErr  error
)

func openAPI(t testing.TB) *apiDoc {
	t.Helper()
	docOnce.Do(func() { docVal, docErr = loadAPIDoc("openapi.yaml") })
	if docErr != nil {
		t.Fatalf("openapi.yaml: %v", docErr)
	}
	return docVal
}

func loadAPIDoc(path string) (*apiDoc, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var y any
	if err := yaml.Unmarshal(raw, &y); err != nil {
		return nil, err
	}
	js, err := json.Marshal(y)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	if v, _ := doc.(map[string]any)["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		return nil, fmt.Errorf("openapi version %q, want 3.1", v)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("openapi.json", doc); err != nil {
		return nil, err
	}
	d := &apiDoc{doc: doc.(map[string]any), compiler: c, cache: map[string]*jsonschema.Schema{}}
	// "/v1/outlets/{outlet}/check" → ^/v1/outlets/[^/]+/check$
	param := regexp.MustCompile(`\\\{[^}]+\\\}`)
	for p := range d.doc["paths"].(map[string]any) {
		re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$")
		d.routes = append(d.routes, docRoute{template: p, re: re})
	}
	return d, nil
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// check says how body does not match the documented answer, if it does not.
// contentType is the answer's media type; "" means JSON.
func (d *apiDoc) check(method, path string, status int, contentType string, body []byte) error {
	path, _, _ = strings.Cut(path, "?")
	var tmpl string
	for _, r := range d.routes {
		if r.re.MatchString(path) {
			tmpl = r.template
			break
		}
	}
	if tmpl == "" {
		return nil // not an API route (e.g. a deliberately unknown path)
	}
	op, ok := d.doc["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		if status == 405 || status == 404 {
			return nil
		}
		return fmt.Errorf("openapi: %s %s is not documented", method, tmpl)
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	if !ok {
		return fmt.Errorf("openapi: %s %s does not document status %d (body %s)", method, tmpl, status, body)
	}
	loc := "openapi.json#/paths/" + pointerEscape(tmpl) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(status)
	if ref, ok := resp["$ref"].(string); ok {
		loc = "openapi.json" + ref
	}
	media := "application/json"
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && mt != "application/json" {
		media = mt
	}
	if media != "application/json" {
		content, _ := resp["content"].(map[string]any)
		if _, ok := content[media]; !ok {
			return fmt.Errorf("openapi: %s %s %d does not document %s", method, tmpl, status, media)
		}
		return nil
	}
	loc += "/content/application~1json/schema"
	d.mu.Lock()
	s, ok := d.cache[loc]
	if !ok {
		var err error
		s, err = d.compiler.Compile(loc)
		if err != nil {
			d.mu.Unlock()
			return fmt.Errorf("openapi: compile %s: %v", loc, err)
		}
		d.cache[loc] = s
	}
	d.mu.Unlock()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("openapi: %s %s answered non-JSON: %s", method, path, body)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("openapi: %s %s %d does not match the document:\n%v\nbody: %s", method, tmpl, status, err, body)
	}
	return nil
}

func TestOpenAPIDocumentLoads(t *testing.T) {
	d := openAPI(t)
	if len(d.routes) < 8 {
		t.Fatalf("only %d routes documented", len(d.routes))
	}
	// Wrong answers must fail validation, or the check proves nothing.
	wrong := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/v1/outlets/x/share", 200, `{"outlet": 3}`},
		{"POST", "/v1/outlets/x/check", 200, `{"decision": "maybe"}`},
		{"POST", "/v1/outlets/x/check", 418, `{}`},
		{"POST", "/v1/outlets/x/check", 400, `{"error": {"code": "x"}}`},
	}
	for _, w := range wrong {
		if d.check(w.method, w.path, w.status, "", []byte(w.body)) == nil {
			t.Errorf("%s %s %d %s passed the OpenAPI check", w.method, w.path, w.status, w.body)
		}
	}
}
