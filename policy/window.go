package policy

import (
	"math"
	"sort"
)

// WindowEntry is one post counted in an outlet's window.
type WindowEntry struct {
	AtMillis int64 // go-live time, Unix milliseconds
	Negative bool
}

// EarliestSafe returns the first moment (Unix ms) at which a post held under
// plan p would no longer be held if nothing else were published: posts leave
// the window windowMillis after they went live, every post that went live at
// the same millisecond together. entries are the posts counted now
// (excluding the held post), in any order. ok is false when no moment within
// the window lets the post through.
//
// Found by looking only where the hold can lift (HoldsOverLimitOnly: a new
// post is held exactly while the share is over the limit and the sample is
// not small, so while only non-negative posts leave nothing can lift the
// hold but the sample turning small):
//
//   - the sample turns small (P - k < min_sample) when the k = P-min_sample+1
//     oldest posts have left: the go-live time of the k-th oldest post;
//   - the share can only fall below the limit where a negative post leaves,
//     and only once c negative posts have, with c·(10000-L) ≥
//     10000·(N+1) - L·(P+1) (even if no other post left), so the walk visits
//     negative posts from the c-th on; having found the share still over the
//     limit with e posts gone of which c negative, the next negative post that
//     can lift it is the c'-th, c'·(10000-L) ≥ 10000·(N+1) - L·(P+1-e+c),
//     since at least c'-c more posts must leave.
//
// The answer is the earlier of the two. Finding the first moment the share
// falls below the limit is a first-passage question over the order of the
// window's posts, so it has no closed form in general: with negative posts
// spread evenly at the limit every negative post is a candidate, and each is
// visited (BenchmarkEarliestSafe). Here the visits are a pass over the
// sorted posts; the Redis store's script makes the same visits with ZRANGE
// by rank and one ZCOUNT each, and a test in the store package checks that
// both agree. walkEarliestSafe is the definition, and the test oracle.
func EarliestSafe(p *Plan, r Rules, entries []WindowEntry, windowMillis int64) (atMillis int64, ok bool) {
	es := entries
	if !sort.SliceIsSorted(es, func(i, j int) bool { return es[i].AtMillis < es[j].AtMillis }) {
		es = append([]WindowEntry(nil), entries...)
		sort.Slice(es, func(i, j int) bool { return es[i].AtMillis < es[j].AtMillis })
	}
	if !p.HoldsOverLimitOnly() {
		return walkEarliestSafe(p, r, es, windowMillis)
	}
	var c Counts
	for _, e := range es {
		c.Published++
		if e.Negative {
			c.Negative++
		}
	}
	lifts := func(gone, negGone int64) bool {
		left := Counts{Published: c.Published - gone, Negative: c.Negative - negGone}
		return p[SituationAt(r, NotCounted, left).Index()].Verdict != Hold
	}
	if len(es) == 0 || lifts(0, 0) {
		// Not held now: the walk's answer (the first group, or the first
		// after which a hold lifts again).
		return walkEarliestSafe(p, r, es, windowMillis)
	}
	// The sample turning small.
	best := int64(math.MaxInt64)
	if r.MinSample > 0 {
		k := max(c.Published-r.MinSample+1, 1)
		if k <= c.Published {
			best = es[k-1].AtMillis
		}
	}
	// The share falling below the limit, where a negative post leaves: the
	// negative posts from the next(…)-th on, group by group, before best.
	L, full := int64(r.Limit), int64(Full)
	next := func(gone, negGone int64) int64 { // the c' above (1-based)
		if L >= full {
			return negGone + 1
		}
		need := full*(c.Negative+1) - L*(c.Published+1-gone+negGone)
		return max(negGone+1, ceilDiv(need, full-L))
	}
	want := next(0, 0)
	var negGone int64
	for i := 0; i < len(es) && want <= c.Negative; {
		at := es[i].AtMillis
		if at >= best {
			break
		}
		// The whole group at this millisecond leaves.
		for ; i < len(es) && es[i].AtMillis == at; i++ {
			if es[i].Negative {
				negGone++
			}
		}
		if negGone < want {
			continue
		}
		if lifts(int64(i), negGone) {
			return at + windowMillis, true
		}
		want = next(int64(i), negGone)
	}
	if best != math.MaxInt64 {
		return best + windowMillis, true
	}
	return 0, false
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}

// HoldsOverLimitOnly reports whether a new post (ledger NotCounted) is held
// under p exactly when the share would be over the limit and the sample is
// not small: OverLimit and not Small, whatever OverWarn. Every plan MakePlan
// makes has this form (or holds in no situation, or in all of them); the
// closed form of EarliestSafe and the Redis script's walk rely on it.
func (p *Plan) HoldsOverLimitOnly() bool {
	for bits := 0; bits < 8; bits++ {
		sit := Situation{Ledger: NotCounted, OverLimit: bits&1 != 0, OverWarn: bits&2 != 0, Small: bits&4 != 0}
		if (p[sit.Index()].Verdict == Hold) != (sit.OverLimit && !sit.Small) {
			return false
		}
	}
	return true
}

// walkEarliestSafe walks the window's posts (sorted) oldest first, removing
// each group that went live at the same millisecond, until the plan's verdict
// for a new post is no longer hold: the definition EarliestSafe computes in
// fewer steps, used for a plan of another form.
func walkEarliestSafe(p *Plan, r Rules, es []WindowEntry, windowMillis int64) (int64, bool) {
	var c Counts
	for _, e := range es {
		c.Published++
		if e.Negative {
			c.Negative++
		}
	}
	for i := 0; i < len(es); {
		at := es[i].AtMillis
		for i < len(es) && es[i].AtMillis == at {
			c.Published--
			if es[i].Negative {
				c.Negative--
			}
			i++
		}
		if p[SituationAt(r, NotCounted, c).Index()].Verdict != Hold {
			return at + windowMillis, true
		}
	}
	return 0, false
}
