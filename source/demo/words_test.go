package demo

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// TestBareWordsOnTheDemo counts what bare words select on the demo
// capture and checks each count against one made from the capture's text,
// split by its header line, without the engine.
func TestBareWordsOnTheDemo(t *testing.T) {
	store, _ := decodeAll(t)
	lines := strings.Split(strings.TrimRight(string(Capture()), "\n"), "\n")
	col := map[string]int{}
	for i, name := range strings.Fields(lines[0]) {
		col[name] = i
	}
	type row map[string]string
	var rows []row
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		r := row{}
		for name, i := range col {
			r[name] = f[i]
		}
		rows = append(rows, r)
	}
	addrIs := func(r row, a string) bool {
		return slices.Contains([]string{r["srcaddr"], r["dstaddr"], r["pkt-srcaddr"], r["pkt-dstaddr"]}, a)
	}
	addrIn := func(r row, block string) bool {
		p := netip.MustParsePrefix(block)
		for _, k := range []string{"srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"} {
			if a, err := netip.ParseAddr(r[k]); err == nil && p.Contains(a) {
				return true
			}
		}
		return false
	}
	portIs := func(r row, p int) bool {
		s := strconv.Itoa(p)
		return r["srcport"] == s || r["dstport"] == s
	}
	tests := []struct {
		text string
		want func(r row) bool
	}{
		{"10.0.2.21", func(r row) bool { return addrIs(r, "10.0.2.21") }},
		{"10.0.2.20", func(r row) bool { return addrIs(r, "10.0.2.20") }},
		{"10.0.1.0/24", func(r row) bool { return addrIn(r, "10.0.1.0/24") }},
		{"2600:1f18:4a1c:7e01::10", func(r row) bool { return addrIs(r, "2600:1f18:4a1c:7e01::10") }},
		{"22", func(r row) bool { return portIs(r, 22) }},
		{"ssh", func(r row) bool { return portIs(r, 22) }},
		{"postgres", func(r row) bool { return portIs(r, 5432) }},
		{"reject", func(r row) bool { return r["action"] == "REJECT" }},
		{"nodata", func(r row) bool { return r["log-status"] == "NODATA" }},
		{"proto:1", func(r row) bool { return r["protocol"] == "1" }},
		{"reject ssh", func(r row) bool { return r["action"] == "REJECT" && portIs(r, 22) }},
		{"sg-0web1111111111111", func(r row) bool { return r["interface-id"] == "eni-0aaa1111111111111" }},
		{"sg-0app2222222222222", func(r row) bool {
			return r["interface-id"] == "eni-0bbb2222222222222" || r["interface-id"] == "eni-0fff6666666666666"
		}},
		{"db-1", func(r row) bool { return r["interface-id"] == "eni-0ccc3333333333333" }},
		{`"interface for nat gateway nat-0abc123def4567890"`, func(r row) bool { return r["interface-id"] == "eni-0ddd4444444444444" }},
		{"eni-0eee5555555555555", func(r row) bool { return r["interface-id"] == "eni-0eee5555555555555" }},
		{"use1-az1", func(r row) bool { return r["az-id"] == "use1-az1" }},
	}
	snap := Rules()
	for _, tt := range tests {
		want := 0
		for _, r := range rows {
			if tt.want(r) {
				want++
			}
		}
		if want == 0 && tt.text != "10.0.2.21" {
			t.Errorf("%s: the capture has no such record; the case tests nothing", tt.text)
		}
		pred, rd, st, err := query.CompileBar(tt.text, store.Names(), query.Options{Resolve: snap.ResolveWord})
		if st != query.Valid {
			t.Fatalf("%s: %v", tt.text, err)
		}
		got := 0
		store.Read(func(v model.View) {
			for i := 0; i < v.Len(); i++ {
				if pred(v.At(i)) {
					got++
				}
			}
		})
		if got != want {
			t.Errorf("%s (read as %s): %d records, want %d", tt.text, rd, got, want)
		}
	}
}
