package ui

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/source/demo"
)

// demoStore is the demo capture, read line by line from its file.
func demoStore(t *testing.T) *model.Store {
	t.Helper()
	f, err := os.Open("../source/demo/capture.log.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	st := model.NewStore(10000)
	in := model.NewIngester(st, nil)
	var b model.Batch
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		b.Events = append(b.Events, model.Event{Line: append([]byte(nil), sc.Bytes()...), Origin: "demo"})
	}
	in.Ingest(b)
	if c := st.Counters(); c.Malformed != 0 || st.Len() < 1000 {
		t.Fatalf("demo: %d records, %d malformed", st.Len(), c.Malformed)
	}
	return st
}

// demoOwners labels the demo's interfaces from its rules, as the program
// does with --demo.
func demoOwners() model.OwnerLookup {
	snap := demo.Rules()
	return func(a netip.Addr) (model.Owner, bool) {
		if i, ok := snap.Owner(a); ok {
			return model.Owner{Name: i.Kind(), Detail: i.Label()}, true
		}
		return model.Owner{}, false
	}
}

func runTriage(t *testing.T, st *model.Store, text string) *query.Result {
	t.Helper()
	q, err := query.Parse(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	p, err := query.Compile(q, st.Names(), query.Options{Owner: demoOwners()})
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	var res *query.Result
	st.Read(func(v model.View) { res = p.Run(v) })
	return res
}

// Each built-in triage query answers its question on the demo: the
// expectation is counted here from the records themselves.
func TestBuiltinTriageOnDemo(t *testing.T) {
	st := demoStore(t)
	type tally map[string]uint64
	want := map[string]tally{}
	for _, tr := range BuiltinTriage {
		want[tr.Name] = tally{}
	}
	const probe = "10.0.1.10"
	nat := netip.MustParseAddr("10.0.1.100") // the demo's NAT gateway
	st.Read(func(v model.View) {
		for i := 0; i < v.Len(); i++ {
			f, x := v.At(i)
			if !f.Has(model.FieldSrcAddr) {
				continue
			}
			src, dst := f.SrcAddr(x).String(), f.DstAddr(x).String()
			reject := f.Action() == model.ActionReject
			if reject && (f.DstPort == 22 || f.DstPort == 3389) {
				want["rejected SSH/RDP by source"][src]++
			}
			want["top talkers by bytes"][src+" "+dst] += f.Bytes
			if reject {
				want["rejected by destination port"][fmt.Sprint(f.DstPort)]++
			}
			if f.Proto == 6 && f.Has(model.FieldTCPFlags) && f.Flags == 2 {
				want["SYN without a reply"][fmt.Sprintf("%s %s %d", src, dst, f.DstPort)]++
			}
			if reject && (f.Proto == 6 || f.Proto == 17) && f.DstPort >= 1024 && f.SrcPort < f.DstPort {
				want["replies rejected (NACL return path)"][fmt.Sprintf("%s %d %s", src, f.SrcPort, dst)]++
			}
			if f.SrcAddr(x) == nat {
				want["NAT gateway egress by destination"][dst] += f.Bytes
			}
			if src == probe || dst == probe {
				want["traffic to or from one address"][fmt.Sprintf("%s %s %d %s", src, dst, f.DstPort, f.Action())] += f.Bytes
			}
		}
	})
	for _, tr := range BuiltinTriage {
		text, err := tr.Text(probe)
		if err != nil {
			t.Fatal(err)
		}
		res := runTriage(t, st, text)
		w := want[tr.Name]
		if len(w) == 0 {
			t.Errorf("%s: the demo has nothing for it", tr.Name)
			continue
		}
		// The key columns are those before the first aggregate; the
		// value compared is the first aggregate.
		nkeys := map[string]int{"rejected SSH/RDP by source": 1, "top talkers by bytes": 2, "rejected by destination port": 1,
			"SYN without a reply": 3, "replies rejected (NACL return path)": 3, "NAT gateway egress by destination": 1,
			"traffic to or from one address": 4}[tr.Name]
		agg := nkeys
		if tr.Name == "rejected by destination port" || tr.Name == "NAT gateway egress by destination" {
			agg = nkeys + 1 // proto / dstOwner are a second key column
		}
		got := tally{}
		prev := ^uint64(0)
		for _, row := range res.Rows {
			parts := make([]string, nkeys)
			for c := range nkeys {
				parts[c] = row[c].String()
			}
			got[strings.Join(parts, " ")] += row[agg].I
			if row[agg].I > prev {
				t.Errorf("%s: rows not in descending order", tr.Name)
			}
			prev = row[agg].I
		}
		if tr.Name == "top talkers by bytes" {
			// Limited to the top 50: each shown pair has its true total and
			// no pair left out is bigger than the smallest shown.
			for k, v := range got {
				if w[k] != v {
					t.Errorf("%s: %s = %d, want %d", tr.Name, k, v, w[k])
				}
			}
			for k, v := range w {
				if _, shown := got[k]; !shown && v > prev {
					t.Errorf("%s: %s (%d bytes) is missing", tr.Name, k, v)
				}
			}
			continue
		}
		if len(got) != len(w) {
			t.Errorf("%s: %d groups, want %d", tr.Name, len(got), len(w))
		}
		for k, v := range w {
			if got[k] != v {
				t.Errorf("%s: %s = %d, want %d", tr.Name, k, got[k], v)
			}
		}
	}
}

func TestTriagePrompt(t *testing.T) {
	tr := BuiltinTriage[len(BuiltinTriage)-1]
	if tr.Prompt != "address" {
		t.Fatalf("the last built-in is %q", tr.Name)
	}
	text, err := tr.Text(" 2600:1f18::10 ")
	if err != nil || !strings.Contains(text, `srcaddr = "2600:1f18::10" or dstaddr = "2600:1f18::10"`) {
		t.Errorf("%q %v", text, err)
	}
	if _, err := tr.Text("10.0.0.300"); err == nil || !strings.Contains(err.Error(), "not an IPv4 or IPv6 address") {
		t.Errorf("bad address: %v", err)
	}
}

// FuzzTriagePrompt: whatever is typed at the prompt, the query either
// gets a valid address or the answer is refused; the result always parses.
func FuzzTriagePrompt(f *testing.F) {
	for _, s := range []string{"10.0.1.10", "2600:1f18::10", `1.2.3.4" or true`, "", "::ffff:10.0.0.1", "fe80::1%eth0"} {
		f.Add(s)
	}
	tr := BuiltinTriage[len(BuiltinTriage)-1]
	f.Fuzz(func(t *testing.T, answer string) {
		text, err := tr.Text(answer)
		if err != nil {
			return
		}
		if _, err := query.Parse(text); err != nil {
			t.Fatalf("%q gave a query that does not parse: %v", answer, err)
		}
	})
}

// The Transit Gateway loss query of the palette answers, on the shared TGW
// capture, the sums of each loss counter by attachment, counted here from
// the file's columns.
func TestTGWTriageOnCapture(t *testing.T) {
	var tgw Triage
	for _, tr := range triageQueries() {
		if strings.Contains(tr.Query, "packetsLostNoRoute") {
			tgw = tr
		}
	}
	if tgw.Query == "" {
		t.Fatal("no Transit Gateway query in the palette")
	}
	data, err := os.ReadFile("../testdata/tgw/tgw-default.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	head := strings.Fields(lines[0])
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	att := col("tgw-attachment-id")
	losses := []int{col("packets-lost-no-route"), col("packets-lost-blackhole"), col("packets-lost-mtu-exceeded"), col("packets-lost-ttl-expired")}
	want := map[string][4]uint64{}
	st := model.NewStore(1000)
	in := model.NewIngester(st, nil)
	var b model.Batch
	for i, l := range lines {
		b.Events = append(b.Events, model.Event{Line: []byte(l), Origin: "tgw"})
		if i == 0 {
			continue
		}
		f := strings.Fields(l)
		var sum [4]uint64
		var any bool
		for k, c := range losses {
			n, _ := strconv.ParseUint(f[c], 10, 64)
			sum[k], any = n, any || n > 0
		}
		if any {
			w := want[f[att]]
			for k := range w {
				w[k] += sum[k]
			}
			want[f[att]] = w
		}
	}
	in.Ingest(b)
	if len(want) == 0 {
		t.Fatal("the capture has no losses")
	}
	res := runTriage(t, st, tgw.Query)
	if len(res.Rows) != len(want) {
		t.Fatalf("%d attachments, want %d: %v", len(res.Rows), len(want), res.Rows)
	}
	for _, row := range res.Rows {
		w, ok := want[row[0].S]
		if !ok {
			t.Errorf("attachment %s has no losses", row[0].S)
			continue
		}
		for k := range w {
			if row[1+k].I != w[k] {
				t.Errorf("%s column %d: %d, want %d", row[0].S, k, row[1+k].I, w[k])
			}
		}
	}
}
