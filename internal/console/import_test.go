package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/store"
)

// upload posts a multipart form with one file, as a browser does.
func (e *env) upload(c *http.Client, path string, fields url.Values, filename string, data []byte) (int, string) {
	e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, _ := w.CreateFormFile("file", filename)
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// historyCSV is n posts of a page over the last 40 days before now, a
// tenth of them negative.
func historyCSV(now time.Time, n int) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeffNgày,Tiêu đề,Nội dung,Liên kết,Sắc thái\n")
	loc := store.DefaultLocation()
	for i := range n {
		at := now.Add(-time.Duration(i) * (40 * 24 * time.Hour / time.Duration(n))).Add(-time.Minute)
		text := "Xã tổ chức hội nghị triển khai kế hoạch phát triển kinh tế - xã hội"
		if i%10 == 0 {
			text = "Tai nạn giao thông nghiêm trọng trên quốc lộ, một người tử vong"
		}
		fmt.Fprintf(&b, "%s,Bài %d,\"%s\",https://www.facebook.com/xa.dakpek/posts/%d?fbclid=IwAR%d,\n",
			at.In(loc).Format("02/01/2006 15:04"), i, text, 100000+i, i)
	}
	return b.Bytes()
}

// TestImportHistory, on both stores: a file with a bad row is previewed
// with the line and reason and cannot be applied; a 10,000-row file is
// previewed and applied with progress shown as it goes, counted once, in
// the audit under the editor's name; the preview cannot be applied twice.
func TestImportHistory(t *testing.T) { eachStore(t, testImportHistory) }

func testImportHistory(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	ed, csrf := e.session("bientap")
	fields := url.Values{"csrf": {csrf}, "outlet": {e.a.ID}, "complete": {"1"}}
	if st, _, body := e.get(ed, "/console/import"); st != http.StatusOK || !strings.Contains(textOf(body), "Nhập lịch sử đăng bài") {
		t.Fatalf("import page: %d %.300s", st, textOf(body))
	}

	// A bad row: its line and reason; no way to apply; nothing recorded.
	day := e.now.In(e.a.Location()).AddDate(0, 0, -1).Format("02/01/2006")
	bad := "Ngày,Tiêu đề,Nội dung,Liên kết\n" + day + ",Khánh thành cầu,,https://facebook.com/x/posts/1\n" +
		"hôm qua,Tin <script>alert(1)</script>,,https://facebook.com/x/posts/2\n" +
		day + ",Tai nạn giao thông,,javascript:alert(1)\n"
	st, body := e.upload(ed, "/console/import", fields, "lich-su.csv", []byte(bad))
	txt := textOf(body)
	if st != http.StatusOK || !strings.Contains(txt, "dòng 3: ngày không đọc được") || !strings.Contains(txt, "dòng 4:") ||
		strings.Contains(body, `id="apply"`) || !strings.Contains(txt, "chưa nhập được") {
		t.Fatalf("a file with bad rows: %d %.800s", st, txt)
	}
	if strings.Contains(body[strings.Index(body, "<main>"):], "<script>alert") {
		t.Fatal("a cell's markup is in the page")
	}
	if p, _ := e.window(e.a); p != 0 {
		t.Fatalf("a previewed file counted %d posts", p)
	}

	// 10,000 rows: preview with progress, then apply with progress.
	data := historyCSV(e.now, 10000)
	st, body = e.upload(ed, "/console/import", fields, "10k.csv", data)
	if st != http.StatusOK || strings.Count(body, "<progress") < 10 || !strings.Contains(textOf(body), "10.000/10.000 dòng (100%)") ||
		!strings.Contains(body, `id="apply"`) || !strings.Contains(textOf(body), "10000 dòng: 10000 bài") {
		t.Fatalf("preview of 10,000 rows: %d, %d progress steps: %.600s", st, strings.Count(body, "<progress"), textOf(body))
	}
	if !strings.Contains(textOf(body), "1000 tiêu cực") {
		t.Errorf("preview labels: %.600s", textOf(body))
	}
	if probs := a11yProblems(body, langVI); len(probs) > 0 {
		t.Errorf("the preview page: %v", probs)
	}
	stage := hidden(body, "stage")
	if p, _ := e.window(e.a); p != 0 || stage == "" {
		t.Fatalf("after the preview: %d posts counted, stage %q", p, stage)
	}
	// Only its owner applies a preview.
	mgr, mcsrf := e.session("mai")
	if st, _, _ := e.post(mgr, "/console/import/apply", url.Values{"csrf": {mcsrf}, "stage": {stage}}); st != http.StatusConflict {
		t.Fatalf("another user applies the preview: %d", st)
	}
	st, _, body = e.post(ed, "/console/import/apply", url.Values{"csrf": {csrf}, "stage": {stage}})
	txt = textOf(body)
	if st != http.StatusOK || strings.Count(body, "<progress") < 10 || !strings.Contains(txt, "Đã nhập tệp 10k.csv") || !strings.Contains(txt, "bài được tính thêm") {
		t.Fatalf("apply: %d %.800s", st, txt)
	}
	if probs := a11yProblems(body, langVI); len(probs) > 0 {
		t.Errorf("the import's result page: %v", probs)
	}
	p, n := e.window(e.a)
	if p < 7000 || p > 8000 || n*10 < p-10 || n*10 > p+10 {
		t.Fatalf("after the import: %d/%d in the window, want about 7,500 posts a tenth negative", n, p)
	}
	if !strings.Contains(txt, fmt.Sprintf("(%d/%d)", n, p)) {
		t.Errorf("the result does not give the share %d/%d: %.600s", n, p, txt)
	}
	es, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "sync", Actor: "console:bientap"})
	if len(es) != 1 {
		t.Fatalf("sync audit entries under console:bientap: %d", len(es))
	}
	// Applied once: the same preview again is refused, and nothing changes.
	if st, _, body := e.post(ed, "/console/import/apply", url.Values{"csrf": {csrf}, "stage": {stage}}); st != http.StatusConflict ||
		!strings.Contains(textOf(body), "Bản xem trước đã hết hạn") {
		t.Fatalf("the preview applied twice: %d %.300s", st, textOf(body))
	}
	if p2, n2 := e.window(e.a); p2 != p || n2 != n {
		t.Fatalf("the window moved: %d/%d → %d/%d", n, p, n2, p2)
	}
}

