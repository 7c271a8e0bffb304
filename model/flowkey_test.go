package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// ReverseBefore (over a ring) and RecentFlows (over a stream) agree with a
// plain computation on strings: the reversed record is among the
// ReverseLookback records before.
func TestReverseRecordSearch(t *testing.T) {
	n := ReverseLookback + 15000
	rng := rand.New(rand.NewPCG(1, 2))
	type rec struct{ iface, src, dst, sport, dport string }
	recs := make([]rec, n)
	st := NewStore(n)
	in := NewIngester(st, nil)
	var b Batch
	for i := range recs {
		r := rec{fmt.Sprintf("eni-%d", rng.IntN(3)), fmt.Sprintf("10.0.0.%d", rng.IntN(6)), fmt.Sprintf("10.0.0.%d", rng.IntN(6)),
			fmt.Sprint(rng.IntN(4)), fmt.Sprint(rng.IntN(4))}
		if i%1000 == 0 { // far apart pairs, to cross the window's edge
			r = rec{"eni-far", "192.0.2.1", "192.0.2.2", fmt.Sprint(i / 1000 % 7), "9"}
			if i/1000%2 == 1 {
				r.src, r.dst, r.sport, r.dport = r.dst, r.src, r.dport, fmt.Sprint((i/1000-1)%7)
			}
		}
		recs[i] = r
		line := fmt.Sprintf("2 123456789010 %s %s %s %s %s 6 1 40 1620000000 1620000060 ACCEPT OK", r.iface, r.src, r.dst, r.sport, r.dport)
		b.Events = append(b.Events, Event{Origin: "f", Line: []byte(line)})
	}
	in.Ingest(b)
	last := map[string]int{}
	recent := NewRecentFlows(ReverseLookback)
	hits := 0
	st.Read(func(v View) {
		if v.Len() != n {
			t.Fatalf("%d records", v.Len())
		}
		for i, r := range recs {
			j, ok := last[r.iface+" "+r.dst+" "+r.src+" "+r.dport+" "+r.sport]
			want := ok && j >= i-ReverseLookback
			if want {
				hits++
			}
			if got := ReverseBefore(v, i); got != want {
				t.Fatalf("record %d %v: ReverseBefore %v, want %v", i, r, got, want)
			}
			f, x := v.At(i)
			if got := recent.Add(f, x); got != want {
				t.Fatalf("record %d %v: RecentFlows %v, want %v", i, r, got, want)
			}
			last[r.iface+" "+r.src+" "+r.dst+" "+r.sport+" "+r.dport] = i
		}
	})
	if hits == 0 || hits == n {
		t.Fatalf("%d of %d records have their reverse: the test proves nothing", hits, n)
	}
	if len(recent.count) > ReverseLookback {
		t.Errorf("window holds %d keys", len(recent.count))
	}
}
