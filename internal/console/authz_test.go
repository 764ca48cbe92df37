package console

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/store"
)

// access is who may use a route.
type access int

const (
	public    access = iota // anyone, signed in or not
	anyUser                 // any signed-in user
	viewOf                  // admins, auditors, managers of the outlet
	actOn                   // admins, managers of the outlet
	adminOnly               // admins
	reviewer                // any signed-in user but editors
	poster                  // admins, managers, editors (the outlet is checked per form)
	holdView                // viewOf, and the editor who recorded the held post
)

// routeAccess classifies every console route. A route missing here fails
// the test, so a new route cannot ship without its row.
var routeAccess = map[string]access{
	"GET /console/static/*file":                               public,
	"GET /console/login":                                      public,
	"POST /console/login":                                     public,
	"GET /console/lang/:lang":                                 public,
	"GET /console":                                            anyUser,
	"GET /console/":                                           anyUser,
	"POST /console/logout":                                    anyUser,
	"GET /console/account":                                    anyUser,
	"POST /console/account":                                   anyUser,
	"POST /console/account/notices":                           anyUser,
	"GET /console/holds":                                      reviewer,
	"GET /console/overview":                                   reviewer,
	"GET /console/audit":                                      reviewer,
	"GET /console/export":                                     reviewer,
	"GET /console/export.csv":                                 reviewer,
	"GET /console/reports":                                    reviewer,
	"GET /console/reports/download/:format":                   reviewer,
	"GET /console/outlets/:outlet":                            viewOf,
	"GET /console/outlets/:outlet/holds/:hold":                holdView,
	"GET /console/check":                                      poster,
	"POST /console/check":                                     poster,
	"POST /console/check/record":                              poster,
	"GET /console/mine":                                       poster,
	"GET /console/import":                                     poster,
	"POST /console/import":                                    poster,
	"POST /console/import/apply":                              poster,
	"POST /console/outlets/:outlet/holds/:hold/approve":       actOn,
	"POST /console/outlets/:outlet/holds/:hold/reject":        actOn,
	"POST /console/outlets/:outlet/holds/:hold/relabel":       actOn,
	"POST /console/outlets/:outlet/holds/:hold/unschedule":    actOn,
	"POST /console/outlets/:outlet/callbacks/:callback/retry": actOn,
	"GET /console/admin/outlets":                              adminOnly,
	"POST /console/admin/outlets":                             adminOnly,
	"GET /console/admin/outlets/:outlet":                      adminOnly,
	"POST /console/admin/outlets/:outlet":                     adminOnly,
	"POST /console/admin/outlets/:outlet/rotate":              adminOnly,
	"POST /console/admin/outlets/:outlet/revoke-secrets":      adminOnly,
	"GET /console/admin/users":                                adminOnly,
	"POST /console/admin/users":                               adminOnly,
	"POST /console/admin/users/:user":                         adminOnly,
	"POST /console/admin/users/:user/password":                adminOnly,
	"POST /console/admin/users/:user/delete":                  adminOnly,
}

type matrixCase struct {
	method, route, path string
	role                string // "" anonymous, else username
	allowed             bool
}

// TestAuthorizationMatrix tries every console route as every role (and, for
// outlet routes, on the manager's own outlet and another one) and checks who
// is let through. Refused requests run first, and must change nothing.
func TestAuthorizationMatrix(t *testing.T) { eachStore(t, testAuthorizationMatrix) }

