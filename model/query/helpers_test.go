package query

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

func testNames() *model.Interner { return model.NewInterner() }

// rec is the ground truth of one generated record, kept in plain Go types
// so tests compute expected answers without the engine.
type rec struct {
	nodata           bool
	account, iface   string
	src, dst         string
	srcPort, dstPort int
	proto            int
	packets, bytes   uint64
	start, end       int64
	action           string
	// Only records of the custom-format origin carry these.
	custom         bool
	tcpFlags       int
	pktSrc, pktDst string
	flowDir        string
}

const customHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags pkt-srcaddr pkt-dstaddr flow-direction"

func (r *rec) line() string {
	if r.nodata {
		return fmt.Sprintf("2 %s %s - - - - - - - %d %d - NODATA", r.account, r.iface, r.start, r.end)
	}
	base := fmt.Sprintf("2 %s %s %s %s %d %d %d %d %d %d %d %s OK", r.account, r.iface, r.src, r.dst,
		r.srcPort, r.dstPort, r.proto, r.packets, r.bytes, r.start, r.end, r.action)
	if !r.custom {
		return base
	}
	base = "5" + base[1:]
	return fmt.Sprintf("%s %d %s %s %s", base, r.tcpFlags, r.pktSrc, r.pktDst, r.flowDir)
}

// capture generates n records: most in the default format from one file,
// a quarter from a second file whose header declares a v5 custom format.
// A fixed seed keeps answers stable.
func capture(n int) []rec {
	rng := rand.New(rand.NewPCG(42, 7))
	hosts := []string{"10.0.1.50", "10.0.2.100", "10.0.1.10", "10.0.2.20", "10.0.3.30", "203.0.113.9", "198.51.100.7", "192.0.2.44", "10.0.1.51"}
	ports := []int{22, 443, 80, 3389, 53, 8080, 5432}
	out := make([]rec, n)
	for i := range out {
		r := &out[i]
		r.account = []string{"123456789012", "210987654321"}[rng.IntN(2)]
		r.iface = fmt.Sprintf("eni-0%07d", rng.IntN(6))
		r.start = 1700000000 + int64(i/50)
		r.end = r.start + 60
		r.custom = i%4 == 3
		if !r.custom && rng.IntN(100) == 0 {
			r.nodata = true
			continue
		}
		r.src = hosts[rng.IntN(len(hosts))]
		r.dst = hosts[rng.IntN(len(hosts))]
		if rng.IntN(20) == 0 {
			r.dst = "2001:db8::" + strconv.Itoa(1+rng.IntN(5))
			r.src = "2001:db8:1::" + strconv.Itoa(1+rng.IntN(5))
		}
		r.srcPort = 1024 + rng.IntN(60000)
		r.dstPort = ports[rng.IntN(len(ports))]
		if rng.IntN(10) == 0 {
			r.dstPort = rng.IntN(65536)
		}
		r.proto = []int{6, 6, 6, 17, 1}[rng.IntN(5)]
		r.packets = uint64(1 + rng.IntN(100))
		r.bytes = r.packets * uint64(40+rng.IntN(1400))
		r.action = "ACCEPT"
		if rng.IntN(4) == 0 {
			r.action = "REJECT"
		}
		if r.custom {
			r.tcpFlags = []int{0, 2, 18, 3, 19, 4}[rng.IntN(6)]
			r.pktSrc = hosts[rng.IntN(len(hosts))]
			r.pktDst = r.dst
			r.flowDir = []string{"ingress", "egress"}[rng.IntN(2)]
		}
	}
	return out
}

// load ingests the records into a store: default-format records from
// "a.log", custom ones from "b.log" after its header line. The store's
// order is a's records then b's; ordered returns the truth in that order.
func load(t testing.TB, recs []rec) (*model.Store, []rec) {
	t.Helper()
	st := model.NewStore(len(recs) + 1)
	in := model.NewIngester(st, nil)
	var a, b model.Batch
	var ordered, bs []rec
	b.Events = append(b.Events, model.Event{Line: []byte(customHeader), Origin: "b.log"})
	for i := range recs {
		ev := model.Event{Line: []byte(recs[i].line())}
		if recs[i].custom {
			ev.Origin = "b.log"
			b.Events = append(b.Events, ev)
			bs = append(bs, recs[i])
		} else {
			ev.Origin = "a.log"
			a.Events = append(a.Events, ev)
			ordered = append(ordered, recs[i])
		}
	}
	in.Ingest(a)
	in.Ingest(b)
	if c := st.Counters(); c.Malformed != 0 {
		t.Fatalf("generated capture has %d malformed lines: %v", c.Malformed, st.MalformedLines()[0])
	}
	return st, append(ordered, bs...)
}

// run compiles and runs a query over the store.
func run(t testing.TB, st *model.Store, text string) *Result {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	p, err := Compile(q, st.Names(), Options{})
	if err != nil {
		t.Fatalf("Compile(%q): %v", text, err)
	}
	var res *Result
	st.Read(func(v model.View) { res = p.Run(v) })
	return res
}

func tsText(sec int64) string {
	return Value{Kind: Time, I: uint64(sec) * 1000}.String()
}

func rowText(r []Value) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = v.String()
	}
	return strings.Join(parts, " | ")
}
