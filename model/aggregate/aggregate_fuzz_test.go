package aggregate

import (
	"testing"

	"github.com/flowtail/flowtail/model"
)

// FuzzAggregateMatchesRecount: for any capture size, ring size and seed,
// the incrementally kept summaries equal a recount of what is buffered.
func FuzzAggregateMatchesRecount(f *testing.F) {
	f.Add(uint64(1), uint16(500), uint16(37))
	f.Add(uint64(2), uint16(10), uint16(1))
	f.Add(uint64(3), uint16(2000), uint16(1999))
	f.Fuzz(func(t *testing.T, seed uint64, n, capacity uint16) {
		if n == 0 || capacity == 0 {
			return
		}
		recs := capture(int(n%3000)+1, seed)
		c := min(int(capacity%2000)+1, len(recs))
		s := model.NewStore(c)
		a := Attach(s)
		cut := int(seed % uint64(len(recs)+1)) // peers counted from here on
		ingest(t, s, recs[:cut])
		a.CountPeers(s)
		ingest(t, s, recs[cut:])
		checkSnapshot(t, Take(s, a, Options{TopPorts: 3}), recs[len(recs)-c:])
	})
}
