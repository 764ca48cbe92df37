package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatekeeper/internal/store"
)

// TestAccountChangesAudited: every account change, for every role, is in
// the accounts log (and in the log of each outlet it touches), readable by
// admins and auditors, never by managers, and never with a password in it.
func TestAccountChangesAudited(t *testing.T) { eachStore(t, testAccountChangesAudited) }

func testAccountChangesAudited(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	c, csrf := e.session("admin")
	steps := []struct {
		path string
		form url.Values
	}{
		{"/console/admin/users", url.Values{"username": {"Tuan"}, "role": {"auditor"}, "password": {"mat-khau-rat-dai-1"}}},
		{"/console/admin/users/tuan", url.Values{"role": {"admin"}}},
		{"/console/admin/users/tuan", url.Values{"role": {"manager"}, "outlets": {e.a.ID}}},
		{"/console/admin/users/tuan/password", url.Values{}},
		{"/console/admin/users/tuan/delete", url.Values{}},
	}
	for _, s := range steps {
		s.form.Set("csrf", csrf)
		if st, _, body := e.post(c, s.path, s.form); st >= 400 {
			t.Fatalf("%s: %d %s", s.path, st, textOf(body))
		}
	}
	if st, _, _ := e.post(c, "/console/account", url.Values{"csrf": {csrf}, "current": {testPassword}, "new": {"mat-khau-moi-cua-admin"}}); st != http.StatusSeeOther {
		t.Fatalf("own password: %d", st)
	}
	es, err := e.st.ListAudit(e.ctx, AccountsLog, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(es) - 1; i >= 0; i-- {
		x := es[i]
		got = append(got, x.Type)
		if x.Actor != "admin" {
			t.Errorf("%s by %q", x.Type, x.Actor)
		}
		if strings.Contains(string(x.Detail), "mat-khau") || strings.Contains(string(x.Detail), "argon2") {
			t.Errorf("%s detail holds a password: %s", x.Type, x.Detail)
		}
	}
	if strings.Join(got, ",") != "user_add,user_update,user_update,user_password_reset,user_remove,password_change" {
		t.Fatalf("accounts log %v", got)
	}
	if !strings.Contains(string(es[3].Detail), `"role_before":"admin"`) || !strings.Contains(string(es[3].Detail), `"role":"manager"`) {
		t.Errorf("role change detail %s", es[3].Detail)
	}
	// The outlet the user was given sees the change too.
	if xs, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "user_update"}); len(xs) != 1 {
		t.Errorf("outlet A's log has %d user updates, want 1", len(xs))
	}
	// Auditors read it; managers do not.
	ac, _ := e.session("kiemtra")
	if st, _, body := e.get(ac, "/console/audit?outlet="+AccountsLog); st != 200 || !strings.Contains(body, "Đặt lại mật khẩu") || strings.Contains(textOf(body), "user_password_reset") || !strings.Contains(body, "Tài khoản tuan: vai trò kiểm tra → quản trị.") || !strings.Contains(body, "Tài khoản người dùng") {
		t.Fatalf("auditor on the accounts log: %d %s", st, textOf(body))
	}
	mc, _ := e.session("lan")
	if st, _, _ := e.get(mc, "/console/audit?outlet="+AccountsLog); st != http.StatusForbidden {
		t.Fatalf("manager on the accounts log: %d", st)
	}
	if _, _, body := e.get(mc, "/console/audit"); strings.Contains(body, "tuan") || strings.Contains(body, "Tài khoản người dùng") {
		t.Fatal("a manager sees the accounts log")
	}
}
