package console

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/posting"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// The longest a field of the check form may be, in characters.
const (
	maxTitleLen   = 500
	maxTextLen    = 50000
	maxCaptionLen = 2000
)

// canPost: who may check and record posts for an outlet — admins on every
// outlet, managers and editors on their own.
func canPost(u *store.User, outlet string) bool {
	switch u.Role {
	case store.RoleAdmin:
		return true
	case store.RoleManager, store.RoleEditor:
		return slices.Contains(u.Outlets, outlet)
	}
	return false
}

// mayPost: the user may post to some outlet (admins, managers, editors).
func mayPost(u *store.User) bool {
	return u.Role == store.RoleAdmin || u.Role.HasOutlets()
}

// requirePoster lets through those who may check and record posts.
func (c *Console) requirePoster(g *gin.Context) {
	if !mayPost(userOf(g)) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	g.Next()
}

// requireReviewer keeps editors out of the review pages (held items of
// others, overview, audit, reports, exports).
func (c *Console) requireReviewer(g *gin.Context) {
	if userOf(g).Role == store.RoleEditor {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	g.Next()
}

// postableOutlets are the outlets the user may post to, by name.
func (c *Console) postableOutlets(g *gin.Context) ([]store.Outlet, error) {
	return c.outletsWhere(g, canPost)
}

// checkForm is what the editor typed.
type checkForm struct {
	Outlet, Title, Text, Link, Caption, ID string
}

// cleanField makes typed text safe to keep: valid UTF-8, no control
// characters but tabs and line breaks, line breaks as "\n".
func cleanField(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
}

func readCheckForm(g *gin.Context) checkForm {
	oneLine := func(k string) string { return strings.Join(strings.Fields(cleanField(g.PostForm(k))), " ") }
	return checkForm{
		Outlet: g.PostForm("outlet"), Title: oneLine("title"), Text: strings.TrimSpace(cleanField(g.PostForm("text"))),
		Caption: strings.TrimSpace(cleanField(g.PostForm("caption"))),
		// A link or id with control characters is refused (posting), not mended.
		Link: strings.TrimSpace(strings.ToValidUTF8(g.PostForm("link"), "\uFFFD")),
		ID:   strings.TrimSpace(strings.ToValidUTF8(g.PostForm("id"), "\uFFFD")),
	}
}

// validate says what is wrong with the form, in lang ("" when nothing).
func (f checkForm) validate(lang string) string {
	switch {
	case f.Title == "" && f.Text == "":
		return tr(lang, "check.err.empty")
	case utf8.RuneCountInString(f.Title) > maxTitleLen:
		return tr(lang, "check.err.long", tr(lang, "check.f.title"), maxTitleLen)
	case utf8.RuneCountInString(f.Text) > maxTextLen:
		return tr(lang, "check.err.long", tr(lang, "check.f.text"), maxTextLen)
	case utf8.RuneCountInString(f.Caption) > maxCaptionLen:
		return tr(lang, "check.err.long", tr(lang, "check.f.caption"), maxCaptionLen)
	}
	return ""
}

// textHTML is plain text as the HTML a post's content is: paragraphs on
// blank lines, every character escaped, so "<script>" stays words.
func textHTML(parts ...string) string {
	var b strings.Builder
	for _, part := range parts {
		for _, p := range strings.Split(part, "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				b.WriteString("<p>")
				b.WriteString(strings.ReplaceAll(html.EscapeString(p), "\n", "<br>"))
				b.WriteString("</p>")
			}
		}
	}
	return b.String()
}

// headline is the title the post is read with: its own, else its text's
// first line (posting.Headline: a social post has no title).
func (f checkForm) headline() string { return posting.Headline(f.Title, f.Text) }

// post is the form as the gate's post (id given by the caller).
func (f checkForm) post(id, author string) gate.Post {
	return gate.Post{ID: id, Title: f.headline(), Content: textHTML(f.Text, f.Caption), URL: f.Link, Author: author}
}

// digest identifies the outlet and text that were checked, so "Đã đăng"
// can tell whether it records what the dry run saw.
func (f checkForm) digest() string {
	return review.TextDigest(f.Outlet+"\x00"+f.Title, f.Caption, f.Text)
}

