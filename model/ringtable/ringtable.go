// Package ringtable is a hash set for observers of the store's ring that
// keep no copy of their keys: a slot holds a 32-bit value (a record's
// position, or an index of the observer's own) and the key is read back
// from the ring when a probe needs it. One byte of each slot's hash is
// kept beside it, so a probe rarely reads the ring for a key that differs,
// and one of its distance from its home slot, so removing rarely reads the
// ring at all.
//
// A table made with New is sized once for the most keys it will hold (a
// ring's keys are bounded by its capacity), so it never grows: growing
// would hold the old and the new table at once, a peak a table that fills
// cannot afford. One made with NewGrowing starts small and doubles up to
// that bound, for keys that rarely come near it (the distinct peers of a
// ring are usually a few percent of its records): its memory follows the
// keys held, and only a table that reaches the bound pays the peak.
package ringtable

// Keyer reads the key of a stored value and hashes keys.
type Keyer[K comparable] interface {
	Key(v uint32) K
	Hash(k K) uint64
}

// Table is an open-addressed (linear probing) set of values by key. The
// value 0 is reserved for empty slots.
type Table[K comparable, R Keyer[K]] struct {
	keys  R
	slots []uint32
	tags  []uint8
	dist  []uint8 // slots from its home, farDist when that far or farther
	used  int
	limit int // the most slots it grows to (its size, for New)
}

const farDist = 255

// maxLoad is the share of slots a table sized for n keys fills at most.
const maxLoad = 0.8

// New returns a table with room for n keys.
func New[K comparable, R Keyer[K]](keys R, n int) *Table[K, R] {
	size := slotsFor(n)
	t := &Table[K, R]{keys: keys, limit: size}
	t.alloc(size)
	return t
}

// firstSlots is where a growing table starts.
const firstSlots = 1024

// NewGrowing returns a table with room for n keys that takes memory only
// as keys come: it starts small and doubles as it fills.
func NewGrowing[K comparable, R Keyer[K]](keys R, n int) *Table[K, R] {
	limit := slotsFor(n)
	t := &Table[K, R]{keys: keys, limit: limit}
	t.alloc(min(firstSlots, limit))
	return t
}

func slotsFor(n int) int { return max(int(float64(n)/maxLoad)+1, 8) }

func (t *Table[K, R]) alloc(size int) {
	t.slots, t.tags, t.dist = make([]uint32, size), make([]uint8, size), make([]uint8, size)
}

// grow moves every value into a table twice the size (at most the limit),
// reading each key back to hash it: the ring holds every record a value
// names, as it must for Remove.
func (t *Table[K, R]) grow() {
	old := t.slots
	oldTags := t.tags
	t.alloc(min(2*len(old), t.limit))
	for i, v := range old {
		if oldTags[i] == 0 {
			continue
		}
		h := t.keys.Hash(t.keys.Key(v))
		j := t.home(h)
		for t.tags[j] != 0 {
			j = t.next(j)
		}
		t.slots[j], t.tags[j] = v, tagOf(h)
		t.dist[j] = uint8(min((j-t.home(h)+len(t.slots))%len(t.slots), farDist))
	}
}

// Len is the number of values held.
func (t *Table[K, R]) Len() int { return t.used }

// home is the first slot probed for hash h: the high half of the hash
// scaled to the table's size (any size, not only powers of two).
func (t *Table[K, R]) home(h uint64) int { return int((h >> 32) * uint64(len(t.slots)) >> 32) }

func tagOf(h uint64) uint8 { return uint8(h) | 1 } // never 0, the tag of an empty slot

func (t *Table[K, R]) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// Find returns the slot holding key k and its value, or with ok false the
// empty slot where k goes (pass it to Insert).
func (t *Table[K, R]) Find(k K) (slot int, v uint32, ok bool) {
	h := t.keys.Hash(k)
	tag := tagOf(h)
	for i := t.home(h); ; i = t.next(i) {
		switch t.tags[i] {
		case 0:
			return i, 0, false
		case tag:
			if v := t.slots[i]; t.keys.Key(v) == k {
				return i, v, true
			}
		}
	}
}

// Insert puts v (not 0) for key k in the empty slot Find returned (k is
// not held). It panics when the table is full: its size bounds the keys.
func (t *Table[K, R]) Insert(slot int, k K, v uint32) {
	h := t.keys.Hash(k)
	if len(t.slots) < t.limit && float64(t.used+1) > maxLoad*float64(len(t.slots)) {
		t.grow()
		// The slot Find gave belongs to the old table: probe anew.
		for slot = t.home(h); t.tags[slot] != 0; slot = t.next(slot) {
		}
	}
	if t.used+1 >= len(t.slots) {
		panic("ringtable: more keys than the table was sized for")
	}
	t.slots[slot], t.tags[slot] = v, tagOf(h)
	t.dist[slot] = uint8(min((slot-t.home(h)+len(t.slots))%len(t.slots), farDist))
	t.used++
}

// Set replaces the value of a slot Find returned (same key).
func (t *Table[K, R]) Set(slot int, v uint32) { t.slots[slot] = v }

// SlotOf returns the slot holding value v for key k, or -1.
func (t *Table[K, R]) SlotOf(k K, v uint32) int {
	h := t.keys.Hash(k)
	tag := tagOf(h)
	for i := t.home(h); t.tags[i] != 0; i = t.next(i) {
		if t.tags[i] == tag && t.slots[i] == v {
			return i
		}
	}
	return -1
}

// Remove empties a slot, moving later slots of its run back so every key
// stays reachable from its home slot (no tombstones). It reads the keys of
// the values it moves, so the ring must still hold their records.
func (t *Table[K, R]) Remove(slot int) {
	n := len(t.slots)
	i := slot
	for j := t.next(i); t.tags[j] != 0; j = t.next(j) {
		d := int(t.dist[j])
		if d == farDist {
			d = (j - t.home(t.keys.Hash(t.keys.Key(t.slots[j]))) + n) % n
		}
		// Move j into the hole unless its home lies cyclically in (i, j].
		if back := (j - i + n) % n; d >= back {
			t.slots[i], t.tags[i], t.dist[i] = t.slots[j], t.tags[j], uint8(min(d-back, farDist))
			i = j
		}
	}
	t.slots[i], t.tags[i], t.dist[i] = 0, 0, 0
	t.used--
}
