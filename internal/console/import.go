package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/importer"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// Importing a page's history (CSV or XLSX): the upload is parsed and
// previewed with the classifier's labels and every row's error; the preview
// is kept on this replica (importStages) until the user applies it, as one
// sync, or it expires. Both steps stream their progress into the page as
// they go (no script: each step replaces the last by CSS), so a 10,000-row
// file shows how far it is and finishes in the same answer.

// The most the import keeps: staged previews, their files' bytes (a parsed
// file takes about as much memory as its bytes), and how long.
const (
	maxStages      = 16
	maxStagedBytes = 3 * maxUploadBytes
	stageTTL       = 30 * time.Minute
	previewShown   = 200 // rows shown in the preview table
	errorsShown    = 500 // row errors listed
)

// importStage is a parsed, previewed file waiting to be applied.
type importStage struct {
	ID       string
	User     string
	Outlet   string
	Complete bool
	File     *importer.File
	Size     int64 // the uploaded file's bytes
	Created  time.Time
}

// importStages keeps the staged files of this replica.
type importStages struct {
	mu sync.Mutex
	m  map[string]*importStage
}

// put keeps s, dropping expired stages and, past maxStages or
// maxStagedBytes, the oldest.
func (st *importStages) put(s *importStage, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.m == nil {
		st.m = map[string]*importStage{}
	}
	for id, x := range st.m {
		if now.Sub(x.Created) > stageTTL {
			delete(st.m, id)
		}
	}
	size := func() (n int64) {
		for _, x := range st.m {
			n += x.Size
		}
		return n
	}
	for len(st.m) > 0 && (len(st.m) >= maxStages || size()+s.Size > maxStagedBytes) {
		var oldest *importStage
		for _, x := range st.m {
			if oldest == nil || x.Created.Before(oldest.Created) {
				oldest = x
			}
		}
		delete(st.m, oldest.ID)
	}
	st.m[s.ID] = s
}

// take removes and returns the user's stage id (nil when there is none, it
// expired, or it is another user's).
func (st *importStages) take(id, user string, now time.Time) *importStage {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.m[id]
	if s == nil || s.User != user || now.Sub(s.Created) > stageTTL {
		return nil
	}
	delete(st.m, id)
	return s
}

type importData struct {
	Outlets  []store.Outlet
	Outlet   string
	Complete bool
	Error    string
	MaxMB    int
	MaxRows  int
}

func (c *Console) importPage(g *gin.Context) {
	c.showImport(g, http.StatusOK, importData{Outlet: g.Query("outlet")})
}

func (c *Console) showImport(g *gin.Context, status int, d importData) {
	outlets, err := c.postableOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	d.Outlets, d.MaxMB, d.MaxRows = outlets, maxUploadBytes>>20, importer.DefaultLimits().Rows
	if d.Outlet == "" && len(outlets) > 0 {
		d.Outlet = outlets[0].ID
	}
	c.render(g, status, "import", "import.title", d)
}

// previewRow is one row of the preview table.
type previewRow struct {
	importer.PreviewRow
	Title    []segment
	ToneKey  string
	Evidence []evidenceView
}

// importPreview is the preview's result.
type importPreview struct {
	Outlet    *store.Outlet
	StageID   string
	Name      string
	Complete  bool
	Rows      int
	Posts     int
	Dupes     int
	Outside   int
	Negative  int
	Neutral   int
	Positive  int
	From, To  time.Time // To: the file's last day
	Errors    []string
	More      int // errors not listed
	Shown     []previewRow
	Hidden    int // rows not shown
	FileError string
}

// importResult is the apply's result.
type importResult struct {
	Outlet    *store.Outlet
	StageID   string // set when the import can be tried again
	Answer    *gate.SyncAnswer
	Error     string
	Name      string
	Complete  bool
	From, To  time.Time
	Published int64
	Negative  int64
	Share     int64
}

