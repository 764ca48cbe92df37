package console

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// policyForm is a complete, valid outlet form.
func policyForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "name": {"Cổng TTĐT huyện Đắk Glei (mới)"}, "limit": {"14,5"}, "warn_at": {"11.25"},
		"window_days": {"45"}, "timezone": {"Asia/Bangkok"}, "min_sample": {"25"}, "sensational": {"hold"}, "sensitivity": {"low"},
		"mode": {"shadow"}, "callback_url": {"https://dakglei.example.vn/wp-json/gatekeeper/v1/callback"},
		"cat_name": {"Pháp  luật", "Gương người tốt", "", ""}, "cat_tone": {"negative", "positive", "", ""}}
}

// fieldError returns the message shown under a field (err-NAME), unescaped.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`<span class="field-error" id="err-` + regexp.QuoteMeta(field) + `">([^<]*)</span>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestAdminEditsOutletPolicy: an admin changes every part of an outlet's
// policy in the console; it is stored through package admin (audited, the
// secrets untouched), shown back in the form, and a category line is
// dropped by clearing it.
func TestAdminEditsOutletPolicy(t *testing.T) { eachStore(t, testAdminEditsOutletPolicy) }

func testAdminEditsOutletPolicy(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	c, csrf := e.session("admin")
	path := "/console/admin/outlets/" + e.a.ID
	st, loc, body := e.post(c, path, policyForm(csrf))
	if st != http.StatusSeeOther || loc != path+"?ok=saved" {
		t.Fatalf("save: %d %s %.400s", st, loc, textOf(body))
	}
	o, err := e.st.GetOutlet(e.ctx, e.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := policy.Rules{Limit: 1450, WarnAt: 1125, MinSample: 25, SensationalAction: policy.SensationalHold,
		SensationalSensitivity: policy.SensitivityLow, Mode: policy.Shadow}
	if o.Rules != want || o.WindowDays != 45 || o.Timezone != "Asia/Bangkok" || o.Name != "Cổng TTĐT huyện Đắk Glei (mới)" ||
		o.CallbackURL != "https://dakglei.example.vn/wp-json/gatekeeper/v1/callback" || o.AllowPrivateCallback {
		t.Fatalf("stored outlet %+v", o)
	}
	if len(o.CategoryTones) != 2 || o.CategoryTones["pháp luật"] != policy.Negative || o.CategoryTones["gương người tốt"] != policy.Positive {
		t.Fatalf("category map %v", o.CategoryTones)
	}
	if len(o.Secrets) != 1 || o.Secrets[0].Value != e.secretA {
		t.Fatalf("secrets changed by a policy edit: %+v", o.Secrets)
	}
	es, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "outlet_update"})
	if len(es) != 1 || es[0].Actor != "admin" {
		t.Fatalf("audit %+v", es)
	}
	var det map[string]any
	_ = json.Unmarshal(es[0].Detail, &det)
	if det["mode"] != "shadow" || det["sensational_action"] != "hold" || det["sensational_sensitivity"] != "low" || det["limit"] != "14.50" {
		t.Errorf("audit detail %s", es[0].Detail)
	}
	if strings.Contains(string(es[0].Detail), e.secretA) {
		t.Fatal("the secret is in the audit log")
	}

	// The form shows what is stored (Vietnamese decimal comma) and the
	// secrets and the command that removes an outlet.
	_, _, body = e.get(c, path+"?ok=saved")
	for _, want := range []string{`value="14,5"`, `value="11,25"`, `value="45"`, `value="pháp luật"`, `value="gương người tốt"`,
		`<option value="hold" selected>`, `<option value="low" selected>`, `<option value="shadow" selected>`,
		"Độ nhạy với tiêu đề giật gân", "chỉ ghi chú (không đổi kết quả)", "gatekeeper outlet remove " + e.a.ID + " --yes", "Đã lưu."} {
		if !strings.Contains(body, want) {
			t.Errorf("edit page lacks %s", want)
		}
	}
	if !strings.Contains(textOf(body), "1 khoá") {
		t.Errorf("edit page does not count the secrets: %s", textOf(body))
	}
	if strings.Contains(body, e.secretA) {
		t.Fatal("edit page shows the secret")
	}

	// Clearing a line drops it; changing a tone changes it.
	f := policyForm(csrf)
	f["cat_name"] = []string{"pháp luật", ""}
	f["cat_tone"] = []string{"neutral", ""}
	f.Set("sensational", "note")
	f.Set("sensitivity", "high")
	if st, _, body := e.post(c, path, f); st != http.StatusSeeOther {
		t.Fatalf("second save: %d %s", st, textOf(body))
	}
	o, _ = e.st.GetOutlet(e.ctx, e.a.ID)
	if len(o.CategoryTones) != 1 || o.CategoryTones["pháp luật"] != policy.Neutral {
		t.Fatalf("category map after edit: %v", o.CategoryTones)
	}
	if o.Rules.SensationalAction != policy.SensationalNote || o.Rules.SensationalSensitivity != policy.SensitivityHigh {
		t.Fatalf("sensational setting after edit: %+v", o.Rules)
	}

	// Rotation from the edit page: shown once, then two secrets counted,
	// the old one with its expiry.
	st, _, body = e.post(c, path+"/rotate", url.Values{"csrf": {csrf}})
	if m := shown(body); st != 200 || m == nil || m[1] == e.secretA {
		t.Fatalf("rotate: %d", st)
	}
	_, _, body = e.get(c, path)
	if txt := textOf(body); !strings.Contains(txt, "2 khoá") || !strings.Contains(txt, "khoá cũ hết hạn lúc") {
		t.Errorf("edit page after rotation: %s", txt)
	}
	// The page offers the grace choice and, with a previous secret still
	// working, its revocation.
	for _, want := range []string{`<option value="86400">`, `<option value="3600">`, `<option value="0">`, `/revoke-secrets"`} {
		if !strings.Contains(body, want) {
			t.Errorf("edit page lacks %s", want)
		}
	}
	// A grace not offered is refused and changes nothing.
	if st, _, _ := e.post(c, path+"/rotate", url.Values{"csrf": {csrf}, "grace": {"31536000"}}); st != http.StatusBadRequest {
		t.Fatalf("rotate with a grace not offered: %d, want 400", st)
	}
	if o, _ = e.st.GetOutlet(e.ctx, e.a.ID); len(o.Secrets) != 2 {
		t.Fatalf("a refused rotation changed the secrets: %d", len(o.Secrets))
	}
	// Rotation with no grace: every previous secret stops at once.
	if st, _, _ := e.post(c, path+"/rotate", url.Values{"csrf": {csrf}, "grace": {"0"}}); st != 200 {
		t.Fatalf("rotate with no grace: %d", st)
	}
	if o, _ = e.st.GetOutlet(e.ctx, e.a.ID); len(o.ActiveSecrets(time.Now())) != 1 {
		t.Fatalf("after a rotation with no grace %d secrets verify, want 1", len(o.ActiveSecrets(time.Now())))
	}
	// An explicit revoke after a rotation with grace.
	if st, _, _ := e.post(c, path+"/rotate", url.Values{"csrf": {csrf}, "grace": {"3600"}}); st != 200 {
		t.Fatalf("rotate with an hour: %d", st)
	}
	if st, loc, _ := e.post(c, path+"/revoke-secrets", url.Values{"csrf": {csrf}}); st != http.StatusSeeOther || !strings.HasSuffix(loc, "?ok=revoked") {
		t.Fatalf("revoke: %d %s", st, loc)
	}
	if o, _ = e.st.GetOutlet(e.ctx, e.a.ID); len(o.Secrets) != 1 {
		t.Fatalf("after revoke %d secrets kept, want 1", len(o.Secrets))
	}
	if _, _, body = e.get(c, path); strings.Contains(body, `/revoke-secrets"`) {
		t.Errorf("revoke offered with no previous secret")
	}
	a, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "secret_revoke", Limit: 10})
	if len(a) != 1 || a[0].Actor != "admin" {
		t.Fatalf("revoke audit: %+v", a)
	}
}

