package model

import (
	"fmt"
	"testing"
)

const reclaimFormat = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id"

func reclaimLine(i int) string {
	return fmt.Sprintf("5 123456789010 eni-%017d 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK vpc-%017d", i, i)
}

// A ring of 1,000 over a stream of distinct interface and VPC ids: the
// interner holds what the ring holds, and every record in the ring still
// reads back its own strings after ids were reclaimed and reused.
func TestInternerFollowsTheRing(t *testing.T) {
	n := 500_000
	if testing.Short() {
		n = 100_000
	}
	st := NewStore(1000)
	in := NewIngester(st, MustParseFormat(reclaimFormat))
	pinned, _ := st.Names().Lookup("123456789010") // not yet known
	_ = pinned
	keep := st.Names().IDString("eni-kept-by-a-query")
	base := heapAfterGC()
	const batch = 500
	for i := 0; i < n; i += batch {
		var b Batch
		for k := i; k < i+batch; k++ {
			b.Events = append(b.Events, Event{Origin: "s", Line: []byte(reclaimLine(k))})
		}
		// a malformed line whose account string is interned then unused
		b.Events = append(b.Events, Event{Origin: "s", Line: []byte(fmt.Sprintf("5 acct-%d eni-x 10.0.0.1 bad", i))})
		in.Ingest(b)
	}
	grew := int64(heapAfterGC()) - int64(base)
	t.Logf("%d distinct ids through a ring of 1000: heap grew %d KiB, %d strings held", 2*n, grew>>10, st.Names().Len())
	if l := st.Names().Len(); l > 2*1000+10 {
		t.Errorf("interner holds %d strings for a ring of 1000", l)
	}
	if grew > 8<<20 {
		t.Errorf("heap grew %d MiB", grew>>20)
	}
	st.Read(func(v View) {
		for i := 0; i < v.Len(); i++ {
			f, x := v.At(i)
			k := n - v.Len() + i
			iface, _ := StrID(f, x, FieldInterfaceID)
			vpc, _ := StrID(f, x, FieldVPCID)
			acct, _ := StrID(f, x, FieldAccountID)
			if got, want := v.Names().Name(iface), fmt.Sprintf("eni-%017d", k); got != want {
				t.Fatalf("record %d: interface %q, want %q", k, got, want)
			}
			if got, want := v.Names().Name(vpc), fmt.Sprintf("vpc-%017d", k); got != want {
				t.Fatalf("record %d: vpc %q, want %q", k, got, want)
			}
			if v.Names().Name(acct) != "123456789010" {
				t.Fatalf("record %d: account %q", k, v.Names().Name(acct))
			}
		}
	})
	if st.Names().Name(keep) != "eni-kept-by-a-query" {
		t.Errorf("a pinned id was reclaimed: %q", st.Names().Name(keep))
	}
}

// BenchmarkIngestDistinctIDs is ingest with reclaiming at work.
func BenchmarkIngestDistinctIDs(b *testing.B) {
	st := NewStore(1000)
	in := NewIngester(st, MustParseFormat(reclaimFormat))
	lines := make([][]byte, 4096)
	for i := range lines {
		lines[i] = []byte(reclaimLine(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	var bt Batch
	for i := 0; i < b.N; i++ {
		bt.Events = bt.Events[:0]
		for _, l := range lines {
			bt.Events = append(bt.Events, Event{Origin: "s", Line: l})
		}
		in.Ingest(bt)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/record")
}

// Records parsed ahead of the store (a parallel load) keep their strings:
// nothing is reclaimed while the store's names are held, even when the
// ring evicts every other record that used them.
func TestHeldNamesSurviveParseAhead(t *testing.T) {
	st := NewStore(100)
	release := st.HoldNames()
	const chunks, per = 20, 500
	ds := make([]*Decoded, chunks)
	for c := range ds { // every chunk parsed before any is appended
		var data []byte
		for k := c * per; k < (c+1)*per; k++ {
			data = append(append(data, reclaimLine(k%(2*per))...), '\n') // strings shared across chunks
		}
		ds[c] = new(Decoded)
		NewDecoder(st.Names(), MustParseFormat(reclaimFormat)).DecodeLines(ds[c], data, "f", "", 1, nil)
	}
	for _, d := range ds {
		st.AppendDecoded(d)
		st.Read(func(v View) {
			for i := 0; i < v.Len(); i++ {
				f, x := v.At(i)
				k := int((v.Seq(i)) % (2 * per))
				iface, _ := StrID(f, x, FieldInterfaceID)
				if got, want := v.Names().Name(iface), fmt.Sprintf("eni-%017d", k); got != want {
					t.Fatalf("record %d: interface %q, want %q", v.Seq(i), got, want)
				}
			}
		})
	}
	release()
	if n := st.Names().Len(); n > 2*100+10 {
		t.Errorf("after the load, %d strings held for a ring of 100", n)
	}
}
