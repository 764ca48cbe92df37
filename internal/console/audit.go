package console

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
)

// decisionTypes are the audit entry types that are decisions on posts.
var decisionTypes = map[string]bool{
	"check": true, "hold": true, "approve": true, "reject": true, "relabel": true,
	"withdraw": true, "sync": true, "break_glass": true, "approve_scheduled": true,
}

type auditRow struct {
	store.AuditEntry
	OutletName string
	Loc        *time.Location
	Event      string // the type, for a person
	ActorName  string // a person, "CMS" or the command line
	DetailText string // the detail as sentences
	Title      string // the post's title, when it was held once
	URL        string // the post's link, likewise
	Tone       string // the tone the entry records
}

type typeOption struct{ Value, Label string }

type auditData struct {
	Outlets []store.Outlet
	Outlet  string
	Type    string
	Post    string
	From    string
	To      string
	Types   []typeOption
	Rows    []auditRow
}

// parseDay reads a day as people write it here, 27/11/2026 (or 27-11-2026,
// 27.11.2026), or as a date input sends it, 2026-11-27, in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2/1/2006", "2-1-2006", "2.1.2006", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("day %q: want dd/mm/yyyy", s)
}

// dateRange reads from/to (inclusive days in loc) as [since, until) for
// store.AuditFilter. Missing bounds are open.
func dateRange(from, to string, loc *time.Location) (since, until time.Time, err error) {
	if from != "" {
		t, err := parseDay(from, loc)
		if err != nil {
			return since, until, fmt.Errorf("from")
		}
		since = t
	}
	if to != "" {
		t, err := parseDay(to, loc)
		if err != nil {
			return since, until, fmt.Errorf("to")
		}
		until = t.AddDate(0, 0, 1) // exclusive
	}
	return since, until, nil
}

// fileDay writes a typed day as yyyy-mm-dd for a file name (loc does not
// matter: only the calendar day is kept).
func fileDay(s string) string {
	t, err := parseDay(s, time.UTC)
	if err != nil {
		return "x"
	}
	return t.Format("2006-01-02")
}

// auditEntries lists the entries of the chosen visible outlets, newest
// first, in words of lang.
func (c *Console) auditEntries(g *gin.Context, lang string, outlets []store.Outlet, outlet string, f store.AuditFilter, from, to string) ([]auditRow, error) {
	var rows []auditRow
	for _, o := range outlets {
		if outlet != "" && o.ID != outlet {
			continue
		}
		since, until, err := dateRange(from, to, o.Location())
		if err != nil {
			return nil, err
		}
		f.Since, f.Until = since, until
		es, err := c.st.ListAudit(ctx(g), o.ID, f)
		if err != nil {
			return nil, err
		}
		var posts map[string]postInfo
		for _, e := range es {
			r := auditRow{AuditEntry: e, OutletName: o.Name, Loc: o.Location(), Event: eventLabel(lang, e.Type),
				ActorName: actorLabel(lang, e), DetailText: auditSentence(lang, e, o.Location()), Tone: entryTone(lang, e)}
			if e.PostID != "" && o.ID != AccountsLog {
				if posts == nil {
					posts = c.postInfos(ctx(g), o.ID)
				}
				r.Title, r.URL = posts[e.PostID].Title, posts[e.PostID].URL
			}
			rows = append(rows, r)
		}
	}
	// Newest first; the id breaks ties within an outlet.
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].At.Equal(rows[j].At) {
			return rows[i].At.After(rows[j].At)
		}
		return rows[i].Outlet == rows[j].Outlet && rows[i].ID > rows[j].ID
	})
	return rows, nil
}

func compactDetail(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return ""
	}
	s := buf.String()
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

// accountsLogOutlet stands for the accounts log in the audit page's lists.
func accountsLogOutlet(lang string) store.Outlet {
	return store.Outlet{ID: AccountsLog, Name: tr(lang, "audit.accounts"), Timezone: store.DefaultTimezone}
}

// seesAccounts: admins and auditors read the accounts log.
func seesAccounts(u *store.User) bool {
	return u.Role == store.RoleAdmin || u.Role == store.RoleAuditor
}

