package console

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
)

func TestRelabel(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	id := e.hold(e.a, "5", "Hội thi tìm hiểu pháp luật", "", e.now.Add(-time.Hour), "pháp luật")
	c, csrf := e.session("mai")
	path := "/console/outlets/" + e.a.ID + "/holds/" + id + "/relabel"
	if st, _, _ := e.post(c, path, url.Values{"csrf": {csrf}, "tone": {"not_negative"}}); st != http.StatusBadRequest {
		t.Fatalf("relabel without note: %d", st)
	}
	if st, _, _ := e.post(c, path, url.Values{"csrf": {csrf}, "tone": {"not_negative"}, "note": {"Tin tuyên truyền, không tiêu cực"}}); st != http.StatusSeeOther {
		t.Fatalf("relabel: %d", st)
	}
	h, _ := e.st.GetHold(e.ctx, e.a.ID, id)
	if h.Negative {
		t.Fatal("hold still negative after relabel")
	}
	es, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "relabel"})
	if len(es) != 1 || es[0].Actor != "mai" {
		t.Fatalf("relabel audit: %+v", es)
	}
	if _, _, body := e.get(c, "/console/outlets/"+e.a.ID+"/holds/"+id); !strings.Contains(body, `<option value="neutral" selected>`) {
		t.Fatal("hold page does not show the new tone")
	}
	// Positive: approved, it counts as positive.
	if st, _, _ := e.post(c, path, url.Values{"csrf": {csrf}, "tone": {"positive"}, "note": {"Hội thi tuyên truyền pháp luật: tin tích cực"}}); st != http.StatusSeeOther {
		t.Fatalf("relabel positive: %d", st)
	}
	if h, _ := e.st.GetHold(e.ctx, e.a.ID, id); h.Negative || !h.Positive {
		t.Fatalf("hold after relabel positive: %+v", h)
	}
	if _, _, body := e.get(c, "/console/outlets/"+e.a.ID+"/holds/"+id); !strings.Contains(body, `<option value="positive" selected>`) {
		t.Fatal("hold page does not show the positive tone")
	}
	if st, _, _ := e.post(c, path, url.Values{"csrf": {csrf}, "tone": {"good"}, "note": {"x"}}); st != http.StatusBadRequest {
		t.Fatalf("relabel with an unknown tone: %d", st)
	}
}

var codeRE = regexp.MustCompile(`<code id="(?:secret|password)">([^<]+)</code>`)

// shown returns the secret or password a page shows once (unescaped).
func shown(body string) []string {
	m := codeRE.FindStringSubmatch(body)
	if m != nil {
		m[1] = html.UnescapeString(m[1])
	}
	return m
}

