package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatekeeper/internal/callback"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/notify"
	"gatekeeper/internal/report"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/sqlitestore"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

var quiet = testsupport.Discard()

// part is one decoded MIME part of a received mail.
type part struct {
	ContentType string
	Filename    string
	Body        []byte
}

// parseMail reads a received message: its subject (decoded) and its parts.
func parseMail(t *testing.T, data []byte) (string, []part) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a mail: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var parts []part
	var walk func(h map[string][]string, body io.Reader)
	walk = func(h map[string][]string, body io.Reader) {
		get := func(k string) string {
			if v := h[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		mt, params, _ := mime.ParseMediaType(get("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header, p)
			}
		}
		var r io.Reader = body
		switch strings.ToLower(get("Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		_, dp, _ := mime.ParseMediaType(get("Content-Disposition"))
		parts = append(parts, part{ContentType: mt, Filename: dp["filename"], Body: b})
	}
	walk(msg.Header, msg.Body)
	return subject, parts
}

func textOf(parts []part) string {
	for _, p := range parts {
		if p.ContentType == "text/plain" {
			return string(p.Body)
		}
	}
	return ""
}

// hookReceiver is a chat-bot stand-in: it checks every POST's signature.
type hookReceiver struct {
	srv  *httptest.Server
	key  []byte
	now  func() time.Time
	mu   sync.Mutex
	got  []notify.Event
	bad  int
	seen map[string]int
}

func newHookReceiver(t *testing.T, secret string, now func() time.Time) *hookReceiver {
	key, err := webhook.DecodeSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	h := &hookReceiver{key: key, now: now, seen: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		id, err := webhook.Verify(r.Header, body, h.now(), h.key)
		if err != nil {
			h.bad++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev notify.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			h.bad++
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		h.seen[id]++
		h.got = append(h.got, ev)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) events() []notify.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]notify.Event(nil), h.got...)
}

// world is a store with an outlet, its managers, a gate that tells a
// notifier, and two replicas' workers delivering the outbox.
type world struct {
	t        *testing.T
	ctx      context.Context
	st       store.Store
	o        store.Outlet
	clock    *clock.Manual
	gate     *gate.Service
	smtp     *mailServer
	hook     *hookReceiver
	notifier [2]*notify.Notifier
	workers  [2]*callback.Worker
	secret   string
}

func (w *world) notifierConfig(s []notify.Schedule) notify.Config {
	return notify.Config{
		SMTP: notify.SMTP{Host: w.smtp.addr, Port: w.smtp.port, Username: w.smtp.user, Password: w.smtp.pw,
			From: "Gatekeeper <gatekeeper@example.vn>", TLSConfig: w.smtp.clientTLS, Timeout: 5 * time.Second},
		WebhookURL: w.hook.srv.URL + "/zalo-bot", WebhookSecret: w.secret,
		RemindAfter: 4 * time.Hour, DigestHour: 7, PublicURL: "https://gatekeeper.example.vn",
		Clock: w.clock.Clock(), Logger: quiet, Schedules: s,
		Report: report.PDFOptions{Issuer: "UBND huyện Đắk Glei\nPhòng Văn hóa và Thông tin", Place: "Đắk Glei"},
	}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// 09:00 in Vietnam, so the digest hour (07:00) is a day away.
	now := testsupport.Now(t, time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
	m := clock.NewManual(now)
	w := &world{t: t, ctx: ctx, st: st, clock: m, smtp: startMailServer(t, true)}
	secret, _ := webhook.NewSecret()
	w.hook = newHookReceiver(t, secret, m.Now)
	w.o = store.Outlet{ID: "dakglei", Name: "Cổng TTĐT huyện Đắk Glei", Rules: policy.DefaultRules(), WindowDays: 30,
		Timezone: "Asia/Ho_Chi_Minh", CreatedAt: now, UpdatedAt: now}
	other := store.Outlet{ID: "kontum", Name: "Báo Kon Tum", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	for _, o := range []store.Outlet{w.o, other} {
		if err := st.CreateOutlet(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []store.User{
		{Username: "mai", Role: store.RoleManager, Outlets: []string{"dakglei"}, Email: "mai@dakglei.example.vn"},
		{Username: "lan", Role: store.RoleManager, Outlets: []string{"dakglei", "kontum"}, Email: "lan@example.vn", Notices: store.NoticesDigest},
		{Username: "hoa", Role: store.RoleManager, Outlets: []string{"dakglei"}, Email: "hoa@example.vn", Notices: store.NoticesOff},
		{Username: "binh", Role: store.RoleManager, Outlets: []string{"kontum"}, Email: "binh@kontum.example.vn"},
		{Username: "kiemtra", Role: store.RoleAuditor, Email: "kiemtra@example.vn"},
		{Username: "nam", Role: store.RoleManager, Outlets: []string{"dakglei"}}, // no address
	} {
		u.PasswordHash, u.CreatedAt, u.UpdatedAt = "x", now, now
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// 20 posts in the window, 2 negative: a negative post is a warning
	// (3/21 = 14.3%), the next a hold (4/22 = 18.2%).
	var posts []store.SyncPost
	for i := range 20 {
		at := now.Add(-time.Duration(i+1) * time.Hour)
		posts = append(posts, store.SyncPost{ID: fmt.Sprintf("w%d", i), Negative: i < 2, PublishedAt: at, Day: store.DayKey(at, w.o.Location())})
	}
	if _, err := st.Sync(ctx, store.SyncInput{Outlet: w.o.ID, Now: now, Window: w.o.Window(), Posts: posts}); err != nil {
		t.Fatal(err)
	}
	w.secret = secret
	cfg := w.notifierConfig(nil)
	for i := range 2 { // two replicas
		w.notifier[i] = notify.New(st, cfg)
		w.workers[i] = callback.New(st, callback.Config{Logger: quiet, Clock: m.Clock(), BaseDelay: time.Second,
			Senders: map[string]callback.Sender{notify.Kind: w.notifier[i].Deliver}})
	}
	w.gate = &gate.Service{Store: st, Classifier: testsupport.NeutralClassifier{}, Clock: m.Clock(), PublicURL: cfg.PublicURL,
		Review: &review.Service{Store: st, Clock: m.Clock()}, Notices: w.notifier[0]}
	return w
}

// deliver runs both replicas' workers at once, twice.
func (w *world) deliver() {
	w.t.Helper()
	for range 2 {
		var wg sync.WaitGroup
		for _, wk := range w.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := wk.RunOnce(w.ctx); err != nil {
					w.t.Errorf("deliver: %v", err)
				}
			}()
		}
		wg.Wait()
	}
}

func (w *world) check(id, title string, negative bool) *gate.Answer {
	w.t.Helper()
	tone := ""
	if negative {
		tone = "negative"
	}
	a, err := w.gate.Check(w.ctx, &w.o, gate.Post{ID: id, Title: title, DeclaredTone: tone}, false, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// mailsTo lists the received mails to addr: subject and text.
func (w *world) mailsTo(addr string) [][2]string {
	w.t.Helper()
	var out [][2]string
	for _, m := range w.smtp.Messages() {
		for _, to := range m.To {
			if to == addr {
				if !m.TLS || !m.Auth {
					w.t.Errorf("a mail to %s went without TLS (%v) or authentication (%v)", addr, m.TLS, m.Auth)
				}
				s, parts := parseMail(w.t, m.Data)
				out = append(out, [2]string{s, textOf(parts)})
			}
		}
	}
	return out
}

// A held post reaches the outlet's managers who take immediate notices and
// the chat-bot webhook, once, with two replicas delivering; a reminder
// follows after the waiting time, once; crossing the warning line is a
// notice; the digest user gets one mail a day listing what waits.
func TestNoticesOfAHold(t *testing.T) {
	w := newWorld(t)
	warn := w.check("p1", "Tai nạn giao thông trên quốc lộ 14", true) // 3/21: over the warning line
	if warn.Decision != policy.Warn {
		t.Fatalf("p1: %s", warn.Decision)
	}
	held := w.check("p2", "Cháy rừng ở Kon Plông, hàng chục héc-ta bị thiêu rụi", true)
	if held.Decision != policy.Hold {
		t.Fatalf("p2: %s", held.Decision)
	}
	w.check("p2", "Cháy rừng ở Kon Plông, hàng chục héc-ta bị thiêu rụi", true) // re-checked: the same hold
	w.deliver()

	mai := w.mailsTo("mai@dakglei.example.vn")
	if len(mai) != 2 {
		t.Fatalf("mai got %d mails, want the warning and the hold: %q", len(mai), mai)
	}
	var holdMail, warnMail [2]string
	for _, m := range mai {
		if strings.Contains(m[0], "Tin chờ duyệt") {
			holdMail = m
		} else {
			warnMail = m
		}
	}
	for _, want := range []string{"Cháy rừng ở Kon Plông, hàng chục héc-ta bị thiêu rụi", "Cổng TTĐT huyện Đắk Glei"} {
		if !strings.Contains(holdMail[0], want) {
			t.Errorf("hold mail subject %q lacks %q", holdMail[0], want)
		}
	}
	for _, want := range []string{"đang được giữ lại chờ duyệt", "Lý do / Reason:", "vượt", "giới hạn / limit 15,00%",
		"Cần thêm", held.Hold.ReviewURL} {
		if !strings.Contains(holdMail[1], want) {
			t.Errorf("hold mail lacks %q:\n%s", want, holdMail[1])
		}
	}
	if !strings.HasPrefix(held.Hold.ReviewURL, "https://gatekeeper.example.vn/console/outlets/dakglei/holds/") {
		t.Errorf("review URL %q", held.Hold.ReviewURL)
	}
	if !strings.Contains(warnMail[0], "vượt mức cảnh báo") || !strings.Contains(warnMail[1], "14,29% (3/21)") {
		t.Errorf("warning mail %q", warnMail)
	}
	for _, addr := range []string{"lan@example.vn", "hoa@example.vn", "binh@kontum.example.vn", "kiemtra@example.vn"} {
		if got := w.mailsTo(addr); len(got) != 0 {
			t.Errorf("%s got %d mails (digest, off, another outlet, auditor): %q", addr, len(got), got)
		}
	}
	evs := w.hook.events()
	if len(evs) != 2 || w.hook.bad != 0 {
		t.Fatalf("webhook got %d events (%d refused), want 2: %+v", len(evs), w.hook.bad, evs)
	}
	var hev notify.Event
	for _, e := range evs {
		if e.Type == notify.EventHeld {
			hev = e
		}
	}
	if hev.HoldID != held.Hold.ID || hev.Title == "" || hev.ReviewURL != held.Hold.ReviewURL || hev.Headroom == nil ||
		!strings.Contains(hev.Text, "đang được giữ lại") {
		t.Errorf("webhook hold event %+v", hev)
	}

	// Reminders: not before the waiting time, then once.
	w.clock.Advance(3 * time.Hour)
	for _, n := range w.notifier {
		if err := n.RunOnce(w.ctx); err != nil {
			t.Fatal(err)
		}
	}
	w.deliver()
	if got := len(w.mailsTo("mai@dakglei.example.vn")); got != 2 {
		t.Errorf("a reminder came early: %d mails", got)
	}
	w.clock.Advance(2 * time.Hour)
	for range 2 {
		for _, n := range w.notifier {
			if err := n.RunOnce(w.ctx); err != nil {
				t.Fatal(err)
			}
		}
		w.deliver()
	}
	mai = w.mailsTo("mai@dakglei.example.vn")
	if len(mai) != 3 || !strings.Contains(mai[2][0], "Nhắc") || !strings.Contains(mai[2][1], "đã chờ duyệt 5 giờ") {
		t.Errorf("reminder: %q", mai)
	}
	if evs := w.hook.events(); len(evs) != 3 || evs[2].Type != notify.EventReminder {
		t.Errorf("webhook after the reminder: %+v", evs)
	}

	// The digest at 07:00 the next morning, once however often it runs.
	loc := w.o.Location()
	y, mo, d := w.clock.Now().In(loc).Date()
	w.clock.Set(time.Date(y, mo, d+1, 7, 10, 0, 0, loc))
	for range 2 {
		for _, n := range w.notifier {
			if err := n.RunOnce(w.ctx); err != nil {
				t.Fatal(err)
			}
		}
		w.deliver()
	}
	lan := w.mailsTo("lan@example.vn")
	if len(lan) != 1 || !strings.Contains(lan[0][0], "1 tin chờ duyệt") || !strings.Contains(lan[0][1], "Cháy rừng ở Kon Plông") ||
		!strings.Contains(lan[0][1], "Báo Kon Tum (kontum)") {
		t.Errorf("digest: %q", lan)
	}
	for id, n := range w.hook.seen {
		if n != 1 {
			t.Errorf("webhook %s received %d times", id, n)
		}
	}
	// Every notice is in the outbox, delivered.
	cbs, err := w.st.ListCallbacks(w.ctx, w.o.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cbs {
		if c.Status != store.CallbackDelivered {
			t.Errorf("notice %s %s: %s %s", c.ID, c.Type, c.Status, c.LastError)
		}
	}
}

// Mail goes over STARTTLS with authentication or not at all; a failed
// attempt stays in the outbox for a retry.
func TestSMTPRefusals(t *testing.T) {
	ctx := context.Background()
	good := startMailServer(t, true)
	plain := startMailServer(t, false)
	m := notify.Mail{To: []string{"mai@example.vn"}, Subject: "Thử", Text: "Nội dung có dấu: ắằẳẵặ"}
	base := notify.SMTP{Host: good.addr, Port: good.port, Username: good.user, Password: good.pw, From: "gk@example.vn",
		TLSConfig: good.clientTLS, Timeout: 5 * time.Second}
	if err := base.Send(ctx, m); err != nil {
		t.Fatalf("good server: %v", err)
	}
	wrong := base
	wrong.Password = "sai"
	if err := wrong.Send(ctx, m); err == nil {
		t.Error("a wrong password was accepted")
	}
	noTLS := base
	noTLS.Host, noTLS.Port = plain.addr, plain.port
	if err := noTLS.Send(ctx, m); err == nil {
		t.Error("mail went to a server without STARTTLS")
	}
	if len(plain.Messages()) != 0 {
		t.Error("the server without TLS received a mail")
	}
	untrusted := base
	untrusted.TLSConfig = nil
	if err := untrusted.Send(ctx, m); err == nil {
		t.Error("mail went to a server whose certificate is not trusted")
	}
	clear := base
	clear.TLS = "none"
	if err := clear.Send(ctx, m); err == nil || !strings.Contains(err.Error(), "plain connection") {
		t.Errorf("authentication over a plain connection: %v", err)
	}
	if got := len(good.Messages()); got != 1 {
		t.Errorf("the good server received %d mails, want 1", got)
	}
	_, parts := parseMail(t, good.Messages()[0].Data)
	if !strings.Contains(textOf(parts), "ắằẳẵặ") {
		t.Errorf("diacritics lost: %q", textOf(parts))
	}
}

// A report mailed as PDF and XLSX attachments comes back whole: the
// workbook opens with excelize, the PDF's text says what the report says.
func TestReportAttachments(t *testing.T) {
	ctx := context.Background()
	srv := startMailServer(t, true)
	w := newWorld(t)
	rep, err := (&report.Builder{Store: w.st, Clock: clock.Fixed(w.clock.Now())}).Build(ctx, []string{"dakglei"},
		report.Period{From: report.DateOf(w.clock.Now().In(w.o.Location())).AddDays(-2), To: report.DateOf(w.clock.Now().In(w.o.Location()))})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := rep.PDF("vi", report.PDFOptions{Issuer: "Phòng Văn hóa và Thông tin"})
	if err != nil {
		t.Fatal(err)
	}
	xlsx, err := rep.XLSX("vi")
	if err != nil {
		t.Fatal(err)
	}
	s := notify.SMTP{Host: srv.addr, Port: srv.port, Username: srv.user, Password: srv.pw, From: "gk@example.vn", TLSConfig: srv.clientTLS}
	if err := s.Send(ctx, notify.Mail{To: []string{"vanhoa@dakglei.gov.vn"}, Subject: "Báo cáo tháng", Text: "Kính gửi phòng Văn hóa.",
		Attachments: []notify.Attachment{
			{Name: "bao-cao.pdf", ContentType: "application/pdf", Data: pdf},
			{Name: "bao-cao.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: xlsx},
		}}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	subject, parts := parseMail(t, msgs[0].Data)
	if subject != "Báo cáo tháng" {
		t.Errorf("subject %q", subject)
	}
	var gotPDF, gotXLSX []byte
	for _, p := range parts {
		switch p.Filename {
		case "bao-cao.pdf":
			gotPDF = p.Body
		case "bao-cao.xlsx":
			gotXLSX = p.Body
		}
	}
	if !bytes.Equal(gotPDF, pdf) || !bytes.Equal(gotXLSX, xlsx) {
		t.Fatalf("attachments changed on the way: pdf %d/%d bytes, xlsx %d/%d", len(gotPDF), len(pdf), len(gotXLSX), len(xlsx))
	}
	f, err := excelize.OpenReader(bytes.NewReader(gotXLSX))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Tổng hợp")
	if len(rows) != 2 || rows[1][0] != "dakglei" || rows[1][5] != fmt.Sprint(rep.Outlets[0].Published) {
		t.Errorf("attached workbook: %q", rows)
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("GATEKEEPER_REQUIRE_ALL") == "1" {
			t.Fatal("pdftotext not found (poppler-utils)")
		}
		t.Skip("pdftotext not found (poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(path, gotPDF, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PHÒNG VĂN HÓA VÀ THÔNG TIN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Cổng TTĐT huyện Đắk Glei"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the attached PDF does not say %q", want)
		}
	}
}

// A monthly and a quarterly schedule: nothing before their day; on it one
// mail each (two replicas producing and delivering), with the PDF and the
// XLSX of the right period attached, and the send in the audit.
func TestScheduledReports(t *testing.T) {
	w := newWorld(t)
	scheds := []notify.Schedule{
		{Outlet: "dakglei", Every: "monthly", Day: 3, To: []string{"vanhoa@dakglei.gov.vn"}},
		{Outlet: "*", Every: "quarterly", Day: 5, To: []string{"bantuyengiao@kontum.gov.vn"}, Lang: "en"},
	}
	for i := range w.notifier {
		w.notifier[i] = notify.New(w.st, w.notifierConfig(scheds))
		w.workers[i] = callback.New(w.st, callback.Config{Logger: quiet, Clock: w.clock.Clock(), BaseDelay: time.Second,
			Senders: map[string]callback.Sender{notify.Kind: w.notifier[i].Deliver}})
	}
	loc := w.o.Location()
	tick := func(at time.Time) {
		w.clock.Set(at)
		for range 2 {
			for _, n := range w.notifier {
				if err := n.RunOnce(w.ctx); err != nil {
					t.Fatal(err)
				}
			}
			w.deliver()
		}
	}
	y, m, _ := w.clock.Now().In(loc).Date()
	next := time.Date(y, m+1, 1, 12, 0, 0, 0, loc) // the 1st of next month
	tick(next.AddDate(0, 0, 1))                    // the 2nd: not yet
	if got := len(w.smtp.Messages()); got != 0 {
		t.Fatalf("%d mails before the day", got)
	}
	tick(time.Date(next.Year(), next.Month(), 3, 5, 30, 0, 0, loc)) // the 3rd before 06:00: not yet
	if got := len(w.smtp.Messages()); got != 0 {
		t.Fatalf("%d mails before the hour", got)
	}
	tick(time.Date(next.Year(), next.Month(), 3, 6, 5, 0, 0, loc))
	tick(time.Date(next.Year(), next.Month(), 4, 6, 5, 0, 0, loc)) // the next day: not again
	msgs := w.smtp.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "vanhoa@dakglei.gov.vn" {
		t.Fatalf("monthly: %d mails %+v", len(msgs), msgs)
	}
	subject, parts := parseMail(t, msgs[0].Data)
	month := report.Month(y, m)
	if !strings.Contains(subject, fmt.Sprintf("01/%02d/%d", month.From.Month, month.From.Year)) || !strings.Contains(subject, "Cổng TTĐT huyện Đắk Glei") {
		t.Errorf("monthly subject %q (want the month %s)", subject, month)
	}
	var pdf, xlsx []byte
	for _, p := range parts {
		switch {
		case strings.HasSuffix(p.Filename, ".pdf"):
			pdf = p.Body
		case strings.HasSuffix(p.Filename, ".xlsx"):
			xlsx = p.Body
		}
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("no PDF attached: %d bytes", len(pdf))
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatalf("attached workbook: %v", err)
	}
	rows, _ := f.GetRows("Tổng hợp")
	if len(rows) != 2 || rows[1][3] != month.From.String() || rows[1][4] != month.To.String() {
		t.Errorf("attached workbook's period: %q, want %s", rows, month)
	}
	audit, err := w.st.ListAudit(w.ctx, "dakglei", store.AuditFilter{Type: "report_sent"})
	if err != nil || len(audit) != 1 || !strings.Contains(string(audit[0].Detail), "vanhoa@dakglei.gov.vn") {
		t.Errorf("audit of the send: %+v %v", audit, err)
	}

	// The quarterly report of every outlet, on the 5th of a quarter's first month.
	qy, qm := y, time.Month(((int(m)-1)/3+1)*3+1) // the first month of the next quarter
	if qm > 12 {
		qy, qm = qy+1, qm-12
	}
	tick(time.Date(qy, qm, 5, 7, 0, 0, 0, loc))
	tick(time.Date(qy, qm, 6, 7, 0, 0, 0, loc))
	var quarterly []received
	for _, m := range w.smtp.Messages() {
		if m.To[0] == "bantuyengiao@kontum.gov.vn" {
			quarterly = append(quarterly, m)
		}
	}
	if len(quarterly) != 1 {
		t.Fatalf("quarterly: %d mails", len(quarterly))
	}
	_, parts = parseMail(t, quarterly[0].Data)
	for _, p := range parts {
		if strings.HasSuffix(p.Filename, ".xlsx") {
			f, err := excelize.OpenReader(bytes.NewReader(p.Body))
			if err != nil {
				t.Fatal(err)
			}
			sheets := f.GetSheetList()
			if strings.Join(sheets, "|") != "Totals|dakglei|kontum|Decisions" {
				t.Errorf("quarterly workbook sheets %q (all outlets, in English)", sheets)
			}
		}
	}
}

// The editor who recorded a held post is told when it is approved or
// rejected, by mail as they chose (immediately, at the digest hour, or not
// at all) and through the webhook, once however many replicas resolve or
// deliver; a CMS's held post tells nobody new.
func TestEditorToldOfTheReview(t *testing.T) {
	w := newWorld(t)
	for _, u := range []store.User{
		{Username: "bientap", Role: store.RoleEditor, Outlets: []string{"dakglei"}, Email: "bientap@dakglei.example.vn"},
		{Username: "sang", Role: store.RoleEditor, Outlets: []string{"dakglei"}, Email: "sang@example.vn", Notices: store.NoticesDigest},
		{Username: "tat", Role: store.RoleEditor, Outlets: []string{"dakglei"}, Email: "tat@example.vn", Notices: store.NoticesOff},
	} {
		u.PasswordHash = "x"
		if err := w.st.CreateUser(w.ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	rev := &review.Service{Store: w.st, Clock: w.clock.Clock(), Notices: w.notifier[0]}
	w.check("p0", "Tai nạn giao thông", true) // 3/21: the next negative post is held
	record := func(user, id, title string) string {
		a, err := w.gate.CheckFor(w.ctx, &w.o, gate.Post{ID: id, Title: title, DeclaredTone: "negative"}, false, user)
		if err != nil || a.Hold == nil {
			t.Fatalf("%s records %s: %+v %v", user, id, a, err)
		}
		return a.Hold.ID
	}
	h1 := record("bientap", "link-1", "Cháy rừng ở Kon Plông")
	h2 := record("sang", "link-2", "Lũ quét ở Đắk Pék")
	h3 := record("tat", "link-3", "Sạt lở đất ở Mường Hoong")
	cms := w.check("p9", "Tai nạn lao động", true).Hold.ID
	if _, err := rev.Resolve(w.ctx, w.o, h1, true, "mai", "Tin cảnh báo người dân, cần đăng"); err != nil {
		t.Fatal(err)
	}
	if _, err := rev.Resolve(w.ctx, w.o, h2, false, "mai", "Chờ số liệu chính thức"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{h3, cms} {
		if _, err := rev.Resolve(w.ctx, w.o, h, false, "mai", "không đăng"); err != nil {
			t.Fatal(err)
		}
	}
	// A second replica told of the same resolution queues nothing new.
	h, _ := w.st.GetHold(w.ctx, w.o.ID, h1)
	w.notifier[1].Resolved(w.ctx, w.o, h)
	w.deliver()

	got := w.mailsTo("bientap@dakglei.example.vn")
	if len(got) != 1 || !strings.Contains(got[0][0], "Bài đã được duyệt: Cháy rừng ở Kon Plông") ||
		!strings.Contains(got[0][1], "đã được mai duyệt") || !strings.Contains(got[0][1], "Tin cảnh báo người dân, cần đăng") {
		t.Fatalf("the editor's mail: %q", got)
	}
	if got := w.mailsTo("sang@example.vn"); len(got) != 0 {
		t.Fatalf("a digest editor was mailed before the digest hour: %q", got)
	}
	if got := w.mailsTo("tat@example.vn"); len(got) != 0 {
		t.Fatalf("an editor with notices off was mailed: %q", got)
	}
	var resolved []notify.Event
	for _, e := range w.hook.events() {
		if e.Type == notify.EventApproved || e.Type == notify.EventRejected {
			resolved = append(resolved, e)
		}
	}
	if len(resolved) != 3 {
		t.Fatalf("webhook resolution events %d, want 3 (none for the CMS's post): %+v", len(resolved), resolved)
	}
	for _, e := range resolved {
		if e.HoldID == cms || e.Submitter == "" || e.Reviewer != "mai" {
			t.Errorf("webhook event %+v", e)
		}
	}
	// The digest hour: the rejection reaches sang.
	loc := w.o.Location()
	y, mo, d := w.clock.Now().In(loc).Date()
	w.clock.Set(time.Date(y, mo, d+1, 7, 0, 30, 0, loc))
	w.deliver()
	if got := w.mailsTo("sang@example.vn"); len(got) != 1 || !strings.Contains(got[0][0], "Bài bị từ chối: Lũ quét ở Đắk Pék") ||
		!strings.Contains(got[0][1], "Chờ số liệu chính thức") {
		t.Fatalf("the digest editor's mail: %q", got)
	}
	for id, n := range w.hook.seen {
		if n != 1 {
			t.Errorf("webhook %s received %d times", id, n)
		}
	}
}