// importUpload reads the uploaded file and previews it, streaming progress.
func (c *Console) importUpload(g *gin.Context) {
	lang := langOf(g)
	d := importData{Outlet: g.PostForm("outlet"), Complete: g.PostForm("complete") == "1"}
	if !canPost(userOf(g), d.Outlet) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	o, err := c.st.GetOutlet(ctx(g), d.Outlet)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	fh, err := g.FormFile("file")
	if err != nil {
		d.Error = tr(lang, "import.err.nofile")
		c.showImport(g, http.StatusBadRequest, d)
		return
	}
	if fh.Size > maxUploadBytes {
		d.Error = tr(lang, "import.err.large", maxUploadBytes>>20)
		c.showImport(g, http.StatusRequestEntityTooLarge, d)
		return
	}
	rd, err := fh.Open()
	if err != nil {
		d.Error = tr(lang, "import.err.nofile")
		c.showImport(g, http.StatusBadRequest, d)
		return
	}
	defer rd.Close()
	now := c.now()
	name := cleanField(fh.Filename)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	f, err := importer.Parse(rd, name, o.Location(), importer.Limits{Bytes: maxUploadBytes, Now: now})
	if err != nil {
		var re *importer.RowError
		if !errors.As(err, &re) {
			c.log.Warn("console: import parse", "outlet", o.ID, "err", err)
			d.Error = tr(lang, "import.err.read")
		} else {
			d.Error = re.In(msgLang(lang))
		}
		c.showImport(g, http.StatusBadRequest, d)
		return
	}
	u := userOf(g)
	c.stream(g, "import_run", "import.title", importRunData{Outlet: o, Step: "preview", Name: name}, func(progress importer.Progress) (string, any) {
		pv := importer.Preview(c.gate, &o, f, progress)
		res := c.previewOf(lang, o, f, pv, d.Complete)
		if len(f.Errors) == 0 {
			s := &importStage{ID: randomToken(16), User: u.Username, Outlet: o.ID, Complete: d.Complete, File: f, Size: fh.Size, Created: now}
			c.stages.put(s, now)
			res.StageID = s.ID
		}
		return "import_preview", res
	})
}

// previewOf sums up a preview for the page.
func (c *Console) previewOf(lang string, o store.Outlet, f *importer.File, pv []importer.PreviewRow, complete bool) importPreview {
	r := importPreview{Outlet: &o, Name: f.Name, Complete: complete, Rows: f.RowsRead(), Posts: f.Posts(), From: f.From, To: f.LastDay()}
	for i, e := range f.Errors {
		if i == errorsShown {
			r.More = len(f.Errors) - errorsShown
			break
		}
		r.Errors = append(r.Errors, e.In(msgLang(lang)))
	}
	for _, p := range pv {
		if p.DuplicateOf != 0 {
			r.Dupes++
			continue
		}
		if p.OutsideWindow {
			r.Outside++
		}
		switch p.Label {
		case policy.Negative:
			r.Negative++
		case policy.Positive:
			r.Positive++
		default:
			r.Neutral++
		}
	}
	for i, p := range pv {
		if i == previewShown {
			r.Hidden = len(pv) - previewShown
			break
		}
		text := p.Title
		if text == "" {
			text = excerpt(p.Text, 200)
		}
		row := previewRow{PreviewRow: p, Title: []segment{{Text: text}}, ToneKey: "tone." + string(p.Label)}
		if p.Label == policy.Negative { // the words that made it negative, as the hold page marks them
			row.Title, row.Evidence = highlight(text, evidencePhrases(p.Evidence)), evidenceViews(lang, p.Evidence)
		}
		if p.Label == "" {
			row.ToneKey = "tone.neutral"
		}
		r.Shown = append(r.Shown, row)
	}
	return r
}

