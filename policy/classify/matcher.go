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
	root  []int32 // by dict id: child node of the root, 0 if none
	nodes []tnode // nodes[0] is the root
	edges []tedge // each node's edges, sorted by id
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
	t := &trie{root: make([]int32, dictSize), nodes: make([]tnode, len(b.kids))}
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
			if n == 0 {
				t.root[id] = kids[id]
			}
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
// About a third of the syllables of a text start some phrase, in no
// predictable order: a branch per syllable on "starts a phrase" is
// mispredicted often. So the syllables are taken 64 at a time into a bit
// set of those that start one (without a branch), and only those are visited.
func (t *trie) scan(dst []match, toks []token, folded bool) []match {
	root := t.root
	next := 0 // the first syllable not inside a match found already
	for base := 0; base < len(toks); base += 64 {
		chunk := toks[base:min(base+64, len(toks))]
		var starts uint64
		for k := range chunk {
			id := chunk[k].id
			if folded {
				id = chunk[k].fid
			}
			n := uint32(root[id]) // a node index, 0 if none
			starts |= uint64((n|-n)>>31) << k
		}
		for ; starts != 0; starts &= starts - 1 {
			i := base + bits.TrailingZeros64(starts)
			if i < next {
				continue
			}
			id := toks[i].id
			if folded {
				id = toks[i].fid
			}
			n := root[id]
			// Most phrase starts go no further than their first syllable:
			// the next one is past punctuation, in no lexicon, or continues
			// nothing from here. Decide that here; longest walks the rest.
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