func testAuthorizationMatrix(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	now := e.now
	holds := map[string]string{
		e.a.ID: e.hold(e.a, "101", "Tai nạn giao thông trên quốc lộ 14", "<p>Nội dung</p>", now.Add(-2*time.Hour), "tai nạn"),
		e.b.ID: e.hold(e.b, "201", "Cháy rừng ở Kon Plông", "<p>Nội dung</p>", now.Add(-time.Hour), "cháy rừng"),
	}
	// One callback per outlet, failed, for "retry now".
	cbs := map[string]string{}
	for _, o := range []store.Outlet{e.a, e.b} {
		cb := store.Callback{ID: "msg_" + o.ID, Outlet: o.ID, Type: "hold.approved", Payload: []byte(`{}`),
			Status: store.CallbackPending, CreatedAt: now, NextAttempt: now}
		h := holds[o.ID]
		// Queue it the only way the interface allows: with a resolution of a
		// second hold.
		h2 := e.hold(o, "cb-"+o.ID, "Bài phụ", "", now.Add(-time.Minute))
		if _, err := e.st.Resolve(e.ctx, store.Resolution{Outlet: o.ID, HoldID: h2, Approve: false, Reviewer: "admin", Note: "x",
			Now: now, Window: o.Window(), Day: store.DayKey(now, o.Location()), Callback: &cb}); err != nil {
			t.Fatalf("resolve: %v", err)
		}
		cbs[o.ID] = cb.ID
		_ = h
	}

	r := gin.New()
	e.con.Register(r)
	roles := []string{"", "admin", "mai", "kiemtra", "bientap"} // mai manages A only; bientap is A's editor
	var cases []matrixCase
	seen := map[string]bool{}
	for _, rt := range r.Routes() {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		acc, ok := routeAccess[key]
		if !ok {
			t.Errorf("route %s has no row in routeAccess", key)
			continue
		}
		outlets := []string{""}
		if strings.Contains(rt.Path, ":outlet") {
			outlets = []string{e.a.ID, e.b.ID}
		}
		for _, o := range outlets {
			path := rt.Path
			path = strings.ReplaceAll(path, ":outlet", o)
			path = strings.ReplaceAll(path, ":hold", holds[o])
			path = strings.ReplaceAll(path, ":callback", cbs[o])
			path = strings.ReplaceAll(path, ":user", "victim")
			path = strings.ReplaceAll(path, ":lang", "en")
			path = strings.ReplaceAll(path, "*file", "app.css")
			path = strings.ReplaceAll(path, ":format", "csv")
			if strings.HasSuffix(path, "export.csv") {
				path += "?from=2026-01-01&to=2026-12-31"
			}
			for _, role := range roles {
				var allowed bool
				switch acc {
				case public:
					allowed = true
				case anyUser:
					allowed = role != ""
				case viewOf:
					allowed = role == "admin" || role == "kiemtra" || (role == "mai" && o == e.a.ID)
				case actOn:
					allowed = role == "admin" || (role == "mai" && o == e.a.ID)
				case adminOnly:
					allowed = role == "admin"
				case reviewer:
					allowed = role != "" && role != "bientap"
				case poster:
					allowed = role == "admin" || role == "mai" || role == "bientap"
				case holdView: // the matrix's holds came from a CMS: no editor recorded them
					allowed = role == "admin" || role == "kiemtra" || (role == "mai" && o == e.a.ID)
				}
				cases = append(cases, matrixCase{rt.Method, key, path, role, allowed})
			}
		}
	}
	for key := range routeAccess {
		if !seen[key] {
			t.Errorf("routeAccess lists %s, which is not registered", key)
		}
	}
	// Refused first; the sign-in routes last (a successful one is harmless
	// but keep failures from throttling others).
	sort.SliceStable(cases, func(i, j int) bool { return !cases[i].allowed && cases[j].allowed })

	form := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "note": {"ghi chú kiểm tra"}, "when": {"now"}, "tone": {"negative"},
			"role": {"manager"}, "outlets": {e.a.ID}, "name": {"Tên"}, "limit": {"15"}, "warn_at": {"12"},
			"window_days": {"30"}, "timezone": {"Asia/Ho_Chi_Minh"}, "id": {"moi"}, "username": {"nguoimoi"},
			"current": {"sai"}, "new": {"ngan"}, "min_sample": {"7"}, "sensational": {"hold"}, "mode": {"shadow"},
			"cat_name": {"Pháp luật"}, "cat_tone": {"negative"}, "callback_url": {"https://moi.example.vn/cb"},
			"outlet": {e.a.ID}, "title": {"Khánh thành cầu mới"}, "link": {"https://facebook.com/dakglei/posts/1"}}
	}
	checkedInvariants := false
	for _, c := range cases {
		if c.allowed && !checkedInvariants {
			checkedInvariants = true
			assertUnchanged(t, e, holds)
		}
		client, csrf := anonymous(), ""
		if c.role != "" {
			client, csrf = e.session(c.role)
		}
		var resp *http.Response
		var err error
		if c.method == http.MethodGet {
			resp, err = client.Get(e.srv.URL + c.path)
		} else {
			resp, err = client.PostForm(e.srv.URL+c.path, form(csrf))
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, loc, body := resp.StatusCode, resp.Header.Get("Location"), string(b)
		name := c.method + " " + c.path + " as " + orAnon(c.role)
		// Every answer, allowed or refused, may not be framed or cached
		// (static files aside, which hold nothing private).
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: may be framed (CSP %q)", name, csp)
		}
		if cc := resp.Header.Get("Cache-Control"); c.route != "GET /console/static/*file" && cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, cc)
		}
		toLogin := status == http.StatusSeeOther && strings.HasPrefix(loc, "/console/login")
		switch {
		case c.allowed && c.route == "POST /console/login":
			// Reachable by anyone; empty credentials are a 401 page.
			if status != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401 for empty credentials", name, status)
			}
		case c.allowed && (status == http.StatusForbidden || status == http.StatusUnauthorized || (toLogin && c.route != "POST /console/logout")):
			t.Errorf("%s: refused (%d %s), want allowed: %.200s", name, status, loc, textOf(body))
		case !c.allowed && c.role == "" && !toLogin:
			t.Errorf("%s: %d %s, want a redirect to sign in", name, status, loc)
		case !c.allowed && c.role != "" && status != http.StatusForbidden:
			t.Errorf("%s: %d, want 403", name, status)
		}
		if c.allowed && c.route == "POST /console/admin/outlets/:outlet" && status != http.StatusSeeOther {
			t.Errorf("%s: %d, want the policy saved (303): %.300s", name, status, textOf(body))
		}
		if status >= 500 {
			t.Errorf("%s: %d: %.300s", name, status, textOf(body))
		}
	}
}