// excerpt is the first n characters of s, on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// importApply applies a staged preview as one sync, streaming progress.
func (c *Console) importApply(g *gin.Context) {
	u := userOf(g)
	now := c.now()
	s := c.stages.take(g.PostForm("stage"), u.Username, now)
	if s == nil {
		c.showImport(g, http.StatusConflict, importData{Outlet: g.PostForm("outlet"), Error: tr(langOf(g), "import.err.expired")})
		return
	}
	if !canPost(u, s.Outlet) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	o, err := c.st.GetOutlet(ctx(g), s.Outlet)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	lang := langOf(g)
	c.stream(g, "import_run", "import.title", importRunData{Outlet: o, Step: "apply", Name: s.File.Name}, func(progress importer.Progress) (string, any) {
		res := importResult{Outlet: &o, Name: s.File.Name, Complete: s.Complete, From: s.File.From, To: s.File.LastDay()}
		// The request's context ends with the page; the sync is one step
		// that should finish whatever the browser does.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx(g)), 2*time.Minute)
		defer cancel()
		ans, err := importer.Apply(actx, c.gate, &o, s.File, s.Complete, gate.SubmitterActor(u.Username), progress)
		if err != nil {
			c.log.Error("console: import", "outlet", o.ID, "file", s.File.Name, "by", u.Username, "err", err)
			if errors.Is(err, importer.ErrHasErrors) {
				res.Error = tr(lang, "import.err.rows")
				return "import_result", res
			}
			// Part of a large sync may be recorded: the same file again
			// finishes it and counts nothing twice.
			res.Error = tr(lang, "import.err.failed")
			s.Created = c.now()
			c.stages.put(s, s.Created)
			res.StageID = s.ID
			return "import_result", res
		}
		res.Answer = ans
		res.Published, res.Negative = ans.Share.Published, ans.Share.Negative
		res.Share = int64(policy.Counts{Published: ans.Share.Published, Negative: ans.Share.Negative}.Share())
		c.log.Info("console: history imported", "outlet", o.ID, "file", s.File.Name, "by", u.Username,
			"added", len(ans.Added), "withdrawn", len(ans.Withdrawn))
		return "import_result", res
	})
}

// importRunData is the streamed page's head.
type importRunData struct {
	Outlet store.Outlet
	Step   string // preview, apply
	Name   string
}

// streamMark is where a streamed page's progress and result go.
const streamMark = `<b id="gk-stream"></b>`

// stream answers a page whose body is written as work goes: the page up to
// streamMark, then a progress step each time the figure moves by a
// percent, then the template result (its "result" block) with the data
// work returns, then the rest of the page. The answer is 200 whatever
// work finds; a failure is said in the result.
func (c *Console) stream(g *gin.Context, name, titleKey string, head any, work func(importer.Progress) (string, any)) {
	var buf bytes.Buffer
	if err := c.execute(&buf, g, name, "", titleKey, head); err != nil {
		c.log.Error("console: render", "page", name, "err", err)
		c.errorPage(g, http.StatusInternalServerError, "err.title")
		return
	}
	before, after, ok := strings.Cut(buf.String(), streamMark)
	if !ok {
		panic("console: template " + name + " has no stream mark")
	}
	// A long import may outlast the server's write timeout.
	rc := http.NewResponseController(g.Writer)
	_ = rc.SetWriteDeadline(time.Now().Add(3 * time.Minute))
	h := g.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // a proxy must not hold the progress back
	g.Status(http.StatusOK)
	_, _ = g.Writer.WriteString(before)
	g.Writer.Flush()
	lang := langOf(g)
	last := -1
	progress := func(done, total int) {
		if total <= 0 {
			return
		}
		pct := done * 100 / total
		if pct == last {
			return
		}
		last = pct
		fmt.Fprintf(g.Writer, `<p class="step"><progress value="%d" max="%d" aria-label="%s">%d%%</progress> %s</p>`+"\n",
			done, total, template.HTMLEscapeString(tr(lang, "import.progress")), pct,
			template.HTMLEscapeString(tr(lang, "import.done", fmtCount(lang, done), fmtCount(lang, total), pct)))
		g.Writer.Flush()
	}
	resName, res := work(progress)
	var out bytes.Buffer
	if err := c.execute(&out, g, name, resName, titleKey, res); err != nil {
		c.log.Error("console: render", "page", resName, "err", err)
		out.Reset()
		out.WriteString(`<p class="error" role="alert">` + template.HTMLEscapeString(tr(lang, "import.err.failed")) + `</p>`)
	}
	_, _ = g.Writer.Write(out.Bytes())
	_, _ = g.Writer.WriteString(after)
	g.Writer.Flush()
}

// fmtCount writes a count with the language's thousands separator.
func fmtCount(lang string, n int) string {
	s := itoa(n)
	sep := "."
	if lang == langEN {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}
