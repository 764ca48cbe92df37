package policy

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func rules(limit, warn BasisPoints) Rules {
	r := DefaultRules()
	r.Limit, r.WarnAt = limit, warn
	return r
}

func TestDecideTable(t *testing.T) {
	neg := Subject{Negative: true}
	tests := []struct {
		name    string
		r       Rules
		s       Subject
		l       Ledger
		c       Counts
		want    Verdict
		counted bool
		reason  string
	}{
		{"non-negative always allowed", rules(1500, 1200), Subject{}, NotCounted, Counts{10, 10, 0}, Allow, true, ReasonNotNegative},
		{"empty window: first negative is 100%", rules(1500, 1200), neg, NotCounted, Counts{0, 0, 0}, Hold, false, ReasonShareOverLimit},
		{"well under warn_at", rules(1500, 1200), neg, NotCounted, Counts{100, 5, 0}, Allow, true, ReasonShareWithinLimit},
		{"exactly warn_at is allow", rules(1500, 1200), neg, NotCounted, Counts{99, 11, 0}, Allow, true, ReasonShareWithinLimit}, // 12/100
		{"just over warn_at is warn", rules(1500, 1200), neg, NotCounted, Counts{99, 12, 0}, Warn, true, ReasonShareNearLimit},   // 13/100
		{"exactly 15.00% is warn", rules(1500, 1200), neg, NotCounted, Counts{99, 14, 0}, Warn, true, ReasonShareNearLimit},      // 15/100
		{"one more is hold", rules(1500, 1200), neg, NotCounted, Counts{100, 15, 0}, Hold, false, ReasonShareOverLimit},          // 16/101
		{"product example 18/121 warns", rules(1500, 1200), neg, NotCounted, Counts{120, 17, 0}, Warn, true, ReasonShareNearLimit},
		{"limit 0%: every negative held", rules(0, 0), neg, NotCounted, Counts{1000, 0, 0}, Hold, false, ReasonShareOverLimit},
		{"limit 0%: non-negative allowed", rules(0, 0), Subject{}, NotCounted, Counts{0, 0, 0}, Allow, true, ReasonNotNegative},
		{"limit 100%: never held", rules(Full, Full), neg, NotCounted, Counts{0, 0, 0}, Allow, true, ReasonShareWithinLimit},
		{"warn_at = limit: allow up to the limit", rules(1500, 1500), neg, NotCounted, Counts{99, 14, 0}, Allow, true, ReasonShareWithinLimit},
		{"warn_at = limit: then hold", rules(1500, 1500), neg, NotCounted, Counts{100, 15, 0}, Hold, false, ReasonShareOverLimit},
		{"borderline over the limit is held", rules(1500, 1200), Subject{Borderline: true}, NotCounted, Counts{100, 15, 0}, Hold, false, ReasonBorderlineOverLimit},
		{"borderline otherwise warned", rules(1500, 1200), Subject{Borderline: true}, NotCounted, Counts{100, 0, 0}, Warn, true, ReasonBorderline},
		{"edit, same tone: nothing moves", rules(1500, 1200), neg, CountedNegative, Counts{10, 9, 0}, Allow, true, ReasonAlreadyCounted},
		{"edit turns a counted post negative, fits", rules(1500, 1200), neg, CountedNonNegative, Counts{99, 5, 0}, Allow, true, ReasonShareWithinLimit},
		{"edit turns a counted post negative, too many", rules(1500, 1200), neg, CountedNonNegative, Counts{99, 15, 0}, Hold, false, ReasonShareOverLimit},
		{"edit turns a negative post non-negative", rules(1500, 1200), Subject{}, CountedNegative, Counts{99, 15, 0}, Allow, true, ReasonNotNegative},
		{"edit of a post outside the window", rules(1500, 1200), neg, CountedOutsideWindow, Counts{0, 0, 0}, Allow, true, ReasonOutsideWindow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Decide(tc.r, tc.s, tc.l, tc.c)
			if o.Verdict != tc.want || o.Counted != tc.counted || o.Reasons[0] != tc.reason {
				t.Fatalf("Decide = %s counted=%v reasons=%v, want %s counted=%v %s", o.Verdict, o.Counted, o.Reasons, tc.want, tc.counted, tc.reason)
			}
		})
	}
}

