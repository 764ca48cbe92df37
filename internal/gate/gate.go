// Package gate carries out the webhook API's operations: it classifies a
// post, applies the outlet's policy through the store's atomic check, and
// shapes the answer the contract promises. It knows nothing of HTTP.
package gate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/messages"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// Observer is told about every decision (metrics); optional.
type Observer interface {
	// ObserveDecision counts a verdict ("allow", "warn", "hold" or
	// "unavailable") made live, as a dry run or as a replay.
	ObserveDecision(verdict, mode string)
	// SetOutletCounts reports an outlet's window after a recorded decision.
	SetOutletCounts(outlet string, c policy.Counts)
}

// Modes of ObserveDecision (the mode label of the decisions metric).
const (
	ModeLive   = "live"    // recorded
	ModeDryRun = "dry_run" // answered, nothing recorded
	ModeReplay = "replay"  // the stored answer to a repeated webhook id
)

// VerdictUnavailable is what ObserveDecision is told besides policy's
// verdicts: the store could not record the decision (503).
const VerdictUnavailable = "unavailable"

// Store is what the gate needs of a store: the window and ledger, holds, and
// the audit log's append (a share left past the limit, notePastLimit).
type Store interface {
	store.Decisions
	store.Holds
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Notices is told about recorded checks, to tell the people who must act
// (package notify); optional.
type Notices interface {
	// Held: a check held a post. reasons are the answer's, in Vietnamese.
	Held(ctx context.Context, o *store.Outlet, holdID, postID, title string, reasons []string, before policy.Counts, reviewURL string)
	// Checked: the window's counts before and after a recorded check.
	Checked(ctx context.Context, o *store.Outlet, before, after policy.Counts)
}

// Service runs the API's operations.
type Service struct {
	Notices      Notices
	Store        Store
	Classifier   policy.Classifier
	Review       *review.Service
	Clock        clock.Clock   // the zero value is the wall clock
	StoreTimeout time.Duration // deadline of each store call
	PublicURL    string        // base of review links; "" leaves them relative
	Log          *slog.Logger
	Observer     Observer
}

func (s *Service) now() time.Time { return s.Clock.Now() }

// StoreCtx bounds one store call by the service's store timeout (none when
// 0). The handler bounds its own store calls (the webhook-id claim) with it too.
func (s *Service) StoreCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.StoreTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.StoreTimeout)
}