func orAnon(s string) string {
	if s == "" {
		return "anonymous"
	}
	return s
}

// assertUnchanged checks that the refused requests changed nothing.
func assertUnchanged(t *testing.T, e *env, holds map[string]string) {
	t.Helper()
	for o, id := range holds {
		h, err := e.st.GetHold(e.ctx, o, id)
		if err != nil || h.Status != store.HoldPending {
			t.Errorf("hold %s/%s is %v (%v) after refused requests, want pending", o, id, h.Status, err)
		}
		if sa, _ := e.st.ListScheduledApprovals(e.ctx, o); len(sa) != 0 {
			t.Errorf("refused requests scheduled approvals: %+v", sa)
		}
		es, _ := e.st.ListAudit(e.ctx, o, store.AuditFilter{Type: "relabel"})
		if len(es) != 0 {
			t.Errorf("refused requests relabelled: %+v", es)
		}
	}
	for _, o := range []store.Outlet{e.a, e.b} {
		if es, _ := e.st.ListAudit(e.ctx, o.ID, store.AuditFilter{Type: recordedType}); len(es) != 0 {
			t.Errorf("refused requests recorded posts in %s: %+v", o.ID, es)
		}
		if es, _ := e.st.ListAudit(e.ctx, o.ID, store.AuditFilter{Type: "check"}); len(es) != 0 {
			t.Errorf("refused requests counted posts in %s: %+v", o.ID, es)
		}
	}
	if u, err := e.st.GetUser(e.ctx, "victim"); err != nil || u.Role != store.RoleManager || u.PasswordHash != testHash(t) {
		t.Errorf("user victim changed by refused requests: %+v, %v", u, err)
	}
	if _, err := e.st.GetUser(e.ctx, "nguoimoi"); err == nil {
		t.Error("a refused request created a user")
	}
	if _, err := e.st.GetOutlet(e.ctx, "moi"); err == nil {
		t.Error("a refused request created an outlet")
	}
	for _, want := range []store.Outlet{e.a, e.b} {
		o, _ := e.st.GetOutlet(e.ctx, want.ID)
		if o.Name != want.Name || len(o.Secrets) != 1 || o.Rules != want.Rules || len(o.CategoryTones) != 0 ||
			o.CallbackURL != want.CallbackURL || o.WindowDays != want.WindowDays {
			t.Errorf("outlet changed by refused requests: %+v", o)
		}
		if es, _ := e.st.ListAudit(e.ctx, want.ID, store.AuditFilter{Type: "outlet_update"}); len(es) != 0 {
			t.Errorf("refused requests updated outlet %s: %+v", want.ID, es)
		}
	}
}