func TestMinSampleWarnsInsteadOfHolding(t *testing.T) {
	r := DefaultRules()
	r.MinSample = 20
	o := Decide(r, Subject{Negative: true}, NotCounted, Counts{19, 5, 0})
	if o.Verdict != Warn || !slices.Contains(o.Reasons, ReasonMinSample) || !o.Counted {
		t.Fatalf("with 19 posts < min_sample 20: got %+v, want a counted warn with min_sample", o)
	}
	o = Decide(r, Subject{Negative: true}, NotCounted, Counts{20, 5, 0})
	if o.Verdict != Hold {
		t.Fatalf("with 20 posts = min_sample: got %s, want hold", o.Verdict)
	}
}

func TestSensational(t *testing.T) {
	r := DefaultRules()
	o := Decide(r, Subject{Sensational: true}, NotCounted, Counts{100, 0, 0})
	if o.Verdict != Warn || !o.Counted || !slices.Contains(o.Reasons, ReasonSensational) {
		t.Fatalf("sensational, warn policy: %+v", o)
	}
	r.SensationalAction = SensationalHold
	o = Decide(r, Subject{Sensational: true}, NotCounted, Counts{100, 0, 0})
	if o.Verdict != Hold || o.Counted || o.TimeCanHelp {
		t.Fatalf("sensational, hold policy: %+v (a sensational hold cannot be lifted by time)", o)
	}
}

// TestSensationalSensitivityAndAction: the outlet's sensitivity decides
// whether a headline's score is sensational; its action what that does to
// the verdict the share gives.
func TestSensationalSensitivityAndAction(t *testing.T) {
	within := Counts{100, 0, 0} // a negative post here is allowed by the share
	near := Counts{100, 12, 0}  // 13/101: warned by the share
	over := Counts{100, 15, 0}  // 16/101: held by the share
	tests := []struct {
		name        string
		sensitivity Sensitivity
		action      SensationalAction
		score       float64
		negative    bool
		c           Counts
		want        Verdict
		reason      bool // sensational_headline among the reasons
		timeCanHelp bool
	}{
		{"normal: 0.69 is not sensational", SensitivityNormal, SensationalWarn, 0.6999, false, within, Allow, false, false},
		{"normal: 0.70 is, and warns", SensitivityNormal, SensationalWarn, 0.70, false, within, Warn, true, false},
		{"unset sensitivity is normal", "", SensationalWarn, 0.70, false, within, Warn, true, false},
		{"unset sensitivity is normal, below", "", SensationalWarn, 0.69, false, within, Allow, false, false},
		{"low: 0.84 is not sensational", SensitivityLow, SensationalWarn, 0.8499, false, within, Allow, false, false},
		{"low: 0.85 is", SensitivityLow, SensationalWarn, 0.85, false, within, Warn, true, false},
		{"high: the classifier's own flag, 0.5", SensitivityHigh, SensationalWarn, 0.5, false, within, Warn, true, false},
		{"high: 0.49 is not", SensitivityHigh, SensationalWarn, 0.4999, false, within, Allow, false, false},
		{"note: a reason line, the verdict stays allow", SensitivityNormal, SensationalNote, 0.9, false, within, Allow, true, false},
		{"note: a share warning stays a warning", SensitivityNormal, SensationalNote, 0.9, true, near, Warn, true, false},
		{"note: a share hold stays a hold time can lift", SensitivityNormal, SensationalNote, 0.9, true, over, Hold, true, true},
		{"warn: a share hold stays a hold time can lift", SensitivityNormal, SensationalWarn, 0.9, true, over, Hold, true, true},
		{"hold: holds a post the share allows", SensitivityNormal, SensationalHold, 0.9, false, within, Hold, true, false},
		{"hold: time cannot lift it even over the limit", SensitivityNormal, SensationalHold, 0.9, true, over, Hold, true, false},
		{"hold, below the threshold: the share decides", SensitivityNormal, SensationalHold, 0.6, true, near, Warn, false, false},
	}
	for _, tc := range tests {
		r := DefaultRules()
		r.SensationalSensitivity, r.SensationalAction = tc.sensitivity, tc.action
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		s := Subject{Negative: tc.negative, Sensational: r.Sensational(tc.score)}
		o := Decide(r, s, NotCounted, tc.c)
		if o.Verdict != tc.want || slices.Contains(o.Reasons, ReasonSensational) != tc.reason || o.TimeCanHelp != tc.timeCanHelp || o.Counted != (tc.want != Hold) {
			t.Errorf("%s: %+v, want %s (sensational reason %t, time can help %t)", tc.name, o, tc.want, tc.reason, tc.timeCanHelp)
		}
	}
}

