package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/store"
)

// Context keys.
const (
	keyUser    = "console.user"
	keySession = "console.session"
)

// sessionCookie is the cookie's name: with the __Host- prefix when it is
// Secure (browsers then refuse it from any other host or path).
func (c *Console) sessionCookie(r *http.Request) (name string, secure bool) {
	if c.cfg.SecureCookies || r.TLS != nil {
		return "__Host-gk_session", true
	}
	return "gk_session", false
}

// sessionID is what the store keeps for a token: its SHA-256, so a copy of
// the store cannot be replayed as cookies.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// loadSession finds the signed-in user, if any, and extends an idle session.
func (c *Console) loadSession(g *gin.Context) {
	name, _ := c.sessionCookie(g.Request)
	ck, err := g.Request.Cookie(name)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		g.Next()
		return
	}
	now := c.now()
	s, err := c.st.GetSession(ctx(g), sessionID(ck.Value), now)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.log.Error("console: session", "err", err)
		}
		g.Next()
		return
	}
	u, err := c.st.GetUser(ctx(g), s.Username)
	if err != nil {
		g.Next()
		return
	}
	// Slide the idle expiry (at most every minute, never past the TTL).
	if want := minTime(s.Created.Add(c.cfg.SessionTTL), now.Add(c.cfg.SessionIdle)); want.Sub(s.Expires) > time.Minute {
		s.Expires = want
		if err := c.st.PutSession(ctx(g), s); err != nil {
			c.log.Warn("console: extend session", "err", err)
		}
	}
	g.Set(keyUser, &u)
	g.Set(keySession, &s)
	g.Next()
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func userOf(g *gin.Context) *store.User {
	if v, ok := g.Get(keyUser); ok {
		return v.(*store.User)
	}
	return nil
}

func sessionOf(g *gin.Context) *store.Session {
	if v, ok := g.Get(keySession); ok {
		return v.(*store.Session)
	}
	return nil
}

// requireUser sends anyone not signed in to the login page.
func (c *Console) requireUser(g *gin.Context) {
	if userOf(g) == nil {
		next := ""
		if g.Request.Method == http.MethodGet {
			next = g.Request.URL.RequestURI()
		}
		g.Redirect(http.StatusSeeOther, "/console/login"+queryNext(next))
		g.Abort()
		return
	}
	g.Next()
}

func queryNext(next string) string {
	if next == "" || !safeNext(next) {
		return ""
	}
	return "?next=" + url.QueryEscape(next)
}

// safeNext accepts only paths inside the console (no open redirect): no
// scheme, host or user, no "//", backslash or control character, and a
// path that stays under /console once dot segments are removed. The sign-in
// and language routes are not destinations (no loops).
func safeNext(next string) bool {
	return consolePath(next) && !isAuthPath(next)
}

// safeLangNext is where the language switch may go back to: the sign-in
// page as well.
func safeLangNext(next string) bool {
	return consolePath(next) && !strings.HasPrefix(cleanPath(next), "/console/lang/")
}

func consolePath(next string) bool {
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return false
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	p := cleanPath(next)
	return p == "/console" || strings.HasPrefix(p, "/console/")
}

// cleanPath is next's decoded path without dot segments ("" when it does
// not parse).
func cleanPath(next string) string {
	u, err := url.Parse(next)
	if err != nil {
		return ""
	}
	return path.Clean(u.Path)
}

func isAuthPath(next string) bool {
	p := cleanPath(next)
	return p == "/console/login" || p == "/console/logout" || strings.HasPrefix(p, "/console/lang/")
}

// The most a form may send: an import's upload (maxUploadBytes and room for
// its other fields), every other form maxFormBytes.
const (
	maxFormBytes   = 2 << 20
	maxUploadBytes = 20 << 20
)

// formLimit is the most a form posted to path may send.
func formLimit(path string) int64 {
	if path == "/console/import" {
		return maxUploadBytes + 64<<10
	}
	return maxFormBytes
}