// TestImportRefusals: no file, a file too large, a file that is not a
// spreadsheet, another outlet: each refused in words, nothing recorded.
func TestImportRefusals(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	ed, csrf := e.session("bientap")
	fields := url.Values{"csrf": {csrf}, "outlet": {e.a.ID}}
	for _, tc := range []struct {
		name, file string
		data       []byte
		status     int
		want       string
	}{
		{"no file", "", nil, 400, "Hãy chọn một tệp CSV hoặc XLSX."},
		{"too large", "lon.csv", bytes.Repeat([]byte("a"), maxUploadBytes+1), 413, "Tệp lớn quá 20 MB"},
		{"not a spreadsheet", "anh.xlsx", []byte("PK\x03\x04 không phải bảng tính"), 400, "XLSX"},
		{"no rows", "rong.csv", []byte("Ngày,Tiêu đề,Nội dung,Liên kết\n"), 400, "không có dòng dữ liệu"},
		{"no date column", "thieu.csv", []byte("Tiêu đề,Liên kết\nTin,https://facebook.com/p/1\n"), 400, "thiếu cột"},
	} {
		st, body := e.upload(ed, "/console/import", fields, tc.file, tc.data)
		if st != tc.status || !strings.Contains(textOf(body), tc.want) {
			t.Errorf("%s: %d, want %d with %q: %s", tc.name, st, tc.status, tc.want, regexpFind(body, `(?s)<p class="error" role="alert">(.*?)</p>`))
		}
	}
	other := url.Values{"csrf": {csrf}, "outlet": {e.b.ID}}
	if st, _ := e.upload(ed, "/console/import", other, "b.csv", historyCSV(e.now, 3)); st != http.StatusForbidden {
		t.Errorf("an editor of A imports into B: %d", st)
	}
	st, body := e.upload(e.withLang(ed, langEN), "/console/import", fields, "lon.csv", bytes.Repeat([]byte("a"), maxUploadBytes+1))
	if st != 413 || !strings.Contains(textOf(body), "larger than 20 MB") {
		t.Errorf("too large in English: %d %.300s", st, textOf(body))
	}
	for _, o := range []store.Outlet{e.a, e.b} {
		if p, _ := e.window(o); p != 0 {
			t.Errorf("refused imports counted %d posts in %s", p, o.ID)
		}
	}
}

