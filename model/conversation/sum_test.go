package conversation

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestSumsPastSixtyFourBits: each side's packets and bytes, and a
// conversation's bytes in all, are right while records of up to 2^64−1
// enter the ring and leave it, in Build and in Live: past 64 bits a sum
// stays at the largest value and says so, never wrapping to a small
// number, it comes back exactly as records leave, and conversations of
// one class rank by their exact totals. The expected sums are big
// integers over the records the ring holds.
func TestSumsPastSixtyFourBits(t *testing.T) {
	const top = math.MaxUint64
	values := []uint64{top, top - 1, 1 << 63, 5, 7, 0, 1}
	type rec struct {
		client         int  // which client: port 40000+client
		reply          bool // server → client
		packets, bytes uint64
	}
	for _, capacity := range []int{1, 2, 3, 6, 40} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(capacity), 64))
			st := model.NewStore(capacity)
			live := NewLive(st)
			st.Observe(live)
			p := model.NewParser(model.MustParseFormat(defaultFields), st.Names())
			var recs []rec
			over := 0
			for i := range 400 {
				r := rec{client: rng.IntN(3), reply: rng.IntN(2) == 0,
					packets: values[rng.IntN(len(values))], bytes: values[rng.IntN(len(values))]}
				recs = append(recs, r)
				src, dst, sp, dp := "10.0.0.1", "10.0.0.9", 40000+r.client, 443
				if r.reply {
					src, dst, sp, dp = dst, src, dp, sp
				}
				line := fmt.Sprintf("2 123456789010 eni-1 %s %s %d %d 6 %d %d %d %d ACCEPT OK",
					src, dst, sp, dp, r.packets, r.bytes, 1700000000+i, 1700000060+i)
				var f model.Flow
				var x model.Ext
				if err := p.Parse([]byte(line), &f, &x); err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				st.Append(func(a model.Appender) { a.Add(&f, &x) })

				// want[client][side]: side 0 the request, 1 the reply.
				var want [3][2]struct{ packets, bytes big.Int }
				var seen [3]bool
				for _, r := range recs[max(0, len(recs)-capacity):] {
					s := 0
					if r.reply {
						s = 1
					}
					w := &want[r.client][s]
					w.packets.Add(&w.packets, new(big.Int).SetUint64(r.packets))
					w.bytes.Add(&w.bytes, new(big.Int).SetUint64(r.bytes))
					seen[r.client] = true
				}
				check := func(engine string, cs []Conversation) {
					t.Helper()
					n := 0
					for _, ok := range seen {
						if ok {
							n++
						}
					}
					if len(cs) != n {
						t.Fatalf("record %d, %s: %d conversations, want %d", i, engine, len(cs), n)
					}
					var prev *big.Int
					for j := range cs {
						c := &cs[j]
						k := int(c.Request.SrcPort) - 40000
						if !c.Request.Seen() {
							k = int(c.Response.DstPort) - 40000
						}
						if k < 0 || k > 2 || !seen[k] {
							t.Fatalf("record %d, %s: unexpected conversation %+v", i, engine, c)
						}
						w := &want[k]
						for s, sd := range [2]*Side{&c.Request, &c.Response} {
							pw, po := capBig(&w[s].packets)
							bw, bo := capBig(&w[s].bytes)
							if sd.Packets != pw || sd.PacketsOver != po || sd.Bytes != bw || sd.BytesOver != bo {
								t.Fatalf("record %d, %s, client %d side %d: packets %d (over %v), bytes %d (over %v); want %s (%d, %v) and %s (%d, %v)",
									i, engine, k, s, sd.Packets, sd.PacketsOver, sd.Bytes, sd.BytesOver, &w[s].packets, pw, po, &w[s].bytes, bw, bo)
							}
						}
						total := new(big.Int).Add(&w[0].bytes, &w[1].bytes)
						tw, to := capBig(total)
						if b, o := c.Bytes(); b != tw || o != to {
							t.Fatalf("record %d, %s, client %d: bytes in all %d (over %v), want %s (%d, %v)", i, engine, k, b, o, total, tw, to)
						}
						if to {
							over++
						}
						if j > 0 && cs[j-1].Class == c.Class && prev.Cmp(total) < 0 {
							t.Fatalf("record %d, %s: conversation %d (%s bytes) ranks after one of %s bytes", i, engine, j, total, prev)
						}
						prev = total
					}
				}
				st.Read(func(v model.View) {
					check("Build", Build(v, nil))
					check("Live", live.Top(10))
				})
			}
			if capacity > 1 && over == 0 {
				t.Fatal("no sum passed 64 bits: the test proves too little")
			}
		})
	}
}

// capBig is n, or math.MaxUint64 and true when n does not fit in 64 bits.
func capBig(n *big.Int) (uint64, bool) {
	if !n.IsUint64() {
		return math.MaxUint64, true
	}
	return n.Uint64(), false
}