// checkResult is a verdict as the check page shows it.
type checkResult struct {
	DryRun    bool
	Outlet    store.Outlet
	Decision  string
	PostID    string
	ToneKey   string
	Negative  bool
	Answer    *gate.Answer
	Title     []segment
	Text      [][]segment
	Caption   [][]segment
	Evidence  []evidenceView
	SensEv    []evidenceView
	Before    int64
	After     int64
	PosBefore int64
	PosAfter  int64
	Headroom  headroomView
	Reasons   []string
	Safe      string
	HoldURL   string
	// Again: the post was already counted; recording it again changed no count.
	Again bool
	// Moved: the dry run on this text did not hold it, the record did: the
	// share moved in between. SeenAfter is the share the dry run showed.
	Moved     bool
	SeenAfter int64
}

type checkData struct {
	Outlets []store.Outlet
	Form    checkForm
	Error   string
	Result  *checkResult
	// Seen are the dry run's figures the record form sends back.
	SeenDecision, SeenAfter, SeenDigest string
	Notices                             []postNotice
}

func (c *Console) makeResult(lang string, o store.Outlet, f checkForm, a *gate.Answer) *checkResult {
	ev := evidencePhrases(a.Tone.Evidence)
	var sens []string
	if a.Sensational.Flagged {
		sens = evidencePhrases(a.Sensational.Evidence)
	}
	r := &checkResult{
		DryRun: a.DryRun, Outlet: o, Decision: string(a.Decision), PostID: a.PostID, Answer: a,
		Negative: a.Tone.Label == policy.Negative, ToneKey: "tone." + string(a.Tone.Label),
		Title: highlight(f.headline(), ev, sens...), Text: paragraphs(f.Text, ev), Caption: paragraphs(f.Caption, ev),
		Evidence: evidenceViews(lang, a.Tone.Evidence), SensEv: evidenceViews(lang, a.Sensational.Evidence),
		Before: bp(a.Share.Before), After: bp(a.Share.After),
		PosBefore: bp(a.Share.PositiveBefore), PosAfter: bp(a.Share.PositiveAfter),
		Headroom: headroomView{Left: a.Headroom.NegativeLeft, Need: a.Headroom.NonNegativeNeeded},
		Again:    !a.DryRun && a.Ledger != policy.NotCounted,
	}
	if a.Tone.Label == "" {
		r.ToneKey = "tone.neutral"
	}
	a.Localize(msgLang(lang))
	for _, x := range a.Reasons {
		r.Reasons = append(r.Reasons, x.Message)
	}
	if a.Hold != nil {
		var at *time.Time
		if a.Hold.EarliestSafeAt != nil {
			if t, err := time.Parse(time.RFC3339, *a.Hold.EarliestSafeAt); err == nil {
				at = &t
			}
		}
		r.Safe = safeText(lang, o, at, a.Headroom, c.now())
		if a.Hold.ID != "" {
			r.HoldURL = holdURL(o.ID, a.Hold.ID)
		}
	}
	return r
}

// checkPage shows the empty form (the outlet chosen by ?outlet=).
func (c *Console) checkPage(g *gin.Context) {
	c.showCheck(g, http.StatusOK, checkForm{Outlet: g.Query("outlet")}, "", nil)
}

func (c *Console) showCheck(g *gin.Context, status int, f checkForm, errMsg string, r *checkResult) {
	outlets, err := c.postableOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	d := checkData{Outlets: outlets, Form: f, Error: errMsg, Result: r}
	if d.Form.Outlet == "" && len(outlets) > 0 {
		d.Form.Outlet = outlets[0].ID
	}
	if r != nil && r.DryRun {
		d.SeenDecision, d.SeenAfter, d.SeenDigest = r.Decision, itoa(int(r.After)), f.digest()
	}
	d.Notices = c.postNotices(g)
	c.render(g, status, "check", "check.title", d)
}

// formOutlet finds the form's outlet, which the user must be allowed to
// post to (false: the answer is written).
func (c *Console) formOutlet(g *gin.Context, f checkForm) (store.Outlet, bool) {
	if !canPost(userOf(g), f.Outlet) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return store.Outlet{}, false
	}
	o, err := c.st.GetOutlet(ctx(g), f.Outlet)
	if err != nil {
		c.storeErr(g, err)
		return o, false
	}
	return o, true
}

// postedForm reads the check form of "Kiểm tra" and "Đã đăng" alike: its
// outlet, which the user must be allowed to post to, and its fields,
// validated (false: the answer is written).
func (c *Console) postedForm(g *gin.Context) (checkForm, store.Outlet, bool) {
	f := readCheckForm(g)
	o, ok := c.formOutlet(g, f)
	if !ok {
		return f, o, false
	}
	if msg := f.validate(langOf(g)); msg != "" {
		c.showCheck(g, http.StatusBadRequest, f, msg, nil)
		return f, o, false
	}
	return f, o, true
}

