package query

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

const captureSize = 20000

// checkTop verifies a "stats … by keys | sort v desc | limit n" answer
// against counts computed by the test: the right columns, counts that
// match, in descending order, and no group left out that beats one shown.
func checkTop(t *testing.T, res *Result, cols []string, want map[string]uint64, n int) {
	t.Helper()
	if !slices.Equal(res.Columns, cols) {
		t.Fatalf("columns = %q, want %q", res.Columns, cols)
	}
	if len(res.Rows) != min(n, len(want)) {
		t.Fatalf("%d rows, want %d", len(res.Rows), min(n, len(want)))
	}
	shown := map[string]bool{}
	last := ^uint64(0)
	k := len(cols) - 1
	for _, r := range res.Rows {
		parts := make([]string, k)
		for i := range parts {
			parts[i] = r[i].String()
		}
		key := strings.Join(parts, " ")
		got := r[k].I
		if got != want[key] {
			t.Errorf("group %q = %d, want %d", key, got, want[key])
		}
		if got > last {
			t.Errorf("rows not in descending order at %q", key)
		}
		last = got
		shown[key] = true
	}
	for key, v := range want {
		if !shown[key] && v > last {
			t.Errorf("group %q (%d) missing though the last row shown has %d", key, v, last)
		}
	}
}

func TestIssueQueries(t *testing.T) {
	st, truth := load(t, capture(captureSize))

	t.Run("rejects by dstAddr, dstPort", func(t *testing.T) {
		res := run(t, st, `fields @timestamp, srcAddr, dstAddr, dstPort, action | filter action = "REJECT" | stats count() as rejects by dstAddr, dstPort | sort rejects desc | limit 20`)
		want := map[string]uint64{}
		for _, r := range truth {
			if r.action == "REJECT" {
				want[r.dst+" "+strconv.Itoa(r.dstPort)]++
			}
		}
		checkTop(t, res, []string{"dstAddr", "dstPort", "rejects"}, want, 20)
	})

	t.Run("conversation between two hosts", func(t *testing.T) {
		res := run(t, st, `fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, action, bytes | filter srcAddr = "10.0.1.50" and dstAddr = "10.0.2.100" | sort @timestamp asc`)
		var want []string
		var match []rec
		for _, r := range truth {
			if r.src == "10.0.1.50" && r.dst == "10.0.2.100" {
				match = append(match, r)
			}
		}
		slices.SortStableFunc(match, func(a, b rec) int { return int(a.start - b.start) })
		for _, r := range match {
			want = append(want, fmt.Sprintf("%s | %s | %s | %d | %d | %d | %s | %d", tsText(r.start), r.src, r.dst, r.srcPort, r.dstPort, r.proto, r.action, r.bytes))
		}
		checkRows(t, res, []string{"@timestamp", "srcAddr", "dstAddr", "srcPort", "dstPort", "protocol", "action", "bytes"}, want)
	})

	t.Run("rejected HTTPS, newest first", func(t *testing.T) {
		res := run(t, st, `fields @timestamp, srcAddr, dstAddr, action | filter action = "REJECT" and dstPort = 443 and protocol = 6 | sort @timestamp desc | limit 100`)
		var match []rec
		for _, r := range truth {
			if r.action == "REJECT" && r.dstPort == 443 && r.proto == 6 {
				match = append(match, r)
			}
		}
		slices.SortStableFunc(match, func(a, b rec) int { return int(b.start - a.start) })
		var want []string
		for _, r := range match[:min(100, len(match))] {
			want = append(want, fmt.Sprintf("%s | %s | %s | %s", tsText(r.start), r.src, r.dst, r.action))
		}
		checkRows(t, res, []string{"@timestamp", "srcAddr", "dstAddr", "action"}, want)
	})

	t.Run("rejects by pkt-srcaddr", func(t *testing.T) {
		res := run(t, st, `fields @timestamp, pkt-srcaddr, srcport, pkt-dstaddr, dstport, action, protocol | filter action = "REJECT" | stats count() by pkt-srcaddr | sort count desc | limit 10`)
		want := map[string]uint64{}
		for _, r := range truth {
			if r.action == "REJECT" {
				want[r.pktSrc]++ // "" for records whose format has no pkt-srcaddr
			}
		}
		checkTop(t, res, []string{"pkt-srcaddr", "count()"}, want, 10)
	})

	t.Run("rejections by source", func(t *testing.T) {
		res := run(t, st, `filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20`)
		want := map[string]uint64{}
		for _, r := range truth {
			if r.action == "REJECT" {
				want[r.src]++
			}
		}
		checkTop(t, res, []string{"srcAddr", "numRejections"}, want, 20)
	})

	t.Run("rejected bytes, Athena style", func(t *testing.T) {
		res := run(t, st, `filter action = "REJECT" | stats sum(bytes) as total_bytes by srcaddr, dstaddr, dstport | sort total_bytes desc | limit 50`)
		want := map[string]uint64{}
		for _, r := range truth {
			if r.action == "REJECT" {
				want[r.src+" "+r.dst+" "+strconv.Itoa(r.dstPort)] += r.bytes
			}
		}
		checkTop(t, res, []string{"srcaddr", "dstaddr", "dstport", "total_bytes"}, want, 50)
	})
}

