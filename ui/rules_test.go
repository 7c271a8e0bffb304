package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// staticRules serves a fixed snapshot and counts refreshes.
type staticRules struct {
	snap      *rules.Snapshot
	err       error
	lookups   atomic.Int32
	refreshes atomic.Int32
}

func (s *staticRules) Lookup(context.Context, string) (*rules.Snapshot, error) {
	s.lookups.Add(1)
	return s.snap, s.err
}

func (s *staticRules) Refresh(context.Context, string) (*rules.Snapshot, error) {
	s.refreshes.Add(1)
	return s.snap, s.err
}

// demoRules reads the demo topology's describe-* files.
func demoRules(t *testing.T) *rules.Snapshot {
	t.Helper()
	dir := filepath.Join("..", "source", "demo", "rules")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	snap := rules.NewSnapshot()
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := rules.Decode(b, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		snap.Merge(s)
	}
	return snap
}

// rulesStore holds demo-topology records; the newest (under the cursor
// at start) is the db reply rejected on its way back to an ephemeral port.
func rulesStore(t *testing.T) *model.Store {
	s := model.NewStore(100)
	appendLines(t, s, model.MustParseFormat(flagsFormat),
		"3 eni-0aaa1111111111111 203.0.113.12 10.0.1.10 0 0 1 4 336 1700000000 1700000060 ACCEPT - OK",
		"3 eni-0aaa1111111111111 10.0.1.10 203.0.113.12 0 0 1 4 336 1700000010 1700000060 REJECT - OK",
		"3 eni-0ccc3333333333333 10.0.2.20 10.0.3.30 20001 5432 6 2 120 1700000020 1700000080 ACCEPT 2 OK",
		"3 eni-0ccc3333333333333 10.0.3.30 10.0.2.20 5432 20001 6 2 120 1700000030 1700000090 REJECT 18 OK",
	)
	return s
}

func rulesConfig(t *testing.T, src RuleSource) Config {
	cfg := fixtureConfig(rulesStore(t))
	cfg.Rules = src
	return cfg
}

func TestRulesPaneExplainsSelectedFlow(t *testing.T) {
	src := &staticRules{snap: demoRules(t)}
	d := newDriver(t, rulesConfig(t, src), 120, 40)
	d.keys("4")
	d.lineWith("VERDICT egress · expected REJECT · logged REJECT (consistent) · decided by NACL")
	d.lineWith("Network ACL acl-0d3c4b5a69788990a (db-nacl) outbound has no rule for TCP 20001 to 10.0.2.20")
	d.lineWith("eni-0ccc3333333333333 (db-1)  10.0.3.30:5432 → 10.0.2.20:20001 TCP tcp-flags SYN-ACK")
	// Side by side: the group's allowing rule and the NACL's deciding entry.
	row := d.lineWith("SECURITY GROUP sg-0db33333333333333 (db)")
	if !strings.Contains(row, "NETWORK ACL acl-0d3c4b5a69788990a (db-nacl)") {
		t.Errorf("not side by side at 120 columns: %q", row)
	}
	d.lineWith("▸ tcp 5432           from sg-0app2222222222222")
	d.lineWith("lets the reply through: tcp-flags SYN-ACK (18)")
	d.lineWith("(none: only replies leave, by connection tracking)")
	d.lineWith("▸     * deny  all traffic        0.0.0.0/0")
	if n := src.lookups.Load(); n != 1 {
		t.Errorf("%d lookups for one interface", n)
	}

	// The ping reply on the web interface: another interface, looked up.
	d.keys("1", "j", "j", "4")
	d.lineWith("VERDICT egress · expected REJECT · logged REJECT (consistent) · decided by NACL")
	d.lineWith("outbound has no rule for ICMP to 203.0.113.12")
	d.lineWith("▸ all traffic        to 0.0.0.0/0")
	d.lineWith("   140 allow icmp all types     0.0.0.0/0")

	d.keys("R")
	if src.refreshes.Load() != 1 {
		t.Error("R did not reload the rules")
	}
}

