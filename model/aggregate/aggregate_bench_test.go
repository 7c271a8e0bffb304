package aggregate

import (
	"testing"

	"github.com/flowtail/flowtail/model"
)

// parsed returns generated records as the store would hold them.
func parsed(b *testing.B, n int) ([]model.Flow, []model.Ext) {
	recs := capture(n, 11)
	p := model.NewParser(model.MustParseFormat(genFormat), model.NewInterner())
	flows, exts := make([]model.Flow, n), make([]model.Ext, n)
	for i, g := range recs {
		if err := p.Parse([]byte(g.line), &flows[i], &exts[i]); err != nil {
			b.Fatal(err)
		}
	}
	return flows, exts
}

// BenchmarkAddEvict is the steady-state cost per record of keeping the
// aggregate: one record enters while the oldest of a full window leaves.
func BenchmarkAddEvict(b *testing.B) {
	const window = 50_000
	flows, exts := parsed(b, 2*window)
	ext := func(i int) *model.Ext {
		if flows[i].HasExt() {
			return &exts[i]
		}
		return nil
	}
	a := New()
	for i := 0; i < window; i++ {
		a.Added(&flows[i], ext(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	in, out := window, 0
	for range b.N {
		a.Added(&flows[in], ext(in))
		a.Evicted(&flows[out], ext(out))
		in, out = (in+1)%len(flows), (out+1)%len(flows)
	}
}

// BenchmarkSnapshot is the cost of copying the summaries out for a frame;
// it follows interfaces, ports and buckets, not records.
func BenchmarkSnapshot(b *testing.B) {
	flows, exts := parsed(b, 100_000)
	a := New()
	for i := range flows {
		x := &exts[i]
		if !flows[i].HasExt() {
			x = nil
		}
		a.Added(&flows[i], x)
	}
	names := model.NewInterner()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a.Snapshot(names, Options{TopPorts: 3, Columns: 40})
	}
}