// readForm reads the posted form within formLimit, answering 413 with the
// limit in words when it is larger (false: the answer is written).
func (c *Console) readForm(g *gin.Context) bool {
	r := g.Request
	limit := formLimit(r.URL.Path)
	tooLarge := func() bool {
		c.log.Info("console: form too large", "path", r.URL.Path, "content_length", r.ContentLength)
		c.errorPage(g, http.StatusRequestEntityTooLarge, "err.toolarge", limit>>20)
		return false
	}
	if r.ContentLength > limit {
		return tooLarge()
	}
	r.Body = http.MaxBytesReader(g.Writer, r.Body, limit)
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	return true
}

// checkCSRF requires the session's token in every state-changing form, on
// top of the cross-origin check.
func (c *Console) checkCSRF(g *gin.Context) {
	if g.Request.Method == http.MethodGet || g.Request.Method == http.MethodHead {
		g.Next()
		return
	}
	if !c.readForm(g) {
		return
	}
	s := sessionOf(g)
	tok := g.PostForm("csrf")
	if s == nil || tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
		c.errorPage(g, http.StatusForbidden, "err.csrf")
		return
	}
	g.Next()
}

// canView: admins and auditors see every outlet, managers their own;
// editors see no outlet's review pages (only their own posts, posts.go).
func canView(u *store.User, outlet string) bool {
	switch u.Role {
	case store.RoleAdmin, store.RoleAuditor:
		return true
	case store.RoleManager:
		return slices.Contains(u.Outlets, outlet)
	}
	return false
}

// canAct: admins act on every outlet, managers on their own, auditors and
// editors never.
func canAct(u *store.User, outlet string) bool {
	switch u.Role {
	case store.RoleAdmin:
		return true
	case store.RoleManager:
		return slices.Contains(u.Outlets, outlet)
	}
	return false
}

func (c *Console) requireOutletView(g *gin.Context) {
	if !canView(userOf(g), g.Param("outlet")) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	g.Next()
}

func (c *Console) requireOutletAct(g *gin.Context) {
	if !canAct(userOf(g), g.Param("outlet")) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	g.Next()
}