// checkPost is "Kiểm tra": a dry run, the same verdict a CMS's check gets,
// nothing recorded.
func (c *Console) checkPost(g *gin.Context) {
	lang := langOf(g)
	f, o, ok := c.postedForm(g)
	if !ok {
		return
	}
	// Without a link or id: the draft's own id (posting.DraftID), none
	// the ledger knows, so the verdict is a new post's.
	id := posting.DraftID(f.Title, f.Text)
	if f.Link != "" || f.ID != "" {
		pid, err := postIDOf(f)
		if err != nil {
			c.showCheck(g, http.StatusBadRequest, f, postingErr(lang, err), nil)
			return
		}
		id = pid
	}
	u := userOf(g)
	a, err := c.gate.CheckFor(ctx(g), &o, f.post(id, u.Username), true, u.Username)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	c.showCheck(g, http.StatusOK, f, "", c.makeResult(lang, o, f, a))
}

// recordPost is "Đã đăng": the post went out; it is counted now, atomically,
// as a CMS's check is, under its link or id (the same post twice counts
// once). The answer is the real decision: a hold when the share moved
// since the dry run.
func (c *Console) recordPost(g *gin.Context) {
	lang := langOf(g)
	f, o, ok := c.postedForm(g)
	if !ok {
		return
	}
	id, err := postIDOf(f)
	if err != nil {
		c.showCheck(g, http.StatusBadRequest, f, postingErr(lang, err), nil)
		return
	}
	u := userOf(g)
	a, err := c.gate.CheckFor(ctx(g), &o, f.post(id, u.Username), false, u.Username)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	r := c.makeResult(lang, o, f, a)
	if g.PostForm("seen_digest") == f.digest() {
		seen := g.PostForm("seen_decision")
		if a.Decision == policy.Hold && seen != "" && seen != string(policy.Hold) {
			r.Moved = true
			r.SeenAfter = toInt64(g.PostForm("seen_after"))
		}
	}
	c.audit(g, o.ID, store.AuditEntry{Type: recordedType, PostID: a.PostID, Decision: string(a.Decision),
		HoldID: holdIDOf(a), Detail: mustJSON(recordDetail{Title: f.headline(), URL: f.Link, Again: r.Again})})
	c.log.Info("console: post recorded", "outlet", o.ID, "post", a.PostID, "decision", a.Decision, "by", u.Username)
	c.showCheck(g, http.StatusOK, f, "", r)
}

// recordedType is the audit entry of a post an editor recorded; "Bài của
// tôi" lists them.
const recordedType = "post_recorded"

// recordDetail is a recorded post's audit detail.
type recordDetail struct {
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
	Again bool   `json:"again,omitempty"`
}

func holdIDOf(a *gate.Answer) string {
	if a.Hold != nil {
		return a.Hold.ID
	}
	return ""
}

// postIDOf is the id the form's post is counted under (posting.PostID).
func postIDOf(f checkForm) (string, error) { return posting.PostID(f.Link, f.ID) }

// postingErr words a refused link or id in lang.
func postingErr(lang string, err error) string {
	var pe *posting.Error
	if errors.As(err, &pe) {
		return pe.In(msgLang(lang))
	}
	return tr(lang, "err.input", "link")
}

// postState is where one of the user's posts stands.
type postState string

const (
	postCounted   postState = "counted"
	postHeld      postState = "held"
	postApproved  postState = "approved"
	postRejected  postState = "rejected"
	postWithdrawn postState = "withdrawn"
	postCancelled postState = "cancelled"
)

// myPost is one row of "Bài của tôi".
type myPost struct {
	Outlet     store.Outlet
	PostID     string
	Title      string
	URL        string
	At         time.Time
	Decision   string
	State      postState
	HoldID     string
	Reviewer   string
	Note       string
	ResolvedAt *time.Time
}

// postNotice tells the user their held post was reviewed.
type postNotice struct {
	Post myPost
}

type mineData struct {
	Posts   []myPost
	Notices []postNotice
}

// minePeriod is how far back "Bài của tôi" looks.
const minePeriod = 90 * 24 * time.Hour

// noticePeriod is how long a review shows as a notice.
const noticePeriod = 7 * 24 * time.Hour

