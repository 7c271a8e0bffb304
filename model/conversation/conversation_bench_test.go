package conversation

import (
	"fmt"
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
