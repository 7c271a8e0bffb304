package demo

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

// decodeAll parses the capture the way the program does.
func decodeAll(t *testing.T) (*model.Store, []model.Malformed) {
	t.Helper()
	store := model.NewStore(10000)
	in := model.NewIngester(store, nil)
	var evs []model.Event
	for i, line := range strings.Split(strings.TrimRight(string(Capture()), "\n"), "\n") {
		evs = append(evs, model.Event{Line: []byte(line), Origin: Origin, LineNo: int64(i + 1)})
	}
	in.Ingest(model.Batch{Events: evs})
	return store, store.MalformedLines()
}

func TestCaptureTellsTheTopologyStories(t *testing.T) {
	store, bad := decodeAll(t)
	if len(bad) != 0 {
		t.Fatalf("malformed demo lines: %+v", bad[0])
	}
	if c := store.Counters(); c.Headers != 1 || c.Seen < 2000 || c.Seen > 5000 {
		t.Fatalf("counters %+v: want one header and a few thousand records", c)
	}
	seen := map[string]int{}
	store.Read(func(v model.View) {
		names := v.Names()
		for i := 0; i < v.Len(); i++ {
			f, x := v.At(i)
			eni := names.Name(f.Iface)
			src, dst := f.SrcAddr(x), f.DstAddr(x)
			dir, _ := model.StrID(f, x, model.FieldFlowDirection)
			direction := names.Name(dir)
			switch {
			case f.Status() == model.StatusNoData && eni == "eni-0fff6666666666666":
				seen["idle NODATA"]++
			case f.Status() == model.StatusSkipData && eni == "eni-0ddd4444444444444":
				seen["NAT SKIPDATA"]++
			case eni == "eni-0fff6666666666666":
				t.Errorf("idle ENI has traffic: record %d", i)
			case f.Action() == model.ActionReject && f.DstPort == 22 && netip.MustParsePrefix("45.155.205.0/24").Contains(src) && f.Flags == model.FlagSYN:
				seen["ssh scan "+eni]++
			case f.Action() == model.ActionAccept && src.String() == "198.51.100.7" && f.DstPort == 22 && eni == "eni-0eee5555555555555":
				seen["corp ssh to bastion"]++
			case f.Action() == model.ActionReject && f.DstPort == 3389 && eni == "eni-0aaa1111111111111" && f.Flags == model.FlagSYN:
				seen["rdp probe"]++
			case f.Action() == model.ActionReject && eni == "eni-0ccc3333333333333" && direction == "egress" && f.SrcPort == 5432 && f.DstPort >= 20001 && f.DstPort <= 20010 && f.Flags == 18:
				seen["db reply rejected"]++
			case f.Proto == 1 && f.Action() == model.ActionAccept && src.String() == "203.0.113.12":
				seen["ping in"]++
			case f.Proto == 1 && f.Action() == model.ActionReject && dst.String() == "203.0.113.12" && direction == "egress":
				seen["ping reply rejected"]++
			case f.IPv6() && src.String() == "2001:db8:85a3::8a2e:370:7334" && dst.String() == "2600:1f18:4a1c:7e01::10" && f.DstPort == 443:
				seen["ipv6 in"]++
			case eni == "eni-0ddd4444444444444" && dst.String() == "10.0.1.100" && x.PktDstAddr().String() == "52.94.133.131":
				seen["nat private side"]++
			case f.Action() == model.ActionAccept && eni == "eni-0bbb2222222222222" && f.DstPort == 8080 && src.String() == "10.0.1.10":
				seen["web to app at app"]++
			case f.Action() == model.ActionAccept && eni == "eni-0aaa1111111111111" && f.DstPort == 443 && f.Flags == 3:
				seen["https in"]++
			}
		}
	})
	for _, story := range []string{"idle NODATA", "NAT SKIPDATA", "ssh scan eni-0aaa1111111111111", "ssh scan eni-0eee5555555555555",
		"corp ssh to bastion", "rdp probe", "db reply rejected", "ping in", "ping reply rejected", "ipv6 in", "nat private side", "web to app at app", "https in"} {
		if seen[story] == 0 {
			t.Errorf("no record for %q", story)
		}
	}
	if seen["NAT SKIPDATA"] != 1 || seen["idle NODATA"] != windows {
		t.Errorf("SKIPDATA %d (want 1), NODATA %d (want %d)", seen["NAT SKIPDATA"], seen["idle NODATA"], windows)
	}
}

// fakeNow is a clock the test moves.
type fakeNow struct{ sec atomic.Int64 }

func (c *fakeNow) now() time.Time { return time.Unix(c.sec.Load(), 0) }

func TestRunIsLiveAndLoops(t *testing.T) {
	clock := &fakeNow{}
	start := int64(1_900_000_000)
	clock.sec.Store(start)
	s, err := New(clock.now)
	if err != nil {
		t.Fatal(err)
	}
	s.tick = time.Millisecond
	store := model.NewStore(100000)
	in := model.NewIngester(store, nil)
	var mu sync.Mutex
	batches := 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- s.Run(ctx, func(b model.Batch) {
			mu.Lock()
			batches++
			mu.Unlock()
			in.Ingest(b)
		})
	}()
	waitSeen := func(cond func(n uint64) bool, what string) uint64 {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := store.Counters().Seen
			if cond(n) {
				return n
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d records", what, n)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	total := uint64(s.Len())
	// At once: the first half, up to now.
	first := waitSeen(func(n uint64) bool { return n > total/3 }, "backlog")
	for {
		time.Sleep(30 * time.Millisecond)
		n := store.Counters().Seen
		if n == first {
			break
		}
		first = n
	}
	if first > total*2/3 {
		t.Fatalf("records kept coming with the clock stopped: %d of %d", first, total)
	}
	// No record is in the future, the newest is within a minute of now.
	store.Read(func(v model.View) {
		for i := 0; i < v.Len(); i++ {
			f, _ := v.At(i)
			if int64(f.Start) > start {
				t.Fatalf("record %d starts in the future: %d > %d", i, f.Start, start)
			}
		}
		f, _ := v.At(v.Len() - 1)
		if start-int64(f.Start) > 60 {
			t.Fatalf("newest record %ds old", start-int64(f.Start))
		}
	})
	// Time passes: the rest arrives, then the capture starts over.
	clock.sec.Add(s.span)
	waitSeen(func(n uint64) bool { return n > total }, "second pass")
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run ended with %v", err)
	}
	if c := store.Counters(); c.Malformed != 0 {
		t.Fatalf("%d malformed lines in the live demo", c.Malformed)
	}
	store.Read(func(v model.View) {
		f, _ := v.At(v.Len() - 1)
		now := start + s.span
		if int64(f.Start) > now || now-int64(f.Start) > 60 {
			t.Fatalf("newest record of the second pass starts at %d, now is %d", f.Start, now)
		}
	})
}

// Once reads the whole capture, in order and with its own times, and ends.
func TestOnceEmitsTheCaptureAndEnds(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimRight(string(Capture()), "\n"), "\n")[1:]
	var got []string
	done := make(chan error, 1)
	go func() {
		done <- s.Once().Run(context.Background(), func(b model.Batch) {
			if b.Format == nil {
				t.Error("batch without the capture's format")
			}
			for _, ev := range b.Events {
				if ev.LineNo != int64(len(got)+2) {
					t.Errorf("line %q numbered %d, want %d", ev.Line, ev.LineNo, len(got)+2)
				}
				got = append(got, string(ev.Line))
			}
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Once did not end")
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %d lines, want the capture's %d in order", len(got), len(want))
	}
}
