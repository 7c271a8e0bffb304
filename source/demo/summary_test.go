package demo

import (
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// TestVerdictSummaryOnTheDemo counts the demo's verdicts by deciding rule
// and checks two rows against counts made from the capture's text.
func TestVerdictSummaryOnTheDemo(t *testing.T) {
	store, _ := decodeAll(t)
	snap := Rules()
	sum := rules.NewSummary()
	records := 0
	store.Read(func(v model.View) {
		for i := 0; i < v.Len(); i++ {
			f, x := v.At(i)
			p := rules.FromFlow(f, x, v.Names())
			vd := snap.Explain(p)
			sum.Add(&vd, p)
			records++
		}
	})
	// The truth, from the text: SSH to the web interface from anywhere but
	// the bastion, and the db's replies to ports below the NACL's range.
	lines := strings.Split(strings.TrimRight(string(Capture()), "\n"), "\n")
	col := map[string]int{}
	for i, n := range strings.Fields(lines[0]) {
		col[n] = i
	}
	sshToWeb, dbReplies := 0, 0
	sources := map[string]bool{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		get := func(n string) string { return f[col[n]] }
		dport, _ := strconv.Atoi(get("dstport"))
		if get("interface-id") == "eni-0aaa1111111111111" && get("flow-direction") == "ingress" && dport == 22 && get("srcaddr") != "10.0.1.50" {
			sshToWeb++
			sources[get("srcaddr")] = true
		}
		if get("interface-id") == "eni-0ccc3333333333333" && get("flow-direction") == "egress" && get("srcport") == "5432" && dport < 32768 {
			dbReplies++
		}
	}
	rows := sum.Rows()
	total := 0
	found := map[string]bool{}
	for i, r := range rows {
		total += r.Records
		if i > 0 && r.Records > rows[i-1].Records {
			t.Errorf("row %d (%d records) after a row of %d: not sorted by count", i, r.Records, rows[i-1].Records)
		}
		switch r.Key.Rule {
		case "sg-0web1111111111111: no inbound rule for TCP 22":
			found["ssh"] = true
			if r.Records != sshToWeb || r.Sources != len(sources) || r.Key.DecidedBy != "sg" || r.Expected != model.ActionReject {
				t.Errorf("%s, want %d flows from %d sources", r.Line(), sshToWeb, len(sources))
			}
		case "acl-0d3c4b5a69788990a (db-nacl) outbound rule * deny":
			found["db"] = true
			want := "acl-0d3c4b5a69788990a (db-nacl) outbound rule * deny: " + strconv.Itoa(dbReplies) + " flows from 1 source to ports 20004–20010 (" + strconv.Itoa(dbReplies) + " replies)"
			if r.Line() != want {
				t.Errorf("row %q\n want %q", r.Line(), want)
			}
		}
	}
	if total != records {
		t.Errorf("rows count %d records, the store holds %d", total, records)
	}
	if !found["ssh"] || !found["db"] || sshToWeb == 0 || dbReplies == 0 {
		t.Errorf("rows missing: %v (truth %d, %d)", found, sshToWeb, dbReplies)
	}
}
