package aggregate

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/flowtail/flowtail/model"
)

const genFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${tcp-flags}"

// genRec is a generated record as the test knows it, independent of the
// parser and the store.
type genRec struct {
	iface          string
	src, dst       string
	dport          int
	packets, bytes uint64
	start, end     uint32
	action, status string
	flags          int // -1: "-"
	line           string
}

// capturePeers is how many distinct peers each interface of a capture
// talks to.
var capturePeers = 40

// capture generates n records over a few interfaces, with IPv6, NODATA,
// SKIPDATA, REJECTs, absent tcp-flags and end times out of arrival order.
func capture(n int, seed uint64) []genRec {
	r := rand.New(rand.NewPCG(seed, 7))
	ifaces := []string{"eni-0a1", "eni-0b2", "eni-0c3", "eni-0d4"}
	own := map[string]string{"eni-0a1": "10.0.0.10", "eni-0b2": "10.0.0.20", "eni-0c3": "10.0.1.30", "eni-0d4": "2001:db8::d4"}
	ports := []int{443, 22, 80, 5432, 3389, 53}
	flagVals := []int{0, 1, 2, 3, 4, 18, 19, -1}
	out := make([]genRec, n)
	t := uint32(1_700_000_000)
	for i := range out {
		t += uint32(r.IntN(3)) // dense, so end times arrive out of order
		g := genRec{iface: ifaces[r.IntN(len(ifaces))], start: t - uint32(r.IntN(120))}
		// Most records cover one-minute intervals, some ten minutes, so a
		// record that arrived early can end after every later one.
		g.end = g.start + uint32(r.IntN(60))
		if r.IntN(20) == 0 {
			g.end = g.start + 600
		}
		switch k := r.IntN(50); {
		case k == 0:
			g.status = "NODATA"
		case k == 1:
			g.status = "SKIPDATA"
		default:
			g.status = "OK"
		}
		if g.status != "OK" {
			g.line = fmt.Sprintf("2 123456789010 %s - - - - - - - %d %d - %s -", g.iface, g.start, g.end, g.status)
			out[i] = g
			continue
		}
		var peer string
		if strings.Contains(own[g.iface], ":") {
			peer = fmt.Sprintf("2001:db8:1::%x", r.IntN(capturePeers))
		} else {
			n := r.IntN(capturePeers)
			peer = fmt.Sprintf("203.0.%d.%d", 113+n/256, n%256)
		}
		sport := 32768 + r.IntN(20000)
		g.dport = ports[r.IntN(len(ports))]
		if r.IntN(2) == 0 {
			g.src, g.dst = peer, own[g.iface]
		} else {
			g.src, g.dst = own[g.iface], peer
		}
		g.packets = uint64(1 + r.IntN(100))
		g.bytes = g.packets * uint64(40+r.IntN(1400))
		if i%97 == 13 {
			g.bytes = math.MaxUint64 - g.bytes // a few records near 2^64: their sums pass it
		}
		g.action = "ACCEPT"
		if r.IntN(4) == 0 {
			g.action = "REJECT"
		}
		g.flags = flagVals[r.IntN(len(flagVals))]
		fl := "-"
		if g.flags >= 0 {
			fl = fmt.Sprint(g.flags)
		}
		g.line = fmt.Sprintf("2 123456789010 %s %s %s %d %d 6 %d %d %d %d %s OK %s",
			g.iface, g.src, g.dst, sport, g.dport, g.packets, g.bytes, g.start, g.end, g.action, fl)
		out[i] = g
	}
	return out
}

// ingest feeds the lines into the store in batches of 97.
func ingest(t testing.TB, s *model.Store, recs []genRec) {
	t.Helper()
	format := model.MustParseFormat(genFormat)
	in := model.NewIngester(s, format)
	for i := 0; i < len(recs); i += 97 {
		var b model.Batch
		for _, g := range recs[i:min(i+97, len(recs))] {
			b.Events = append(b.Events, model.Event{Line: []byte(g.line), Origin: "gen"})
		}
		in.Ingest(b)
	}
	if c := s.Counters(); c.Malformed != 0 {
		t.Fatalf("generated capture has %d malformed lines: %+v", c.Malformed, s.MalformedLines())
	}
}

