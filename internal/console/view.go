package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/posting"
	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
)

type pageTemplate = template.Template

// page is what every template gets: the language, the user, the form token,
// and the page's own data in Data.
type page struct {
	Lang     string
	User     *store.User
	CSRF     string
	TitleKey string
	Nav      string
	Path     string
	Flash    string
	Data     any
}

// T translates a message key.
func (p *page) T(key string, args ...any) string { return tr(p.Lang, key, args...) }

// Time formats t in loc (outlet time zone).
func (p *page) Time(t time.Time, loc *time.Location) string { return fmtTime(p.Lang, t, loc) }

// TimeP formats *t, "—" when nil.
func (p *page) TimeP(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "—"
	}
	return fmtTime(p.Lang, *t, loc)
}

// Pct formats basis points.
func (p *page) Pct(bp any) string {
	switch v := bp.(type) {
	case int64:
		return fmtPercent(p.Lang, v)
	case int:
		return fmtPercent(p.Lang, int64(v))
	}
	return fmtPercent(p.Lang, toInt64(bp))
}

// DayIn formats t's day in loc (the outlet's time zone) as dd/mm/yyyy.
func (p *page) DayIn(t time.Time, loc *time.Location) string { return t.In(loc).Format("02/01/2006") }

// Day formats a calendar day as dd/mm/yyyy.
func (p *page) Day(d report.Date) string { return dmy(d) }

// Event names an audit entry type for people.
func (p *page) Event(typ string) string { return eventLabel(p.Lang, typ) }

// Actor says who made an audit entry: a person, the CMS or the command line.
func (p *page) Actor(e store.AuditEntry) string { return actorLabel(p.Lang, e) }

// Delivery says what a callback delivery error means and what to do, in
// the page's language.
func (p *page) Delivery(lastError string) string { return deliveryAdvice(p.Lang, lastError) }

// Dec2 writes a number with two decimals the way the page's language does:
// "0,67" in Vietnamese, "0.67" in English.
func (p *page) Dec2(f float64) string { return fmtDecimal2(p.Lang, f) }

// Dec names a decision code for people (the code itself when unknown).
func (p *page) Dec(code string) string {
	if _, ok := messages["decision."+code]; ok {
		return tr(p.Lang, "decision."+code)
	}
	return code
}

// Dur formats a duration for people.
func (p *page) Dur(d time.Duration) string { return fmtDuration(p.Lang, d) }

// Other is the language the switch link goes to.
func (p *page) Other() string {
	if p.Lang == langEN {
		return langVI
	}
	return langEN
}

// IsAdmin, CanAct for templates.
func (p *page) IsAdmin() bool { return p.User != nil && p.User.Role == store.RoleAdmin }

func (p *page) CanAct(outlet string) bool { return p.User != nil && canAct(p.User, outlet) }

// IsEditor: the user is an editor (their own pages only).
func (p *page) IsEditor() bool { return p.User != nil && p.User.Role == store.RoleEditor }

// CanPost: the user may check and record posts.
func (p *page) CanPost() bool { return p.User != nil && mayPost(p.User) }

// CanView: the user sees the outlet's review pages.
func (p *page) CanView(outlet string) bool { return p.User != nil && canView(p.User, outlet) }

func toInt64(v any) int64 {
	s := fmt.Sprint(v)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

var templateFuncs = template.FuncMap{
	"join": strings.Join,
	// href is a post's link as an anchor may point to it ("" when it may not).
	"href": posting.Href,
	"add":  func(a, b int) int { return a + b },
	"f1":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"sub":  func(a, b float64) float64 { return a - b },
	"list": func(v ...any) []any { return v },
	"has":  func(list []string, s string) bool { return slices.Contains(list, s) },
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

func parsePages() (map[string]*pageTemplate, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "base" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New("base.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/base.html", "templates/_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// flashKeys are the messages a redirect may ask to show (?ok=…); nothing
// else from the query string is ever shown.
var flashKeys = map[string]bool{
	"approved": true, "rejected": true, "scheduled": true, "unscheduled": true, "relabeled": true,
	"retry": true, "saved": true, "deleted": true, "password": true, "revoked": true,
}

// execute writes page name with data to w: the whole page, or only its
// block when block is not "".
func (c *Console) execute(w io.Writer, g *gin.Context, name, block, titleKey string, data any) error {
	t, ok := c.pages[name]
	if !ok {
		panic("console: no template " + name)
	}
	p := &page{Lang: langOf(g), User: userOf(g), TitleKey: titleKey, Nav: name, Path: g.Request.URL.RequestURI(), Data: data}
	if s := sessionOf(g); s != nil {
		p.CSRF = s.CSRF
	}
	if k := g.Query("ok"); flashKeys[k] {
		p.Flash = tr(p.Lang, "ok."+k)
	}
	if block != "" {
		return t.ExecuteTemplate(w, block, p)
	}
	return t.Execute(w, p)
}

// render writes page name with data.
func (c *Console) render(g *gin.Context, status int, name, titleKey string, data any) {
	var buf bytes.Buffer
	if err := c.execute(&buf, g, name, "", titleKey, data); err != nil {
		c.log.Error("console: render", "page", name, "err", err)
		g.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error"))
		g.Abort()
		return
	}
	g.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

type errorData struct {
	Message string
	Status  int
}

// errorPage renders a message page and stops the chain.
func (c *Console) errorPage(g *gin.Context, status int, key string, args ...any) {
	c.render(g, status, "error", "err.title", errorData{Message: tr(langOf(g), key, args...), Status: status})
	g.Abort()
}

func itoa(n int) string { return strconv.Itoa(n) }
