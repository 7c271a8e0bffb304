package query

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// distinctStore holds n records whose srcaddr, dstaddr and srcport all
// differ from record to record, so every stats key below makes n groups.
func distinctStore(b testing.TB, n int) *model.Store {
	st := model.NewStore(n + 1)
	in := model.NewIngester(st, nil)
	var batch model.Batch
	for i := range n {
		a := uint32(0x0A000000) + uint32(i)*2654435761%(1<<24)
		batch.Events = append(batch.Events, model.Event{Origin: "a.log", Line: fmt.Appendf(nil,
			"2 123456789012 eni-0a %d.%d.%d.%d 172.%d.%d.%d %d 443 6 10 %d 1700000000 1700000060 ACCEPT OK",
			byte(a>>24), byte(a>>16), byte(a>>8), byte(a), 16+byte(a>>16)%16, byte(a>>8), byte(a), i%65536, 100+i)})
		if len(batch.Events) == 10000 {
			in.Ingest(batch)
			batch.Events = batch.Events[:0]
		}
	}
	in.Ingest(batch)
	if c := st.Counters(); c.Malformed != 0 {
		b.Fatalf("%d malformed lines", c.Malformed)
	}
	return st
}

// BenchmarkGroupBytes measures what one group of a stats answer costs:
// live-B/group is what the groups hold once counted, alloc-B/group what
// counting them allocated (tables outgrown on the way included), and
// result-B/group what rendering them as result rows adds.
func BenchmarkGroupBytes(b *testing.B) {
	const n = 1 << 20
	st := distinctStore(b, n)
	for name, text := range map[string]string{
		"count-by-srcaddr":         `stats count(*) by srcaddr`,
		"count-sum-by-srcaddr":     `stats count(*), sum(bytes) by srcaddr`,
		"count-by-src-dst":         `stats count(*) by srcaddr, dstaddr`,
		"count-by-src-dst-srcport": `stats count(*) by srcaddr, dstaddr, srcport`,
	} {
		b.Run(name, func(b *testing.B) {
			p := benchProgram(b, st, text)
			b.ReportAllocs()
			var live, alloc, result float64
			for b.Loop() {
				var m0, m1, m2 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				pt := p.NewPartial()
				st.Read(func(v model.View) { pt.AddView(v, 0) })
				if g := pt.agg.ngroups(); g != n {
					b.Fatalf("%d groups, want %d", g, n)
				}
				runtime.GC()
				runtime.ReadMemStats(&m1)
				res := p.Result(pt)
				runtime.GC()
				runtime.ReadMemStats(&m2)
				runtime.KeepAlive(pt)
				runtime.KeepAlive(res)
				live = float64(m1.HeapAlloc-m0.HeapAlloc) / n
				alloc = float64(m1.TotalAlloc-m0.TotalAlloc) / n
				result = float64(m2.HeapAlloc-m1.HeapAlloc) / n
			}
			b.ReportMetric(live, "live-B/group")
			b.ReportMetric(alloc, "alloc-B/group")
			b.ReportMetric(result, "result-B/group")
		})
	}
}
