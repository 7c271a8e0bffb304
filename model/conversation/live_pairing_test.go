package conversation

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// naiveSide and naiveConv are a second, deliberately plain pairing of the
// ring's records for the tests: maps keyed by text, one pass, no reuse.
type naiveSide struct {
	src, dst         netip.Addr
	sport, dport     uint16
	records          uint32
	packets, bytes   big.Int
	flags            uint8
	hasFlags         bool
	accepts, rejects uint32
	first, last      uint32
	firstAt          int // ring index of its first record
}

type naiveConv struct {
	iface  uint32
	proto  uint8
	dirs   map[string]*naiveSide
	order  []string // direction names, the lower endpoint's first
	oldest int
}

func endpoint(a netip.Addr, port uint16) string { return netip.AddrPortFrom(a, port).String() }

// naivePairing pairs the records in ring order and returns the
// conversations as the user sees them: request first, ordered worst class
// first, then bytes (largest first), then oldest first.
func naivePairing(v model.View) []Conversation {
	convs := map[string]*naiveConv{}
	var keys []string
	for i := range v.Len() {
		f, x := v.At(i)
		if !f.Has(model.FieldSrcAddr) || !f.Has(model.FieldDstAddr) {
			continue
		}
		src, dst := f.SrcAddr(x), f.DstAddr(x)
		a, b := endpoint(src, f.SrcPort), endpoint(dst, f.DstPort)
		s16, d16 := src.As16(), dst.As16()
		c := bytes.Compare(s16[:], d16[:])
		lowFirst := c < 0 || c == 0 && f.SrcPort <= f.DstPort
		lo, hi := a, b
		if !lowFirst {
			lo, hi = b, a
		}
		key := fmt.Sprint(f.Iface, "/", f.Proto, "/", lo, "/", hi)
		cv := convs[key]
		if cv == nil {
			cv = &naiveConv{iface: f.Iface, proto: f.Proto, dirs: map[string]*naiveSide{},
				order: []string{lo + ">" + hi, hi + ">" + lo}, oldest: i}
			convs[key] = cv
			keys = append(keys, key)
		}
		dir := a + ">" + b
		s := cv.dirs[dir]
		if s == nil {
			s = &naiveSide{src: src, dst: dst, sport: f.SrcPort, dport: f.DstPort, first: f.Start, firstAt: i}
			cv.dirs[dir] = s
		}
		s.records++
		s.packets.Add(&s.packets, new(big.Int).SetUint64(f.Packets))
		s.bytes.Add(&s.bytes, new(big.Int).SetUint64(f.Bytes))
		if f.Has(model.FieldTCPFlags) {
			s.flags |= f.Flags
			s.hasFlags = true
		}
		if f.Action() == model.ActionAccept {
			s.accepts++
		}
		if f.Action() == model.ActionReject {
			s.rejects++
		}
		s.last = f.End
	}
	type row struct {
		c      Conversation
		bytes  *big.Int // both directions'
		oldest int
	}
	var rows []row
	for _, key := range keys {
		c := convs[key]
		lo, hi := c.dirs[c.order[0]], c.dirs[c.order[1]]
		if c.order[0] == c.order[1] { // an endpoint talking to itself: one direction
			hi = nil
		}
		req, resp, by := naiveClient(lo, hi)
		out := Conversation{Iface: c.iface, Proto: c.proto, ClientBy: by, Request: naiveToSide(req), Response: naiveToSide(resp)}
		out.Class = naiveClass(req, resp)
		bytes := new(big.Int)
		for _, s := range []*naiveSide{req, resp} {
			if s != nil {
				bytes.Add(bytes, &s.bytes)
			}
		}
		rows = append(rows, row{out, bytes, c.oldest})
	}
	slices.SortFunc(rows, func(x, y row) int {
		if x.c.Class != y.c.Class {
			return int(x.c.Class) - int(y.c.Class)
		}
		if c := y.bytes.Cmp(x.bytes); c != 0 {
			return c
		}
		return x.oldest - y.oldest
	})
	out := make([]Conversation, len(rows))
	for i := range rows {
		out[i] = rows[i].c
	}
	return out
}