func TestShadowModeAnswersAllowButRecordsTheRule(t *testing.T) {
	r := DefaultRules()
	r.Mode = Shadow
	o := Decide(r, Subject{Negative: true}, NotCounted, Counts{0, 0, 0})
	if o.Verdict != Allow || o.Would != Hold || !o.Counted || !slices.Contains(o.Reasons, ReasonShadowMode) {
		t.Fatalf("shadow: %+v", o)
	}
}

// Property: counting every post that is allowed or warned, one after another,
// never takes the share past the limit, from any start within the limit.
func TestAllowedNeverExceedsLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		limit := BasisPoints(rng.IntN(int(Full) + 1))
		r := rules(limit, BasisPoints(rng.IntN(int(limit)+1)))
		c := Counts{Published: int64(rng.IntN(300))}
		c.Negative = c.Published * int64(limit) / int64(Full)
		for j := 0; j < 200; j++ {
			s := Subject{Negative: rng.IntN(3) == 0, Borderline: rng.IntN(10) == 0}
			o := Decide(r, s, NotCounted, c)
			if !o.Counted {
				continue
			}
			c.Published++
			if s.Negative {
				c.Negative++
			}
			if s.Negative && c.Negative*int64(Full) > int64(limit)*c.Published {
				t.Fatalf("limit %s: counted share %d/%d is past it after %+v", limit.Percent(), c.Negative, c.Published, o)
			}
		}
	}
}

func TestPlanMatchesDecide(t *testing.T) {
	r := rules(1500, 1200)
	r.MinSample = 3
	for _, s := range []Subject{{}, {Negative: true}, {Borderline: true}, {Negative: true, Sensational: true}} {
		p := MakePlan(r, s)
		codes := p.Codes()
		for l := NotCounted; l < ledgerStates; l++ {
			for P := int64(0); P < 30; P++ {
				for N := int64(0); N <= P; N++ {
					c := Counts{Published: P, Negative: N}
					o := Decide(r, s, l, c)
					idx := SituationAt(r, l, c).Index()
					if got := p[idx]; got.Verdict != o.Verdict || got.Counted != o.Counted {
						t.Fatalf("plan[%d] = %+v, Decide = %+v", idx, got, o)
					}
					want := map[Verdict]byte{Allow: 'a', Warn: 'w', Hold: 'h'}[o.Verdict]
					if o.Verdict == Hold && !o.TimeCanHelp {
						want = 'H'
					}
					if codes[idx] != want {
						t.Fatalf("codes[%d] = %c, want %c", idx, codes[idx], want)
					}
				}
			}
		}
	}
}

func ptr(v int64) *int64 { return &v }

