// Package policy holds Gatekeeper's decision rules: whether publishing a post
// would take an outlet's negative share past its limit, the headroom left,
// and the earliest time a held post would fit. It is pure Go with no I/O and
// no floating point in any decision: shares are integer basis points.
//
// The rules are expressed as a Plan: for one post, the verdict for every
// combination of the few facts only the store knows at decision time (the
// post's ledger state and three threshold comparisons on the window's
// counts). A store evaluates the plan atomically next to its counts (Redis:
// inside one Lua script; the embedded store: inside one transaction), so the
// rules themselves live only here.
package policy

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// BasisPoints is a share in hundredths of a percent: 10000 is 100%.
type BasisPoints int64

// Full is 100% in basis points.
const Full BasisPoints = 10000

// Percent formats bp as a percentage with two decimals, e.g. "15.00".
func (bp BasisPoints) Percent() string {
	return fmt.Sprintf("%d.%02d", bp/100, bp%100)
}

// Fraction is bp as a fraction of one (0.15 for 1500), for JSON output only.
func (bp BasisPoints) Fraction() float64 { return float64(bp) / float64(Full) }

// RoundedShare returns num/den in basis points rounded half up (0 when den
// is 0): the one rounding of every share shown (Counts.Share, SharesAround,
// the JSON ratios). It is for display; decisions never round.
func RoundedShare(num, den int64) BasisPoints {
	if den <= 0 {
		return 0
	}
	return BasisPoints((2*num*int64(Full) + den) / (2 * den))
}

// Ratio returns num/den as a fraction rounded to four decimals: the JSON
// form of RoundedShare, so an answer's numbers and its messages agree.
func Ratio(num, den int64) float64 { return RoundedShare(num, den).Fraction() }

// Verdict is the answer to a check.
type Verdict string

const (
	Allow Verdict = "allow"
	Warn  Verdict = "warn"
	Hold  Verdict = "hold"
)

func (v Verdict) rank() int {
	switch v {
	case Warn:
		return 1
	case Hold:
		return 2
	}
	return 0
}

