package query

import (
	"slices"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// countBar compiles the filter bar's text and counts the records it
// selects; all is the count when the text selects everything.
func countBar(t *testing.T, st *model.Store, text string, opt Options) (int, Reading) {
	t.Helper()
	pred, rd, status, err := CompileBar(text, st.Names(), opt)
	if status != Valid || err != nil {
		t.Fatalf("%q: %v %v", text, status, err)
	}
	n := 0
	st.Read(func(v model.View) {
		for i := 0; i < v.Len(); i++ {
			if f, x := v.At(i); pred == nil || pred(f, x) {
				n++
			}
		}
	})
	return n, rd
}

// TestBareWords checks each kind of word against a count made from the
// generated records themselves.
func TestBareWords(t *testing.T) {
	st, truth := load(t, capture(captureSize))
	resolve := func(w string) ([]string, string, bool) {
		switch strings.ToLower(w) {
		case "web-1":
			return []string{"eni-00000001"}, "interface eni-00000001 (web-1)", true
		case "sg-0abc":
			return []string{"eni-00000002", "eni-00000004"}, "interfaces in sg-0abc: eni-00000002, eni-00000004", true
		case "sg-0def":
			return nil, "no loaded interface holds sg-0def", false
		case "nat gateway":
			return []string{"eni-00000005"}, "interface eni-00000005 (NAT gateway)", true
		}
		return nil, "", false
	}
	anyAddr := func(r rec, a ...string) bool {
		return slices.Contains(a, r.src) || slices.Contains(a, r.dst) || slices.Contains(a, r.pktSrc) || slices.Contains(a, r.pktDst)
	}
	inBlock := func(r rec, prefix string) bool {
		for _, a := range []string{r.src, r.dst, r.pktSrc, r.pktDst} {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
		return false
	}
	port := func(r rec, p ...int) bool {
		return !r.nodata && (slices.Contains(p, r.srcPort) || slices.Contains(p, r.dstPort))
	}
	tests := []struct {
		text    string
		meaning string
		want    func(r rec) bool
	}{
		{"10.0.1.50", "10.0.1.50 → address = 10.0.1.50", func(r rec) bool { return anyAddr(r, "10.0.1.50") }},
		{"10.0.2.21", "10.0.2.21 → address = 10.0.2.21", func(r rec) bool { return false }}, // never occurs
		{"203.0.113.9", "", func(r rec) bool { return anyAddr(r, "203.0.113.9") }},          // also as pkt-srcaddr
		{"2001:db8::3", "2001:db8::3 → address = 2001:db8::3", func(r rec) bool { return anyAddr(r, "2001:db8::3") }},
		{"10.0.2.0/24", "10.0.2.0/24 → address in 10.0.2.0/24", func(r rec) bool { return inBlock(r, "10.0.2.") }},
		{"10.0.2.7/24", "10.0.2.7/24 → address in 10.0.2.0/24", func(r rec) bool { return inBlock(r, "10.0.2.") }},
		{"22", "22 → port = 22", func(r rec) bool { return port(r, 22) }},
		{"10.0.1.50:22", "10.0.1.50:22 → endpoint 10.0.1.50:22 (source or destination)", func(r rec) bool {
			return !r.nodata && (r.src == "10.0.1.50" && r.srcPort == 22 || r.dst == "10.0.1.50" && r.dstPort == 22)
		}},
		{"[2001:db8::3]:443", "", func(r rec) bool {
			return !r.nodata && (r.src == "2001:db8::3" && r.srcPort == 443 || r.dst == "2001:db8::3" && r.dstPort == 443)
		}},
		{"0", "", func(r rec) bool { return port(r, 0) }},
		{"ssh", "ssh → port = 22 (ssh)", func(r rec) bool { return port(r, 22) }},
		{"Postgres", "Postgres → port = 5432 (postgres)", func(r rec) bool { return port(r, 5432) }},
		{"http-alt", "http-alt → port in 8080, 9000 (http-alt)", func(r rec) bool { return port(r, 8080, 9000) }},
		{"tcp", "tcp → protocol = 6 (tcp)", func(r rec) bool { return !r.nodata && r.proto == 6 }},
		{"proto:17", "proto:17 → protocol = 17 (udp)", func(r rec) bool { return !r.nodata && r.proto == 17 }},
		{"protocol:icmp", "", func(r rec) bool { return !r.nodata && r.proto == 1 }},
		{"reject", "reject → action = REJECT", func(r rec) bool { return r.action == "REJECT" }},
		{"ACCEPT", "ACCEPT → action = ACCEPT", func(r rec) bool { return r.action == "ACCEPT" }},
		{"nodata", "nodata → log-status = NODATA", func(r rec) bool { return r.nodata }},
		{"ingress", "ingress → direction = ingress", func(r rec) bool { return r.flowDir == "ingress" }},
		{"eni-00000003", "eni-00000003 → interface-id = eni-00000003", func(r rec) bool { return r.iface == "eni-00000003" }},
		{"eni-0000000", "", func(r rec) bool { return false }}, // ids are exact, not prefixes
		{"web-1", "web-1 → interface eni-00000001 (web-1)", func(r rec) bool { return r.iface == "eni-00000001" }},
		{`"NAT gateway"`, "", func(r rec) bool { return r.iface == "eni-00000005" }},
		{"sg-0abc", "", func(r rec) bool { return r.iface == "eni-00000002" || r.iface == "eni-00000004" }},
		{"sg-0def", "sg-0def → no loaded interface holds sg-0def", func(r rec) bool { return false }},
		{"reject ssh", "reject → action = REJECT · ssh → port = 22 (ssh)", func(r rec) bool { return r.action == "REJECT" && port(r, 22) }},
		{"reject and ssh", "reject → action = REJECT · ssh → port = 22 (ssh)", func(r rec) bool { return r.action == "REJECT" && port(r, 22) }},
		{"56789012", "56789012 → port = …", nil}, // above 65535: not a port
		{"56789O12", `56789O12 → text contains "56789O12"`, func(r rec) bool { return false }},
		{"6789012", "", func(r rec) bool { return strings.Contains(r.account, "6789012") }},
		{`"NODATA"`, `NODATA → text contains "NODATA"`, func(r rec) bool { return r.nodata }},
		{"~eni3", "", func(r rec) bool { return r.iface == "eni-00000003" }},
		{"reject ~eni3 tcp", "", func(r rec) bool { return r.action == "REJECT" && r.iface == "eni-00000003" && r.proto == 6 }},
	}
	for _, tt := range tests {
		if tt.want == nil {
			tt.want = func(r rec) bool { return strings.Contains(r.account, tt.text) }
			tt.meaning = tt.text + ` → text contains "` + tt.text + `"`
		}
		want := 0
		for _, r := range truth {
			if tt.want(r) {
				want++
			}
		}
		got, rd := countBar(t, st, tt.text, Options{Resolve: resolve})
		if got != want {
			t.Errorf("%s: %d records, want %d", tt.text, got, want)
		}
		if tt.meaning != "" && rd.String() != tt.meaning {
			t.Errorf("%s: read as %q, want %q", tt.text, rd.String(), tt.meaning)
		}
	}
}

// TestBareWordsWithoutRules: without rules data a group id matches
// nothing and says why; a name is a substring.
func TestBareWordsWithoutRules(t *testing.T) {
	st, _ := load(t, capture(200))
	n, rd := countBar(t, st, "sg-0abc", Options{})
	if n != 0 || !strings.Contains(rd.String(), "no rules data loaded") {
		t.Errorf("sg-0abc without rules: %d records, read as %q", n, rd.String())
	}
	_, rd = countBar(t, st, "web-1", Options{})
	if rd.String() != `web-1 → text contains "web-1"` {
		t.Errorf("web-1 without rules: read as %q", rd.String())
	}
}

// TestFilterBarKeepsQueries: query text is still a query, with its
// statuses; words get theirs.
func TestFilterBarKeepsQueries(t *testing.T) {
	names := model.NewInterner()
	tests := []struct {
		text   string
		status Status
		query  bool
		col    int
	}{
		{`dstport = 22`, Valid, true, 0},
		{`filter action = "REJECT" | stats count(*) by srcaddr`, Valid, true, 0},
		{`dstport =`, Incomplete, true, 10},
		{`dstport = 22 and`, Incomplete, true, 17},
		{`srcaddr like 10.0`, Invalid, true, 14},
		{`reject "10.0`, Incomplete, false, 8},
		{`proto:xyz`, Invalid, false, 7},
		{`~`, Incomplete, false, 1},
		{`ssh reject`, Valid, false, 0},
		{`ssh and reject`, Valid, false, 0},
		{`verdict:`, Incomplete, false, 1},
		{`verdict: ssh`, Invalid, false, 1},
		{`verdict:"acl-1 (db) inbound rule * deny" ssh`, Valid, false, 0},
		{`ssh or reject`, Invalid, true, 1},
		{`dstport = 22 and ssh`, Invalid, true, 18},
	}
	for _, tt := range tests {
		_, rd, st, err := CompileBar(tt.text, names, Options{Intern: true})
		if st != tt.status || rd.Query != tt.query {
			t.Errorf("%q: %v query=%v (%v), want %v query=%v", tt.text, st, rd.Query, err, tt.status, tt.query)
			continue
		}
		if tt.col > 0 {
			qe, ok := err.(*Error)
			if !ok || qe.Col != tt.col {
				t.Errorf("%q: error %v, want one at column %d", tt.text, err, tt.col)
			}
		}
	}
}

func FuzzCompileBar(f *testing.F) {
	st, _ := load(f, capture(100))
	for _, s := range []string{"10.0.1.50 ssh", `"NAT gw" ~eni`, "proto:6 reject", "sg-0abc", "~ü x", "10.0.0.0/8", `dstport = 22`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		pred, _, status, err := CompileBar(text, st.Names(), Options{})
		if (status == Valid) != (err == nil) {
			t.Fatalf("%q: status %v with error %v", text, status, err)
		}
		if pred != nil {
			st.Read(func(v model.View) {
				for i := 0; i < v.Len(); i++ {
					pred(v.At(i))
				}
			})
		}
	})
}

// TestVerdictWord: verdict:"RULE" asks the rules engine, and without one
// selects nothing and says why.
func TestVerdictWord(t *testing.T) {
	st, truth := load(t, capture(2000))
	opt := Options{Verdict: func(rule string) (Pred, string) {
		if rule != "port 22 rejected" {
			return predFalse, "no such rule"
		}
		return func(f *model.Flow, _ *model.Ext) bool { return f.Action() == model.ActionReject && f.DstPort == 22 }, "records decided by " + rule
	}}
	n, rd := countBar(t, st, `verdict:"port 22 rejected"`, opt)
	want := 0
	for _, r := range truth {
		if r.action == "REJECT" && r.dstPort == 22 {
			want++
		}
	}
	if n != want || want == 0 || rd.String() != "verdict → records decided by port 22 rejected" {
		t.Errorf("%d records read as %q, want %d", n, rd.String(), want)
	}
	n, rd = countBar(t, st, `verdict:"port 22 rejected"`, Options{})
	if n != 0 || !strings.Contains(rd.String(), "no rules data loaded") {
		t.Errorf("without rules: %d records read as %q", n, rd.String())
	}
}