func (c *Console) auditPage(g *gin.Context) {
	outlets, err := c.visibleOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	if seesAccounts(userOf(g)) {
		outlets = append(outlets, accountsLogOutlet(langOf(g)))
	}
	d := auditData{Outlets: outlets, Outlet: g.Query("outlet"), Type: g.Query("type"), Post: strings.TrimSpace(g.Query("post")),
		From: g.Query("from"), To: g.Query("to")}
	if d.Outlet != "" && !canView(userOf(g), d.Outlet) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	for _, t := range auditTypes {
		d.Types = append(d.Types, typeOption{Value: t, Label: eventLabel(langOf(g), t)})
	}
	rows, err := c.auditEntries(g, langOf(g), outlets, d.Outlet, store.AuditFilter{Type: d.Type, PostID: d.Post, Limit: 200}, d.From, d.To)
	if err != nil {
		if err.Error() == "from" || err.Error() == "to" {
			c.errorPage(g, http.StatusBadRequest, "err.date", tr(langOf(g), "filter."+err.Error()))
			return
		}
		c.storeErr(g, err)
		return
	}
	if len(rows) > 200 {
		rows = rows[:200]
	}
	d.Rows = rows
	c.render(g, http.StatusOK, "audit", "audit.title", d)
}

type exportData struct {
	Outlets []store.Outlet
	From    string
	To      string
}

func (c *Console) exportPage(g *gin.Context) {
	outlets, err := c.visibleOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	now := c.now().In(defaultLoc)
	c.render(g, http.StatusOK, "export", "export.title", exportData{Outlets: outlets,
		From: now.AddDate(0, 0, -30).Format("02/01/2006"), To: now.Format("02/01/2006")})
}

// exportCSV writes the decisions of a date range as CSV (UTF-8 with BOM).
func (c *Console) exportCSV(g *gin.Context) {
	outlets, err := c.visibleOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	outlet, from, to := g.Query("outlet"), g.Query("from"), g.Query("to")
	if outlet != "" && !canView(userOf(g), outlet) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	if from == "" || to == "" {
		c.errorPage(g, http.StatusBadRequest, "err.date", tr(langOf(g), "filter.from")+" / "+tr(langOf(g), "filter.to"))
		return
	}
	lang := langOf(g)
	if l := g.Query("lang"); l == langEN || l == langVI {
		lang = l // a report in the other language, on request
	}
	rows, err := c.auditEntries(g, lang, outlets, outlet, store.AuditFilter{Limit: c.cfg.ExportLimit}, from, to)
	if err != nil {
		if err.Error() == "from" || err.Error() == "to" {
			c.errorPage(g, http.StatusBadRequest, "err.date", tr(langOf(g), "filter."+err.Error()))
			return
		}
		c.storeErr(g, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	head := []string{"Thời gian", "Thời gian (UTC)", "Đơn vị", "Sự kiện", "Mã bài", "Tiêu đề", "Sắc thái", "Đường dẫn",
		"Mã tin giữ", "Quyết định", "Người thực hiện", "Ghi chú", "Chi tiết"}
	if lang == langEN {
		head = []string{"Time", "Time (UTC)", "Outlet", "Event", "Post id", "Title", "Tone", "Link",
			"Hold id", "Decision", "Actor", "Note", "Detail"}
	}
	_ = w.Write(head)
	// Newest first, like every list in the console.
	for _, e := range rows {
		if !decisionTypes[e.Type] && e.Decision == "" {
			continue
		}
		var det map[string]any
		_ = json.Unmarshal(e.Detail, &det)
		note, _ := det["note"].(string)
		decision := e.Decision
		if _, ok := messages["decision."+decision]; ok {
			decision = tr(lang, "decision."+decision)
		}
		_ = w.Write([]string{
			fmtTime(lang, e.At, e.Loc), e.At.UTC().Format(time.RFC3339),
			report.CSVSafe(e.OutletName), report.CSVSafe(e.Event), report.CSVSafe(e.PostID), report.CSVSafe(e.Title), report.CSVSafe(e.Tone), report.CSVSafe(e.URL),
			report.CSVSafe(e.HoldID), report.CSVSafe(decision), report.CSVSafe(e.ActorName), report.CSVSafe(note), report.CSVSafe(e.DetailText),
		})
	}
	w.Flush()
	name := "gatekeeper-" + fileDay(from) + "-" + fileDay(to)
	if outlet != "" {
		name = "gatekeeper-" + outlet + "-" + fileDay(from) + "-" + fileDay(to)
	}
	g.Header("Content-Disposition", `attachment; filename="`+sanitizeFilename(name)+`.csv"`)
	g.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func sanitizeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
