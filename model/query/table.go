package query

// wordTable maps one-word group keys to group indexes with open
// addressing and linear probing: one cache line touched per lookup in the
// common case, which is what a stats scan over a million records with a
// hundred thousand groups spends its time on.
type wordTable struct {
	slots   []wordSlot
	shift   uint8 // 64 - log2(len(slots))
	n       int
	zero    int32 // index of key 0 (slot key 0 means empty), -1 when absent
	hasZero bool
}

type wordSlot struct {
	key uint64
	idx int32
}

func newWordTable() *wordTable {
	t := &wordTable{zero: -1}
	t.resize(1 << 10)
	return t
}

func (t *wordTable) resize(size int) {
	old := t.slots
	t.slots = make([]wordSlot, size)
	t.shift = uint8(64 - log2(size))
	t.n = 0
	for _, s := range old {
		if s.key != 0 {
			t.insert(s.key, s.idx)
		}
	}
}

func log2(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

func (t *wordTable) home(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> t.shift) }

// get returns the index stored for k.
func (t *wordTable) get(k uint64) (int32, bool) {
	if k == 0 {
		return t.zero, t.hasZero
	}
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == k {
			return s.idx, true
		}
		if s.key == 0 {
			return 0, false
		}
	}
}

// put stores idx for a key not yet in the table.
func (t *wordTable) put(k uint64, idx int32) {
	if k == 0 {
		t.zero, t.hasZero = idx, true
		return
	}
	if 2*(t.n+1) > len(t.slots) {
		t.resize(2 * len(t.slots))
	}
	t.insert(k, idx)
}

func (t *wordTable) insert(k uint64, idx int32) {
	mask := len(t.slots) - 1
	i := t.home(k)
	for t.slots[i].key != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = wordSlot{k, idx}
	t.n++
}