// naiveClient decides which direction the client sent, as documented on
// clientDir: SYN alone marks the client, SYN-ACK the server (the lower
// endpoint's direction looked at first); then the side talking to the
// lower port is the client; then the direction logged first.
func naiveClient(lo, hi *naiveSide) (req, resp *naiveSide, by ClientBy) {
	for _, d := range [][2]*naiveSide{{lo, hi}, {hi, lo}} {
		s := d[0]
		if s == nil || !s.hasFlags {
			continue
		}
		syn, ack := s.flags&model.FlagSYN != 0, s.flags&model.FlagACK != 0
		if syn && !ack {
			return d[0], d[1], ByFlags
		}
		if syn && ack {
			return d[1], d[0], ByFlags
		}
	}
	s, other := lo, hi
	if s == nil {
		s, other = hi, lo
	}
	switch {
	case s.dport < s.sport:
		return s, other, ByPort
	case s.sport < s.dport:
		return other, s, ByPort
	case other == nil:
		return s, nil, ByTime
	case lo.first < hi.first || lo.first == hi.first && lo.firstAt < hi.firstAt:
		return lo, hi, ByTime
	}
	return hi, lo, ByTime
}

func naiveClass(req, resp *naiveSide) Class {
	accepted := func(s *naiveSide) bool { return s != nil && s.accepts > 0 }
	rst := func(s *naiveSide) bool { return s != nil && s.hasFlags && s.flags&model.FlagRST != 0 }
	switch {
	case accepted(req) && resp != nil && resp.rejects > 0 && resp.accepts == 0:
		return ReplyRejected
	case req != nil && req.rejects > 0 && req.accepts == 0:
		return RejectedRequest
	case rst(req) || rst(resp):
		return Reset
	case resp == nil:
		return RequestOnly
	case req == nil:
		return ReplyOnly
	}
	return Established
}

func naiveToSide(s *naiveSide) Side {
	if s == nil {
		return Side{}
	}
	sd := Side{src: s.src.As16(), dst: s.dst.As16(), SrcPort: s.sport, DstPort: s.dport, Records: s.records,
		Flags: s.flags, HasFlags: s.hasFlags, Accepts: s.accepts, Rejects: s.rejects, First: s.first, Last: s.last}
	sd.Packets, sd.PacketsOver = capBig(&s.packets)
	sd.Bytes, sd.BytesOver = capBig(&s.bytes)
	return sd
}

const defaultFields = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// pairingLine is a record from a small population of endpoints, so
// conversations gain a second record and lose it again as the ring moves:
// IPv4 and IPv6, with and without tcp-flags (the default format has none),
// accepted and rejected, now and then without addresses, and now and then
// with packets or bytes near 2^64, so sums pass 64 bits.
func pairingLine(rng *rand.Rand, i int) (line string, flagged bool) {
	v4 := []string{"10.0.0.1", "10.0.0.2", "192.0.2.9"}
	v6 := []string{"2001:db8::1", "2001:db8::2"}
	hosts := v4
	if rng.IntN(4) == 0 {
		hosts = v6
	}
	a, b := hosts[rng.IntN(len(hosts))], hosts[rng.IntN(len(hosts))]
	pa, pb := []int{22, 443, 40000, 40001}[rng.IntN(4)], []int{22, 443, 40000}[rng.IntN(3)]
	proto := []int{6, 6, 17}[rng.IntN(3)]
	action := []string{"ACCEPT", "ACCEPT", "REJECT"}[rng.IntN(3)]
	start := 1700000000 + i/40 // ties in time, broken by arrival
	flagged = rng.IntN(2) == 0
	if rng.IntN(30) == 0 {
		return fmt.Sprintf("2 123456789010 eni-%d - - - - - - - %d %d - NODATA", rng.IntN(2), start, start+60), false
	}
	packets, bytes := uint64(1+rng.IntN(5)), uint64(40+rng.IntN(50))
	if rng.IntN(8) == 0 {
		packets = math.MaxUint64 - uint64(rng.IntN(3))
	}
	if rng.IntN(8) == 0 {
		bytes = math.MaxUint64 - uint64(rng.IntN(3))
	}
	line = fmt.Sprintf("2 123456789010 eni-%d %s %s %d %d %d %d %d %d %d %s OK",
		rng.IntN(2), a, b, pa, pb, proto, packets, bytes, start, start+60, action)
	if flagged {
		line += fmt.Sprintf(" %d", []int{0, 1, 2, 4, 18, 19, 3}[rng.IntN(7)])
	}
	return line, flagged
}