// myPosts are the posts the user recorded in the outlets they may post to,
// newest first, each with its state now.
func (c *Console) myPosts(g *gin.Context) ([]myPost, error) {
	outlets, err := c.postableOutlets(g)
	if err != nil {
		return nil, err
	}
	u := userOf(g)
	now := c.now()
	var out []myPost
	for _, o := range outlets {
		es, err := c.st.ListAudit(ctx(g), o.ID, store.AuditFilter{Type: recordedType, Actor: u.Username,
			Since: now.Add(-minePeriod), Limit: 500})
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			continue
		}
		withdrawn, err := c.st.ListAudit(ctx(g), o.ID, store.AuditFilter{Type: "withdraw", Since: es[len(es)-1].At, Limit: 5000})
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, e := range es { // newest first: the last record of a post tells
			if seen[e.PostID] {
				continue
			}
			seen[e.PostID] = true
			var d recordDetail
			_ = json.Unmarshal(e.Detail, &d)
			p := myPost{Outlet: o, PostID: e.PostID, Title: d.Title, URL: d.URL, At: e.At, Decision: e.Decision, HoldID: e.HoldID, State: postCounted}
			if e.HoldID != "" {
				h, err := c.st.GetHold(ctx(g), o.ID, e.HoldID)
				switch {
				case err == nil:
					p.Reviewer, p.Note, p.ResolvedAt = h.Reviewer, h.Note, h.ResolvedAt
					switch h.Status {
					case store.HoldPending:
						p.State = postHeld
					case store.HoldApproved:
						p.State = postApproved
					case store.HoldRejected:
						p.State = postRejected
					default:
						p.State = postCancelled
					}
				case errors.Is(err, store.ErrNotFound):
					p.State = postHeld
				default:
					return nil, err
				}
			}
			for _, w := range withdrawn {
				if w.PostID == e.PostID && w.At.After(e.At) && p.State != postRejected {
					p.State = postWithdrawn
				}
			}
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b myPost) int { return b.At.Compare(a.At) })
	return out, nil
}

// postNotices are the reviews, in the last week, of the held posts the
// user recorded, newest first: read from the outlets' decided holds (few,
// and listed newest first), not from the audit log, so every page of
// theirs can show them cheaply. Errors leave them out: the page still works.
func (c *Console) postNotices(g *gin.Context) []postNotice {
	outlets, err := c.postableOutlets(g)
	if err != nil {
		c.log.Warn("console: notices", "err", err)
		return nil
	}
	u, now := userOf(g), c.now()
	var out []postNotice
	for _, o := range outlets {
		for _, status := range []store.HoldStatus{store.HoldApproved, store.HoldRejected} {
			hs, err := c.st.ListHolds(ctx(g), o.ID, store.HoldFilter{Status: status, Limit: 200})
			if err != nil {
				c.log.Warn("console: notices", "outlet", o.ID, "err", err)
				continue
			}
			for _, h := range hs {
				if h.ResolvedAt == nil || now.Sub(*h.ResolvedAt) >= noticePeriod || gate.SubmitterOf(h.Snapshot) != u.Username {
					continue
				}
				snap := decodeSnapshot(h.Snapshot)
				p := myPost{Outlet: o, PostID: h.PostID, Title: snap.Post.Title, URL: snap.Post.URL, HoldID: h.ID,
					Reviewer: h.Reviewer, Note: h.Note, ResolvedAt: h.ResolvedAt, State: postApproved}
				if status == store.HoldRejected {
					p.State = postRejected
				}
				out = append(out, postNotice{Post: p})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b postNotice) int { return b.Post.ResolvedAt.Compare(*a.Post.ResolvedAt) })
	return out
}

// minePage is "Bài của tôi": the posts the user recorded and their state.
func (c *Console) minePage(g *gin.Context) {
	posts, err := c.myPosts(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	c.render(g, http.StatusOK, "mine", "mine.title", mineData{Posts: posts, Notices: c.postNotices(g)})
}

// requireHoldView lets a hold's page be seen by those who see its outlet,
// and by an editor of the outlet who recorded the post.
func (c *Console) requireHoldView(g *gin.Context) {
	u, outlet := userOf(g), g.Param("outlet")
	if canView(u, outlet) {
		g.Next()
		return
	}
	if u.Role == store.RoleEditor && slices.Contains(u.Outlets, outlet) {
		h, err := c.st.GetHold(ctx(g), outlet, g.Param("hold"))
		if err == nil && gate.SubmitterOf(h.Snapshot) == u.Username {
			g.Next()
			return
		}
	}
	c.errorPage(g, http.StatusForbidden, "err.forbidden")
}

// checkURL is the check page for an outlet.
func checkURL(outlet string) string { return "/console/check?outlet=" + url.QueryEscape(outlet) }