func checkRows(t *testing.T, res *Result, cols []string, want []string) {
	t.Helper()
	if !slices.Equal(res.Columns, cols) {
		t.Fatalf("columns = %q, want %q", res.Columns, cols)
	}
	if len(want) == 0 {
		t.Fatal("the capture has no matching records: the test would prove nothing")
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(res.Rows), len(want))
	}
	for i, r := range res.Rows {
		if got := rowText(r); got != want[i] {
			t.Fatalf("row %d:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

// TestFilterOperators checks every filter operator against a plain Go
// predicate over the generated truth.
func TestFilterOperators(t *testing.T) {
	st, truth := load(t, capture(captureSize))
	in := func(s string, set ...string) bool { return slices.Contains(set, s) }
	v4 := func(s string) bool { return s != "" && !strings.Contains(s, ":") }
	tests := []struct {
		filter string
		want   func(r rec) bool
	}{
		{`dstport = 22`, func(r rec) bool { return !r.nodata && r.dstPort == 22 }},
		{`dstPort = "22"`, func(r rec) bool { return !r.nodata && r.dstPort == 22 }},
		{`dstport = 0`, func(r rec) bool { return !r.nodata && r.dstPort == 0 }},
		{`dstport != 22`, func(r rec) bool { return !r.nodata && r.dstPort != 22 }},
		{`bytes < 1000`, func(r rec) bool { return !r.nodata && r.bytes < 1000 }},
		{`bytes <= 1000`, func(r rec) bool { return !r.nodata && r.bytes <= 1000 }},
		{`bytes > 1000`, func(r rec) bool { return !r.nodata && r.bytes > 1000 }},
		{`bytes >= 1000`, func(r rec) bool { return !r.nodata && r.bytes >= 1000 }},
		{`1000 > bytes`, func(r rec) bool { return !r.nodata && r.bytes < 1000 }},
		{`bytes > 999.5`, func(r rec) bool { return !r.nodata && r.bytes >= 1000 }},
		{`bytes > packets * 1`, nil},
		{`action = "REJECT" and dstport = 22`, func(r rec) bool { return r.action == "REJECT" && r.dstPort == 22 }},
		{`action = "REJECT" or dstport = 22`, func(r rec) bool { return r.action == "REJECT" || !r.nodata && r.dstPort == 22 }},
		{`not action = "REJECT"`, func(r rec) bool { return r.action != "REJECT" }},
		{`action != "REJECT"`, func(r rec) bool { return r.action == "ACCEPT" }},
		{`logStatus = "NODATA"`, func(r rec) bool { return r.nodata }},
		{`(dstport = 22 or dstport = 443) and not srcaddr = "10.0.1.50"`, func(r rec) bool {
			return !r.nodata && (r.dstPort == 22 || r.dstPort == 443) && r.src != "10.0.1.50"
		}},
		{`dstport in [22, 443, "3389"]`, func(r rec) bool { return !r.nodata && (r.dstPort == 22 || r.dstPort == 443 || r.dstPort == 3389) }},
		{`dstport not in [22, 443]`, func(r rec) bool { return !r.nodata && r.dstPort != 22 && r.dstPort != 443 }},
		{`srcaddr in ["10.0.1.50", "2001:db8:1::3"]`, func(r rec) bool { return in(r.src, "10.0.1.50", "2001:db8:1::3") }},
		{`interface-id in ["eni-00000001", "eni-00000002"]`, func(r rec) bool { return in(r.iface, "eni-00000001", "eni-00000002") }},
		{`interface-id like "0003"`, func(r rec) bool { return strings.Contains(r.iface, "0003") }},
		{`interface-id not like "0003"`, func(r rec) bool { return !strings.Contains(r.iface, "0003") }},
		{`srcaddr like /^10\.0\.1\./`, func(r rec) bool { return strings.HasPrefix(r.src, "10.0.1.") }},
		{`srcaddr =~ /^2001:/`, func(r rec) bool { return strings.HasPrefix(r.src, "2001:") }},
		{`dstport like /^44/`, func(r rec) bool { return !r.nodata && strings.HasPrefix(strconv.Itoa(r.dstPort), "44") }},
		{`srcaddr = "10.0.1.50"`, func(r rec) bool { return r.src == "10.0.1.50" }},
		{`srcaddr != "10.0.1.50"`, func(r rec) bool { return !r.nodata && r.src != "10.0.1.50" }},
		{`dstaddr = "2001:db8::3"`, func(r rec) bool { return r.dst == "2001:db8::3" }},
		{`isIpInSubnet(srcaddr, "10.0.0.0/16")`, func(r rec) bool { return strings.HasPrefix(r.src, "10.0.") }},
		{`isIpv4InSubnet(dstaddr, "10.0.2.0/24")`, func(r rec) bool { return strings.HasPrefix(r.dst, "10.0.2.") }},
		{`isIpv6InSubnet(dstaddr, "2001:db8::/64")`, func(r rec) bool { return strings.HasPrefix(r.dst, "2001:db8::") }},
		{`isIpInSubnet(pkt-srcaddr, "203.0.113.0/24")`, func(r rec) bool { return strings.HasPrefix(r.pktSrc, "203.0.113.") }},
		{`ispresent(pkt-srcaddr)`, func(r rec) bool { return r.custom && !r.nodata }},
		{`not ispresent(srcaddr)`, func(r rec) bool { return r.nodata }},
		{`tcp-flags = 18`, func(r rec) bool { return r.custom && r.tcpFlags == 18 }},
		{`tcpFlags = 0`, func(r rec) bool { return r.custom && r.tcpFlags == 0 }},
		{`flowDirection = "ingress"`, func(r rec) bool { return r.flowDir == "ingress" }},
		{`direction = "egress"`, func(r rec) bool { return r.flowDir == "egress" }},
		{`proto = "udp"`, func(r rec) bool { return !r.nodata && r.proto == 17 }},
		{`proto != "tcp"`, func(r rec) bool { return !r.nodata && r.proto != 6 }},
		{`service = "https"`, func(r rec) bool {
			return !r.nodata && (r.dstPort == 443 || model.ServiceCode(uint16(r.dstPort)) == 0 && r.srcPort == 443)
		}},
		{`@timestamp >= 1700000100000`, func(r rec) bool { return r.start >= 1700000100 }},
		{`@timestamp < 1700000100`, func(r rec) bool { return r.start < 1700000100 }},
		{`interfaceId = "eni-00000003"`, func(r rec) bool { return r.iface == "eni-00000003" }},
		{`account-id = "999999999999"`, func(r rec) bool { return false }},
		{`account-id != "999999999999"`, func(r rec) bool { return true }},
		{`@message like "REJECT OK"`, func(r rec) bool { return r.action == "REJECT" }},
		{`pkt-srcaddr = srcaddr`, func(r rec) bool { return r.custom && !r.nodata && v4(r.src) == v4(r.pktSrc) && r.src == r.pktSrc }},
		{`srcport > dstport`, func(r rec) bool { return !r.nodata && r.srcPort > r.dstPort }},
	}
	for _, tt := range tests {
		if tt.want == nil {
			if _, err := Parse("filter " + tt.filter); err == nil {
				t.Errorf("filter %s parsed; arithmetic is not part of the language", tt.filter)
			}
			continue
		}
		res := run(t, st, "filter "+tt.filter+" | stats count(*)")
		var want uint64
		for _, r := range truth {
			if tt.want(r) {
				want++
			}
		}
		if testing.Verbose() {
			t.Logf("filter %s: %d", tt.filter, want)
		}
		if got := res.Rows[0][0].I; got != want {
			t.Errorf("filter %s: %d records, want %d", tt.filter, got, want)
		}
		q, _ := Parse("filter " + tt.filter)
		p, _ := Compile(q, st.Names(), Options{})
		st.Read(func(v model.View) {
			if n := p.Count(v); uint64(n) != want {
				t.Errorf("filter %s: Count = %d, want %d", tt.filter, n, want)
			}
		})
	}
}

func TestStatsFunctions(t *testing.T) {
	st, truth := load(t, capture(captureSize))
	res := run(t, st, `filter action = "REJECT" and proto = "tcp" | stats count(*) as n, count(pkt-srcaddr) as withpkt, count_distinct(dstaddr) as dsts, sum(bytes) as total, avg(packets) as avgp, min(bytes) as lo, max(bytes) as hi, pct(bytes, 50) as p50, pct(bytes, 95) as p95, earliest(srcport) as first, latest(srcport) as last by bin(1m) | sort @timestamp`)
	type agg struct {
		n, withpkt, total, packets, lo, hi uint64
		dsts                               map[string]bool
		bytes                              []uint64
		first, last                        int
		firstT, lastT                      int64
	}
	groups := map[int64]*agg{}
	var order []int64
	for _, r := range truth {
		if r.action != "REJECT" || r.proto != 6 {
			continue
		}
		b := r.start - r.start%60
		g := groups[b]
		if g == nil {
			g = &agg{dsts: map[string]bool{}, lo: ^uint64(0), firstT: 1 << 62, lastT: -1}
			groups[b] = g
			order = append(order, b)
		}
		g.n++
		if r.pktSrc != "" {
			g.withpkt++
		}
		g.dsts[r.dst] = true
		g.total += r.bytes
		g.packets += r.packets
		g.lo, g.hi = min(g.lo, r.bytes), max(g.hi, r.bytes)
		g.bytes = append(g.bytes, r.bytes)
		// Records of the same @timestamp: earliest takes the smaller
		// value, latest the larger, whatever order they were read in.
		if r.start < g.firstT || r.start == g.firstT && r.srcPort < g.first {
			g.firstT, g.first = r.start, r.srcPort
		}
		if r.start > g.lastT || r.start == g.lastT && r.srcPort > g.last {
			g.lastT, g.last = r.start, r.srcPort
		}
	}
	slices.Sort(order)
	if res.Columns[0] != "bin(1m)" || len(res.Rows) != len(groups) {
		t.Fatalf("columns %q, %d rows; want bin(1m) first and %d rows", res.Columns, len(res.Rows), len(groups))
	}
	nearest := func(vals []uint64, p float64) uint64 {
		s := slices.Clone(vals)
		slices.Sort(s)
		// nearest rank: the smallest value with at least p% at or below it
		for i, v := range s {
			if float64(i+1) >= p/100*float64(len(s)) {
				return v
			}
		}
		return s[len(s)-1]
	}
	for i, row := range res.Rows {
		ts := row[0].String()
		if ts != tsText(order[i]) {
			t.Fatalf("row %d is bin %s, want %s (sort @timestamp)", i, ts, tsText(order[i]))
		}
		g := groups[order[i]]
		want := fmt.Sprintf("%d | %d | %d | %d | %s | %d | %d | %d | %d | %d | %d", g.n, g.withpkt, len(g.dsts), g.total,
			strconv.FormatFloat(float64(g.packets)/float64(g.n), 'f', -1, 64), g.lo, g.hi,
			nearest(g.bytes, 50), nearest(g.bytes, 95), g.first, g.last)
		if got := rowText(row[1:]); got != want {
			t.Errorf("bin %s:\n got %s\nwant %s", ts, got, want)
		}
	}
}

func TestRecordCommands(t *testing.T) {
	st, truth := load(t, capture(2000))
	t.Run("default columns and limit", func(t *testing.T) {
		res := run(t, st, `filter action = "REJECT" | limit 3`)
		var want []string
		for _, r := range truth {
			if r.action == "REJECT" && len(want) < 3 {
				want = append(want, tsText(r.start)+" | "+r.line())
			}
		}
		checkRows(t, res, []string{"@timestamp", "@message"}, want)
	})
	t.Run("dedup keeps the first of each", func(t *testing.T) {
		res := run(t, st, `filter ispresent(srcaddr) | fields srcaddr as src, dstport | sort src asc | dedup src | display src`)
		seen := map[string]bool{}
		for _, r := range truth {
			if !r.nodata {
				seen[r.src] = true
			}
		}
		if len(res.Rows) != len(seen) {
			t.Fatalf("%d rows, want one per source (%d)", len(res.Rows), len(seen))
		}
		for i := 1; i < len(res.Rows); i++ {
			if a, b := res.Rows[i-1][0].A, res.Rows[i][0].A; a.Compare(b) >= 0 {
				t.Errorf("not ascending by address: %v then %v", a, b)
			}
		}
	})
	t.Run("derived fields", func(t *testing.T) {
		res := run(t, st, `filter dstport = 22 and proto = "tcp" | fields service, proto, direction | limit 1`)
		if len(res.Rows) != 1 || res.Rows[0][0].S != "ssh" || res.Rows[0][1].S != "tcp" {
			t.Fatalf("rows = %v", res.Rows)
		}
	})
}

func TestCompileErrors(t *testing.T) {
	names := model.NewInterner()
	for _, tt := range []struct{ query, err string }{
		{`stats sum(srcaddr)`, "sum needs a numeric field, and srcaddr is not one at column 11"},
		{`stats count(*) by srcaddr | sort nosuch`, "unknown column 'nosuch' (stats gives srcaddr, count(*)) at column 34"},
		{`stats count(*) | filter dstport = 1`, "filter after stats is not supported: put it before stats at column 18"},
		{`stats count(*) | stats count(*)`, "only one stats command is supported at column 18"},
		{`filter isIpInSubnet(srcaddr, "10.0.0.0/33")`, "\"10.0.0.0/33\" is not a CIDR block such as \"10.0.0.0/8\" at column 30"},
		{`filter isIpv4InSubnet(srcaddr, "2001:db8::/32")`, "isIpv4InSubnet needs an IPv4 CIDR, not \"2001:db8::/32\" at column 32"},
		{`filter isIpInSubnet(dstport, "10.0.0.0/8")`, "isipinsubnet needs an address field (srcaddr, dstaddr, pkt-srcaddr, pkt-dstaddr), not dstport at column 21"},
		{`filter srcaddr like /a(/`, "bad regex: missing closing ) \"a(\" at column 21"},
		{`fields srcaddr | sort nosuch`, "unknown field 'nosuch' at column 23"},
		{`limit 5 | filter dstport = 22`, "filter after limit is not supported: put it before limit at column 11"},
		{`stats count(*) by @message`, "cannot group by @message at column 19"},
		// One name, one column: JSON keys and sort keys must not be ambiguous.
		{`stats count(*) as n, sum(bytes) as n by action`, "two columns are named 'n': rename one with 'as' at column 22"},
		{`stats count(*) as srcaddr by srcaddr`, "two columns are named 'srcaddr': rename one with 'as' at column 7"},
		{`stats count(*), count(*) by action`, "two columns are named 'count(*)': rename one with 'as' at column 17"},
		{`stats count(*) by action, action`, "two columns are named 'action': rename one with 'as' at column 27"},
		{`fields srcaddr, bytes as srcaddr`, "two columns are named 'srcaddr': rename one with 'as' at column 17"},
		{`fields srcaddr as x, dstaddr as x`, "two columns are named 'x': rename one with 'as' at column 22"},
		{`fields srcaddr | fields bytes as srcaddr`, "two columns are named 'srcaddr': rename one with 'as' at column 25"},
	} {
		q, err := Parse(tt.query)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.query, err)
			continue
		}
		_, err = Compile(q, names, Options{})
		if err == nil || err.Error() != tt.err {
			t.Errorf("Compile(%q)\n got %v\nwant %s", tt.query, err, tt.err)
		}
	}
}

func TestCompileFilterStatus(t *testing.T) {
	names := model.NewInterner()
	for _, tt := range []struct {
		text string
		want Status
	}{
		{`action = "REJECT"`, Valid},
		{`filter action = "REJECT" and dstport = 22`, Valid},
		{`dstport = `, Incomplete},
		{`dstport = 22 an`, Invalid},
		{`dstport = 22 and srcadd`, Incomplete},
		{`srcaddr like /a(/`, Invalid},
		{`filter dstport = 22 | stats count(*) by srcaddr | filter srcaddr = "10.0.0.1"`, Valid},
		{`filter dstport = 22 | stats sum(srcaddr)`, Invalid},
	} {
		pred, st, err := CompileFilter(tt.text, names, Options{})
		if st != tt.want {
			t.Errorf("CompileFilter(%q) status %v (%v), want %v", tt.text, st, err, tt.want)
		}
		if (st == Valid) != (pred != nil) {
			t.Errorf("CompileFilter(%q): status %v with pred %v", tt.text, st, pred != nil)
		}
	}
	if pred, st, _ := CompileFilter(`stats count(*) by srcaddr`, names, Options{}); st != Valid || pred != nil {
		t.Errorf("a query without filter: status %v, pred %v; want valid and no predicate", st, pred != nil)
	}
}

// TestInternedLiteral checks both ways of handling a string the store has
// not seen: a snapshot compiles it to "never", a live filter interns it so
// records arriving later match.
func TestInternedLiteral(t *testing.T) {
	st := model.NewStore(10)
	in := model.NewIngester(st, nil)
	pred, _, err := CompileFilter(`interface-id = "eni-0new"`, st.Names(), Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	snap, _, _ := CompileFilter(`interface-id = "eni-0other"`, st.Names(), Options{})
	in.Ingest(model.Batch{Events: []model.Event{{Line: []byte("2 1 eni-0new 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK")}}})
	st.Read(func(v model.View) {
		f, x := v.At(0)
		if !pred(f, x) {
			t.Error("a record read after compiling does not match the interned literal")
		}
		if snap(f, x) {
			t.Error("a literal never seen matched")
		}
	})
}

func TestLive(t *testing.T) {
	recs := capture(3000)
	st := model.NewStore(1000)
	in := model.NewIngester(st, nil)
	q, _ := Parse(`filter action = "REJECT" | stats count(*) as n`)
	p, err := Compile(q, st.Names(), Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	live := p.NewLive()
	var window []rec
	for start := 0; start < len(recs); start += 250 {
		var b model.Batch
		for _, r := range recs[start : start+250] {
			if r.custom {
				continue
			}
			b.Events = append(b.Events, model.Event{Line: []byte(r.line())})
			window = append(window, r)
		}
		in.Ingest(b)
		if len(window) > 1000 {
			window = window[len(window)-1000:]
		}
		var got uint64
		st.Read(func(v model.View) {
			live.Update(v)
			got = live.Result().Rows[0][0].I
		})
		var want uint64
		for _, r := range window {
			if r.action == "REJECT" {
				want++
			}
		}
		if got != want {
			t.Fatalf("after %d records: %d rejects, want %d over the ring", start+250, got, want)
		}
	}
}
