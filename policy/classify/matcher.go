package classify

import (
	"math/bits"
	"sort"
)

// trie is a compiled phrase matcher over syllable ids: leftmost-longest,
// non-overlapping matches at syllable boundaries, never across punctuation. At each position the longest
// phrase that starts there wins and matching resumes after it, so "dự án"
// hides "án" and "an toàn" hides "an". Built once; read-only afterwards.
type trie struct {
	first []firstStep // by dict id: the phrases that start with it
	nodes []tnode     // nodes[0] is the root
	edges []tedge     // each node's edges, sorted by id
}

// firstStep is what scan needs of a syllable that may start a phrase: the
// root's child for it, its edges (that child's kids) and whether it is a
// phrase by itself. The zero value is a syllable that starts no phrase.
type firstStep struct {
	kids  uint64
	node  int32
	alone uint32 // 1: the child ends a phrase (tnode.entry ≥ 0)
}

type tnode struct {
	first, n int32 // edges[first:first+n]
	entry    int32 // entry ending here, -1 if none
	// kids has bit id%64 set for the id of each edge: most syllables after
	// a phrase's start lead nowhere, and one test says so.
	kids uint64
}

type tedge struct {
	id    uint32
	child int32
}

type match struct {
	entry      int32
	start, end int32 // token range
}

// trieBuilder collects phrases before freezing them into a trie.
type trieBuilder struct {
	kids  []map[uint32]int32
	entry []int32
}

func newTrieBuilder() *trieBuilder {
	return &trieBuilder{kids: []map[uint32]int32{{}}, entry: []int32{-1}}
}

// insert adds a phrase; if the same id sequence is already there, keep
// decides which entry stays (true: the new one).
func (b *trieBuilder) insert(ids []uint32, e int32, keep func(old, new int32) bool) {
	n := int32(0)
	for _, id := range ids {
		c, ok := b.kids[n][id]
		if !ok {
			c = int32(len(b.kids))
			b.kids = append(b.kids, map[uint32]int32{})
			b.entry = append(b.entry, -1)
			b.kids[n][id] = c
		}
		n = c
	}
	if old := b.entry[n]; old < 0 || keep(old, e) {
		b.entry[n] = e
	}
}

func (b *trieBuilder) build(dictSize int) *trie {
	t := &trie{first: make([]firstStep, dictSize), nodes: make([]tnode, len(b.kids))}
	for n, kids := range b.kids {
		ids := make([]uint32, 0, len(kids))
		for id := range kids {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		t.nodes[n] = tnode{first: int32(len(t.edges)), n: int32(len(ids)), entry: b.entry[n]}
		for _, id := range ids {
			t.nodes[n].kids |= 1 << (id % 64)
			t.edges = append(t.edges, tedge{id: id, child: kids[id]})
		}
	}
	for id, c := range b.kids[0] {
		nd := &t.nodes[c]
		t.first[id] = firstStep{kids: nd.kids, node: c}
		if nd.entry >= 0 {
			t.first[id].alone = 1
		}
	}
	return t
}

// mayContinue reports whether tok may be the next syllable of a phrase at
// nd: it has an id, and nd has an edge whose id matches it modulo 64.
func (nd *tnode) mayContinue(tok token, folded bool) bool {
	id := tok.id
	if folded {
		id = tok.fid
	}
	return id != 0 && nd.kids>>(id%64)&1 != 0
}

func (t *trie) next(n int32, id uint32) int32 {
	nd := t.nodes[n]
	es := t.edges[nd.first : nd.first+nd.n]
	if len(es) <= 8 {
		for _, e := range es {
			if e.id == id {
				return e.child
			}
		}
		return 0
	}
	lo, hi := 0, len(es)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if es[m].id < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(es) && es[lo].id == id {
		return es[lo].child
	}
	return 0
}

// scan appends the matches in toks to dst. folded selects the folded ids.
//
// About a third of the syllables of a text start some phrase, but few of
// them start a match: most are the first syllable of longer phrases only,
// and the syllable after them continues none. starts finds the few, 64
// syllables at a time and without a branch (whether a syllable starts a
// match comes in no predictable order), and only those are visited.
func (t *trie) scan(dst []match, toks []token, folded bool) []match {
	next := 0 // the first syllable not inside a match found already
	for base := 0; base < len(toks); base += 64 {
		for starts := t.starts(toks[base:min(base+65, len(toks))], min(64, len(toks)-base), folded); starts != 0; starts &= starts - 1 {
			i := base + bits.TrailingZeros64(starts)
			if i < next {
				continue
			}
			id := toks[i].id
			if folded {
				id = toks[i].fid
			}
			n := t.first[id].node
			// Most matches are one syllable long: the next one is past
			// punctuation, in no lexicon, or continues nothing from here.
			// Decide that here; longest walks the rest.
			nd := &t.nodes[n]
			if nd.n == 0 || i+1 == len(toks) || toks[i].punct&pBreak != 0 || !nd.mayContinue(toks[i+1], folded) {
				if nd.entry >= 0 {
					dst = append(dst, match{entry: nd.entry, start: int32(i), end: int32(i + 1)})
				}
				next = i + 1
				continue
			}
			if best, end := t.longest(toks, i, n, folded); best >= 0 {
				dst = append(dst, match{entry: best, start: int32(i), end: int32(end)})
				next = end
			} else {
				next = i + 1
			}
		}
	}
	return dst
}

// starts returns the syllables of toks[:n] (n ≤ 64; toks holds the one
// after them too, if any) that may start a match, bit k for toks[k]: those
// that are a phrase by themselves, and those followed, within the same
// stretch of text, by a syllable that may continue a phrase from them
// (tnode.kids, which may say yes wrongly but never no). Any other syllable
// would start no match, and passing it by changes nothing for the ones
// after it.
func (t *trie) starts(toks []token, n int, folded bool) uint64 {
	first := t.first
	var set uint64
	bit := uint64(1)
	k := 0
	for ; k < n && k+1 < len(toks); k++ {
		id, nid := toks[k].id, toks[k+1].id
		if folded {
			id, nid = toks[k].fid, toks[k+1].fid
		}
		f := &first[id]
		joined := 1 - uint64(toks[k].punct&pBreak)/uint64(pBreak) // 0 after punctuation
		set |= -(f.kids>>(nid%64)&joined | uint64(f.alone)) & bit
		bit <<= 1
	}
	if k < n {
		// The text's last syllable: nothing follows it.
		id := toks[k].id
		if folded {
			id = toks[k].fid
		}
		set |= -uint64(first[id].alone) & bit
	}
	return set
}

// longest returns the longest phrase starting at toks[i], whose first
// syllable leads to node n, and where it ends; best is -1 if none.
func (t *trie) longest(toks []token, i int, n int32, folded bool) (best int32, end int) {
	nd := &t.nodes[n]
	best, end = nd.entry, i+1
	// A leaf (nd.n == 0) ends the phrase: nothing longer starts here.
	for j := i + 1; nd.n > 0 && j < len(toks) && toks[j-1].punct&pBreak == 0; j++ {
		if !nd.mayContinue(toks[j], folded) {
			break
		}
		id := toks[j].id
		if folded {
			id = toks[j].fid
		}
		if n = t.next(n, id); n == 0 {
			break
		}
		nd = &t.nodes[n]
		if nd.entry >= 0 {
			best, end = nd.entry, j+1
		}
	}
	return best, end
}