// Max returns the stricter of two verdicts.
func Max(a, b Verdict) Verdict {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Mode is an outlet's enforcement mode.
type Mode string

const (
	// Enforce answers what the rules say.
	Enforce Mode = "enforce"
	// Shadow computes and records what the rules say, but answers allow.
	Shadow Mode = "shadow"
)

// SensationalAction is what a sensational headline does to the verdict.
type SensationalAction string

const (
	// SensationalNote adds a reason line only: the verdict is the share's.
	SensationalNote SensationalAction = "note"
	// SensationalWarn raises an allow to a warning (the default).
	SensationalWarn SensationalAction = "warn"
	// SensationalHold holds the post for a manager, whatever the share.
	SensationalHold SensationalAction = "hold"
)

// verdict is the least verdict the action asks for (Allow for a note).
func (a SensationalAction) verdict() Verdict {
	switch a {
	case SensationalWarn:
		return Warn
	case SensationalHold:
		return Hold
	}
	return Allow
}

// Sensitivity is how readily an outlet treats a headline as sensational:
// the classifier's sensational score (0..1) is compared with a threshold.
type Sensitivity string

const (
	// SensitivityLow: only headlines the classifier is nearly sure of.
	SensitivityLow Sensitivity = "low"
	// SensitivityNormal (the default; also what an outlet saved before the
	// setting existed gets): clear click-bait, so that ordinary news is
	// rarely flagged.
	SensitivityNormal Sensitivity = "normal"
	// SensitivityHigh: every headline the classifier itself flags.
	SensitivityHigh Sensitivity = "high"
)

// Sensitivities lists the settings, least sensitive first.
var Sensitivities = []Sensitivity{SensitivityLow, SensitivityNormal, SensitivityHigh}

// SensationalActions lists the actions, mildest first.
var SensationalActions = []SensationalAction{SensationalNote, SensationalWarn, SensationalHold}

// OrDefault is s, or SensitivityNormal when s is unset.
func (s Sensitivity) OrDefault() Sensitivity {
	if s == "" {
		return SensitivityNormal
	}
	return s
}

// Threshold is the sensational score at or above which a headline is
// treated as sensational, in ten-thousandths (the score's precision): high
// is the classifier's own flag (a score of 0.5), normal 0.70, low 0.85.
func (s Sensitivity) Threshold() int64 {
	switch s {
	case SensitivityLow:
		return 8500
	case SensitivityHigh:
		return 5000
	}
	return 7000
}

// Rules are one outlet's decision parameters.
type Rules struct {
	Limit             BasisPoints       // the negative share may not go past this (default 1500)
	WarnAt            BasisPoints       // above this, a counted negative post is warned (default 1200)
	MinSample         int64             // below this many posts in the window, would-be holds are warned
	SensationalAction SensationalAction // note, warn or hold for a sensational headline (default warn)
	// SensationalSensitivity sets how readily a headline is sensational
	// (default normal; "" is normal).
	SensationalSensitivity Sensitivity `json:",omitempty"`
	Mode                   Mode        // Enforce (default) or Shadow
}

// DefaultRules are the rules a new outlet gets.
func DefaultRules() Rules {
	return Rules{Limit: 1500, WarnAt: 1200, MinSample: 0, SensationalAction: SensationalWarn,
		SensationalSensitivity: SensitivityNormal, Mode: Enforce}
}

// Sensational reports whether a headline with the classifier's sensational
// score (0..1) is sensational under r's sensitivity.
func (r Rules) Sensational(score float64) bool {
	return int64(math.Round(score*10000)) >= r.SensationalSensitivity.Threshold()
}

// Validate reports every rule that is out of range (InvalidSetting errors,
// joined).
func (r Rules) Validate() error {
	var errs []error
	if r.Limit < 0 || r.Limit > Full {
		errs = append(errs, Invalid("policy", "limit", "limit %s%% is outside 0–100%%", r.Limit.Percent()))
	}
	if r.WarnAt < 0 || r.WarnAt > r.Limit {
		errs = append(errs, Invalid("policy", "warn_at", "warn_at %s%% must be between 0 and the limit (%s%%)", r.WarnAt.Percent(), r.Limit.Percent()))
	}
	if r.MinSample < 0 {
		errs = append(errs, Invalid("policy", "min_sample", "min_sample %d must not be negative", r.MinSample))
	}
	if !slices.Contains(SensationalActions, r.SensationalAction) {
		errs = append(errs, Invalid("policy", "sensational", "sensational action %q must be note, warn or hold", r.SensationalAction))
	}
	if r.SensationalSensitivity != "" && !slices.Contains(Sensitivities, r.SensationalSensitivity) {
		errs = append(errs, Invalid("policy", "sensitivity", "sensational sensitivity %q must be low, normal or high", r.SensationalSensitivity))
	}
	if r.Mode != Enforce && r.Mode != Shadow {
		errs = append(errs, Invalid("policy", "mode", "mode %q must be enforce or shadow", r.Mode))
	}
	return errors.Join(errs...)
}

// Counts are the posts counted in an outlet's window. Negative and Positive
// are disjoint subsets of Published (the rest are neutral). The decision
// rule reads Published and Negative only; Positive is shown beside it, for
// the expectation that positive news dominates.
type Counts struct {
	Published int64 `json:"published"`
	Negative  int64 `json:"negative"`
	Positive  int64 `json:"positive"`
}

// Share is Negative/Published in basis points for display, rounded the one
// way every screen uses (RoundedShare; 0 for an empty window). Decisions
// never use it: they compare exactly (over).
func (c Counts) Share() BasisPoints { return RoundedShare(c.Negative, c.Published) }

// Over reports whether the counted share is past limit, exactly, in
// integers (never for an empty window): a daily series' line crossings.
func (c Counts) Over(limit BasisPoints) bool {
	return c.Published > 0 && over(c.Negative, c.Published, limit)
}

// Neutral is the number of posts that are neither negative nor positive.
func (c Counts) Neutral() int64 { return c.Published - c.Negative - c.Positive }

// PositiveDominant reports whether positive news leads the window, as the
// product expects ("thông tin tích cực là chủ đạo"): there are more positive
// posts than neutral ones and more than negative ones. An empty window is led
// by nothing. It is shown beside the negative share; no verdict depends on it.
func (c Counts) PositiveDominant() bool {
	return c.Positive > 0 && c.Positive > c.Neutral() && c.Positive > c.Negative
}

// over reports whether num/den > limit, exactly, in integers.
// PastLimit reports whether counts c are themselves past the limit: N/P > limit
// (a share no check lets through, reached by withdrawals or a sync).
func PastLimit(r Rules, c Counts) bool {
	return c.Published > 0 && over(c.Negative, c.Published, r.Limit)
}

func over(num, den int64, limit BasisPoints) bool {
	return num*int64(Full) > int64(limit)*den
}

// Ledger is what the store already knows about a post when it is checked.
type Ledger int

const (
	// NotCounted: never seen, held, rejected or withdrawn.
	NotCounted Ledger = iota
	// CountedNonNegative: counted in the window as not negative.
	CountedNonNegative
	// CountedNegative: counted in the window as negative.
	CountedNegative
	// CountedOutsideWindow: counted once, but its go-live time has left the window.
	CountedOutsideWindow
	ledgerStates
)

// String names the ledger state.
func (l Ledger) String() string {
	switch l {
	case NotCounted:
		return "not_counted"
	case CountedNonNegative:
		return "counted_non_negative"
	case CountedNegative:
		return "counted_negative"
	case CountedOutsideWindow:
		return "counted_outside_window"
	}
	return "unknown"
}

// Subject is what is known about the post being decided, before the store
// looks at its counts.
type Subject struct {
	Negative bool // counted as negative if counted (its best label)
	// Positive: counted as positive if counted (its label is positive; never
	// together with Negative). The rules do not read it; the store counts it.
	Positive    bool `json:",omitempty"`
	Borderline  bool // the tone is uncertain (see Assess)
	Sensational bool // the headline was flagged as sensational
}

// WeighedNegative reports whether a decision weighs the post as negative:
// its label is negative, or its tone is uncertain (a borderline post is
// treated as negative, so (N+1)/(P+1) is the figure compared with the limit).
func (s Subject) WeighedNegative() bool { return s.Negative || s.Borderline }

// SharesAround is the share of window counts c (excluding the post) before
// the post and after it as the decision weighs it, rounded for display the
// one way every screen and message uses (RoundedShare).
func SharesAround(c Counts, s Subject) (before, after BasisPoints) {
	neg := int64(0)
	if s.WeighedNegative() {
		neg = 1
	}
	return RoundedShare(c.Negative, c.Published), RoundedShare(c.Negative+neg, c.Published+1)
}

// Reason codes explain a verdict. Messages for people are in the handler's
// message catalogue, keyed by these codes.
const (
	ReasonNotNegative         = "not_negative"
	ReasonShareWithinLimit    = "share_within_limit"
	ReasonShareNearLimit      = "share_near_limit"
	ReasonShareOverLimit      = "share_over_limit"
	ReasonBorderline          = "borderline"
	ReasonBorderlineOverLimit = "borderline_over_limit"
	ReasonMinSample           = "min_sample"
	ReasonSensational         = "sensational_headline"
	ReasonAlreadyCounted      = "already_counted"
	ReasonOutsideWindow       = "outside_window"
	ReasonShadowMode          = "shadow_mode"
)

// Outcome is the verdict for one post in one situation.
type Outcome struct {
	Verdict Verdict  // what is answered
	Would   Verdict  // what the rules say (differs from Verdict only in shadow mode)
	Counted bool     // the post is in the counts after this decision
	Reasons []string // reason codes, most important first
	// TimeCanHelp is true for holds that posts leaving the window can lift
	// (share holds); false for a hold of a sensational headline.
	TimeCanHelp bool
}

// Situation is the part of a decision that only the store knows: the post's
// ledger state and three comparisons on the window's counts, which exclude the
// post itself. Index packs it into 0..31.
type Situation struct {
	Ledger    Ledger
	OverLimit bool // (N+1)/(P+1) > limit
	OverWarn  bool // (N+1)/(P+1) > warn_at
	Small     bool // P < min_sample
}

// Index is the situation's position in a Plan.
func (s Situation) Index() int {
	i := int(s.Ledger) * 8
	if s.OverLimit {
		i |= 1
	}
	if s.OverWarn {
		i |= 2
	}
	if s.Small {
		i |= 4
	}
	return i
}

// SituationAt returns the situation for a post in ledger state l against the
// window counts c (which must exclude the post).
func SituationAt(r Rules, l Ledger, c Counts) Situation {
	return Situation{
		Ledger:    l,
		OverLimit: over(c.Negative+1, c.Published+1, r.Limit),
		OverWarn:  over(c.Negative+1, c.Published+1, r.WarnAt),
		Small:     c.Published < r.MinSample,
	}
}

// PlanSize is the number of situations a plan covers.
const PlanSize = int(ledgerStates) * 8

// Plan is the verdict for every situation one post can meet.
type Plan [PlanSize]Outcome

// MakePlan computes the outcome of every situation for subject s under r.
func MakePlan(r Rules, s Subject) Plan {
	var p Plan
	for l := NotCounted; l < ledgerStates; l++ {
		for bits := 0; bits < 8; bits++ {
			sit := Situation{Ledger: l, OverLimit: bits&1 != 0, OverWarn: bits&2 != 0, Small: bits&4 != 0}
			p[sit.Index()] = decide(r, s, sit)
		}
	}
	return p
}

// Decide is the verdict for subject s in ledger state l against window counts
// c (excluding the post).
func Decide(r Rules, s Subject, l Ledger, c Counts) Outcome {
	return decide(r, s, SituationAt(r, l, c))
}

// The one-code reason lists decide starts from, shared by every plan
// (MakePlan runs on every check; looking them up in a map by the code made
// it 17–20% slower, BenchmarkMakePlan). Capacity 1: an append copies. An Outcome's Reasons are never
// written in place.
var (
	onlyOutsideWindow       = only(ReasonOutsideWindow)
	onlyAlreadyCounted      = only(ReasonAlreadyCounted)
	onlyBorderlineOverLimit = only(ReasonBorderlineOverLimit)
	onlyBorderline          = only(ReasonBorderline)
	onlyNotNegative         = only(ReasonNotNegative)
	onlyShareOverLimit      = only(ReasonShareOverLimit)
	onlyShareNearLimit      = only(ReasonShareNearLimit)
	onlyShareWithinLimit    = only(ReasonShareWithinLimit)
)

func only(code string) []string { return []string{code}[:1:1] }

func decide(r Rules, s Subject, sit Situation) Outcome {
	var o Outcome
	sameTone := (sit.Ledger == CountedNegative && s.Negative) || (sit.Ledger == CountedNonNegative && !s.Negative)
	switch {
	case sit.Ledger == CountedOutsideWindow:
		// Its go-live time has left the window: it no longer weighs on the share.
		o.Verdict, o.Reasons = Allow, onlyOutsideWindow
	case sameTone && !s.Borderline:
		// An edit that keeps the tone moves nothing.
		o.Verdict, o.Reasons = Allow, onlyAlreadyCounted
	case s.Borderline && sit.OverLimit:
		o.Verdict, o.Reasons, o.TimeCanHelp = Hold, onlyBorderlineOverLimit, true
	case s.Borderline:
		o.Verdict, o.Reasons = Warn, onlyBorderline
	case !s.Negative:
		o.Verdict, o.Reasons = Allow, onlyNotNegative
	case sit.OverLimit:
		o.Verdict, o.Reasons, o.TimeCanHelp = Hold, onlyShareOverLimit, true
	case sit.OverWarn:
		o.Verdict, o.Reasons = Warn, onlyShareNearLimit
	default:
		o.Verdict, o.Reasons = Allow, onlyShareWithinLimit
	}
	if o.Verdict == Hold && sit.Small {
		// Cold start: too few posts in the window for the share to mean much.
		o.Verdict, o.TimeCanHelp = Warn, false
		o.Reasons = append(o.Reasons, ReasonMinSample)
	}
	if s.Sensational {
		if v := r.SensationalAction.verdict(); v == Hold {
			o.TimeCanHelp = false
			o.Verdict = Hold
		} else {
			o.Verdict = Max(o.Verdict, v)
		}
		o.Reasons = append(o.Reasons, ReasonSensational)
	}
	o.Would = o.Verdict
	if r.Mode == Shadow {
		o.Verdict = Allow
		o.Reasons = append(o.Reasons, ReasonShadowMode)
	}
	o.Counted = o.Verdict != Hold
	return o
}

// Codes encodes the plan for a store script: one byte per situation,
// 'a' (allow), 'w' (warn), 'h' (hold that time can lift) or 'H' (hold that
// it cannot). Counted is exactly "not a hold".
func (p *Plan) Codes() string {
	b := make([]byte, PlanSize)
	for i, o := range p {
		switch {
		case o.Verdict == Allow:
			b[i] = 'a'
		case o.Verdict == Warn:
			b[i] = 'w'
		case o.TimeCanHelp:
			b[i] = 'h'
		default:
			b[i] = 'H'
		}
	}
	return string(b)
}

// Headroom says how much room an outlet's window has left.
type Headroom struct {
	// NegativeLeft is how many negative posts can still go out now, one after
	// another; nil when the limit is 100% (no bound).
	NegativeLeft *int64 `json:"negative_left"`
	// NonNegativeNeeded is how many non-negative posts must go out before one
	// more negative one fits; nil when the limit is 0% (never).
	NonNegativeNeeded *int64 `json:"non_negative_needed"`
}

// HeadroomOf computes the headroom of window counts c under r.
func HeadroomOf(r Rules, c Counts) Headroom {
	var h Headroom
	L, P, N := int64(r.Limit), c.Published, c.Negative
	if r.Limit < Full {
		// Largest k with (N+k)·10000 ≤ L·(P+k).
		k := (L*P - int64(Full)*N) / (int64(Full) - L)
		if L*P-int64(Full)*N < 0 {
			k = 0
		}
		h.NegativeLeft = &k
	}
	if !over(N+1, P+1, r.Limit) {
		zero := int64(0)
		h.NonNegativeNeeded = &zero
	} else if r.Limit > 0 {
		// Smallest m with (N+1)·10000 ≤ L·(P+m+1).
		need := int64(Full)*(N+1) - L*(P+1)
		m := (need + L - 1) / L
		h.NonNegativeNeeded = &m
	}
	return h
}