// failingSync is a store whose syncs fail while fail is set.
type failingSync struct {
	gate.Store
	fail bool
}

func (f *failingSync) Sync(ctx context.Context, in store.SyncInput) (store.SyncResult, error) {
	if f.fail {
		return store.SyncResult{}, fmt.Errorf("sync: %w", store.ErrUnavailable)
	}
	return f.Store.Sync(ctx, in)
}

// TestImportRetry: an import the store does not finish says so and offers
// to import again, which records the file once.
func TestImportRetry(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	fs := &failingSync{Store: e.con.gate.Store, fail: true}
	e.con.gate.Store = fs
	ed, csrf := e.session("bientap")
	_, body := e.upload(ed, "/console/import", url.Values{"csrf": {csrf}, "outlet": {e.a.ID}}, "h.csv", historyCSV(e.now, 50))
	stage := hidden(body, "stage")
	st, _, body := e.post(ed, "/console/import/apply", url.Values{"csrf": {csrf}, "stage": {stage}})
	if st != http.StatusOK || !strings.Contains(textOf(body), "Nhập tệp chưa xong") || hidden(body, "stage") != stage {
		t.Fatalf("a failed import: %d %.500s", st, textOf(body))
	}
	fs.fail = false
	st, _, body = e.post(ed, "/console/import/apply", url.Values{"csrf": {csrf}, "stage": {stage}})
	if st != http.StatusOK || !strings.Contains(textOf(body), "Đã nhập tệp h.csv") {
		t.Fatalf("import again: %d %.500s", st, textOf(body))
	}
	if p, _ := e.window(e.a); p == 0 || p > 50 {
		t.Fatalf("after the retry: %d posts", p)
	}
}

// TestUploadTempFilesRemoved: an upload larger than what a form keeps in
// memory is spooled to a temporary file; none is left once it is answered,
// whether the file is refused or previewed.
func TestUploadTempFilesRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t, openSQLite(t))
	ed, csrf := e.session("bientap")
	fields := url.Values{"csrf": {csrf}, "outlet": {e.a.ID}}
	big := append(historyCSV(e.now, 3), bytes.Repeat([]byte("\n"), 12<<20)...) // blank lines: read and skipped
	for _, tc := range []struct {
		name   string
		data   []byte
		status int
	}{
		{"refused", bytes.Repeat([]byte("a"), 12<<20), http.StatusBadRequest},
		{"previewed", big, http.StatusOK},
	} {
		if st, body := e.upload(ed, "/console/import", fields, "lon.csv", tc.data); st != tc.status {
			t.Fatalf("%s: %d %.300s", tc.name, st, textOf(body))
		}
		// The server removes them when the handler returns, just after the answer.
		left := []string{"?"}
		for range 100 {
			left, _ = filepath.Glob(filepath.Join(tmp, "multipart-*"))
			if len(left) == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(left) != 0 {
			t.Errorf("%s: temporary files left: %v", tc.name, left)
		}
	}
}

// TestStagesBounded: staged previews are bounded in number and in bytes;
// the oldest go first, and a user takes only their own.
func TestStagesBounded(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	var st importStages
	for i := range 4 {
		st.put(&importStage{ID: fmt.Sprint("big", i), User: "a", Size: maxUploadBytes, Created: now.Add(time.Duration(i) * time.Second)}, now)
	}
	if len(st.m) != maxStagedBytes/maxUploadBytes || st.m["big0"] != nil || st.m["big3"] == nil {
		t.Fatalf("by bytes: %d kept, big0 %v", len(st.m), st.m["big0"] != nil)
	}
	for i := range maxStages + 1 {
		st.put(&importStage{ID: fmt.Sprint("s", i), User: "a", Size: 1, Created: now.Add(time.Duration(10+i) * time.Second)}, now)
	}
	if len(st.m) != maxStages || st.m["s0"] != nil || st.m["s16"] == nil {
		t.Fatalf("by number: %d kept", len(st.m))
	}
	if st.take("s16", "b", now) != nil || st.take("s16", "a", now) == nil || st.take("s16", "a", now) != nil {
		t.Fatal("take: another user's stage, or the same one twice")
	}
	if st.take("s15", "a", now.Add(stageTTL+time.Minute)) != nil {
		t.Fatal("an expired stage was taken")
	}
}
