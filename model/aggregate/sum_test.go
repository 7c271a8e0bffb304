package aggregate

import (
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestSumsPastSixtyFourBits: an interface's byte and packet sums are
// right while records holding up to 2^64−1 each enter the ring and leave
// it: past 64 bits they stay at the largest value and say so, never
// wrapping to a small number, and they come back exactly as records
// leave. The expected sums are big integers over the records buffered.
func TestSumsPastSixtyFourBits(t *testing.T) {
	const top = math.MaxUint64
	values := []uint64{top, 5, top, top - 1, 7, 1, 0, top}
	for _, capacity := range []int{1, 2, 3, len(values)} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			s := model.NewStore(capacity)
			a := Attach(s)
			format := model.MustParseFormat(genFormat)
			in := model.NewIngester(s, format)
			for i, v := range values {
				line := fmt.Sprintf("2 123456789012 eni-0a1 10.0.0.1 10.0.0.2 1000 443 6 %d %d 1700000000 1700000060 ACCEPT OK -", v, v)
				in.Ingest(model.Batch{Events: []model.Event{{Line: []byte(line), Origin: "t"}}})
				if c := s.Counters(); c.Malformed != 0 {
					t.Fatalf("malformed: %+v", s.MalformedLines())
				}
				want := new(big.Int)
				for _, w := range values[max(0, i+1-capacity) : i+1] {
					want.Add(want, new(big.Int).SetUint64(w))
				}
				over := !want.IsUint64()
				shown := uint64(top)
				if !over {
					shown = want.Uint64()
				}
				snap := Take(s, a, Options{Columns: 1})
				if len(snap.Interfaces) != 1 {
					t.Fatalf("%d interfaces", len(snap.Interfaces))
				}
				it := snap.Interfaces[0]
				if it.Bytes != shown || it.BytesOver != over || it.Packets != shown || it.PacketsOver != over {
					t.Errorf("after record %d: bytes %d (over %v), packets %d (over %v); the sum is %s, want %d (over %v)",
						i, it.Bytes, it.BytesOver, it.Packets, it.PacketsOver, want, shown, over)
				}
				if len(it.Spark) != 1 || it.Spark[0] != shown {
					t.Errorf("after record %d: sparkline %v, want [%d]", i, it.Spark, shown)
				}
			}
		})
	}
}
