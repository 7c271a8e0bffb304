package query

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// loadLines ingests lines of one origin into a fresh store.
func loadLines(t *testing.T, origin string, lines []string) *model.Store {
	t.Helper()
	st := model.NewStore(len(lines) + 1)
	var b model.Batch
	for _, l := range lines {
		b.Events = append(b.Events, model.Event{Line: []byte(l), Origin: origin})
	}
	model.NewIngester(st, nil).Ingest(b)
	if c := st.Counters(); c.Malformed != 0 {
		t.Fatalf("%d malformed: %v", c.Malformed, st.MalformedLines()[0])
	}
	return st
}

// Transit Gateway loss counters compare as numbers, and the built-in
// drops-by-attachment query counts what the fixture holds.
func TestTransitGatewayQueries(t *testing.T) {
	b, err := os.ReadFile("../../testdata/tgw/tgw-default.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	st := loadLines(t, "tgw.log", lines)
	// Independent count: records whose loss columns (27..30, 0-based) are not all zero or "-".
	want := map[string]uint64{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		for _, tok := range f[27:31] {
			if tok != "0" && tok != "-" {
				want[f[4]]++
				break
			}
		}
	}
	res := run(t, st, "filter packetsLostNoRoute > 0 or packets-lost-blackhole > 0 or packets-lost-mtu-exceeded >= 1 or packets_lost_ttl_expired > 0 | stats count(*) as drops by tgwAttachmentId")
	got := map[string]uint64{}
	for _, r := range res.Rows {
		got[r[0].String()] = r[1].I
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	res = run(t, st, "stats sum(packets-lost-no-route) as nr, sum(packets-lost-mtu-exceeded) as mtu")
	if len(res.Rows) != 1 || res.Rows[0][0].String() != "7" || res.Rows[0][1].String() != "3" {
		t.Fatalf("sums %v", res.Rows)
	}
}

// A query names a field flowtail does not know by any spelling; it reads
// through each record's own format.
func TestQueryUnknownNamePerFormat(t *testing.T) {
	st := model.NewStore(10)
	in := model.NewIngester(st, nil)
	in.Ingest(model.Batch{Events: []model.Event{
		{Line: []byte("version next-hop-type srcaddr"), Origin: "a"},
		{Line: []byte("2 igw 10.0.0.1"), Origin: "a"},
		{Line: []byte("${version} ${zone} ${next_hop_type} ${srcaddr}"), Origin: "b"},
		{Line: []byte("2 z1 nat 10.0.0.2"), Origin: "b"},
		{Line: []byte("2 z1 igw 10.0.0.3"), Origin: "b"},
	}})
	res := run(t, st, `filter nextHopType = "igw" | stats count(*) as n by srcaddr | sort srcaddr`)
	var rows []string
	for _, r := range res.Rows {
		rows = append(rows, rowText(r))
	}
	if strings.Join(rows, ";") != "10.0.0.1 | 1;10.0.0.3 | 1" {
		t.Fatalf("rows %q", rows)
	}
	if _, err := Parse("filter no-such-field = 1"); err == nil {
		t.Fatal("a name no format carries is accepted")
	}
}

// A program says which fields it reads, so columnar inputs read only those.
func TestProgramNeeds(t *testing.T) {
	cases := []struct {
		q         string
		need, not []model.FieldID
	}{
		{"filter dstport = 22 | stats count(*) as n by srcaddr", []model.FieldID{model.FieldDstPort, model.FieldSrcAddr}, []model.FieldID{model.FieldBytes, model.FieldAction}},
		{"stats sum(bytes) by bin(5m)", []model.FieldID{model.FieldBytes, model.FieldStart}, []model.FieldID{model.FieldDstPort}},
		{"filter action = 'REJECT'", []model.FieldID{model.FieldAction, model.FieldBytes, model.FieldVPCID}, nil}, // records shown whole
	}
	for _, c := range cases {
		q, err := Parse(c.q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(q, model.NewInterner(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range c.need {
			if !p.Needs(id) {
				t.Errorf("%q does not need %s", c.q, id.Name())
			}
		}
		for _, id := range c.not {
			if p.Needs(id) {
				t.Errorf("%q needs %s", c.q, id.Name())
			}
		}
	}
}

// The built-in drops query sums each loss reason per attachment, as the
// fixture's own columns add up.
func TestBuiltinTransitGatewayDrops(t *testing.T) {
	b, err := os.ReadFile("../../testdata/tgw/tgw-default.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	st := loadLines(t, "tgw.log", lines)
	want := map[string][5]uint64{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		var w [5]uint64
		lost := false
		for k := 0; k < 4; k++ {
			if v, err := strconv.ParseUint(f[27+k], 10, 64); err == nil {
				w[k] = v
				lost = lost || v > 0
			}
		}
		if lost {
			old := want[f[4]]
			for k := 0; k < 4; k++ {
				old[k] += w[k]
			}
			old[4]++
			want[f[4]] = old
		}
	}
	bi, ok := LookupBuiltin("TGW-drops")
	if !ok {
		t.Fatal("no tgw-drops")
	}
	res := run(t, st, bi.Text)
	if len(res.Rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(res.Rows), len(want), res.Rows)
	}
	for _, r := range res.Rows {
		w := want[r[0].String()]
		for k := 0; k < 5; k++ {
			if r[1+k].String() != strconv.FormatUint(w[k], 10) {
				t.Fatalf("row %s: %s, want %v", rowText(r), r[1+k].String(), w)
			}
		}
	}
}
