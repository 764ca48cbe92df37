package console

import (
	"bytes"
	"gatekeeper/internal/clock"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatekeeper/internal/store"
)

// A user sets where and how notices reach them; a bad address or choice is
// explained and changes nothing.
func TestAccountNotices(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	c, csrf := e.session("mai")
	status, loc, _ := e.post(c, "/console/account/notices", url.Values{"csrf": {csrf}, "email": {"mai@dakglei.example.vn"}, "notices": {"digest"}})
	if status != http.StatusSeeOther || loc != "/console/account?ok=saved" {
		t.Fatalf("save: %d %s", status, loc)
	}
	u, err := e.st.GetUser(e.ctx, "mai")
	if err != nil || u.Email != "mai@dakglei.example.vn" || u.Notices != store.NoticesDigest {
		t.Fatalf("user after save: %+v %v", u, err)
	}
	_, _, body := e.get(c, "/console/account")
	if !strings.Contains(body, `value="mai@dakglei.example.vn"`) || !strings.Contains(body, `<option value="digest" selected>`) {
		t.Errorf("the account page does not show the settings")
	}
	for _, bad := range []url.Values{
		{"email": {"Mai <mai@example.vn>"}, "notices": {"immediate"}},
		{"email": {"không phải thư"}, "notices": {"immediate"}},
		{"email": {"mai@example.vn"}, "notices": {"hourly"}},
	} {
		bad.Set("csrf", csrf)
		status, _, body := e.post(e.withLang(c, "vi"), "/console/account/notices", bad)
		if status != http.StatusBadRequest || !strings.Contains(textOf(body), "Địa chỉ thư hoặc cách nhận không hợp lệ") {
			t.Errorf("%v: %d", bad, status)
		}
	}
	if u2, _ := e.st.GetUser(e.ctx, "mai"); u2.Email != u.Email || u2.Notices != u.Notices {
		t.Errorf("a refused form changed the user: %+v", u2)
	}
	entries, err := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "user_notices"})
	if err != nil || len(entries) != 1 {
		t.Errorf("audit of the change: %d entries, %v", len(entries), err)
	}
}

func TestUserCommandNotices(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	var out, errOut bytes.Buffer
	run := func(args ...string) error {
		out.Reset()
		errOut.Reset()
		return UserCommand(e.ctx, args, e.st, clock.Real(), strings.NewReader("mat-khau-du-dai-1\n"), &out, &errOut)
	}
	if err := run("add", "thu", "--role", "manager", "--outlets", e.a.ID, "--email", "thu@example.vn", "--notices", "digest", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	u, _ := e.st.GetUser(e.ctx, "thu")
	if u.Email != "thu@example.vn" || u.Notices != store.NoticesDigest {
		t.Errorf("added user %+v", u)
	}
	if err := run("notices", "thu", "--email", "", "--notices", "off"); err != nil {
		t.Fatal(err)
	}
	if u, _ = e.st.GetUser(e.ctx, "thu"); u.Email != "" || u.Notices != store.NoticesOff {
		t.Errorf("after notices: %+v", u)
	}
	if err := run("notices", "thu", "--email", "thu@example.vn", "--notices", "weekly"); err == nil || !strings.Contains(err.Error(), "immediate, digest") {
		t.Errorf("a bad mode: %v", err)
	}
	if err := run("list"); err != nil || !strings.Contains(out.String(), "NOTICES") {
		t.Errorf("list: %v %s", err, out.String())
	}
}
