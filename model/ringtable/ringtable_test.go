package ringtable

import (
	"math/rand/v2"
	"testing"
)

// keys stands in for a ring: value v is the key keys[v].
type keys struct {
	k    []uint64
	hash func(uint64) uint64
}

func (s *keys) Key(v uint32) uint64  { return s.k[v] }
func (s *keys) Hash(k uint64) uint64 { return s.hash(k) }

// TestTableMatchesMap: after random inserts and removes, in a table filled
// to its size, every key a map holds is found with its value and no
// other is, with a good hash and with one whose homes all collide (runs as
// long as the table, distances past what a byte holds).
//
// A growing table is checked the same way, filled past several doublings.
func TestTableMatchesMap(t *testing.T) {
	makers := map[string]func(*keys, int) *Table[uint64, *keys]{
		"sized":   New[uint64, *keys],
		"growing": NewGrowing[uint64, *keys],
	}
	for name, hash := range map[string]func(uint64) uint64{
		"mixed":   func(k uint64) uint64 { k *= 0x9e3779b97f4a7c15; return k ^ k>>29 },
		"collide": func(k uint64) uint64 { return k & 0xff }, // home 0, tags differ
	} {
		for made, newTable := range makers {
			t.Run(name+"/"+made, func(t *testing.T) {
				matchesMap(t, hash, newTable)
			})
		}
	}
}

func matchesMap(t *testing.T, hash func(uint64) uint64, newTable func(*keys, int) *Table[uint64, *keys]) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 3000
	ks := &keys{k: make([]uint64, 1), hash: hash}
	tb := newTable(ks, n)
	want := map[uint64]uint32{}
	for step := range 60000 {
		k := uint64(rng.IntN(2 * n))
		slot, v, ok := tb.Find(k)
		if wv, in := want[k]; ok != in || ok && v != wv {
			t.Fatalf("step %d: key %d found %v (%d), want %v (%d)", step, k, ok, v, in, wv)
		}
		switch {
		case !ok && len(want) < n:
			ks.k = append(ks.k, k)
			v := uint32(len(ks.k) - 1)
			tb.Insert(slot, k, v)
			want[k] = v
		case ok:
			if got := tb.SlotOf(k, v); got != slot {
				t.Fatalf("SlotOf %d, Find %d", got, slot)
			}
			tb.Remove(slot)
			delete(want, k)
		}
		if tb.Len() != len(want) {
			t.Fatalf("step %d: %d held, want %d", step, tb.Len(), len(want))
		}
	}
	for k, wv := range want {
		if _, v, ok := tb.Find(k); !ok || v != wv {
			t.Fatalf("key %d: %v %d, want %d", k, ok, v, wv)
		}
	}
}

// TestGrowingTableFollowsItsKeys: a growing table sized for a million keys
// that holds a few thousand takes slots for a few thousand, and still
// stops at its bound.
func TestGrowingTableFollowsItsKeys(t *testing.T) {
	ks := &keys{k: []uint64{0}, hash: func(k uint64) uint64 { k *= 0x9e3779b97f4a7c15; return k ^ k>>29 }}
	tb := NewGrowing[uint64](ks, 1_000_000)
	for k := uint64(1); k <= 3000; k++ {
		slot, _, ok := tb.Find(k)
		if ok {
			t.Fatalf("key %d found before it was put", k)
		}
		ks.k = append(ks.k, k)
		tb.Insert(slot, k, uint32(k))
	}
	if n := len(tb.slots); n > 8192 {
		t.Fatalf("%d slots for 3000 keys", n)
	}
	small := NewGrowing[uint64](&keys{k: []uint64{0}, hash: ks.hash}, 2)
	defer func() {
		if recover() == nil {
			t.Fatal("a growing table took more keys than its bound")
		}
	}()
	for k := uint64(1); k < 100; k++ {
		slot, _, _ := small.Find(k)
		small.keys.k = append(small.keys.k, k)
		small.Insert(slot, k, uint32(k))
	}
}

func TestInsertPastTheSizePanics(t *testing.T) {
	ks := &keys{k: []uint64{0}, hash: func(k uint64) uint64 { return k }}
	tb := New[uint64](ks, 2)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	for k := uint64(1); k < 100; k++ {
		slot, _, _ := tb.Find(k)
		ks.k = append(ks.k, k)
		tb.Insert(slot, k, uint32(k))
	}
}
