package conversation

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// BenchmarkBuild pairs a buffer of 100,000 records (about 25,000
// conversations, most with both directions).
func BenchmarkBuild(b *testing.B) {
	const n = 100_000
	s := model.NewStore(n)
	var batch model.Batch
	for i := 0; i < n; i++ {
		c := i / 4
		src, dst := fmt.Sprintf("10.0.%d.%d", c/250%250, c%250), "10.1.0.1"
		sp, dp, fl := 32768+c%20000, 443, 2
		if i%2 == 1 {
			src, dst, sp, dp, fl = dst, src, dp, sp, 18
		}
		batch.Events = append(batch.Events, model.Event{Origin: "b", Line: []byte(fmt.Sprintf(
			"3 eni-%d %s %s %d %d 6 5 500 %d %d ACCEPT %d OK", c%7, src, dst, sp, dp, 1700000000+i/10, 1700000060+i/10, fl))})
	}
	model.NewIngester(s, model.MustParseFormat("version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status")).Ingest(batch)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.Read(func(v model.View) { Build(v, nil) })
	}
}

// million is a store of 1,000,000 default-format records in which nearly
// every conversation is distinct (random addresses and ports), with its
// live pairing attached, and a parser and lines to feed it more.
func million(b *testing.B) (*model.Store, *Live, *model.Parser, [][]byte) {
	b.Helper()
	const n = 1_000_000
	st := model.NewStore(n)
	live := NewLive(st)
	st.Observe(live)
	p := model.NewParser(model.MustParseFormat(defaultFields), st.Names())
	rng := rand.New(rand.NewPCG(7, 8))
	line := func(i int) []byte {
		return fmt.Appendf(nil, "2 123456789012 eni-%d 10.%d.%d.%d 172.16.%d.%d %d %d 6 %d %d %d %d %s OK",
			rng.IntN(50), rng.IntN(4), rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(256),
			1024+rng.IntN(60000), []int{22, 80, 443, 8080}[rng.IntN(4)], 1+rng.IntN(50), 40+rng.IntN(90000),
			1764770000+i/1000, 1764770060+i/1000, []string{"ACCEPT", "REJECT"}[rng.IntN(2)])
	}
	var f model.Flow
	var x model.Ext
	st.Append(func(a model.Appender) {
		for i := range n {
			if err := p.Parse(line(i), &f, &x); err != nil {
				b.Fatal(err)
			}
			a.Add(&f, &x)
		}
	})
	more := make([][]byte, 1<<16)
	for i := range more {
		more[i] = line(n + i)
	}
	return st, live, p, more
}

// BenchmarkLiveChurn1M: one record enters a full ring of a million and
// the oldest leaves (Added and Evicted), parsing excluded. Each record
// gets its own source address, so conversations stay distinct as in a
// buffer of random flows.
func BenchmarkLiveChurn1M(b *testing.B) {
	st, _, p, more := million(b)
	flows := make([]model.Flow, len(more))
	var x model.Ext
	for i, l := range more {
		if err := p.Parse(l, &flows[i], &x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		st.Append(func(a model.Appender) {
			for range 1024 {
				f := &flows[i%len(flows)]
				f.Src = uint32(i) * 2654435761
				a.Add(f, &x)
				i++
			}
		})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/record")
}

// BenchmarkLiveRefresh1M is what the flags and conversations panes read
// at each refresh of a million-record buffer: the summary and the worst
// 10,000 conversations.
func BenchmarkLiveRefresh1M(b *testing.B) {
	st, live, _, _ := million(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st.Read(func(model.View) {
			_ = live.Summary()
			if len(live.Top(10_000)) != 10_000 {
				b.Fatal("short")
			}
		})
	}
}
