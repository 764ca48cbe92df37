package policy

import "sort"

// WindowEntry is one post counted in an outlet's window.
type WindowEntry struct {
	AtMillis int64 // go-live time, Unix milliseconds
	Negative bool
}

// EarliestSafe returns the first moment (Unix ms) at which a post held under
// plan p would no longer be held if nothing else were published: posts leave
// the window windowMillis after they went live. entries are the posts counted
// now (excluding the held post), in any order. ok is false when no moment
// within the window lets the post through.
//
// The Redis store's script walks the window the same way; a test in the
// store package checks that both agree.
func EarliestSafe(p *Plan, r Rules, entries []WindowEntry, windowMillis int64) (atMillis int64, ok bool) {
	es := append([]WindowEntry(nil), entries...)
	sort.Slice(es, func(i, j int) bool { return es[i].AtMillis < es[j].AtMillis })
	var c Counts
	for _, e := range es {
		c.Published++
		if e.Negative {
			c.Negative++
		}
	}
	for i := 0; i < len(es); {
		at := es[i].AtMillis
		// Every post that went live at the same moment leaves together.
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
