package conversation

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// liveLines generates records of a few hosts talking on a few ports, both
// directions, with tcp-flags, accepts and rejects, in time order.
func liveLines(rng *rand.Rand, n int) []string {
	hosts := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "192.0.2.7", "2001:db8::5"}
	flags := []int{2, 18, 1, 4, 3, 19, 0}
	var out []string
	for i := range n {
		a, b := hosts[rng.IntN(len(hosts))], hosts[rng.IntN(len(hosts))]
		if (a == "2001:db8::5") != (b == "2001:db8::5") {
			b = a
		}
		pa, pb := 40000+rng.IntN(3), []int{22, 443, 3389}[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			a, b, pa, pb = b, a, pb, pa
		}
		action := "ACCEPT"
		if rng.IntN(4) == 0 {
			action = "REJECT"
		}
		start := 1700000000 + i
		line := fmt.Sprintf("%s%s %s %d %d - - 6 %d %d %d %d %s %d OK", flagPrefix, a, b, pa, pb, 40+rng.IntN(900), 1+rng.IntN(9), start, start+60, action, flags[rng.IntN(len(flags))])
		if rng.IntN(40) == 0 {
			line = fmt.Sprintf("%s- - - - - - - - - %d %d - - NODATA", flagPrefix, start, start+60)
		}
		out = append(out, line)
	}
	return out
}

// TestLiveMatchesBuild: the conversations kept as records enter and leave
// a small ring are, at every step, the ones pairing the ring's records
// from scratch gives (class, sides, counts, flags, order), and so is the
// summary by class.
func TestLiveMatchesBuild(t *testing.T) { liveMatchesBuild(t, 300) }

// A ring of a few records evicts nearly every time one enters.
func TestLiveMatchesBuildSmallRing(t *testing.T) { liveMatchesBuild(t, 7) }

func liveMatchesBuild(t *testing.T, capacity int) {
	rng := rand.New(rand.NewPCG(5, 6))
	st := model.NewStore(capacity)
	live := NewLive(st)
	st.Observe(live)
	in := model.NewIngester(st, nil)
	in.Ingest(model.Batch{Events: []model.Event{{Line: []byte(flagFormat), Origin: "t"}}})
	lines := liveLines(rng, 3000)
	for len(lines) > 0 {
		k := min(len(lines), 1+rng.IntN(90))
		var b model.Batch
		for _, l := range lines[:k] {
			b.Events = append(b.Events, model.Event{Line: []byte(l), Origin: "t"})
		}
		lines = lines[k:]
		in.Ingest(b)
		if c := st.Counters(); c.Malformed > 0 {
			t.Fatalf("malformed: %+v", st.MalformedLines())
		}
		st.Read(func(v model.View) {
			want := Build(v, nil)
			for i := range want {
				want[i].Request.firstIndex, want[i].Response.firstIndex = 0, 0
			}
			for _, n := range []int{len(want) + 5, 7} {
				got := live.Top(n)
				w := want[:min(n, len(want))]
				if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", w) {
					t.Fatalf("%d left, top %d:\nlive  %+v\nbuild %+v", len(lines), n, got, w)
				}
			}
			if s := Summarize(want); live.Summary() != s || live.Len() != len(want) {
				t.Fatalf("summary %v (%d), want %v (%d)", live.Summary(), live.Len(), s, len(want))
			}
		})
	}
	if st.Counters().Evicted == 0 {
		t.Fatal("the ring never evicted: the test proves nothing about leaving")
	}
}

func BenchmarkLiveAdded(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	st := model.NewStore(100_000)
	st.Observe(NewLive(st))
	in := model.NewIngester(st, nil)
	in.Ingest(model.Batch{Events: []model.Event{{Line: []byte(flagFormat), Origin: "t"}}})
	var batch model.Batch
	for _, l := range liveLines(rng, 4096) {
		batch.Events = append(batch.Events, model.Event{Line: []byte(l), Origin: "t"})
	}
	b.ReportAllocs()
	for b.Loop() {
		in.Ingest(batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch.Events)), "ns/record")
}