// expect computes the summaries independently from the generated records.
func expect(recs []genRec, topN int) (map[string]Interface, FlagCounts) {
	type acc struct {
		Interface
		packets, bytes big.Int
		addrs          map[string]bool
		ports          map[uint16]uint32
	}
	m := map[string]*acc{}
	var fc FlagCounts
	for _, g := range recs {
		a := m[g.iface]
		if a == nil {
			a = &acc{Interface: Interface{Name: g.iface}, addrs: map[string]bool{}, ports: map[uint16]uint32{}}
			m[g.iface] = a
		}
		a.Records++
		a.LastSeen = max(a.LastSeen, g.end)
		if g.flags >= 0 && g.status == "OK" {
			fc.ByValue[g.flags]++
		} else {
			fc.Absent++
		}
		switch g.status {
		case "SKIPDATA":
			a.Skipped++
			continue
		case "NODATA":
			continue
		}
		a.Flows++
		a.packets.Add(&a.packets, new(big.Int).SetUint64(g.packets))
		a.bytes.Add(&a.bytes, new(big.Int).SetUint64(g.bytes))
		if g.action == "ACCEPT" {
			a.Accepts++
		} else {
			a.Rejects++
		}
		a.addrs[netip.MustParseAddr(g.src).String()] = true
		a.addrs[netip.MustParseAddr(g.dst).String()] = true
		a.ports[uint16(g.dport)]++
	}
	out := map[string]Interface{}
	for name, a := range m {
		a.Peers = max(0, len(a.addrs)-1)
		a.Packets, a.PacketsOver = bigCapped(&a.packets)
		a.Bytes, a.BytesOver = bigCapped(&a.bytes)
		for p, c := range a.ports {
			a.TopPorts = append(a.TopPorts, PortCount{p, c})
		}
		slices.SortFunc(a.TopPorts, func(p, q PortCount) int {
			if p.Flows != q.Flows {
				return int(q.Flows) - int(p.Flows)
			}
			return int(p.Port) - int(q.Port)
		})
		a.TopPorts = a.TopPorts[:min(topN, len(a.TopPorts))]
		out[name] = a.Interface
	}
	return out, fc
}

// bigCapped is n, or math.MaxUint64 and true when it passes 64 bits.
func bigCapped(n *big.Int) (uint64, bool) {
	if n.IsUint64() {
		return n.Uint64(), false
	}
	return math.MaxUint64, true
}

func checkSnapshot(t *testing.T, snap Snapshot, recs []genRec) {
	t.Helper()
	checkSnapshotPeers(t, snap, recs, true)
}

// checkSnapshotPeers checks a snapshot; peers false: one taken before the
// aggregate counts peers, which says -1 for every interface.
func checkSnapshotPeers(t *testing.T, snap Snapshot, recs []genRec, peers bool) {
	t.Helper()
	want, wantFlags := expect(recs, 3)
	if !peers {
		for name, w := range want {
			w.Peers = -1
			want[name] = w
		}
	}
	if snap.Records != uint64(len(recs)) {
		t.Errorf("records = %d, want %d", snap.Records, len(recs))
	}
	if len(snap.Interfaces) != len(want) {
		t.Errorf("%d interfaces, want %d", len(snap.Interfaces), len(want))
	}
	for _, got := range snap.Interfaces {
		w, ok := want[got.Name]
		if !ok {
			t.Errorf("unexpected interface %q", got.Name)
			continue
		}
		got.ID, got.Spark = 0, nil
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("interface %s:\n got %+v\nwant %+v", got.Name, got, w)
		}
	}
	if snap.Flags != wantFlags {
		t.Errorf("flag counts differ:\n got %v\nwant %v", snap.Flags.Combos(), wantFlags.Combos())
	}
}

func TestAggregateMatchesIndependentCounts(t *testing.T) {
	recs := capture(5000, 1)
	s := model.NewStore(len(recs))
	a := Attach(s)
	ingest(t, s, recs[:2000])
	checkSnapshotPeers(t, Take(s, a, Options{TopPorts: 3}), recs[:2000], false)
	a.CountPeers(s) // counts the records already buffered, then follows
	ingest(t, s, recs[2000:])
	checkSnapshot(t, Take(s, a, Options{TopPorts: 3}), recs)
}

func TestAggregateAfterEviction(t *testing.T) {
	recs := capture(5000, 2)
	for _, capacity := range []int{1, 37, 500, 4999} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			s := model.NewStore(capacity)
			a := Attach(s)
			a.CountPeers(s)
			ingest(t, s, recs)
			if c := s.Counters(); c.Evicted != uint64(len(recs)-capacity) {
				t.Fatalf("evicted %d, want %d", c.Evicted, len(recs)-capacity)
			}
			checkSnapshot(t, Take(s, a, Options{TopPorts: 3}), recs[len(recs)-capacity:])
		})
	}
}