func TestRulesPaneStacksWhenNarrow(t *testing.T) {
	d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), 80, 24)
	d.keys("4")
	if row := d.lineWith("NETWORK ACL acl-0d3c4b5a69788990a (db-nacl)"); strings.Contains(row, "SECURITY GROUP") {
		t.Errorf("side by side at 80 columns: %q", row)
	}
	// The lists are longer than the pane: the deciding NACL entry is
	// scrolled into view, under the name of the list it is in.
	d.lineWith("▸     * deny  all traffic        0.0.0.0/0")
	d.lineWith("SECURITY GROUP sg-0db33333333333333 (db) · inbound")
	d.keys("g") // the end: the last entry is on screen, the reminder kept
	d.lineWith("      * deny  all traffic        ::/0")
	d.lineWith("SECURITY GROUP sg-0db33333333333333 (db) · inbound")
	d.keys("G")
	if l := d.lineWith("SECURITY GROUP sg-0db33333333333333 (db)"); strings.Contains(l, "·") {
		t.Errorf("at the top the list's own heading shows, not a reminder: %q", l)
	}

	// The ping reply is decided in the NACL's outbound list, scrolled
	// past its name: the reminder leaves out the subnet so the direction
	// fits 80 columns.
	d.keys("1", "j", "j", "4")
	d.lineWith("NETWORK ACL acl-0f1e2d3c4b5a69788 (public-nacl) · inbound")

	// Narrower than the verdict: it wraps rather than losing what decided.
	d = newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), 64, 24)
	d.keys("4")
	if l := d.lineWith("VERDICT egress · expected REJECT · logged REJECT (consistent)"); strings.HasSuffix(strings.TrimSpace(l), "·") {
		t.Errorf("the verdict breaks between its parts, not after a separator: %q", l)
	}
	d.lineWith(" decided by NACL")
}

func TestRulesPaneSaysWhatIsMissing(t *testing.T) {
	d := newDriver(t, fixtureConfig(rulesStore(t)), 80, 24)
	d.keys("4")
	d.lineWith("No rules loaded. Start flowtail with --rules DIR")
	if f := d.footerLine(); strings.Contains(f, "reload") {
		t.Errorf("no rules to reload, yet the footer offers it: %q", f)
	}

	// Before any record: how to pick a flow, and no key that does nothing.
	cfg := fixtureConfig(model.NewStore(10))
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d = newDriver(t, cfg, 80, 24)
	d.keys("4")
	d.lineWith("No flow selected: press r on a row of the flows, a conversation")
	if f := d.footerLine(); strings.Contains(f, "reload") {
		t.Errorf("no flow, yet the footer offers a reload: %q", f)
	}
	d.keys("3")
	d.lineWith("SELECTED FLOW none: no records yet")

	empty := rules.NewSnapshot()
	d = newDriver(t, rulesConfig(t, &staticRules{snap: empty, err: errors.New("ec2: access denied to ec2:DescribeNetworkInterfaces: allow it")}), 80, 24)
	d.keys("4")
	d.lineWith("VERDICT - · could not decide")
	d.lineWith("interface eni-0ccc3333333333333 not loaded")
	d.lineWith("ec2: access denied to ec2:DescribeNetworkInterfaces")
}

func TestGoldenRules(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), size[0], size[1])
			d.keys("4")
			golden.RequireEqual(t, d.m.panes[d.m.active].View())
		})
	}
}

func TestRulesPaneUsesTheReversedRecordAsEvidence(t *testing.T) {
	s := model.NewStore(100)
	appendLines(t, s, model.DefaultFormat,
		"2 123456789012 eni-0ccc3333333333333 10.0.2.20 10.0.3.30 20001 5432 6 2 120 1700000020 1700000080 ACCEPT OK",
		"2 123456789012 eni-0ccc3333333333333 10.0.3.30 10.0.2.20 5432 20001 6 2 120 1700000030 1700000090 REJECT OK")
	cfg := fixtureConfig(s)
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d := newDriver(t, cfg, 120, 40)
	d.keys("4")
	d.lineWith("lets the reply through: the reversed record was seen")
	d.keys("1", "j", "4") // the request itself: allowed by its own rule
	d.lineWith("▸ tcp 5432           from sg-0app2222222222222")
	if strings.Contains(d.screen(), "lets the reply through") {
		t.Errorf("the request is shown as a reply:\n%s", d.screen())
	}
}

func TestRKeyOpensRulesForSelectedFlow(t *testing.T) {
	d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), 120, 40)
	d.keys("j", "j", "r") // the ping reply, from the flows pane
	d.lineWith("outbound has no rule for ICMP to 203.0.113.12")
	d.lineWith("10.0.1.10 → 203.0.113.12 ICMP") // no ":0" ports on ICMP
	d.keys("1", "/", "r")
	if strings.Contains(d.screen(), "VERDICT") {
		t.Errorf("r typed in the filter bar switched panes:\n%s", d.screen())
	}
}

func TestWrapPartsBreaksBetweenParts(t *testing.T) {
	got := wrapParts([]string{"VERDICT ingress", "expected REJECT", "logged REJECT (consistent)", "decided by NACL"}, " · ", 64)
	want := []string{"VERDICT ingress · expected REJECT · logged REJECT (consistent)", "decided by NACL"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	got = wrapParts([]string{"short", "a part much longer than the line is wide"}, " · ", 16)
	for _, l := range got {
		if cellWidth(l) > 16 {
			t.Errorf("line %q longer than 16 cells in %q", l, got)
		}
	}
}
