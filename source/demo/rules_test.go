package demo

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"sort"
	"strings"
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
	recent := model.NewRecentFlows(model.ReverseLookback)
	sc := bufio.NewScanner(bytes.NewReader(Capture()))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	byReason := map[string]int{}
	stories := map[string]int{}
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
		p.ReverseSeen = recent.Add(&f, &x)
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
		if story, ok := checkStory(p, &v); ok {
			stories[story]++
		} else {
			t.Errorf("%s: %s:%d -> %s:%d: %s", story, p.Src, p.SrcPort, p.Dst, p.DstPort, v.Reason)
		}
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
	for _, want := range []string{"REJECT egress by nacl", "REJECT ingress by nacl", "REJECT ingress by sg", "ACCEPT ingress by none", "ACCEPT egress by none"} {
		if byReason[want] == 0 {
			t.Errorf("no %q verdict in the demo", want)
		}
	}
	for _, want := range []string{"ssh scan to web", "ssh scan to bastion", "corp ssh to bastion", "rdp probe"} {
		if stories[want] == 0 {
			t.Errorf("no %q record in the demo", want)
		}
	}
}

var sshScanners = netip.MustParsePrefix("45.155.205.0/24")

// checkStory names the demo story a record belongs to and checks that the
// rules decide it the way the topology tells it: the SSH scan is rejected
// by the security groups (the public NACL lets port 22 in), the corp user
// reaches the bastion through the prefix list, and RDP probes hit the
// NACL's explicit deny before its later allow.
func checkStory(p rules.Packet, v *rules.Verdict) (string, bool) {
	inbound := v.Direction == rules.Ingress
	switch {
	case inbound && p.DstPort == 22 && sshScanners.Contains(p.Src):
		story, group := "ssh scan to web", "sg-0web1111111111111 (web)"
		if p.Interface == "eni-0eee5555555555555" {
			story, group = "ssh scan to bastion", "sg-0bast555555555555 (bastion)"
		}
		return story, v.Expected == model.ActionReject && v.DecidedBy == "sg" && v.NACL.Allow && v.NACL.Rule() == "120" &&
			strings.Contains(v.Reason, "No inbound rule of security groups "+group+" allows TCP 22 from "+p.Src.String())
	case inbound && p.DstPort == 22 && p.Src.String() == "198.51.100.7":
		return "corp ssh to bastion", v.Expected == model.ActionAccept && v.DecidedBy == "none" && v.NACL.Rule() == "120" &&
			v.SG.Allowed && v.SG.Group != nil && v.SG.Group.ID == "sg-0bast555555555555" && v.SG.Peer.ID == "pl-0corp0000000000001"
	case inbound && p.DstPort == 3389:
		return "rdp probe", v.Expected == model.ActionReject && v.DecidedBy == "nacl" && v.NACL.Rule() == "125" && !v.NACL.Allow
	}
	return "", true
}