// TestLiveMatchesNaivePairing: after every batch of adds and evictions,
// the live conversations (all of them and the first few), their summary
// and count equal a plain map-based pairing of the ring's records.
func TestLiveMatchesNaivePairing(t *testing.T) {
	for _, capacity := range []int{1, 2, 5, 64, 500} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(capacity), 9))
			st := model.NewStore(capacity)
			plain := model.NewParser(model.MustParseFormat(defaultFields), st.Names())
			withFlags := model.NewParser(model.MustParseFormat(defaultFields+" tcp-flags"), st.Names())
			live := NewLive(st)
			// Attached after some records are in, as the UI attaches it.
			var f model.Flow
			var x model.Ext
			add := func(n, from int) {
				st.Append(func(a model.Appender) {
					for i := range n {
						line, flagged := pairingLine(rng, from+i)
						p := plain
						if flagged {
							p = withFlags
						}
						if err := p.Parse([]byte(line), &f, &x); err != nil {
							t.Fatalf("%q: %v", line, err)
						}
						a.Add(&f, &x)
					}
				})
			}
			add(capacity/2+1, 0)
			st.Observe(live)
			seen, multi, demoted := 0, false, false
			for step := range 400 {
				n := 1 + rng.IntN(max(2, capacity/3))
				add(n, seen)
				seen += n
				st.Read(func(v model.View) {
					want := naivePairing(v)
					for _, c := range want {
						if c.Request.Records+c.Response.Records > 1 {
							multi = true
						} else if multi {
							demoted = true
						}
					}
					got := live.Top(len(want) + 3)
					if len(got) != len(want) {
						t.Fatalf("step %d: %d conversations, want %d", step, len(got), len(want))
					}
					for i := range want {
						if fmt.Sprintf("%+v", got[i]) != fmt.Sprintf("%+v", want[i]) {
							t.Fatalf("step %d, conversation %d:\nlive  %+v\nnaive %+v", step, i, got[i], want[i])
						}
					}
					if k := min(3, len(want)); fmt.Sprintf("%+v", live.Top(k)) != fmt.Sprintf("%+v", want[:k]) {
						t.Fatalf("step %d: top %d differs", step, k)
					}
					if s := Summarize(want); live.Summary() != s || live.Len() != len(want) {
						t.Fatalf("step %d: summary %v (%d), want %v (%d)", step, live.Summary(), live.Len(), s, len(want))
					}
				})
			}
			if capacity > 2 && (!multi || !demoted) {
				t.Fatalf("conversations of several records seen %v, back to one %v: the test proves too little", multi, demoted)
			}
		})
	}
}

// TestLiveEmptiesWithTheRing: once every record has left, nothing is
// live and the table holds no slot.
func TestLiveEmptiesWithTheRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	st := model.NewStore(50)
	live := NewLive(st)
	st.Observe(live)
	p := model.NewParser(model.MustParseFormat(defaultFields+" tcp-flags"), st.Names())
	var f model.Flow
	var x model.Ext
	st.Append(func(a model.Appender) {
		for i := range 2000 {
			line, flagged := pairingLine(rng, i)
			if !flagged {
				line += " 2"
			}
			if err := p.Parse([]byte(line), &f, &x); err != nil {
				t.Fatal(err)
			}
			a.Add(&f, &x)
		}
		// Fifty records of one conversation push everything else out.
		for i := range 50 {
			if err := p.Parse([]byte(fmt.Sprintf("2 1 eni-9 10.9.9.9 10.9.9.8 5 6 6 1 1 %d %d ACCEPT OK 2", i, i)), &f, &x); err != nil {
				t.Fatal(err)
			}
			a.Add(&f, &x)
		}
	})
	st.Read(func(model.View) {
		if live.Len() != 1 || live.set.Len() != 1 {
			t.Fatalf("%d conversations, %d slots; want 1 and 1", live.Len(), live.set.Len())
		}
		if c := live.Top(5); len(c) != 1 || c[0].Request.Records != 50 {
			t.Fatalf("got %+v", c)
		}
	})
}