// TestOutletFormFieldErrors: every bad field gets its own message under it,
// in Vietnamese or English, and nothing is stored or audited.
func TestOutletFormFieldErrors(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	c, csrf := e.session("admin")
	path := "/console/admin/outlets/" + e.a.ID
	bad := url.Values{"csrf": {csrf}, "name": {"  "}, "limit": {"abc"}, "warn_at": {"16"}, "window_days": {"0"},
		"timezone": {"Sao/Hoa"}, "min_sample": {"-1"}, "sensational": {"block"}, "sensitivity": {"medium"}, "mode": {"off"},
		"callback_url": {"javascript:alert(1)"},
		"cat_name":     {"Pháp luật", "pháp LUẬT", "", "An ninh"}, "cat_tone": {"negative", "positive", "negative", ""}}
	want := map[string][2]string{
		"name":         {"Cần có tên", "A name is required"},
		"limit":        {"Nhập phần trăm từ 0 đến 100", "Enter a percentage from 0 to 100"},
		"window_days":  {"từ 1 đến 365", "from 1 to 365"},
		"timezone":     {"Múi giờ không hợp lệ", "Unknown time zone"},
		"min_sample":   {"số nguyên từ 0", "whole number from 0"},
		"sensational":  {"“chỉ ghi chú”, “cảnh báo” hoặc “giữ lại”", "“note only”, “warn” or “hold”"},
		"sensitivity":  {"“thấp”, “bình thường” hoặc “cao”", "“low”, “normal” or “high”"},
		"mode":         {"“áp dụng” hoặc “chạy thử”", "“enforce” or “shadow”"},
		"callback_url": {"https://", "https://"},
		"cat-1":        {"đã có ở dòng 1", "already on line 1"},
		"cat-2":        {"Cần tên chuyên mục", "needs a category name"},
		"cat-3":        {"Chọn sắc thái", "Choose a tone"},
	}
	for li, lang := range []string{"vi", "en"} {
		jar, _ := cookiejar.New(nil)
		u, _ := url.Parse(e.srv.URL)
		jar.SetCookies(u, []*http.Cookie{{Name: "gk_lang", Value: lang, Path: "/console"}})
		for _, ck := range c.Jar.Cookies(u) {
			jar.SetCookies(u, []*http.Cookie{ck})
		}
		cl := &http.Client{Jar: jar, CheckRedirect: c.CheckRedirect}
		st, _, body := e.post(cl, path, bad)
		if st != http.StatusBadRequest {
			t.Fatalf("%s: %d", lang, st)
		}
		for field, msgs := range want {
			if got := fieldError(body, field); !strings.Contains(got, msgs[li]) {
				t.Errorf("%s: field %s: %q, want %q", lang, field, got, msgs[li])
			}
		}
		if !strings.Contains(body, `name="limit" value="abc"`) || !strings.Contains(body, `aria-invalid="true" aria-describedby="err-limit"`) {
			t.Errorf("%s: the refused form does not keep what was typed or mark the field", lang)
		}
		if fieldError(body, "warn_at") != "" {
			t.Errorf("%s: warn_at judged against a limit that did not parse", lang)
		}
	}
	// warn_at above a valid limit.
	f := policyForm(csrf)
	f.Set("warn_at", "15")
	if st, _, body := e.post(c, path, f); st != http.StatusBadRequest || !strings.Contains(fieldError(body, "warn_at"), "không được cao hơn giới hạn") {
		t.Fatalf("warn_at above limit: %d %q", st, fieldError(body, "warn_at"))
	}
	// A callback address the worker would refuse to reach is refused now, naming the fix.
	for _, cb := range []string{"http://127.0.0.1:8081/wp-json/gatekeeper/v1/callback", "http://localhost/wp-json/gatekeeper/v1/callback", "https://10.0.0.5/cb"} {
		f = policyForm(csrf)
		f.Set("callback_url", cb)
		f.Del("allow_private")
		if st, _, body := e.post(c, path, f); st != http.StatusBadRequest || !strings.Contains(fieldError(body, "callback_url"), "Cho phép địa chỉ nội bộ") {
			t.Fatalf("private callback %s: %d %q", cb, st, fieldError(body, "callback_url"))
		}
	}
	o, _ := e.st.GetOutlet(e.ctx, e.a.ID)
	if o.Name != e.a.Name || o.Rules != e.a.Rules || len(o.CategoryTones) != 0 || o.CallbackURL != e.a.CallbackURL {
		t.Fatalf("a refused form changed the outlet: %+v", o)
	}
	if es, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "outlet_update"}); len(es) != 0 {
		t.Fatalf("a refused form was audited: %+v", es)
	}
	// Creating with a taken or malformed id says so under the id.
	f = policyForm(csrf)
	f.Set("id", e.b.ID)
	if st, _, body := e.post(c, "/console/admin/outlets", f); st != http.StatusConflict || !strings.Contains(fieldError(body, "id"), "Đã tồn tại") {
		t.Fatalf("taken id: %d %q", st, fieldError(body, "id"))
	}
	f.Set("id", "Sai Mã")
	if st, _, body := e.post(c, "/console/admin/outlets", f); st != http.StatusBadRequest || !strings.Contains(fieldError(body, "id"), "chữ thường") {
		t.Fatalf("bad id: %d %q", st, fieldError(body, "id"))
	}
}
