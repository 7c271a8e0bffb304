package query

import (
	"math/rand/v2"
	"testing"
)

// TestWordTableAgreesWithMap checks the group table against a Go map over
// keys with collisions in the low bits, the zero key, and growth.
func TestWordTableAgreesWithMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tb := newWordTable()
	want := map[uint64]int32{}
	for i := range 200_000 {
		k := uint64(rng.IntN(50_000)) << uint(rng.IntN(3)*20)
		if i%1000 == 0 {
			k = 0
		}
		got, ok := tb.get(k)
		w, wok := want[k]
		if ok != wok || ok && got != w {
			t.Fatalf("key %#x: table (%d, %v), map (%d, %v)", k, got, ok, w, wok)
		}
		if !ok {
			idx := int32(len(want))
			want[k] = idx
			tb.put(k, idx)
		}
	}
	if n := tb.n; n != len(want)-1 { // key 0 is kept aside
		t.Errorf("table holds %d keys, want %d", n, len(want)-1)
	}
}