// TestManyPeersAfterEviction: with thousands of distinct peers, the
// peer table grows while the ring fills and keeps evicting, and the
// counts still match the records the ring holds.
func TestManyPeersAfterEviction(t *testing.T) {
	capturePeers = 4000
	defer func() { capturePeers = 40 }()
	recs := capture(30000, 5)
	s := model.NewStore(12000)
	a := Attach(s)
	a.CountPeers(s)
	ingest(t, s, recs)
	want, _ := expect(recs[len(recs)-12000:], 3)
	if w := want["eni-0a1"].Peers; w < 1000 {
		t.Fatalf("only %d peers: the table never grows", w)
	}
	checkSnapshot(t, Take(s, a, Options{TopPorts: 3}), recs[len(recs)-12000:])
}

func TestAttachCountsRecordsAlreadyBuffered(t *testing.T) {
	recs := capture(800, 3)
	s := model.NewStore(300)
	ingest(t, s, recs[:500])
	a := Attach(s)
	ingest(t, s, recs[500:650])
	a.CountPeers(s)
	a.CountPeers(s) // a second call changes nothing
	ingest(t, s, recs[650:])
	checkSnapshot(t, Take(s, a, Options{TopPorts: 3}), recs[500:])
}

func TestComputeOverFilteredSubset(t *testing.T) {
	recs := capture(3000, 4)
	s := model.NewStore(1000)
	ingest(t, s, recs)
	var want []genRec
	for _, g := range recs[2000:] {
		if g.action == "REJECT" {
			want = append(want, g)
		}
	}
	rejects := func(f *model.Flow, _ *model.Ext) bool { return f.Action() == model.ActionReject }
	var snap Snapshot
	var counted FlagCounts
	s.Read(func(v model.View) {
		snap = Compute(v, rejects).Snapshot(v.Names(), Options{TopPorts: 3})
		counted = CountFlags(v, rejects)
	})
	checkSnapshot(t, snap, want)
	if counted != snap.Flags {
		t.Errorf("CountFlags = %v, aggregate says %v", counted.Combos(), snap.Flags.Combos())
	}
}

// TestHistogramAndSparklines checks the time columns against counts made
// from the generated start times.
func TestHistogramAndSparklines(t *testing.T) {
	recs := capture(4000, 5)
	s := model.NewStore(1500)
	a := Attach(s)
	ingest(t, s, recs)
	kept := recs[len(recs)-1500:]
	const cols = 17
	snap := Take(s, a, Options{Columns: cols})
	lo, hi := ^uint32(0), uint32(0)
	for _, g := range kept {
		if g.status == "OK" {
			lo, hi = min(lo, g.start/BucketSeconds), max(hi, g.start/BucketSeconds)
		}
	}
	h := snap.Histogram
	if h.From != lo*BucketSeconds || h.To != (hi+1)*BucketSeconds {
		t.Fatalf("range %d–%d, want %d–%d", h.From, h.To, lo*BucketSeconds, (hi+1)*BucketSeconds)
	}
	acc, rej := make([]uint64, cols), make([]uint64, cols)
	spark := map[string][]*big.Int{}
	width := float64(hi-lo+1) / cols
	for _, g := range kept {
		if g.status != "OK" {
			continue
		}
		c := int(float64(g.start/BucketSeconds-lo) / width)
		if g.action == "ACCEPT" {
			acc[c]++
		} else {
			rej[c]++
		}
		if spark[g.iface] == nil {
			for range cols {
				spark[g.iface] = append(spark[g.iface], new(big.Int))
			}
		}
		spark[g.iface][c].Add(spark[g.iface][c], new(big.Int).SetUint64(g.bytes))
	}
	if !slices.Equal(h.Accepts, acc) || !slices.Equal(h.Rejects, rej) {
		t.Errorf("histogram\n got %v / %v\nwant %v / %v", h.Accepts, h.Rejects, acc, rej)
	}
	over := false
	for _, it := range snap.Interfaces {
		want := make([]uint64, cols)
		for c, n := range spark[it.Name] {
			want[c], _ = bigCapped(n)
			over = over || !n.IsUint64()
		}
		if !slices.Equal(it.Spark, want) {
			t.Errorf("%s sparkline %v, want %v", it.Name, it.Spark, want)
		}
	}
	if !over {
		t.Error("no sparkline column passed 64 bits: the capture no longer tests it")
	}
}

