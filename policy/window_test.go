package policy

import (
	"math/rand/v2"
	"testing"
)

// TestPlansHoldOverLimitOnly: every plan MakePlan makes holds a new post
// either in no situation, in every one (a sensational headline held), or
// exactly when the share is over the limit and the sample is not small, the
// form EarliestSafe's closed form and the Redis script's walk rely on.
func TestPlansHoldOverLimitOnly(t *testing.T) {
	checked := 0
	for _, limit := range []BasisPoints{0, 1, 1500, 5000, 9999, Full} {
		for _, warn := range []BasisPoints{0, limit / 2, limit} {
			for _, min := range []int64{0, 1, 20} {
				for _, act := range []SensationalAction{SensationalWarn, SensationalHold} {
					for _, mode := range []Mode{Enforce, Shadow} {
						r := Rules{Limit: limit, WarnAt: warn, MinSample: min, SensationalAction: act, Mode: mode}
						for bits := 0; bits < 16; bits++ {
							s := Subject{Negative: bits&1 != 0, Positive: bits&1 == 0 && bits&8 != 0, Borderline: bits&2 != 0, Sensational: bits&4 != 0}
							p := MakePlan(r, s)
							holds, timeCanHelp := 0, false
							for i := 0; i < 8; i++ {
								if p[i].Verdict == Hold {
									holds++
									timeCanHelp = timeCanHelp || p[i].TimeCanHelp
								}
							}
							if holds != 0 && holds != 8 && !p.HoldsOverLimitOnly() || timeCanHelp && !p.HoldsOverLimitOnly() {
								t.Fatalf("rules %+v subject %+v: plan %s holds a new post otherwise", r, s, p.Codes())
							}
							checked++
						}
					}
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d plans checked", checked)
	}
}

// TestEarliestSafeAgreesWithWalk: the closed form against the walk over
// every group (walkEarliestSafe), on random windows, rules and subjects,
// held posts only (what callers ask), sorted and unsorted.
func TestEarliestSafeAgreesWithWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	const window = int64(30 * 24 * 3600 * 1000)
	var held, withTime, bySample int
	for iter := 0; iter < 20000; iter++ {
		limit := BasisPoints(rng.IntN(int(Full) + 1))
		switch iter % 4 {
		case 0:
			limit = 1500
		case 1:
			limit = BasisPoints(1000 + rng.IntN(4000))
		}
		r := Rules{Limit: limit, WarnAt: BasisPoints(rng.IntN(int(limit) + 1)), MinSample: int64(rng.IntN(3) * rng.IntN(30)),
			SensationalAction: SensationalWarn, Mode: Enforce}
		s := Subject{Negative: rng.IntN(4) > 0, Borderline: rng.IntN(5) == 0, Sensational: rng.IntN(6) == 0}
		p := MakePlan(r, s)
		n := rng.IntN(80)
		if iter%50 == 0 {
			n = 500 + rng.IntN(1500)
		}
		negShare := rng.IntN(40)
		es := make([]WindowEntry, n)
		var at int64
		for i := range es {
			if i == 0 || rng.IntN(4) > 0 {
				at += 1 + rng.Int64N(window/int64(n+1))
			}
			es[i] = WindowEntry{AtMillis: at, Negative: rng.IntN(100) < negShare}
		}
		var c Counts
		for _, e := range es {
			c.Published++
			if e.Negative {
				c.Negative++
			}
		}
		o := p[SituationAt(r, NotCounted, c).Index()]
		if o.Verdict != Hold || !o.TimeCanHelp {
			continue
		}
		held++
		wantAt, wantOK := walkEarliestSafe(&p, r, es, window)
		if iter%2 == 1 {
			rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		}
		gotAt, gotOK := EarliestSafe(&p, r, es, window)
		if gotAt != wantAt || gotOK != wantOK {
			t.Fatalf("iter %d (rules %+v, subject %+v, counts %+v): closed form %d %v, walk %d %v", iter, r, s, c, gotAt, gotOK, wantAt, wantOK)
		}
		if wantOK {
			withTime++
			if r.MinSample > 0 && c.Published-r.MinSample+1 >= 1 {
				bySample++
			}
		}
	}
	t.Logf("%d held, %d with an earliest safe time, %d with a min sample", held, withTime, bySample)
	if held < 2000 || withTime < 500 || bySample < 100 {
		t.Fatalf("too few cases: %d held, %d with a time, %d with a min sample", held, withTime, bySample)
	}
}

// atLimit is a window of n posts at exactly share‰ negative, evenly spread:
// the closed form's worst case (every negative post is a candidate).
func atLimit(n, perMille int) []WindowEntry {
	es := make([]WindowEntry, n)
	for i := range es {
		es[i] = WindowEntry{AtMillis: int64(i+1) * 1000, Negative: (i*perMille)/1000 != ((i+1)*perMille)/1000}
	}
	return es
}

func BenchmarkEarliestSafe(b *testing.B) {
	r := DefaultRules()
	p := MakePlan(r, Subject{Negative: true})
	for _, tc := range []struct {
		name string
		es   []WindowEntry
	}{
		{"at-limit-6000", atLimit(6000, 150)},
		{"over-limit-6000", atLimit(6000, 300)},
	} {
		b.Run(tc.name+"/closed", func(b *testing.B) {
			for b.Loop() {
				EarliestSafe(&p, r, tc.es, 1<<40)
			}
		})
		b.Run(tc.name+"/walk", func(b *testing.B) {
			for b.Loop() {
				walkEarliestSafe(&p, r, tc.es, 1<<40)
			}
		})
	}
}