func (c *Console) requireAdmin(g *gin.Context) {
	if userOf(g).Role != store.RoleAdmin {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	g.Next()
}

// home sends each role to its first page.
func (c *Console) home(g *gin.Context) {
	if userOf(g).Role == store.RoleEditor {
		g.Redirect(http.StatusSeeOther, "/console/check")
		return
	}
	if userOf(g).Role == store.RoleManager {
		g.Redirect(http.StatusSeeOther, "/console/holds")
		return
	}
	g.Redirect(http.StatusSeeOther, "/console/overview")
}

type loginData struct {
	Username string
	Next     string
	Error    string
}

func (c *Console) loginPage(g *gin.Context) {
	if userOf(g) != nil {
		g.Redirect(http.StatusSeeOther, "/console/")
		return
	}
	next := g.Query("next")
	if !safeNext(next) {
		next = ""
	}
	c.render(g, http.StatusOK, "login", "login.title", loginData{Next: next})
}

// userDelays is the wait after each attempt for one username: none for
// the first free-1 attempts, then base, doubling up to limit.
func userDelays(free int64, base, limit time.Duration) []time.Duration {
	var d []time.Duration
	for range max(free-1, 0) {
		d = append(d, 0)
	}
	for w := base; ; w *= 2 {
		if w >= limit {
			return append(d, limit)
		}
		d = append(d, w)
	}
}

// login checks a username and password. Before any password is derived the
// attempt is reserved in the store, atomically, under the address (at most
// AddrFailures wrong ones per window) and under the username (free at
// first, then growing waits, never a lock). A refused attempt answers 429
// with Retry-After and changes nothing.
func (c *Console) login(g *gin.Context) {
	lang := langOf(g)
	raw := g.PostForm("username")
	pw := g.PostForm("password")
	next := g.PostForm("next")
	if !safeNext(next) {
		next = ""
	}
	name := strings.ToLower(strings.TrimSpace(raw))
	if len(name) > 64 {
		name = name[:64]
	}
	data := loginData{Username: raw, Next: next}
	now := c.now()
	userKey, addrKey := "user:"+name, "addr:"+g.ClientIP()

	addr, err := c.st.ReserveLoginAttempt(ctx(g), addrKey, now, store.LoginRule{Limit: c.cfg.AddrFailures, Window: c.cfg.FailureWindow})
	if err == nil && addr.Allowed {
		var user store.LoginAttempt
		user, err = c.st.ReserveLoginAttempt(ctx(g), userKey, now, store.LoginRule{Window: c.cfg.FailureWindow,
			Delays: userDelays(c.cfg.UserFailures, c.cfg.UserDelay, c.cfg.UserDelayMax)})
		if err != nil || !user.Allowed {
			// Not tried: the address's attempt is given back.
			if rerr := c.st.ReleaseLoginAttempt(ctx(g), addrKey); rerr != nil {
				c.log.Error("console: release sign-in attempt", "err", rerr)
			}
			addr = user
		}
	}
	if err != nil {
		c.log.Error("console: reserve sign-in attempt", "err", err)
		data.Error = tr(lang, "login.error")
		c.render(g, http.StatusServiceUnavailable, "login", "login.title", data)
		return
	}
	if !addr.Allowed {
		wait := addr.RetryAt.Sub(now)
		secs := int(wait.Seconds())
		if time.Duration(secs)*time.Second < wait {
			secs++
		}
		secs = max(secs, 1)
		c.log.Warn("console: sign-in throttled", "username", name, "addr", g.ClientIP(), "retry_after_s", secs)
		g.Header("Retry-After", itoa(secs))
		if secs < 60 {
			data.Error = tr(lang, "login.slow", secs)
		} else {
			data.Error = tr(lang, "login.throttled", (secs+59)/60)
		}
		c.render(g, http.StatusTooManyRequests, "login", "login.title", data)
		return
	}

	u, err := c.st.GetUser(ctx(g), name)
	ok := false
	switch {
	case err == nil:
		ok = VerifyPassword(u.PasswordHash, pw)
	case errors.Is(err, store.ErrNotFound):
		VerifyPassword(dummyHash(), pw) // same time as a wrong password
	default:
		c.log.Error("console: login", "err", err)
		data.Error = tr(lang, "login.error")
		c.render(g, http.StatusServiceUnavailable, "login", "login.title", data)
		return
	}
	if !ok {
		// Both reservations stay: they are this wrong password's count.
		c.log.Info("console: sign-in failed", "username", name, "addr", g.ClientIP())
		data.Error = tr(lang, "login.bad")
		c.render(g, http.StatusUnauthorized, "login", "login.title", data)
		return
	}
	// Signed in: the username starts over, and the address does not pay
	// for a good password.
	if err := c.st.ResetLoginAttempts(ctx(g), userKey); err != nil {
		c.log.Error("console: reset sign-in attempts", "err", err)
	}
	if err := c.st.ReleaseLoginAttempt(ctx(g), addrKey); err != nil {
		c.log.Error("console: release sign-in attempt", "err", err)
	}

	// A new session on every sign-in (no fixation); end the old one.
	if old := sessionOf(g); old != nil {
		_ = c.st.DeleteSession(ctx(g), old.ID)
	}
	token := randomToken(32)
	s := store.Session{
		ID: sessionID(token), Username: u.Username, CSRF: randomToken(32),
		Created: now, Expires: minTime(now.Add(c.cfg.SessionTTL), now.Add(c.cfg.SessionIdle)),
	}
	if err := c.st.PutSession(ctx(g), s); err != nil {
		c.log.Error("console: create session", "err", err)
		data.Error = tr(lang, "login.error")
		c.render(g, http.StatusServiceUnavailable, "login", "login.title", data)
		return
	}
	c.log.Info("console: signed in", "username", u.Username, "role", u.Role, "addr", g.ClientIP())
	cname, secure := c.sessionCookie(g.Request)
	http.SetCookie(g.Writer, &http.Cookie{
		Name: cname, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(c.cfg.SessionTTL.Seconds()),
	})
	if next == "" {
		next = "/console/"
	}
	g.Redirect(http.StatusSeeOther, next)
}

func (c *Console) logout(g *gin.Context) {
	if s := sessionOf(g); s != nil {
		_ = c.st.DeleteSession(ctx(g), s.ID)
	}
	cname, secure := c.sessionCookie(g.Request)
	http.SetCookie(g.Writer, &http.Cookie{Name: cname, Value: "", Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	g.Redirect(http.StatusSeeOther, "/console/login")
}

// setLang remembers the language in a cookie and goes back.
func (c *Console) setLang(g *gin.Context) {
	lang := g.Param("lang")
	if lang != langEN {
		lang = langVI
	}
	_, secure := c.sessionCookie(g.Request)
	http.SetCookie(g.Writer, &http.Cookie{Name: "gk_lang", Value: lang, Path: "/console", Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	next := g.Query("next")
	if !safeLangNext(next) {
		next = "/console/"
	}
	g.Redirect(http.StatusSeeOther, next)
}

// langOf is the page language: the gk_lang cookie, else Vietnamese.
func langOf(g *gin.Context) string {
	if v, ok := g.Get("console.lang"); ok {
		return v.(string)
	}
	lang := langVI
	if ck, err := g.Request.Cookie("gk_lang"); err == nil && ck.Value == langEN {
		lang = langEN
	}
	g.Set("console.lang", lang)
	return lang
}

type accountData struct {
	Error       string
	NoticeError string
	Email       string
	Notices     string
	NoticeModes []string
}

func (c *Console) accountData(u *store.User) accountData {
	mode := u.Notices
	if mode == "" {
		mode = store.NoticesImmediate
	}
	return accountData{Email: u.Email, Notices: mode, NoticeModes: []string{store.NoticesImmediate, store.NoticesDigest, store.NoticesOff}}
}

func (c *Console) accountPage(g *gin.Context) {
	c.render(g, http.StatusOK, "account", "account.title", c.accountData(userOf(g)))
}

// accountNotices sets where and how the user receives notices.
func (c *Console) accountNotices(g *gin.Context) {
	u := userOf(g)
	email, mode, err := ParseNotices(g.PostForm("email"), g.PostForm("notices"))
	if err != nil {
		d := c.accountData(u)
		d.Email, d.Notices = g.PostForm("email"), g.PostForm("notices")
		d.NoticeError = tr(langOf(g), "account.noticesbad")
		c.render(g, http.StatusBadRequest, "account", "account.title", d)
		return
	}
	if err := c.accounts.SetNotices(ctx(g), u.Username, u.Username, email, mode); err != nil && !errors.Is(err, ErrAuditFailed) {
		c.storeErr(g, err)
		return
	}
	g.Redirect(http.StatusSeeOther, "/console/account?ok=saved")
}

// changePassword lets a user change their own password; every other
// session of theirs ends.
func (c *Console) changePassword(g *gin.Context) {
	u := userOf(g)
	lang := langOf(g)
	if !VerifyPassword(u.PasswordHash, g.PostForm("current")) {
		c.render(g, http.StatusBadRequest, "account", "account.title", func() accountData { d := c.accountData(u); d.Error = tr(lang, "account.wrong"); return d }())
		return
	}
	pw := g.PostForm("new")
	if CheckPasswordPolicy(pw) != nil {
		c.render(g, http.StatusBadRequest, "account", "account.title",
			func() accountData {
				d := c.accountData(u)
				d.Error = tr(lang, "account.weak", MinPasswordLen, MaxPasswordLen)
				return d
			}())
		return
	}
	if err := c.accounts.ChangeOwnPassword(ctx(g), *u, pw); err != nil && !errors.Is(err, ErrAuditFailed) {
		c.storeErr(g, err)
		return
	}
	// Keep this browser signed in with a fresh session.
	s := sessionOf(g)
	s.ID = ""
	token := randomToken(32)
	ns := store.Session{ID: sessionID(token), Username: u.Username, CSRF: randomToken(32), Created: s.Created, Expires: s.Expires}
	if err := c.st.PutSession(ctx(g), ns); err != nil {
		c.storeErr(g, err)
		return
	}
	cname, secure := c.sessionCookie(g.Request)
	http.SetCookie(g.Writer, &http.Cookie{Name: cname, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(c.cfg.SessionTTL.Seconds())})
	g.Redirect(http.StatusSeeOther, "/console/account?ok=password")
}