func TestHeadroom(t *testing.T) {
	tests := []struct {
		name        string
		r           Rules
		c           Counts
		left, needs *int64
	}{
		{"empty window", rules(1500, 1200), Counts{0, 0, 0}, ptr(0), ptr(6)},                      // 1/7 = 14.3%
		{"product example after counting", rules(1500, 1200), Counts{121, 18, 0}, ptr(0), ptr(5)}, // 19/127 = 14.96%
		{"room for two", rules(1500, 1200), Counts{100, 10, 0}, ptr(5), ptr(0)},                   // 15/105 = 14.3%, 16/106 = 15.09%
		{"exactly at the limit", rules(1500, 1200), Counts{100, 15, 0}, ptr(0), ptr(6)},           // 16/107 = 14.95%
		{"limit 100%", rules(Full, Full), Counts{3, 3, 0}, nil, ptr(0)},
		{"limit 0%", rules(0, 0), Counts{3, 0, 0}, ptr(0), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := HeadroomOf(tc.r, tc.c)
			if !eqPtr(h.NegativeLeft, tc.left) || !eqPtr(h.NonNegativeNeeded, tc.needs) {
				t.Fatalf("HeadroomOf(%+v) = left %v needs %v, want %v %v", tc.c, show(h.NegativeLeft), show(h.NonNegativeNeeded), show(tc.left), show(tc.needs))
			}
			// Cross-check against the rule itself.
			if h.NegativeLeft != nil {
				c := tc.c
				for k := int64(0); k < *h.NegativeLeft; k++ {
					if Decide(tc.r, Subject{Negative: true}, NotCounted, c).Verdict == Hold {
						t.Fatalf("negative post %d of %d promised would be held", k+1, *h.NegativeLeft)
					}
					c.Published++
					c.Negative++
				}
				if Decide(tc.r, Subject{Negative: true}, NotCounted, c).Verdict != Hold {
					t.Fatalf("one more than negative_left (%d) is not held", *h.NegativeLeft)
				}
			}
			if h.NonNegativeNeeded != nil {
				c := tc.c
				c.Published += *h.NonNegativeNeeded
				if Decide(tc.r, Subject{Negative: true}, NotCounted, c).Verdict == Hold {
					t.Fatalf("after %d non-negative posts a negative one is still held", *h.NonNegativeNeeded)
				}
				if *h.NonNegativeNeeded > 0 {
					c.Published--
					if Decide(tc.r, Subject{Negative: true}, NotCounted, c).Verdict != Hold {
						t.Fatalf("one fewer non-negative post than needed already fits")
					}
				}
			}
		})
	}
}

func eqPtr(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func show(p *int64) any {
	if p == nil {
		return "null"
	}
	return *p
}

func TestEarliestSafe(t *testing.T) {
	const day = int64(24 * 3600 * 1000)
	window := 30 * day
	r := rules(1500, 1200)
	p := MakePlan(r, Subject{Negative: true})
	var es []WindowEntry
	// 6 non-negative posts, then 1 negative at day 1, then 5 non-negative at day 2:
	// 1 negative of 12; a new negative: 2/13 = 15.4% > 15%: held.
	for i := 0; i < 6; i++ {
		es = append(es, WindowEntry{AtMillis: 0})
	}
	es = append(es, WindowEntry{AtMillis: day, Negative: true})
	for i := 0; i < 5; i++ {
		es = append(es, WindowEntry{AtMillis: 2 * day})
	}
	// When the 6 posts of day 0 leave, 1 negative of 6 remains: 2/7 — worse.
	// When the negative of day 1 leaves, 0 of 5: 1/6 = 16.7% — still held.
	// When all leave: 1/1 — held. So nothing within the window lets it through.
	if _, ok := EarliestSafe(&p, r, es, window); ok {
		t.Fatalf("expected no safe time")
	}
	// Older negatives leaving is what helps: 2 negatives (day 1, day 2) and 12
	// non-negative posts (day 3): a new negative is 3/15 = 20%, held; when the
	// day-1 negative leaves, 2/14 = 14.3% fits, at day 1 + window.
	es = []WindowEntry{{AtMillis: day, Negative: true}, {AtMillis: 2 * day, Negative: true}}
	for i := 0; i < 12; i++ {
		es = append(es, WindowEntry{AtMillis: 3 * day})
	}
	at, ok := EarliestSafe(&p, r, es, window)
	if !ok || at != day+window {
		t.Fatalf("EarliestSafe = %d, %v; want %d", at, ok, day+window)
	}
	// Same-time groups leave together: removing only part of a group must not count.
	es2 := []WindowEntry{{AtMillis: 5, Negative: true}, {AtMillis: 5}, {AtMillis: 5}, {AtMillis: 9}, {AtMillis: 9}, {AtMillis: 9}, {AtMillis: 9}, {AtMillis: 9}, {AtMillis: 9}}
	// 1 of 9: new → 2/10 = 20% held. At 5+w the group of 3 leaves: 0 of 6 → 1/7 = 14.3%: fits.
	at, ok = EarliestSafe(&p, r, es2, window)
	if !ok || at != 5+window {
		t.Fatalf("EarliestSafe (group) = %d, %v; want %d", at, ok, 5+window)
	}
}

func TestAssess(t *testing.T) {
	confidentNeg := ToneResult{Label: Negative, Score: 0.9}
	unsureNeg := ToneResult{Label: Negative, Score: 0.55, Borderline: true}
	neutral := ToneResult{Label: Neutral, Score: 0.7}
	tests := []struct {
		name       string
		c          ToneResult
		declared   Tone
		cats       []Tone
		label      Tone
		borderline bool
	}{
		{"declared negative is honoured", neutral, Negative, nil, Negative, false},
		{"category negative is honoured", neutral, "", []Tone{Positive, Negative}, Negative, false},
		{"declared milder than a confident negative is borderline", confidentNeg, Neutral, nil, Negative, true},
		{"mapped milder than a confident negative is borderline", confidentNeg, "", []Tone{Positive}, Negative, true},
		{"declared positive over neutral is taken", neutral, Positive, nil, Positive, false},
		{"unsure negative stays borderline", unsureNeg, Neutral, nil, Negative, true},
		{"nothing declared", confidentNeg, "", nil, Negative, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Assess(tc.c, tc.declared, tc.cats)
			if a.Tone.Label != tc.label || a.Tone.Borderline != tc.borderline {
				t.Fatalf("Assess = %s borderline=%v, want %s %v", a.Tone.Label, a.Tone.Borderline, tc.label, tc.borderline)
			}
		})
	}
}