func TestShortRangeGivesFewerColumns(t *testing.T) {
	s := model.NewStore(10)
	a := Attach(s)
	ingest(t, s, []genRec{{line: "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 100 1700000000 1700000010 ACCEPT OK 2"},
		{line: "2 1 eni-1 10.0.0.2 10.0.0.1 2 1 6 1 60 1700000065 1700000070 REJECT OK 18"}})
	h := Take(s, a, Options{Columns: 40}).Histogram
	if len(h.Accepts) != 2 || h.Accepts[0] != 1 || h.Rejects[1] != 1 {
		t.Errorf("two one-minute buckets: got %+v", h)
	}
}

func TestEmptyAggregate(t *testing.T) {
	s := model.NewStore(10)
	a := Attach(s)
	snap := Take(s, a, Options{TopPorts: 3, Columns: 10})
	if snap.Records != 0 || len(snap.Interfaces) != 0 || len(snap.Histogram.Accepts) != 0 || snap.Flags.Combos() != nil {
		t.Errorf("empty store: %+v", snap)
	}
}

func TestRejectPct(t *testing.T) {
	it := Interface{Accepts: 3, Rejects: 1}
	if got := it.RejectPct(); got != 25 {
		t.Errorf("RejectPct = %v, want 25", got)
	}
	if got := (&Interface{}).RejectPct(); got != 0 {
		t.Errorf("RejectPct with no flows = %v, want 0", got)
	}
}

func TestMaxWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var w maxWindow
	var vals []uint32
	var oks []bool
	head := 0
	for step := 0; step < 20000; step++ {
		if r.IntN(3) != 0 || head == len(vals) {
			v, ok := uint32(r.IntN(1000)), r.IntN(10) != 0
			w.push(v, ok)
			vals, oks = append(vals, v), append(oks, ok)
		} else {
			w.pop()
			head++
		}
		var want uint32
		wantOK := false
		for i := head; i < len(vals); i++ {
			if oks[i] && (!wantOK || vals[i] > want) {
				want, wantOK = vals[i], true
			}
		}
		if got, ok := w.max(); got != want || ok != wantOK {
			t.Fatalf("step %d: max = %d,%v want %d,%v", step, got, ok, want, wantOK)
		}
	}
}

// TestLastSeenDropsWithEvictedRecord: a ten-minute record that arrived
// first ends after the one-minute records behind it; once it leaves the
// ring, last seen must come back to the newest end still buffered.
func TestLastSeenDropsWithEvictedRecord(t *testing.T) {
	s := model.NewStore(2)
	a := Attach(s)
	line := func(start, end int) genRec {
		return genRec{line: fmt.Sprintf("2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 100 %d %d ACCEPT OK 0", start, end)}
	}
	ingest(t, s, []genRec{line(1000, 1600), line(1010, 1070)})
	if got := Take(s, a, Options{}).Interfaces[0].LastSeen; got != 1600 {
		t.Fatalf("last seen = %d, want 1600", got)
	}
	ingest(t, s, []genRec{line(1020, 1050)})
	if got := Take(s, a, Options{}).Interfaces[0].LastSeen; got != 1070 {
		t.Errorf("after the ten-minute record left: last seen = %d, want 1070", got)
	}
}

// TestTakeWhileIngesting reads snapshots while another goroutine ingests
// (run with -race): every snapshot is consistent, its per-interface
// records adding up to its total.
func TestTakeWhileIngesting(t *testing.T) {
	recs := capture(20000, 12)
	s := model.NewStore(3000)
	a := Attach(s)
	done := make(chan struct{})
	counting := make(chan struct{})
	go func() { // attached while records arrive and snapshots are taken
		defer close(counting)
		a.CountPeers(s)
	}()
	go func() {
		defer close(done)
		ingest(t, s, recs)
	}()
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		snap := Take(s, a, Options{TopPorts: 2, Columns: 10})
		var sum uint64
		for _, it := range snap.Interfaces {
			sum += it.Records
		}
		if sum != snap.Records {
			t.Fatalf("snapshot of %d records has %d in its interfaces", snap.Records, sum)
		}
	}
	<-counting
	checkSnapshot(t, Take(s, a, Options{TopPorts: 3}), recs[len(recs)-3000:])
}

// Views that ask for peers at the same moment attach one count, not two.
func TestCountPeersFromSeveralGoroutines(t *testing.T) {
	recs := capture(4000, 13)
	s := model.NewStore(len(recs))
	a := Attach(s)
	ingest(t, s, recs[:1000])
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { a.CountPeers(s) })
	}
	wg.Wait()
	ingest(t, s, recs[1000:])
	checkSnapshot(t, Take(s, a, Options{TopPorts: 3}), recs)
}
