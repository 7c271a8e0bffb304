package model

import (
	"fmt"
	"net/netip"
	"testing"
)

type countingObserver struct{ added, evicted int }

func (c *countingObserver) Added(*Flow, *Ext)   { c.added++ }
func (c *countingObserver) Evicted(*Flow, *Ext) { c.evicted++ }

// TestStoreEvictsOldestAndKeepsExtAligned mixes IPv4 records (no Ext) with
// IPv6 records (Ext) through a small ring, so every eviction path of the ext
// deque runs, and checks each surviving record still reads its own address.
func TestStoreEvictsOldestAndKeepsExtAligned(t *testing.T) {
	s := NewStore(5)
	obs := &countingObserver{}
	s.Observe(obs)
	in := NewIngester(s, nil)
	var lines []string
	for i := 0; i < 23; i++ {
		src := fmt.Sprintf("10.0.0.%d", i)
		if i%3 == 0 {
			src = fmt.Sprintf("2001:db8::%x", i)
		}
		lines = append(lines, fmt.Sprintf("2 123456789010 eni-1 %s 10.0.1.1 %d 443 6 1 40 1000 1060 ACCEPT OK", src, 1000+i))
	}
	b := Batch{}
	for i, l := range lines {
		b.Events = append(b.Events, Event{Line: []byte(l), Origin: "t", LineNo: int64(i + 1)})
	}
	in.Ingest(b)

	c := s.Counters()
	if c.Seen != 23 || c.Evicted != 18 || c.Malformed != 0 {
		t.Fatalf("counters = %+v, want seen 23, evicted 18", c)
	}
	if obs.added != 23 || obs.evicted != 18 {
		t.Fatalf("observer saw %d added, %d evicted; want 23, 18", obs.added, obs.evicted)
	}
	s.Read(func(v View) {
		if v.Len() != 5 {
			t.Fatalf("len = %d, want 5", v.Len())
		}
		for i := 0; i < v.Len(); i++ {
			n := 18 + i
			f, x := v.At(i)
			want := fmt.Sprintf("10.0.0.%d", n)
			if n%3 == 0 {
				want = fmt.Sprintf("2001:db8::%x", n)
			}
			if got := f.SrcAddr(x); got != netip.MustParseAddr(want) {
				t.Errorf("record %d: srcaddr %v, want %s", i, got, want)
			}
			if int(f.SrcPort) != 1000+n {
				t.Errorf("record %d: srcport %d, want %d", i, f.SrcPort, 1000+n)
			}
			if v.Seq(i) != uint64(n) {
				t.Errorf("record %d: seq %d, want %d", i, v.Seq(i), n)
			}
		}
		if _, ok := v.Index(17); ok {
			t.Error("evicted seq 17 still indexable")
		}
		if i, ok := v.Index(20); !ok || i != 2 {
			t.Errorf("Index(20) = %d, %v; want 2, true", i, ok)
		}
	})
}

func TestStoreKeepsMalformedLinesWithReasons(t *testing.T) {
	s := NewStore(10)
	in := NewIngester(s, nil)
	in.Ingest(Batch{Events: []Event{
		{Line: []byte("2 123456789010 eni-1 10.0.0.1 10.0.1.1 1 443 6 1 40 1000 1060 ACCEPT OK"), Origin: "f", LineNo: 1},
		{Line: []byte("2 123456789010 eni-1 10.0.0.1 10.0.1.1 1 99999 6 1 40 1000 1060 ACCEPT OK"), Origin: "f", LineNo: 2},
		{Line: []byte(""), Origin: "f", LineNo: 3},
		{Line: []byte("2 123456789010 eni-1 10.0.0.2 10.0.1.1 2 443 6 1 40 1000 1060 REJECT OK"), Origin: "f", LineNo: 4},
	}})
	c := s.Counters()
	if c.Seen != 2 || c.Malformed != 1 {
		t.Fatalf("counters = %+v, want 2 records and 1 malformed", c)
	}
	bad := s.MalformedLines()
	if len(bad) != 1 || bad[0].LineNo != 2 {
		t.Fatalf("malformed = %+v", bad)
	}
	if want := "port is not a number from 0 to 65535 at column 42 (dstport)"; bad[0].Err != want {
		t.Errorf("reason = %q, want %q", bad[0].Err, want)
	}
}
