package demo

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// TestRulesExplainCapture checks that the demo rules and the demo capture
// tell one story: every record's logged action is what the rules give.
func TestRulesExplainCapture(t *testing.T) {
	snap := Rules()
	names := model.NewInterner()
	dec := model.NewDecoder(names, nil)
	seen := map[rules.Key]bool{}
	sc := bufio.NewScanner(bytes.NewReader(Capture()))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	byReason := map[string]int{}
	var f model.Flow
	var x model.Ext
	n := 0
	for sc.Scan() {
		ev := model.Event{Line: sc.Bytes(), Origin: "demo"}
		res, err := dec.Decode(&ev, nil, &f, &x)
		if err != nil {
			t.Fatalf("capture line: %v", err)
		}
		if res != model.ResultRecord {
			continue
		}
		n++
		p := rules.FromFlow(&f, &x, names)
		p.ReverseSeen = seen[p.Key().Reverse()]
		seen[p.Key()] = true
		v := snap.Explain(p)
		if p.Status != model.StatusOK {
			if v.Decided() {
				t.Errorf("%s record decided: %+v", p.Status, v)
			}
			continue
		}
		c, ok := v.Consistent()
		if !ok || !c {
			t.Errorf("%s: %s %s:%d -> %s:%d proto %d logged %v: %s", p.Interface, p.Direction, p.Src, p.SrcPort, p.Dst, p.DstPort, p.Proto, p.Logged, v.Reason)
		}
		byReason[fmt.Sprintf("%s %s by %s", v.Expected, v.Direction, v.DecidedBy)]++
	}
	if n == 0 {
		t.Fatal("no records in the capture")
	}
	keys := make([]string, 0, len(byReason))
	for k := range byReason {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%6d %s", byReason[k], k)
	}
	for _, want := range []string{"REJECT egress by nacl", "REJECT ingress by nacl", "ACCEPT ingress by none", "ACCEPT egress by none"} {
		if byReason[want] == 0 {
			t.Errorf("no %q verdict in the demo", want)
		}
	}
}
