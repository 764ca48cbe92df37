// Package notify tells the people who must act: a post is held (the
// outlet's managers by e-mail, and a signed webhook to a URL the admin sets,
// so a chat bot can forward it), a hold still waits after some hours (a
// reminder), an outlet crossed its warning line. Each manager chooses
// immediate mails or one digest a day.
//
// Notices are queued in the outlet's outbox in the store (the one CMS
// callbacks use) with ids made from what they are about
// ("n-hold-<hold>-<user>"), so a notice is queued once however many replicas
// produce it, and delivered once by whichever replica leases it, with the
// callback worker's retries and the console's "retry now".
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

// Callback types of notices in the outbox.
const (
	TypeEmail   = "notice.email"
	TypeWebhook = "notice.webhook"
	// Kind is the callback worker's key for these types (see callback.Config.Senders).
	Kind = "notice"
)

// Events a notice is about (the webhook's "type").
const (
	EventHeld     = "hold.created"
	EventReminder = "hold.reminder"
	EventWarning  = "outlet.warning"
	EventDigest   = "digest"
	// EventApproved and EventRejected tell the person who recorded a held
	// post (an editor, in the console) how it was decided.
	EventApproved = "hold.approved"
	EventRejected = "hold.rejected"
)

// Config is how notices are sent.
type Config struct {
	SMTP SMTP
	// WebhookURL receives every event as a signed POST (Standard Webhooks,
	// WebhookSecret "whsec_…"); none when empty.
	WebhookURL    string
	WebhookSecret string
	// RemindAfter: a hold still waiting this long gets a reminder (4 h; 0 = 4 h).
	RemindAfter time.Duration
	// DigestHour is the hour (0–23, in DigestZone) the daily digest goes out (7).
	DigestHour int
	DigestZone *time.Location
	// PublicURL is the base of links to the console.
	PublicURL string
	// Schedules mail reports every month or quarter; Report says who
	// issues them.
	Schedules  []Schedule
	Report     report.PDFOptions
	KeepMonths int // the retention's (report.Builder.KeepMonths)
	Clock      clock.Clock
	Logger     *slog.Logger
	// HTTP posts the webhooks (10 s timeout, no redirects, when nil).
	HTTP *http.Client
}

// Notifier produces and delivers notices.
type Notifier struct {
	cfg Config
	st  store.Store
	log *slog.Logger
}

// New returns a notifier on st.
func New(st store.Store, cfg Config) *Notifier {
	if cfg.RemindAfter <= 0 {
		cfg.RemindAfter = 4 * time.Hour
	}
	if cfg.DigestZone == nil {
		cfg.DigestZone = time.FixedZone("ICT", 7*3600)
		if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
			cfg.DigestZone = loc
		}
	}
	if cfg.DigestHour < 0 || cfg.DigestHour > 23 {
		cfg.DigestHour = 7
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Notifier{cfg: cfg, st: st, log: cfg.Logger}
}