func TestAdminOutletsAndUsers(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	c, csrf := e.session("admin")
	// A new outlet: its secret is shown once, and works.
	form := url.Values{"csrf": {csrf}, "id": {"sathay"}, "name": {"Trang tin huyện Sa Thầy"}, "timezone": {"Asia/Ho_Chi_Minh"},
		"limit": {"15,5"}, "warn_at": {"12"}, "window_days": {"30"}, "min_sample": {"20"},
		"callback_url": {"https://sathay.example.vn/wp-json/gatekeeper/v1/callback"}}
	st, _, body := e.post(c, "/console/admin/outlets", form)
	m := shown(body)
	if st != 200 || m == nil {
		t.Fatalf("create outlet: %d %s", st, textOf(body))
	}
	o, err := e.st.GetOutlet(e.ctx, "sathay")
	if err != nil || o.Rules.Limit != 1550 || o.Rules.MinSample != 20 || len(o.Secrets) != 1 || o.Secrets[0].Value != m[1] {
		t.Fatalf("outlet %+v %v", o, err)
	}
	if _, err := webhook.DecodeSecret(m[1]); err != nil {
		t.Fatalf("secret shown: %v", err)
	}
	// Never shown again.
	for _, p := range []string{"/console/admin/outlets", "/console/admin/outlets/sathay"} {
		if _, _, body := e.get(c, p); strings.Contains(html.UnescapeString(body), m[1]) {
			t.Fatalf("%s shows the secret", p)
		}
	}
	// Bad input is refused with the field named.
	bad := url.Values{"csrf": {csrf}, "id": {"x2"}, "name": {"X"}, "limit": {"150"}, "warn_at": {"12"}, "window_days": {"30"}}
	if st, _, body := e.post(c, "/console/admin/outlets", bad); st != http.StatusBadRequest || !strings.Contains(body, "limit") {
		t.Fatalf("limit 150%%: %d", st)
	}
	bad.Set("limit", "15")
	bad.Set("callback_url", "file:///etc/passwd")
	if st, _, _ := e.post(c, "/console/admin/outlets", bad); st != http.StatusBadRequest {
		t.Fatalf("file: callback URL: %d", st)
	}
	// Rotation: a new current secret, the old one kept with an expiry.
	st, _, body = e.post(c, "/console/admin/outlets/sathay/rotate", url.Values{"csrf": {csrf}})
	m2 := shown(body)
	if st != 200 || m2 == nil || m2[1] == m[1] {
		t.Fatalf("rotate: %d", st)
	}
	o, _ = e.st.GetOutlet(e.ctx, "sathay")
	if len(o.Secrets) != 2 || o.Secrets[0].Value != m2[1] || o.Secrets[1].Value != m[1] || o.Secrets[1].ExpiresAt == nil {
		t.Fatalf("secrets after rotation: %+v", o.Secrets)
	}
	es, _ := e.st.ListAudit(e.ctx, "sathay", store.AuditFilter{})
	var types []string
	for _, x := range es {
		types = append(types, x.Type)
		if bytes.Contains(x.Detail, []byte(m[1])) || bytes.Contains(x.Detail, []byte(m2[1])) {
			t.Fatal("a secret is in the audit log")
		}
	}
	if strings.Join(types, ",") != "secret_rotate,outlet_add" {
		t.Fatalf("audit %v", types)
	}

	// A user with a generated password, shown once, that signs in.
	st, _, body = e.post(c, "/console/admin/users", url.Values{"csrf": {csrf}, "username": {"Hoa"}, "role": {"manager"}, "outlets": {"sathay", "nope"}})
	pw := shown(body)
	if st != 200 || pw == nil {
		t.Fatalf("create user: %d %s", st, textOf(body))
	}
	u, err := e.st.GetUser(e.ctx, "hoa")
	if err != nil || u.Role != store.RoleManager || strings.Join(u.Outlets, ",") != "sathay" || !VerifyPassword(u.PasswordHash, pw[1]) {
		t.Fatalf("user %+v %v", u, err)
	}
	if st, _, _ := e.post(anonymous(), "/console/login", url.Values{"username": {"hoa"}, "password": {pw[1]}}); st != http.StatusSeeOther {
		t.Fatalf("sign in with the generated password: %d", st)
	}
	// Role change takes effect at once; a password reset ends sessions.
	hc, _ := e.session("hoa")
	if st, _, _ := e.get(hc, "/console/outlets/sathay"); st != 200 {
		t.Fatalf("hoa on her outlet: %d", st)
	}
	e.post(c, "/console/admin/users/hoa", url.Values{"csrf": {csrf}, "role": {"manager"}})
	if st, _, _ := e.get(hc, "/console/outlets/sathay"); st != http.StatusForbidden {
		t.Fatalf("hoa after losing the outlet: %d", st)
	}
	// An editor of the outlet: their own pages only, and the outlet kept.
	if st, _, _ := e.post(c, "/console/admin/users/hoa", url.Values{"csrf": {csrf}, "role": {"editor"}, "outlets": {"sathay"}}); st != http.StatusSeeOther {
		t.Fatalf("make hoa an editor: %d", st)
	}
	if u, _ := e.st.GetUser(e.ctx, "hoa"); u.Role != store.RoleEditor || strings.Join(u.Outlets, ",") != "sathay" {
		t.Fatalf("hoa as editor: %+v", u)
	}
	if st, _, _ := e.get(hc, "/console/outlets/sathay"); st != http.StatusForbidden {
		t.Fatalf("an editor on the outlet's dashboard: %d", st)
	}
	if st, _, body := e.get(hc, "/console/check"); st != 200 || !strings.Contains(body, `value="sathay"`) {
		t.Fatalf("an editor's check page: %d", st)
	}
	if _, _, body := e.get(c, "/console/admin/users"); !strings.Contains(body, `<option value="editor" selected>`) {
		t.Fatalf("the users page does not show hoa as an editor")
	}
	e.post(c, "/console/admin/users/hoa/password", url.Values{"csrf": {csrf}})
	if st, loc, _ := e.get(hc, "/console/holds"); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/login") {
		t.Fatalf("session after a password reset: %d %s", st, loc)
	}
	// The last admin stays; nobody deletes themselves.
	if st, _, body := e.post(c, "/console/admin/users/admin", url.Values{"csrf": {csrf}, "role": {"auditor"}}); st != http.StatusConflict || !strings.Contains(body, "ít nhất một quản trị viên") {
		t.Fatalf("demoting the last admin: %d", st)
	}
	if st, _, _ := e.post(c, "/console/admin/users/admin/delete", url.Values{"csrf": {csrf}}); st != http.StatusConflict {
		t.Fatalf("deleting oneself: %d", st)
	}
	if st, _, _ := e.post(c, "/console/admin/users/hoa/delete", url.Values{"csrf": {csrf}}); st != http.StatusSeeOther {
		t.Fatalf("delete: %d", st)
	}
	if _, err := e.st.GetUser(e.ctx, "hoa"); err == nil {
		t.Fatal("user not deleted")
	}
}

func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	c, csrf := e.session("mai")
	other, _ := e.session("mai")
	if st, _, _ := e.post(c, "/console/account", url.Values{"csrf": {csrf}, "current": {"sai"}, "new": {"mat-khau-moi-dai-hon"}}); st != http.StatusBadRequest {
		t.Fatalf("wrong current password: %d", st)
	}
	if st, _, _ := e.post(c, "/console/account", url.Values{"csrf": {csrf}, "current": {testPassword}, "new": {"ngan"}}); st != http.StatusBadRequest {
		t.Fatalf("short new password: %d", st)
	}
	if st, loc, _ := e.post(c, "/console/account", url.Values{"csrf": {csrf}, "current": {testPassword}, "new": {"mat-khau-moi-dai-hon"}}); st != http.StatusSeeOther {
		t.Fatalf("change: %d %s", st, loc)
	}
	// This browser stays signed in; the other session ended.
	if st, _, _ := e.get(c, "/console/holds"); st != 200 {
		t.Fatalf("own session after change: %d", st)
	}
	if st, _, _ := e.get(other, "/console/holds"); st != http.StatusSeeOther {
		t.Fatalf("other session after change: %d", st)
	}
}
