package console

import (
	"strings"
	"testing"

	"gatekeeper/internal/store"
)

// TestAuditInWords: every entry type reads as a label and sentences, actors
// as people, "CMS" or the command line — never raw JSON keys or "cli:".
func TestAuditInWords(t *testing.T) {
	for _, tc := range []struct {
		e                    store.AuditEntry
		event, actor, detail string
	}{
		{store.AuditEntry{Type: "check", Actor: "editor1", Decision: "warn",
			Detail: []byte(`{"webhook_id":"msg_1","ledger":"not_counted","situation":2,"negative":true,"before":{"published":101,"negative":11},"after":{"published":102,"negative":12}}`)},
			"Kiểm tra bài", "editor1 (qua CMS)", "Khi quyết định: 11/101 tin tiêu cực trong cửa sổ (10,89%). Bài được tính là tin tiêu cực."},
		{store.AuditEntry{Type: "sync", Actor: "cms", Detail: []byte(`{"complete":false,"posts":100,"added":["a","b"],"withdrawn":[],"outside_window":[],"unchanged":98}`)},
			"Đồng bộ số liệu", "CMS", "CMS gửi 100 bài: 2 bài được thêm, 0 bài bị bỏ, 0 bài ngoài cửa sổ, 98 bài không đổi."},
		{store.AuditEntry{Type: "past_limit", Actor: "cms", Detail: []byte(`{"cause":"withdraw","window":{"published":100,"negative":16,"share":0.16,"limit":0.15}}`)},
			"Vượt giới hạn sau khi gỡ bài/đồng bộ", "CMS", "Sau khi gỡ bài, tỉ lệ tin tiêu cực là 16/100 (16,00%), vượt giới hạn 15,00%."},
		{store.AuditEntry{Type: "relabel", Actor: "mai", Detail: []byte(`{"note":"tin tích cực","negative":false,"was_negative":true}`)},
			"Gán lại sắc thái", "mai", "Sắc thái đổi từ tiêu cực sang không tiêu cực. Ghi chú: tin tích cực"},
		{store.AuditEntry{Type: "outlet_update", Actor: "cli:root", Detail: []byte(`{"limit":"15.00","warn_at":"12.50","window_days":30,"mode":"enforce","sensational_action":"hold"}`)},
			"Sửa thiết lập đơn vị", "dòng lệnh (root)", "Giới hạn 15,00%, cảnh báo từ 12,50%, cửa sổ 30 ngày, chế độ áp dụng, tiêu đề giật gân: giữ lại."},
		{store.AuditEntry{Type: "user_add", Actor: "cli", Detail: []byte(`{"username":"tuan","role":"manager"}`)},
			"Thêm người dùng", "dòng lệnh", "Tài khoản tuan, vai trò quản lý."},
	} {
		if got := eventLabel(langVI, tc.e.Type); got != tc.event {
			t.Errorf("%s: label %q, want %q", tc.e.Type, got, tc.event)
		}
		if got := actorLabel(langVI, tc.e); got != tc.actor {
			t.Errorf("%s: actor %q, want %q", tc.e.Type, got, tc.actor)
		}
		if got := auditSentence(langVI, tc.e, defaultLoc); got != tc.detail {
			t.Errorf("%s: detail %q, want %q", tc.e.Type, got, tc.detail)
		}
		if en := auditSentence(langEN, tc.e, defaultLoc); en == "" || strings.ContainsAny(en, "{}") || en == tc.detail {
			t.Errorf("%s: English detail %q", tc.e.Type, en)
		}
	}
	for _, typ := range auditTypes {
		if eventLabel(langVI, typ) == typ || eventLabel(langEN, typ) == typ {
			t.Errorf("audit type %s has no label", typ)
		}
	}
}

// TestAuditFilterPastLimit: the filter offers past_limit and filtering by it
// shows those entries alone, in words.
func TestAuditFilterPastLimit(t *testing.T) { eachStore(t, testAuditFilterPastLimit) }

func testAuditFilterPastLimit(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	for _, x := range []store.AuditEntry{
		{Outlet: e.a.ID, At: e.now, Type: "past_limit", Actor: "cms", Detail: []byte(`{"cause":"sync","window":{"published":40,"negative":7,"share":0.175,"limit":0.15}}`)},
		{Outlet: e.a.ID, At: e.now, Type: "sync", Actor: "cms", Detail: []byte(`{"complete":true,"posts":40,"added":[],"withdrawn":["p9"],"outside_window":[],"unchanged":39}`)},
	} {
		if err := e.st.AppendAudit(e.ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := e.session("admin")
	st, _, body := e.get(c, "/console/audit?outlet="+e.a.ID+"&type=past_limit")
	if st != 200 || !strings.Contains(body, `value="past_limit" selected`) {
		t.Fatalf("filter by past_limit: %d; option not offered or not selected: %s", st, textOf(body))
	}
	text := textOf(body)
	if !strings.Contains(text, "Sau khi đồng bộ số liệu, tỉ lệ tin tiêu cực là 7/40 (17,50%), vượt giới hạn 15,00%.") || strings.Contains(text, "CMS gửi 40 bài") {
		t.Fatalf("filtered by past_limit: %s", text)
	}
}
