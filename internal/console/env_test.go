package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/callback"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/testsupport/teststore"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

// testPassword is every test user's password.
const testPassword = "mat-khau-thu-nghiem-1"

// received is one callback the test receiver got.
type received struct {
	Header http.Header
	Body   []byte
}

// env is a console on a real store, served over HTTP, with two outlets (A
// and B), users of every role, held posts and a CMS callback receiver.
type env struct {
	t       testing.TB
	ctx     context.Context
	st      store.Store
	con     *Console
	srv     *httptest.Server
	cms     *httptest.Server
	worker  *callback.Worker
	a, b    store.Outlet
	secretA string
	// now is the instant the fixture is built at; the console, its reviews
	// and the callback worker read it too (clock.Fixed).
	now time.Time

	mu       sync.Mutex
	received []received
}

// fastHash makes test users cheap to create: the stored hash uses the same
// code path with the minimum parameters VerifyPassword accepts.
var (
	fastHashOnce sync.Once
	fastHashVal  string
)

func testHash(t testing.TB) string {
	fastHashOnce.Do(func() {
		h, err := HashPassword(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		fastHashVal = h
	})
	return fastHashVal
}

// The real stores (teststore), under the names the console's tests use.
var (
	openSQLite = teststore.SQLite
	openRedis  = teststore.Redis
	eachStore  = teststore.Each
)

// envNow is the instant a console test runs at unless it chooses its own
// (or GATEKEEPER_TEST_NOW pins one): a weekday morning in Asia/Ho_Chi_Minh.
var envNow = time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("ICT", 7*3600))

// newEnv is newEnvAt the test's instant (testsupport.Now).
func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	return newEnvAt(t, st, testsupport.Now(t, envNow))
}

// newEnvAt builds the env with the console's, the reviews' and the callback
// worker's clock stopped at now, which the fixture is built around (e.now).
// A test moves the console's clock by setting e.con.cfg.Clock and
// e.con.review.Clock.
func newEnvAt(t testing.TB, st store.Store, now time.Time) *env {
	t.Helper()
	gin.SetMode(gin.TestMode)
	e := &env{t: t, ctx: context.Background(), st: st, now: now}
	e.cms = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.received = append(e.received, received{Header: r.Header.Clone(), Body: b})
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(e.cms.Close)
	clk := clock.Fixed(now)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	e.secretA = secret
	mk := func(id, name string, cb string) store.Outlet {
		o := store.Outlet{ID: id, Name: name, Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh",
			CallbackURL: cb, AllowPrivateCallback: true, Secrets: []store.Secret{{Value: secret}}, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOutlet(e.ctx, o); err != nil {
			t.Fatalf("create outlet: %v", err)
		}
		return o
	}
	e.a = mk("dakglei", "Cổng TTĐT huyện Đắk Glei", e.cms.URL+"/wp-json/gatekeeper/v1/callback")
	e.b = mk("kontum", "Báo Kon Tum điện tử", e.cms.URL+"/b")
	for _, u := range []store.User{
		{Username: "admin", Role: store.RoleAdmin},
		{Username: "mai", Role: store.RoleManager, Outlets: []string{e.a.ID}},
		{Username: "lan", Role: store.RoleManager, Outlets: []string{e.b.ID}},
		{Username: "kiemtra", Role: store.RoleAuditor},
		{Username: "victim", Role: store.RoleManager, Outlets: []string{e.a.ID}},
		{Username: "bientap", Role: store.RoleEditor, Outlets: []string{e.a.ID}},
	} {
		u.PasswordHash, u.CreatedAt, u.UpdatedAt = testHash(t), now, now
		if err := st.CreateUser(e.ctx, u); err != nil {
			t.Fatalf("create user: %v", err)
		}
	}
	quiet := testsupport.Discard()
	e.con = New(Config{Logger: quiet, AddrFailures: 8, Clock: clk}, Deps{Store: st})
	r := gin.New()
	e.con.Register(r)
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	e.worker = callback.New(st, callback.Config{Logger: quiet, BaseDelay: time.Second, Clock: clk})
	return e
}

// snapshotJSON is what the gate keeps with a hold (gate.Snapshot).
func snapshotJSON(id, title, content, author string, evidence ...string) []byte {
	ev := []policy.Evidence{}
	for _, x := range evidence {
		ev = append(ev, policy.Evidence{Text: x, Field: "title", Weight: 2})
	}
	b, _ := json.Marshal(gate.Snapshot{
		Post: gate.Post{ID: id, Title: title, Content: content, URL: "https://dakglei.example.vn/?p=" + id,
			Categories: []string{"Thời sự"}, Author: author},
		Classification: policy.Classification{Language: "vi", Tone: policy.ToneResult{Label: policy.Negative, Score: 0.91, Evidence: ev}},
		Rules:          policy.DefaultRules(),
		Subject:        policy.Subject{Negative: true},
		WindowDays:     30,
	})
	return b
}

// check runs a check of a post at now through the store, as the handler does.
func (e *env) check(o store.Outlet, postID string, negative bool, now time.Time, snap []byte) store.CheckResult {
	e.t.Helper()
	subj := policy.Subject{Negative: negative}
	in := store.CheckInput{
		Outlet: o.ID, PostID: postID, Now: now, Window: o.Window(), Day: store.DayKey(now, o.Location()),
		Rules: o.Rules, Subject: subj, Plan: policy.MakePlan(o.Rules, subj),
		// The hold id only needs to be unique: the wall clock decides nothing.
		HoldID: "h" + fmt.Sprint(time.Now().UnixNano()), Snapshot: snap, Actor: "editor1",
	}
	res, err := e.st.Check(e.ctx, in)
	if err != nil {
		e.t.Fatalf("check: %v", err)
	}
	return res
}

// hold creates a held post in o (its window is empty or already at the
// limit, so a negative post is held) and returns its hold id.
func (e *env) hold(o store.Outlet, postID, title, content string, at time.Time, evidence ...string) string {
	e.t.Helper()
	res := e.check(o, postID, true, at, snapshotJSON(postID, title, content, "phongvien.an", evidence...))
	if res.HoldID == "" {
		e.t.Fatalf("post %s was not held (situation %+v, counts before %+v)", postID, res.Situation, res.Before)
	}
	return res.HoldID
}

// session signs a user in directly in the store and returns an HTTP client
// carrying its cookie, and the form token.
func (e *env) session(username string) (*http.Client, string) {
	e.t.Helper()
	token := randomToken(32)
	now := e.con.now() // valid on the console's clock
	s := store.Session{ID: sessionID(token), Username: username, CSRF: randomToken(32), Created: now, Expires: now.Add(time.Hour)}
	if err := e.st.PutSession(e.ctx, s); err != nil {
		e.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "gk_session", Value: token, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, s.CSRF
}

func anonymous() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get and post return the status, Location and body.
func (e *env) get(c *http.Client, path string) (int, string, string) {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (e *env) post(c *http.Client, path string, form url.Values) (int, string, string) {
	e.t.Helper()
	resp, err := c.PostForm(e.srv.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (e *env) callbacks() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.received...)
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// textOf strips tags, for assertions on what a page says.
func textOf(html string) string {
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(html, " ")), " ")
}
