package classify

// dict maps syllable keys (see chars.go) to small integer ids. It is built
// once, at init, from every syllable the lexicons use; id 0 means "not in any
// lexicon". Lookups never allocate.
//
// Nearly every syllable key fits in 8 bytes (letters, then the tone byte),
// and no key byte is 0, so such a key is one uint64 (little-endian, zero
// padded): those live in an open-addressing table of integers, compared in
// one instruction. Longer keys go to a second table hashed with FNV-1a.
type dict struct {
	short     []uint64 // packed keys; 0 marks a free slot
	shortID   []uint32 // the id of short[i]
	shortBits uint
	slots     []dictSlot // keys longer than 8 bytes
	mask      uint32
	keys      []string // by id; keys[0] == ""
	hint      []uint8  // by id: language hint of the (folded) word, see hint*
	nShort    int
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

const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
)

// numID is the id of every all-digit token.
const numID = 1

func newDict() *dict {
	d := &dict{keys: []string{""}, hint: []uint8{0}}
	d.resizeShort(10)
	d.resizeLong(256)
	if id := d.add([]byte(numKey)); id != numID {
		panic("classify: number id")
	}
	return d
}

func fnv32(b []byte) uint32 {
	h := fnvOffset
	for _, c := range b {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return h
}

// pack8 is the uint64 form of a key of at most 8 bytes.
func pack8(key []byte) uint64 {
	var v uint64
	for i, c := range key {
		v |= uint64(c) << (8 * i)
	}
	return v
}

func (d *dict) shortIndex(k8 uint64) uint64 {
	return (k8 * 0x9E3779B97F4A7C15) >> (64 - d.shortBits)
}

func (d *dict) resizeShort(b uint) {
	d.shortBits = b
	d.short = make([]uint64, 1<<b)
	d.shortID = make([]uint32, 1<<b)
	for id := 1; id < len(d.keys); id++ {
		if k := d.keys[id]; len(k) <= 8 {
			d.placeShort(pack8([]byte(k)), uint32(id))
		}
	}
}

func (d *dict) placeShort(k8 uint64, id uint32) {
	mask := uint64(len(d.short) - 1)
	for i := d.shortIndex(k8); ; i = (i + 1) & mask {
		if d.short[i] == 0 {
			d.short[i], d.shortID[i] = k8, id
			return
		}
	}
}

func (d *dict) resizeLong(n int) {
	d.slots = make([]dictSlot, n)
	d.mask = uint32(n - 1)
	for id := 1; id < len(d.keys); id++ {
		if k := d.keys[id]; len(k) > 8 {
			d.placeLong(fnv32([]byte(k)), uint32(id))
		}
	}
}

func (d *dict) placeLong(h uint32, id uint32) {
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		if d.slots[i].id == 0 {
			d.slots[i] = dictSlot{hash: h, id: id}
			return
		}
	}
}

// lookupShort returns the id of the key packed as k8, or 0.
func (d *dict) lookupShort(k8 uint64) uint32 {
	mask := uint64(len(d.short) - 1)
	for i := d.shortIndex(k8); ; i = (i + 1) & mask {
		switch d.short[i] {
		case k8:
			return d.shortID[i]
		case 0:
			return 0
		}
	}
}

// lookupLong returns the id of a key longer than 8 bytes, or 0.
func (d *dict) lookupLong(key []byte) uint32 {
	h := fnv32(key)
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

// lookup returns the id of key, or 0.
func (d *dict) lookup(key []byte) uint32 {
	if len(key) <= 8 {
		return d.lookupShort(pack8(key))
	}
	return d.lookupLong(key)
}

// add returns the id of key, adding it if needed.
func (d *dict) add(key []byte) uint32 {
	if id := d.lookup(key); id != 0 {
		return id
	}
	id := uint32(len(d.keys))
	d.keys = append(d.keys, string(key))
	d.hint = append(d.hint, 0)
	if len(key) <= 8 {
		d.nShort++
		if d.nShort*4 > len(d.short)*3 { // load ≤ 3/4: a small table stays in L1
			d.resizeShort(d.shortBits + 1)
		} else {
			d.placeShort(pack8(key), id)
		}
	} else if (len(d.keys)-d.nShort)*2 > len(d.slots) {
		d.resizeLong(len(d.slots) * 2)
	} else {
		d.placeLong(fnv32(key), id)
	}
	return id
}