// Event is what a webhook receives, and what a mail says.
type Event struct {
	Type      string           `json:"type"`
	Outlet    string           `json:"outlet"`
	Name      string           `json:"outlet_name"`
	HoldID    string           `json:"hold_id,omitempty"`
	PostID    string           `json:"post_id,omitempty"`
	Title     string           `json:"title,omitempty"`
	Reasons   []string         `json:"reasons,omitempty"`
	Counts    *policy.Counts   `json:"counts,omitempty"` // the window's counts
	Share     float64          `json:"share"`
	Limit     float64          `json:"limit"`
	WarnAt    float64          `json:"warn_at"`
	Headroom  *policy.Headroom `json:"headroom,omitempty"`
	ReviewURL string           `json:"review_url,omitempty"`
	Waiting   string           `json:"waiting,omitempty"` // a reminder: how long it has waited
	// Submitter, Reviewer and Note: a decision on a post an editor recorded.
	Submitter string    `json:"submitter,omitempty"`
	Reviewer  string    `json:"reviewer,omitempty"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
	// Text is the event in one Vietnamese paragraph and its English
	// translation, for a chat bot to forward as it is.
	Text string `json:"text"`
}

// Held is called when a check holds a post (not for a replayed answer).
// title and reasons are the post's title and the answer's reason messages
// in Vietnamese.
func (n *Notifier) Held(ctx context.Context, o *store.Outlet, holdID, postID, title string, reasons []string, before policy.Counts, reviewURL string) {
	hr := policy.HeadroomOf(o.Rules, before)
	ev := Event{Type: EventHeld, Outlet: o.ID, Name: o.Name, HoldID: holdID, PostID: postID, Title: title, Reasons: reasons,
		Counts: &before, Share: policy.Ratio(before.Negative, before.Published), Limit: o.Rules.Limit.Fraction(),
		WarnAt: o.Rules.WarnAt.Fraction(), Headroom: &hr, ReviewURL: reviewURL, At: n.cfg.Clock.Now()}
	ev.Text = heldText(&ev)
	n.emit(ctx, o, "hold-"+holdID, ev, store.NoticesImmediate)
}

// Checked is called after every recorded check with the window's counts
// before and after it: crossing the warning line upwards is a notice (once
// a day per outlet).
func (n *Notifier) Checked(ctx context.Context, o *store.Outlet, before, after policy.Counts) {
	if before.Over(o.Rules.WarnAt) || !after.Over(o.Rules.WarnAt) {
		return
	}
	now := n.cfg.Clock.Now()
	ev := Event{Type: EventWarning, Outlet: o.ID, Name: o.Name, Counts: &after, Share: policy.Ratio(after.Negative, after.Published),
		Limit: o.Rules.Limit.Fraction(), WarnAt: o.Rules.WarnAt.Fraction(), At: now,
		ReviewURL: n.cfg.PublicURL + "/console/outlets/" + o.ID}
	ev.Text = warningText(&ev)
	n.emit(ctx, o, "warn-"+o.ID+"-"+store.DayKey(now, o.Location()), ev, store.NoticesImmediate)
}

// Resolved is called when a hold is approved or rejected (review.Notices).
// The console user who recorded the post (gate.SubmitterOf its snapshot: an
// editor; none for a CMS's post) is told by e-mail the way they chose —
// immediately, at the next digest hour when they take a digest, never when
// off — and the notice webhook gets the event. Each notice's id names the
// hold and the user ("n-resolved-<hold>-<user>"), so it is queued once.
func (n *Notifier) Resolved(ctx context.Context, o store.Outlet, h store.Hold) {
	who := gate.SubmitterOf(h.Snapshot)
	if who == "" || (h.Status != store.HoldApproved && h.Status != store.HoldRejected) {
		return
	}
	now := n.cfg.Clock.Now()
	ev := Event{Type: EventRejected, Outlet: o.ID, Name: o.Name, HoldID: h.ID, PostID: h.PostID, Title: titleOf(h),
		Submitter: who, Reviewer: h.Reviewer, Note: h.Note, Limit: o.Rules.Limit.Fraction(), WarnAt: o.Rules.WarnAt.Fraction(),
		ReviewURL: n.reviewURL(o.ID, h.ID), At: now}
	if h.Status == store.HoldApproved {
		ev.Type = EventApproved
	}
	ev.Text = resolvedText(&ev)
	key := "n-resolved-" + h.ID
	if n.cfg.WebhookURL != "" {
		body, _ := json.Marshal(ev)
		n.enqueue(ctx, store.Callback{ID: key + "-webhook", Outlet: o.ID, Type: TypeWebhook, Payload: body}, now)
	}
	if !n.cfg.SMTP.Configured() {
		return
	}
	u, err := n.st.GetUser(ctx, who)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			n.log.Error("notify: submitter", "outlet", o.ID, "hold", h.ID, "err", err)
		}
		return
	}
	mode := noticeMode(u)
	if u.Email == "" || mode == store.NoticesOff {
		return
	}
	m := Mail{To: []string{u.Email}, Subject: subject(&ev), Text: ev.Text + "\n\n" + footer, ID: key + "-" + u.Username}
	body, _ := json.Marshal(m)
	c := store.Callback{ID: m.ID, Outlet: o.ID, Type: TypeEmail, Payload: body}
	if mode == store.NoticesDigest {
		c.NextAttempt = n.nextDigest(now)
	}
	n.enqueue(ctx, c, now)
}

// nextDigest is the next digest hour after now.
func (n *Notifier) nextDigest(now time.Time) time.Time {
	l := now.In(n.cfg.DigestZone)
	at := time.Date(l.Year(), l.Month(), l.Day(), n.cfg.DigestHour, 0, 0, 0, n.cfg.DigestZone)
	if !at.After(now) {
		at = time.Date(l.Year(), l.Month(), l.Day()+1, n.cfg.DigestHour, 0, 0, 0, n.cfg.DigestZone)
	}
	return at
}

// emit queues the event for the webhook and for every manager of the
// outlet who takes notices the way mode says.
func (n *Notifier) emit(ctx context.Context, o *store.Outlet, key string, ev Event, mode string) {
	now := n.cfg.Clock.Now()
	if n.cfg.WebhookURL != "" {
		body, _ := json.Marshal(ev)
		n.enqueue(ctx, store.Callback{ID: "n-" + key + "-webhook", Outlet: o.ID, Type: TypeWebhook, Payload: body}, now)
	}
	if !n.cfg.SMTP.Configured() {
		return
	}
	users, err := n.recipients(ctx, o.ID, mode)
	if err != nil {
		n.log.Error("notify: recipients", "outlet", o.ID, "err", err)
		return
	}
	for _, u := range users {
		m := Mail{To: []string{u.Email}, Subject: subject(&ev), Text: ev.Text + "\n\n" + footer, ID: "n-" + key + "-" + u.Username}
		body, _ := json.Marshal(m)
		n.enqueue(ctx, store.Callback{ID: m.ID, Outlet: o.ID, Type: TypeEmail, Payload: body}, now)
	}
}

func (n *Notifier) enqueue(ctx context.Context, c store.Callback, now time.Time) {
	if _, err := n.st.EnqueueCallback(ctx, c, now); err != nil {
		n.log.Error("notify: queue", "outlet", c.Outlet, "notice", c.ID, "err", err)
	}
}

// recipients are the managers of outlet with an address who take notices
// the way mode says (immediate: those who did not choose otherwise).
func (n *Notifier) recipients(ctx context.Context, outlet, mode string) ([]store.User, error) {
	all, err := n.st.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.User
	for _, u := range all {
		if u.Role != store.RoleManager || u.Email == "" || !slices.Contains(u.Outlets, outlet) {
			continue
		}
		if noticeMode(u) == mode {
			out = append(out, u)
		}
	}
	return out, nil
}

func noticeMode(u store.User) string {
	switch u.Notices {
	case store.NoticesDigest, store.NoticesOff:
		return u.Notices
	}
	return store.NoticesImmediate
}

// RunOnce produces the notices that time brings: reminders for holds
// waiting longer than RemindAfter, and, at DigestHour, each digest user's
// daily digest. Any number of replicas may run it: each notice has one id.
func (n *Notifier) RunOnce(ctx context.Context) error {
	if !n.cfg.SMTP.Configured() && n.cfg.WebhookURL == "" {
		return nil // nowhere to send anything
	}
	now := n.cfg.Clock.Now()
	outlets, err := n.st.ListOutlets(ctx)
	if err != nil {
		return fmt.Errorf("notify: list outlets: %w", err)
	}
	pending := map[string][]store.Hold{}
	var errs []error
	for i := range outlets {
		o := &outlets[i]
		hs, err := n.st.ListHolds(ctx, o.ID, store.HoldFilter{Status: store.HoldPending, Limit: 500})
		if err != nil {
			errs = append(errs, fmt.Errorf("holds of %s: %w", o.ID, err))
			continue
		}
		pending[o.ID] = hs
		for _, h := range hs {
			waited := now.Sub(h.CreatedAt)
			if waited < n.cfg.RemindAfter {
				continue
			}
			ev := Event{Type: EventReminder, Outlet: o.ID, Name: o.Name, HoldID: h.ID, PostID: h.PostID, Title: titleOf(h),
				Counts: &h.Before, Limit: o.Rules.Limit.Fraction(), WarnAt: o.Rules.WarnAt.Fraction(),
				ReviewURL: n.reviewURL(o.ID, h.ID), Waiting: hoursText(waited), At: now}
			ev.Text = reminderText(&ev)
			n.emit(ctx, o, "remind-"+h.ID, ev, store.NoticesImmediate)
		}
	}
	if err := n.schedules(ctx, outlets, now); err != nil {
		errs = append(errs, err)
	}
	local := now.In(n.cfg.DigestZone)
	if local.Hour() == n.cfg.DigestHour && n.cfg.SMTP.Configured() {
		if err := n.digests(ctx, outlets, pending, local); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run calls RunOnce every interval until ctx ends.
func (n *Notifier) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := n.RunOnce(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("notify: round", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// digests queues, for each digest user, one mail listing the holds still
// waiting in their outlets and the outlets past their warning line; it goes
// in the outbox of the user's first outlet, with the day in its id.
func (n *Notifier) digests(ctx context.Context, outlets []store.Outlet, pending map[string][]store.Hold, local time.Time) error {
	users, err := n.st.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("notify: users: %w", err)
	}
	byID := map[string]*store.Outlet{}
	for i := range outlets {
		byID[outlets[i].ID] = &outlets[i]
	}
	now := n.cfg.Clock.Now()
	for _, u := range users {
		if u.Role != store.RoleManager || u.Email == "" || noticeMode(u) != store.NoticesDigest {
			continue
		}
		var b strings.Builder
		var home string
		items := 0
		for _, id := range slices.Sorted(slices.Values(u.Outlets)) {
			o := byID[id]
			if o == nil {
				continue
			}
			if home == "" {
				home = id
			}
			c, err := n.st.Window(ctx, id, now, o.Window())
			if err != nil {
				return fmt.Errorf("notify: window of %s: %w", id, err)
			}
			fmt.Fprintf(&b, "%s (%s): %s tin tiêu cực / negative (%d/%d)", o.Name, id, pct(policy.Ratio(c.Negative, c.Published)), c.Negative, c.Published)
			if c.Over(o.Rules.WarnAt) {
				b.WriteString(" — vượt mức cảnh báo / over the warning line")
			}
			b.WriteString("\n")
			for _, h := range pending[id] {
				items++
				fmt.Fprintf(&b, "  - %s — chờ %s / waiting %s — %s\n", titleOf(h), hoursText(now.Sub(h.CreatedAt)), hoursText(now.Sub(h.CreatedAt)), n.reviewURL(id, h.ID))
			}
		}
		if home == "" {
			continue
		}
		day := local.Format("20060102")
		m := Mail{To: []string{u.Email}, ID: "n-digest-" + u.Username + "-" + day,
			Subject: fmt.Sprintf("[Gatekeeper] Tổng hợp ngày %s: %d tin chờ duyệt / Daily digest: %d waiting", local.Format("02/01/2006"), items, items),
			Text:    "Tổng hợp hằng ngày / Daily digest\n\n" + b.String() + "\n" + footer}
		body, _ := json.Marshal(m)
		n.enqueue(ctx, store.Callback{ID: m.ID, Outlet: home, Type: TypeEmail, Payload: body}, now)
	}
	return nil
}

func (n *Notifier) reviewURL(outlet, hold string) string {
	return n.cfg.PublicURL + "/console/outlets/" + outlet + "/holds/" + hold
}

// titleOf reads the post's title from the hold's snapshot (gate.Snapshot).
func titleOf(h store.Hold) string {
	var s struct {
		Post struct {
			Title string `json:"title"`
		} `json:"post"`
	}
	if json.Unmarshal(h.Snapshot, &s) == nil && s.Post.Title != "" {
		return s.Post.Title
	}
	return "#" + h.PostID
}

// Deliver sends one notice from the outbox (the callback worker's Sender
// for Kind): a mail through SMTP, or the event to the webhook URL, signed.
func (n *Notifier) Deliver(ctx context.Context, o store.Outlet, cb store.Callback) error {
	switch cb.Type {
	case TypeReport:
		return n.sendReport(ctx, o, cb)
	case TypeEmail:
		var m Mail
		if err := json.Unmarshal(cb.Payload, &m); err != nil {
			return fmt.Errorf("notify: notice %s: %w", cb.ID, err)
		}
		return n.cfg.SMTP.Send(ctx, m)
	case TypeWebhook:
		return n.post(ctx, cb.ID, cb.Payload)
	}
	return fmt.Errorf("notify: unknown notice type %q", cb.Type)
}

// post sends an event to the webhook URL, signed the Standard Webhooks way
// with the webhook id = the notice id (so a receiver can drop repeats).
func (n *Notifier) post(ctx context.Context, id string, body []byte) error {
	if n.cfg.WebhookURL == "" {
		return errors.New("notify: no notify_webhook_url")
	}
	key, err := webhook.DecodeSecret(n.cfg.WebhookSecret)
	if err != nil {
		return fmt.Errorf("notify: notify_webhook_secret: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: webhook URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Gatekeeper-Notice/1")
	webhook.SignHeaders(req.Header, id, n.cfg.Clock.Now(), body, key)
	resp, err := n.cfg.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: webhook answered HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}
