package console

import (
	"net/http"
	"strings"
	"testing"

	"gatekeeper/internal/store"
)

// TestOutletKindInTheForm: an admin makes an outlet a social page (its
// platform and page address stored and shown back, the overview and the
// outlet list marking it); a social page without a platform or with a
// hostile address is refused at those fields, changing nothing; back to a
// website drops them.
func TestOutletKindInTheForm(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	c, csrf := e.session("admin")
	path := "/console/admin/outlets/" + e.a.ID
	f := policyForm(csrf)
	f.Set("kind", "social")
	f.Set("platform", "zalo")
	f.Set("page_url", "https://zalo.me/4102835362")
	if st, _, body := e.post(c, path, f); st != http.StatusSeeOther {
		t.Fatalf("save a social page: %d %s", st, textOf(body))
	}
	o, _ := e.st.GetOutlet(e.ctx, e.a.ID)
	if o.Kind != store.KindSocial || o.Platform != "zalo" || o.PageURL != "https://zalo.me/4102835362" {
		t.Fatalf("stored %q %q %q", o.Kind, o.Platform, o.PageURL)
	}
	_, _, body := e.get(c, path)
	for _, want := range []string{`<option value="social" selected>`, `<option value="zalo" selected>`, `value="https://zalo.me/4102835362"`} {
		if !strings.Contains(body, want) {
			t.Errorf("edit page lacks %s", want)
		}
	}
	for _, page := range []string{"/console/overview", "/console/admin/outlets"} {
		if _, _, body := e.get(c, page); !strings.Contains(body, `<span class="badge kind-social">Zalo OA</span>`) {
			t.Errorf("%s does not mark the social page", page)
		}
	}
	if _, _, body := e.get(c, "/console/outlets/"+e.a.ID); !strings.Contains(body, `Trang mạng xã hội (Zalo OA): <a href="https://zalo.me/4102835362"`) {
		t.Errorf("the outlet's page does not link its social page")
	}
	// The audit log words the change, the social page with it.
	if _, _, body := e.get(c, "/console/audit?outlet="+e.a.ID+"&type=outlet_update"); !strings.Contains(textOf(body), "Trang mạng xã hội (Zalo OA): https://zalo.me/4102835362.") {
		t.Errorf("the audit log does not name the social page: %.2000s", textOf(body))
	}
	for _, tc := range []struct{ platform, page, field, want string }{
		{"", "https://zalo.me/1", "platform", "Chọn nền tảng"},
		{"myspace", "https://zalo.me/1", "platform", "Chọn nền tảng"},
		{"zalo", "javascript:alert(1)", "page_url", "http(s)"},
		{"zalo", "", "page_url", "http(s)"},
	} {
		f.Set("platform", tc.platform)
		f.Set("page_url", tc.page)
		st, _, body := e.post(c, path, f)
		if st != http.StatusBadRequest || !strings.Contains(fieldError(body, tc.field), tc.want) {
			t.Errorf("%+v: %d %q", tc, st, fieldError(body, tc.field))
		}
	}
	if o2, _ := e.st.GetOutlet(e.ctx, e.a.ID); o2.Platform != "zalo" || o2.PageURL != o.PageURL {
		t.Fatalf("a refused form changed the outlet: %+v", o2)
	}
	f.Set("kind", "website")
	if st, _, body := e.post(c, path, f); st != http.StatusSeeOther {
		t.Fatalf("back to a website: %d %s", st, textOf(body))
	}
	if o, _ = e.st.GetOutlet(e.ctx, e.a.ID); o.KindOf() != store.KindWebsite || o.Platform != "" || o.PageURL != "" {
		t.Fatalf("back to a website: %+v", o)
	}
}