func TestRulesValidate(t *testing.T) {
	bad := []Rules{
		{Limit: -1, WarnAt: 0, SensationalAction: SensationalWarn, Mode: Enforce},
		{Limit: 10001, WarnAt: 0, SensationalAction: SensationalWarn, Mode: Enforce},
		{Limit: 1500, WarnAt: 1600, SensationalAction: SensationalWarn, Mode: Enforce},
		{Limit: 1500, WarnAt: 1200, SensationalAction: "allow", Mode: Enforce},
		{Limit: 1500, WarnAt: 1200, SensationalAction: "", Mode: Enforce},
		{Limit: 1500, WarnAt: 1200, SensationalAction: SensationalWarn, SensationalSensitivity: "medium", Mode: Enforce},
		{Limit: 1500, WarnAt: 1200, SensationalAction: SensationalWarn, Mode: "off"},
		{Limit: 1500, WarnAt: 1200, MinSample: -1, SensationalAction: SensationalWarn, Mode: Enforce},
	}
	for _, r := range bad {
		if r.Validate() == nil {
			t.Errorf("%+v: expected an error", r)
		}
	}
	if err := DefaultRules().Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestShareRounding: one rounding (to nearest, half up) for the basis
// points of messages and pages and the fraction of JSON.
func TestShareRounding(t *testing.T) {
	for _, tc := range []struct {
		c     Counts
		bp    BasisPoints
		ratio float64
	}{
		{Counts{Published: 12, Negative: 2}, 1667, 0.1667}, // 16.666…: rounded up, not down to 16.66
		{Counts{Published: 121, Negative: 18}, 1488, 0.1488},
		{Counts{Published: 105, Negative: 15}, 1429, 0.1429},
		{Counts{Published: 3, Negative: 1}, 3333, 0.3333},
		{Counts{Published: 20000, Negative: 1}, 1, 0.0001}, // 0.5 bp: half up
		{Counts{Published: 8, Negative: 1}, 1250, 0.125},
		{Counts{Published: 0, Negative: 1}, 0, 0},
		{Counts{}, 0, 0},
	} {
		if got := tc.c.Share(); got != tc.bp {
			t.Errorf("%+v.Share() = %d, want %d", tc.c, got, tc.bp)
		}
		if got := Ratio(tc.c.Negative, tc.c.Published); got != tc.ratio {
			t.Errorf("Ratio(%d, %d) = %v, want %v", tc.c.Negative, tc.c.Published, got, tc.ratio)
		}
	}
	// A negative post held at 11 published / 1 negative: 2 of 12 after.
	if before, after := SharesAround(Counts{Published: 11, Negative: 1}, Subject{Negative: true}); before != 909 || after != 1667 {
		t.Errorf("SharesAround(11/1, negative) = %d, %d; want 909, 1667", before, after)
	}
}

func BenchmarkMakePlan(b *testing.B) {
	r := DefaultRules()
	s := Subject{Negative: true}
	for b.Loop() {
		p := MakePlan(r, s)
		_ = p.Codes()
	}
}

func BenchmarkDecide(b *testing.B) {
	r := DefaultRules()
	s := Subject{Negative: true}
	for b.Loop() {
		_ = Decide(r, s, NotCounted, Counts{120, 17, 0})
	}
}

func TestPositiveDominant(t *testing.T) {
	tests := []struct {
		name string
		c    Counts
		want bool
	}{
		{"empty window", Counts{}, false},
		{"only positive", Counts{Published: 3, Positive: 3}, true},
		{"more positive than neutral and negative", Counts{Published: 100, Negative: 10, Positive: 50}, true},
		{"positive a plurality, not a majority", Counts{Published: 100, Negative: 30, Positive: 40}, true},
		{"as many positive as neutral", Counts{Published: 100, Negative: 10, Positive: 45}, false},
		{"neutral leads", Counts{Published: 100, Negative: 10, Positive: 30}, false},
		{"negative leads", Counts{Published: 10, Negative: 5, Positive: 4}, false},
		{"as many positive as negative", Counts{Published: 10, Negative: 5, Positive: 5}, false},
	}
	for _, tc := range tests {
		if got := tc.c.PositiveDominant(); got != tc.want {
			t.Errorf("%s: %+v PositiveDominant = %t, want %t", tc.name, tc.c, got, tc.want)
		}
	}
}

// TestSharedReasonListsStayIntact: plans share their first reason list;
// appending the notes of a sensational or shadow plan must copy it.
func TestSharedReasonListsStayIntact(t *testing.T) {
	r := DefaultRules()
	r.Mode = Shadow
	p := MakePlan(r, Subject{Negative: true, Sensational: true})
	for i := range p {
		if len(p[i].Reasons) < 3 {
			t.Fatalf("situation %d: reasons %v, want the first, sensational and shadow", i, p[i].Reasons)
		}
	}
	for code, l := range map[string][]string{
		ReasonOutsideWindow: onlyOutsideWindow, ReasonAlreadyCounted: onlyAlreadyCounted, ReasonBorderlineOverLimit: onlyBorderlineOverLimit,
		ReasonBorderline: onlyBorderline, ReasonNotNegative: onlyNotNegative, ReasonShareOverLimit: onlyShareOverLimit,
		ReasonShareNearLimit: onlyShareNearLimit, ReasonShareWithinLimit: onlyShareWithinLimit,
	} {
		if len(l) != 1 || cap(l) != 1 || l[0] != code {
			t.Errorf("shared reason list of %s is now %v (cap %d)", code, l, cap(l))
		}
	}
	plain := MakePlan(DefaultRules(), Subject{})
	for i := range plain {
		if len(plain[i].Reasons) != 1 {
			t.Errorf("situation %d of a plain plan: %v", i, plain[i].Reasons)
		}
	}
}

// TestSharesAround: the figure every screen shows is the one the decision
// compared — a borderline post weighs as negative whatever its label.
func TestSharesAround(t *testing.T) {
	for _, tc := range []struct {
		name          string
		c             Counts
		s             Subject
		before, after BasisPoints
	}{
		{"negative", Counts{Published: 24, Negative: 3}, Subject{Negative: true}, 1250, 1600},
		{"borderline neutral", Counts{Published: 24, Negative: 3}, Subject{Borderline: true}, 1250, 1600},
		{"confident neutral", Counts{Published: 24, Negative: 3}, Subject{}, 1250, 1200},
		{"rounded half up", Counts{Published: 104, Negative: 15}, Subject{}, 1442, 1429},
		{"empty window", Counts{}, Subject{Borderline: true}, 0, 10000},
	} {
		b, a := SharesAround(tc.c, tc.s)
		if b != tc.before || a != tc.after {
			t.Errorf("%s: %d → %d, want %d → %d", tc.name, b, a, tc.before, tc.after)
		}
		// The decision compares the same numerator it shows.
		if got := Decide(DefaultRules(), tc.s, NotCounted, tc.c).Verdict == Hold; tc.s.WeighedNegative() && got != (a > 1500) {
			t.Errorf("%s: hold=%v but the shown figure is %s%%", tc.name, got, a.Percent())
		}
	}
}