// Post is a post as the CMS sends it.
type Post struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Excerpt string `json:"excerpt,omitempty"`
	Content string `json:"content,omitempty"`
	URL     string `json:"url,omitempty"`
	// Link is the post's public address on a page without a CMS (a social
	// network), which its id was made from when none was given.
	Link         string     `json:"link,omitempty"`
	Categories   []string   `json:"categories,omitempty"`
	Tags         []string   `json:"tags,omitempty"`
	Author       string     `json:"author,omitempty"`
	Language     string     `json:"language,omitempty"`
	SiteLocale   string     `json:"site_locale,omitempty"`
	DeclaredTone string     `json:"declared_tone,omitempty"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
}

// Snapshot is kept with a check's answer and with its hold: enough to render
// the same answer again and to show the post to a reviewer.
type Snapshot struct {
	Post           Post                  `json:"post"`
	Classification policy.Classification `json:"classification"`
	Notes          []string              `json:"notes,omitempty"`
	Rules          policy.Rules          `json:"rules"`
	Subject        policy.Subject        `json:"subject"`
	WindowDays     int                   `json:"window_days"`
	DryRun         bool                  `json:"dry_run,omitempty"`
	// Submitter is the console user who recorded the post (CheckFor), kept
	// with a hold so they are told of its review; empty for a CMS's check.
	Submitter string `json:"submitter,omitempty"`
}

// SubmitterActor is the audit actor of a check a console user made:
// "console:USERNAME".
func SubmitterActor(username string) string { return "console:" + username }

// SubmitterOf is the console user who recorded a held post, read from the
// hold's snapshot ("" for a CMS's post).
func SubmitterOf(snapshot []byte) string {
	var s struct {
		Submitter string `json:"submitter"`
	}
	if len(snapshot) == 0 || json.Unmarshal(snapshot, &s) != nil {
		return ""
	}
	return s.Submitter
}

// ReasonLanguageDetected is the note of a check whose post was read in
// another language than the one it declared.
const ReasonLanguageDetected = "language_detected"

// Reason is one line of why.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Share is the window's counts around a decision.
type Share struct {
	WindowDays int     `json:"window_days"`
	Published  int64   `json:"published"`
	Negative   int64   `json:"negative"`
	Before     float64 `json:"before"`
	After      float64 `json:"after"`
	Limit      float64 `json:"limit"`
	WarnAt     float64 `json:"warn_at"`
	// PositiveBefore and PositiveAfter are the positive share before and
	// after this post, rounded as Before and After are.
	PositiveBefore float64 `json:"positive_before"`
	PositiveAfter  float64 `json:"positive_after"`
	PositiveSide
}

// PositiveSide is the positive side of a share, shown beside the negative one:
// the product expects positive news to lead ("thông tin tích cực là chủ
// đạo"); no verdict depends on it.
type PositiveSide struct {
	// Positive is the window's positive posts (before the post, in a check).
	Positive int64 `json:"positive"`
	// ExpectedDominant is always true: the expectation, stated so that a
	// reader of the numbers sees it.
	ExpectedDominant bool `json:"positive_expected_dominant"`
	// Dominant: positive posts outnumber both neutral and negative ones
	// (policy.Counts.PositiveDominant; in a check, once this post is counted).
	Dominant bool `json:"positive_dominant"`
}

// SensationalAnswer is the headline part of an answer: the classifier's
// score and evidence, flagged under the outlet's sensitivity (score ≥
// threshold), and what a flag does at this outlet.
type SensationalAnswer struct {
	policy.SensationalResult
	Sensitivity policy.Sensitivity       `json:"sensitivity"`
	Threshold   float64                  `json:"threshold"`
	Action      policy.SensationalAction `json:"action"`
}

// HoldRef is the hold part of an answer.
type HoldRef struct {
	ID             string  `json:"id,omitempty"`
	ReviewURL      string  `json:"review_url,omitempty"`
	EarliestSafeAt *string `json:"earliest_safe_at"`
}

// Answer is the answer to a check, as the contract describes it.
type Answer struct {
	Decision    policy.Verdict    `json:"decision"`
	Counted     bool              `json:"counted"`
	PostID      string            `json:"post_id"`
	Language    string            `json:"language"` // the language the post was read in: vi or en
	Tone        policy.ToneResult `json:"tone"`
	Sensational SensationalAnswer `json:"sensational"`
	Share       Share             `json:"share"`
	Headroom    policy.Headroom   `json:"headroom"`
	Reasons     []Reason          `json:"reasons"`
	Hold        *HoldRef          `json:"hold,omitempty"`
	Mode        policy.Mode       `json:"mode"`
	Would       policy.Verdict    `json:"would,omitempty"` // shadow mode: what enforcing would answer
	DryRun      bool              `json:"dry_run,omitempty"`
	Replayed    bool              `json:"replayed,omitempty"`
	// Ledger is where the post stood in the ledger when the store decided
	// (policy.CountedNonNegative etc. for a post already counted), for the
	// console to say that the same post recorded twice counts once.
	Ledger policy.Ledger `json:"-"`

	args messages.ReasonArgs
}

// Localize fills the reasons' messages in lang.
func (a *Answer) Localize(lang messages.Lang) {
	for i := range a.Reasons {
		a.Reasons[i].Message = messages.Reason(lang, a.Reasons[i].Code, a.args)
	}
}

// Subject classifies p for outlet o: the tone after the declared tone and
// the category map are combined, and whether the headline is sensational.
func (s *Service) Subject(o *store.Outlet, p *Post) (policy.Classification, []string, policy.Subject) {
	cls := s.Classifier.Classify(policy.Text{
		Title: p.Title, Excerpt: p.Excerpt, Content: p.Content,
		Categories: p.Categories, Language: p.Language, LocaleHint: p.SiteLocale,
	})
	var cats []policy.Tone
	for _, c := range p.Categories {
		if t, ok := o.CategoryTones[policy.CategoryKey(c)]; ok {
			cats = append(cats, t)
		}
	}
	declared, _ := policy.ParseTone(p.DeclaredTone)
	a := policy.Assess(cls.Tone, declared, cats)
	cls.Tone = a.Tone
	if policy.LanguageOverridden(p.Language, cls.Language) {
		// The text decided against the declared language: say so.
		a.Notes = append(a.Notes, ReasonLanguageDetected)
	}
	if cls.Sensational.Evidence == nil {
		cls.Sensational.Evidence = []policy.Evidence{}
	}
	// Sensational at this outlet's sensitivity (the classifier's own flag
	// is one sensitivity among three).
	cls.Sensational.Flagged = o.Rules.Sensational(cls.Sensational.Score)
	subj := policy.Subject{
		Negative:    a.Tone.Label == policy.Negative,
		Positive:    a.Tone.Label == policy.Positive,
		Borderline:  a.Tone.Borderline,
		Sensational: cls.Sensational.Flagged,
	}
	return cls, a.Notes, subj
}

// Check decides on post p for outlet o. webhookID makes it idempotent.
func (s *Service) Check(ctx context.Context, o *store.Outlet, p Post, dryRun bool, webhookID string) (*Answer, error) {
	return s.check(ctx, o, p, dryRun, webhookID, nil, "")
}

// CheckClaiming is Check that also claims webhookID for the request, with
// the record claim, in the same atomic step as the decision
// (store.CheckInput.Claim; a dry run claims nothing). An id another request
// claimed is refused with store.ErrWebhookReused and changes nothing.
func (s *Service) CheckClaiming(ctx context.Context, o *store.Outlet, p Post, dryRun bool, webhookID string, claim []byte) (*Answer, error) {
	return s.check(ctx, o, p, dryRun, webhookID, claim, "")
}

// CheckFor is Check on behalf of a console user (an editor recording a post
// of a page no CMS serves): the audit names them (SubmitterActor) and a hold
// keeps them as its submitter, so they are told when it is reviewed.
func (s *Service) CheckFor(ctx context.Context, o *store.Outlet, p Post, dryRun bool, submitter string) (*Answer, error) {
	return s.check(ctx, o, p, dryRun, "", nil, submitter)
}

func (s *Service) check(ctx context.Context, o *store.Outlet, p Post, dryRun bool, webhookID string, claim []byte, submitter string) (*Answer, error) {
	cls, notes, subj := s.Subject(o, &p)
	snap := Snapshot{
		Post: p, Classification: cls, Notes: notes,
		Rules: o.Rules, Subject: subj, WindowDays: o.WindowDays, DryRun: dryRun, Submitter: submitter,
	}
	now := s.now()
	// The client's published_at is not believed: the ledger's own go-live
	// time decides whether a post is outside the window, and a post the
	// ledger does not know goes live now.
	plan := policy.MakePlan(o.Rules, subj)
	// The store keeps Snapshot with the answer for replays: everything the
	// answer is rendered from, but of the post only its id. The post's full
	// text is for a reviewer: it goes with a hold (HoldSnapshot), so it is
	// sent only when the plan can hold.
	raw, full, err := encodeSnapshots(&snap, canHold(&plan))
	if err != nil {
		return nil, err
	}
	in := store.CheckInput{
		Outlet: o.ID, PostID: p.ID, Now: now, Window: o.Window(),
		Day: store.DayKey(now, o.Location()), Rules: o.Rules, Subject: subj,
		Plan: plan, DryRun: dryRun, HoldID: NewHoldID(),
		Snapshot: raw, HoldSnapshot: full, Actor: p.Author,
		Reading: ReadingOf(cls, subj),
	}
	switch {
	case submitter != "":
		in.Actor = SubmitterActor(submitter)
	case strings.HasPrefix(p.Author, SubmitterActor("")):
		// A CMS's author cannot pass for a console user in the audit.
		in.Actor = "cms:" + p.Author
	}
	if !dryRun {
		in.WebhookID, in.Claim = webhookID, claim
	}
	mode := ModeLive
	if dryRun {
		mode = ModeDryRun
	}
	sctx, cancel := s.StoreCtx(ctx)
	defer cancel()
	res, err := s.Store.Check(sctx, in)
	if err != nil {
		if s.Observer != nil && store.KindOf(err).Unavailable() {
			s.Observer.ObserveDecision(VerdictUnavailable, mode)
		}
		return nil, fmt.Errorf("check post %s of %s: %w", p.ID, o.ID, err)
	}
	if res.Replayed {
		var stored Snapshot
		if err := json.Unmarshal(res.Snapshot, &stored); err != nil {
			// Most likely kept by a newer version of Gatekeeper during a
			// rolling upgrade. The repeat changed nothing; it is refused as
			// the store's unavailability is (503, try again), so that a
			// replica of the newer version answers it.
			return nil, fmt.Errorf("decode stored answer of webhook %s: %w: %w", webhookID, store.ErrUnavailable, err)
		}
		snap = stored
		// The stored answer was decided under the rules of its time.
		plan = policy.MakePlan(snap.Rules, snap.Subject)
	}
	ans := s.answer(o, snap, &plan, res)
	if s.Notices != nil && !res.Replayed && !dryRun {
		if ans.Decision == policy.Hold && res.HoldID != "" {
			vi := *ans
			vi.Reasons = append([]Reason(nil), ans.Reasons...)
			vi.Localize(messages.VI)
			reasons := make([]string, len(vi.Reasons))
			for i, r := range vi.Reasons {
				reasons[i] = r.Message
			}
			s.Notices.Held(ctx, o, res.HoldID, p.ID, p.Title, reasons, res.Before, ans.Hold.ReviewURL)
		}
		s.Notices.Checked(ctx, o, res.Before, res.After)
	}
	if s.Observer != nil {
		if res.Replayed {
			mode = ModeReplay
		}
		s.Observer.ObserveDecision(string(ans.Decision), mode)
		if mode == ModeLive {
			s.Observer.SetOutletCounts(o.ID, res.After)
		}
	}
	return ans, nil
}

// ReadingOf is what a check's audit entry keeps of its classification for
// reports: the tone, whether the headline is sensational, and for a
// negative post the themes of harm its evidence names.
func ReadingOf(cls policy.Classification, subj policy.Subject) store.Reading {
	r := store.Reading{Tone: string(cls.Tone.Label), Sensational: subj.Sensational}
	if subj.Negative {
		r.Tone = string(policy.Negative)
		r.Themes = policy.NegativeThemes(cls.Tone.Evidence)
	}
	return r
}

// encodeSnapshots encodes snap twice. compact is what a replay needs, kept
// with the webhook record on every check: of the post only its id and
// language, and the evidence in its short form (the bytes of each check's
// record cost Redis time, deploy/performance.md round 12); json.Unmarshal
// reads it back. full, made only when withPost, is what json.Marshal writes
// of snap: the post as it was checked, for a reviewer.
func encodeSnapshots(snap *Snapshot, withPost bool) (compact, full []byte, err error) {
	short := Post{ID: snap.Post.ID, Language: snap.Post.Language}
	compact, _ = short.appendJSON(append(make([]byte, 0, 1536), `{"post":`...)) // no published_at: it cannot fail
	compact = snap.appendRest(append(compact, ','), true)
	if !withPost {
		return compact, nil, nil
	}
	full, err = snap.Post.appendJSON(append(make([]byte, 0, len(compact)+len(snap.Post.Content)+len(snap.Post.Excerpt)+1024), `{"post":`...))
	if err != nil {
		return nil, nil, fmt.Errorf("encode snapshot: %w", err)
	}
	return compact, snap.appendRest(append(full, ','), false), nil
}

// canHold reports whether any situation of the plan is a hold.
func canHold(plan *policy.Plan) bool {
	for _, o := range plan {
		if o.Verdict == policy.Hold {
			return true
		}
	}
	return false
}

// answer renders the decision: plan must be policy.MakePlan(snap.Rules, snap.Subject).
func (s *Service) answer(o *store.Outlet, snap Snapshot, plan *policy.Plan, res store.CheckResult) *Answer {
	out := plan[res.Situation.Index()]
	// The figure the decision used: a borderline post is weighed as negative,
	// so the answer's share.after and its messages show (N+1)/(P+1) for it.
	b := res.Before
	beforeBP, afterBP := policy.SharesAround(b, snap.Subject)
	// The positive side counts the post as the store will (by its label), not
	// as the decision weighs it.
	pos := int64(0)
	if snap.Subject.Positive {
		pos = 1
	}
	neg := int64(0)
	if snap.Subject.Negative {
		neg = 1
	}
	after := policy.Counts{Published: b.Published + 1, Negative: b.Negative + neg, Positive: b.Positive + pos}
	a := &Answer{
		Decision: out.Verdict,
		// A post whose go-live time left the window is in no count now.
		Counted:  out.Counted && !snap.DryRun && res.Situation.Ledger != policy.CountedOutsideWindow,
		PostID:   snap.Post.ID,
		Language: snap.Classification.Language,
		Tone:     snap.Classification.Tone,
		Sensational: SensationalAnswer{
			SensationalResult: snap.Classification.Sensational,
			Sensitivity:       snap.Rules.SensationalSensitivity.OrDefault(),
			Threshold:         float64(snap.Rules.SensationalSensitivity.Threshold()) / 10000,
			Action:            snap.Rules.SensationalAction,
		},
		Share: Share{
			WindowDays: snap.WindowDays, Published: b.Published, Negative: b.Negative,
			Before: beforeBP.Fraction(), After: afterBP.Fraction(),
			Limit: snap.Rules.Limit.Fraction(), WarnAt: snap.Rules.WarnAt.Fraction(),
			PositiveBefore: policy.Ratio(b.Positive, b.Published), PositiveAfter: policy.Ratio(after.Positive, after.Published),
			PositiveSide: PositiveSide{Positive: b.Positive, ExpectedDominant: true, Dominant: after.PositiveDominant()},
		},
		Headroom: policy.HeadroomOf(snap.Rules, res.After),
		Mode:     snap.Rules.Mode,
		DryRun:   snap.DryRun,
		Replayed: res.Replayed,
		Ledger:   res.Situation.Ledger,
		args: messages.ReasonArgs{
			After: int64(afterBP), WarnAt: int64(snap.Rules.WarnAt), Limit: int64(snap.Rules.Limit),
			Published: b.Published, MinSample: snap.Rules.MinSample,
			Language: snap.Classification.Language, Declared: snap.Post.Language,
		},
	}
	if a.Tone.Evidence == nil {
		a.Tone.Evidence = []policy.Evidence{}
	}
	if snap.Rules.Mode == policy.Shadow {
		a.Would = out.Would
	}
	for _, c := range out.Reasons {
		a.Reasons = append(a.Reasons, Reason{Code: c})
	}
	for _, c := range snap.Notes {
		a.Reasons = append(a.Reasons, Reason{Code: c})
	}
	if out.Verdict == policy.Hold {
		h := &HoldRef{ID: res.HoldID}
		if res.HoldID != "" {
			h.ReviewURL = s.ReviewURL(o.ID, res.HoldID)
		}
		if !res.EarliestSafe.IsZero() {
			t := res.EarliestSafe.In(o.Location()).Format(time.RFC3339)
			h.EarliestSafeAt = &t
		}
		a.Hold = h
	}
	return a
}

// ReviewURL is where a manager reviews a hold in the console.
func (s *Service) ReviewURL(outlet, holdID string) string {
	return s.PublicURL + "/console/outlets/" + url.PathEscape(outlet) + "/holds/" + url.PathEscape(holdID)
}

// NewHoldID returns a fresh hold id: "h_" + 22 hex digits, time-ordered.
// The wall clock only orders ids; it decides nothing.
func NewHoldID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return holdID(time.Now().UnixMilli(), b)
}

// holdID is "h_" + the low 40 bits of ms in 10 hex digits + b in hex, as
// fmt.Sprintf("h_%010x%x", ms&0xffffffffff, b) writes it, in one allocation
// (TestHoldIDMatchesSprintf).
func holdID(ms int64, b [6]byte) string {
	const digits = "0123456789abcdef"
	var id [2 + 10 + 12]byte
	id[0], id[1] = 'h', '_'
	for i, m := 11, uint64(ms)&0xffffffffff; i >= 2; i, m = i-1, m>>4 {
		id[i] = digits[m&0xf]
	}
	hex.Encode(id[12:], b[:])
	return string(id[:])
}
