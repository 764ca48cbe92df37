package classify

// dict maps syllable keys (see chars.go) to small integer ids. It is built
// once, at init, from every syllable the lexicons use; id 0 means "not in any
// lexicon". Lookups hash the key bytes and never allocate.
type dict struct {
	// seen has bit h&seenMask set for the hash h of every key: most
	// syllables of a text are in no lexicon, and this 8 KiB filter answers
	// them without touching the table.
	seen  [seenWords]uint64
	slots []dictSlot
	mask  uint32
	keys  []string // by id; keys[0] == ""
	hint  []uint8  // by id: language hint of the (folded) word, see hint*
}

type dictSlot struct {
	hash uint32
	id   uint32
}

// Language hints: frequent function words of one language that are rare in the other.
const (
	hintVI uint8 = 1 << iota
	hintEN
)

func newDict() *dict {
	d := &dict{keys: []string{""}, hint: []uint8{0}}
	d.resize(1024)
	if id := d.add([]byte(numKey)); id != numID {
		panic("classify: number id")
	}
	return d
}

const (
	seenWords = 1024 // 65,536 bits
	seenMask  = seenWords*64 - 1
)

// numID is the id of every all-digit token.
const numID = 1

const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
)

func fnv32(b []byte) uint32 {
	h := fnvOffset
	for _, c := range b {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return h
}

func (d *dict) resize(n int) {
	d.slots = make([]dictSlot, n)
	d.mask = uint32(n - 1)
	for id := 1; id < len(d.keys); id++ {
		d.place(fnv32([]byte(d.keys[id])), uint32(id))
	}
}

func (d *dict) place(h uint32, id uint32) {
	d.seen[(h&seenMask)>>6] |= 1 << (h & 63)
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		if d.slots[i].id == 0 {
			d.slots[i] = dictSlot{hash: h, id: id}
			return
		}
	}
}

// lookup returns the id of key, or 0.
func (d *dict) lookup(key []byte) uint32 { return d.lookupHash(key, fnv32(key)) }

// lookupHash is lookup with the key's fnv32 already known.
func (d *dict) lookupHash(key []byte, h uint32) uint32 {
	if d.seen[(h&seenMask)>>6]&(1<<(h&63)) == 0 {
		return 0
	}
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		s := d.slots[i]
		if s.id == 0 {
			return 0
		}
		if s.hash == h && d.keys[s.id] == string(key) {
			return s.id
		}
	}
}

// add returns the id of key, adding it if needed.
func (d *dict) add(key []byte) uint32 {
	if id := d.lookup(key); id != 0 {
		return id
	}
	id := uint32(len(d.keys))
	d.keys = append(d.keys, string(key))
	d.hint = append(d.hint, 0)
	if len(d.keys)*4 > len(d.slots) {
		d.resize(len(d.slots) * 2)
	} else {
		d.place(fnv32(key), id)
	}
	return id
}
