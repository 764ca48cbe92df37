package handler

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/importer"
	"gatekeeper/internal/messages"
)

const importRoute = "/v1/outlets/:outlet/import"

// importTypes are the media types an import body may have; "" for JSON
// routes.
var importTypes = map[string]string{
	"text/csv":                 "history.csv",
	"application/csv":          "history.csv",
	"text/plain":               "history.csv",
	"application/vnd.ms-excel": "history.csv", // what some systems call a CSV file
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "history.xlsx",
}

// importError is one refused row (or the file, line 0) of an import, in
// the caller's language.
type importError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// importRow is a previewed row: what the classifier makes of it.
type importRow struct {
	Line          int      `json:"line"`
	ID            string   `json:"id"`
	At            string   `json:"at"`
	Link          string   `json:"link,omitempty"`
	DeclaredTone  string   `json:"declared_tone,omitempty"`
	Label         string   `json:"label"`
	Borderline    bool     `json:"borderline"`
	Sensational   bool     `json:"sensational"`
	Evidence      []string `json:"evidence"`
	DuplicateOf   int      `json:"duplicate_of,omitempty"`
	OutsideWindow bool     `json:"outside_window"`
}

// importAnswer is the answer to an import: the file's summary, its row
// errors, the preview's rows (dry run) or the sync's result (applied).
type importAnswer struct {
	DryRun   bool             `json:"dry_run"`
	Complete bool             `json:"complete"`
	Rows     int              `json:"rows"`
	Posts    int              `json:"posts"`
	From     string           `json:"from"`
	To       string           `json:"to"`
	Labels   map[string]int   `json:"labels"`
	Errors   []importError    `json:"errors"`
	Preview  []importRow      `json:"preview,omitempty"`
	Result   *gate.SyncAnswer `json:"result,omitempty"`
}

// importFile answers POST /import: a dry run previews, otherwise the file
// is applied as one sync (and its answer remembered for the webhook id).
func (a *api) importFile(c *gin.Context) {
	if c.Query("dry_run") == "true" {
		if status, v, ok := a.importRun(c, true); ok {
			c.JSON(status, v)
		}
		return
	}
	a.remembered(func(c *gin.Context) (int, any, bool) { return a.importRun(c, false) })(c)
}

func (a *api) importRun(c *gin.Context, dryRun bool) (int, any, bool) {
	lang := langOf(c)
	fields := map[string]string{}
	for _, q := range []string{"dry_run", "complete"} {
		if v := c.Query(q); v != "" && v != "true" && v != "false" {
			fields[q] = messages.Field(lang, "oneof", "true, false")
		}
	}
	if len(fields) > 0 {
		fail(c, "validation_failed", nil, fields)
		return 0, nil, false
	}
	complete := c.Query("complete") == "true"
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	o := outletOf(c)
	loc := o.Location()
	f, err := importer.Parse(bytes.NewReader(bodyOf(c)), importTypes[mt], loc, importer.Limits{Now: a.Clock.Now()})
	var fileErr *importer.RowError
	switch {
	case errors.As(err, &fileErr):
		failImport(c, []importer.RowError{*fileErr})
		return 0, nil, false
	case err != nil:
		fail(c, "internal", err, nil)
		return 0, nil, false
	}
	ans := &importAnswer{
		DryRun: dryRun, Complete: complete, Rows: f.RowsRead(), Posts: f.Posts(),
		From: f.From.In(loc).Format(time.RFC3339), To: f.To.In(loc).Format(time.RFC3339),
		Labels: map[string]int{"negative": 0, "neutral": 0, "positive": 0}, Errors: []importError{},
	}
	for _, e := range f.Errors {
		ans.Errors = append(ans.Errors, importError{Line: e.Line, Field: e.Field, Code: e.Code, Message: pickLang(lang, e.VI, e.EN)})
	}
	if !dryRun && len(f.Errors) > 0 {
		failImport(c, f.Errors)
		return 0, nil, false
	}
	for _, r := range importer.Preview(a.Gate, o, f, nil) {
		if r.DuplicateOf == 0 {
			ans.Labels[string(r.Label)]++
		}
		if !dryRun {
			continue
		}
		ev := make([]string, 0, len(r.Evidence))
		for _, e := range r.Evidence {
			ev = append(ev, e.Text)
		}
		ans.Preview = append(ans.Preview, importRow{
			Line: r.Line, ID: r.ID, At: r.At.In(loc).Format(time.RFC3339), Link: r.Link, DeclaredTone: string(r.Tone),
			Label: string(r.Label), Borderline: r.Borderline, Sensational: r.Sensational, Evidence: ev,
			DuplicateOf: r.DuplicateOf, OutsideWindow: r.OutsideWindow,
		})
	}
	if dryRun {
		return http.StatusOK, ans, true
	}
	res, err := importer.Apply(c.Request.Context(), a.Gate, o, f, complete, "import", nil)
	if err != nil {
		failErr(c, err, "outlet_not_found")
		return 0, nil, false
	}
	ans.Result = res
	return http.StatusOK, ans, true
}

func pickLang(lang messages.Lang, vi, en string) string {
	if lang == messages.EN {
		return en
	}
	return vi
}

// failImport refuses a file with row errors (422): nothing was recorded.
func failImport(c *gin.Context, errs []importer.RowError) {
	lang := langOf(c)
	e := apiError{Code: "import_invalid", Message: messages.Errorf(lang, "import_invalid", len(errs))}
	for _, r := range errs {
		e.Rows = append(e.Rows, importError{Line: r.Line, Field: r.Field, Code: r.Code, Message: pickLang(lang, r.VI, r.EN)})
	}
	c.AbortWithStatusJSON(statusOf["import_invalid"], gin.H{"error": e})
}
