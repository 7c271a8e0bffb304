package ui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// tableRow finds the screen line that contains want (the table row of an
// interface, a flag value…) or fails with the screen.
// lineWith returns the first screen line containing want. Background
// counts are paced by their own cost, so on a slow machine the line may
// need a few more ticks: it keeps ticking for up to ten seconds.
func (d *driver) lineWith(want string) string {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, l := range strings.Split(d.screen(), "\n") {
			if strings.Contains(l, want) {
				return l
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("no line with %q on screen:\n%s", want, d.screen())
			return ""
		}
		time.Sleep(20 * time.Millisecond)
		d.refresh()
	}
}

func fields(l string) []string { return strings.Fields(l) }

func TestInterfacesPaneCountsPerInterface(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	d.keys("2")
	d.refresh()
	// INTERFACE FLOWS PKTS BYTES ACCEPT REJECT REJ% PEERS TOP-PORTS… LAST-SEEN TRAFFIC
	got := fields(d.lineWith("eni-0a1b2c3d4e5f60002"))
	// LAST SEEN carries dates: the v5 record's interface was last seen in 2021.
	want := []string{"eni-0a1b2c3d4e5f60002", "3", "12", "18K", "1", "2", "66.7%", "2", "22", "23", "44321", "11-14", "22:14"}
	// PACKETS is exact: 1,480,000 bytes humanised, 220 packets as counted.
	if strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
		t.Errorf("row %q, want it to start %q", got, want)
	}
	if !strings.Contains(d.row(-1), "FLOWS▼") {
		t.Errorf("default sort should be flows, largest first: %q", d.row(-1))
	}
	if !strings.HasPrefix(strings.TrimSpace(d.row(0)), "eni-0a1b2c3d4e5f60002") {
		t.Errorf("most flows first:\n%s", d.screen())
	}
	// The NODATA record counts for last seen but not as a flow.
	if got := fields(d.lineWith("eni-0a1b2c3d4e5f60003")); got[1] != "1" || got[2] != "220" {
		t.Errorf("NODATA counted as traffic: %q", got)
	}
	// Terminal safety: the interface id with an escape sequence is drawn
	// without it.
	if raw := d.m.View().Content; strings.Contains(raw, "\x1b]0;") || strings.Contains(raw, "\a") {
		t.Errorf("escape sequence from a record reached the screen")
	}
}

func TestInterfacesSortCyclesAndReverses(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	d.keys("2")
	d.refresh()
	d.keys("s") // flows → packets
	if !strings.Contains(d.row(-1), "PACKETS▼") || !strings.Contains(d.row(0), "eni-0a1b2c3d4e5f60003") {
		t.Fatalf("s should sort by packets, largest first:\n%s", d.screen())
	}
	d.keys("S")
	if !strings.Contains(d.row(-1), "PACKETS▲") || !strings.Contains(d.row(0), "eni-evil") {
		t.Fatalf("S should reverse to fewest packets first:\n%s", d.screen())
	}
	d.keys("s", "s") // bytes, then accepts
	if !strings.Contains(d.row(-1), "ACCEPT▼") {
		t.Fatalf("s cycles through the columns in order:\n%s", d.screen())
	}
	for range 6 { // reject, rej%, peers, ports, last seen, then interface (traffic is not sortable)
		d.keys("s")
	}
	if !strings.Contains(d.row(-1), "INTERFACE▲") || !strings.Contains(d.row(0), "eni-0a1b2c3d4e5f60001") {
		t.Fatalf("sorting by name runs A–Z:\n%s", d.screen())
	}
}

func TestInterfacesNarrowTerminalKeepsKeyColumns(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("2")
	d.refresh()
	head := d.row(-1)
	for _, col := range []string{"INTERFACE", "FLOWS", "BYTES", "REJECT", "REJ%", "PEERS", "TRAFFIC"} {
		if !strings.Contains(head, col) {
			t.Errorf("80 columns: %s missing from %q", col, head)
		}
	}
	for i, l := range strings.Split(d.screen(), "\n") {
		if w := cellWidth(l); w > 80 {
			t.Errorf("line %d is %d cells wide: %q", i, w, l)
		}
	}
	if n := len(strings.Split(d.screen(), "\n")); n != 24 {
		t.Errorf("screen has %d lines, want 24", n)
	}
}

func TestInterfacesEnterFiltersFlowsToInterface(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	d.keys("2")
	d.refresh()
	d.keys("j") // second row: eni-…0001 (2 flows)
	d.keys("enter")
	if !strings.Contains(d.screen(), "1 flows") || !strings.Contains(d.statusLine(), `interfaceId = "eni-0a1b2c3d4e5f60001"`) {
		t.Fatalf("enter should show the flows pane filtered to the interface:\n%s", d.screen())
	}
	rows := 0
	for r := 0; r < 10; r++ {
		if l := d.row(r); strings.TrimSpace(l) != "" {
			rows++
			if !strings.Contains(l, "60001") {
				t.Errorf("row of another interface: %q", l)
			}
		}
	}
	if rows != 2 {
		t.Errorf("%d rows, want the interface's 2:\n%s", rows, d.screen())
	}
}

func TestInterfacesRespectCurrentFilter(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	d.applyFilter(`"REJECT"`)
	d.keys("2")
	d.refresh()
	if got := fields(d.lineWith("eni-0a1b2c3d4e5f60002")); got[1] != "2" || got[5] != "2" || got[6] != "100.0%" {
		t.Errorf("filtered row %q, want 2 flows, 2 rejects", got)
	}
	if strings.Contains(d.screen(), "eni-0a1b2c3d4e5f60001") {
		t.Errorf("an interface without matching records is listed:\n%s", d.screen())
	}
	// Drilling down keeps the filter and adds the interface.
	d.keys("enter")
	if st := d.statusLine(); !strings.Contains(st, `"REJECT" | filter interfaceId = "eni-0a1b2c3d4e5f60002"`) {
		t.Errorf("status %q should show both filters", st)
	}
}

func TestInterfacesFollowEviction(t *testing.T) {
	s := model.NewStore(3)
	d := newDriver(t, fixtureConfig(s), 120, 40)
	d.keys("2")
	d.refresh()
	if !strings.Contains(d.screen(), "waiting for records") {
		t.Errorf("empty store:\n%s", d.screen())
	}
	appendLines(t, s, model.DefaultFormat, fixtureLines[0], fixtureLines[1], fixtureLines[2])
	d.refresh()
	d.lineWith("eni-0a1b2c3d4e5f60001")
	appendLines(t, s, model.DefaultFormat, fixtureLines[2], fixtureLines[3], fixtureLines[3])
	d.refresh()
	if strings.Contains(d.screen(), "eni-0a1b2c3d4e5f60001") {
		t.Errorf("interface whose records left the ring is still listed:\n%s", d.screen())
	}
	if got := fields(d.lineWith("eni-0a1b2c3d4e5f60002")); got[1] != "3" || got[5] != "3" {
		t.Errorf("after eviction: %q, want 3 flows, 3 rejects", got)
	}
}

// TestInterfacesDescribeCursorInterface: with rules (EC2 or --rules), the
// interface under the cursor is described by type, Name tag and
// description, looked up once per interface.
func TestInterfacesDescribeCursorInterface(t *testing.T) {
	snap := rules.NewSnapshot()
	snap.Interfaces["eni-0a1b2c3d4e5f60001"] = &rules.Interface{ID: "eni-0a1b2c3d4e5f60001", Type: "natGateway",
		Description: "Interface for NAT Gateway nat-0123456789abcdef0", Tags: map[string]string{"Name": "egress-a"},
		Private: []netip.Addr{netip.MustParseAddr("10.0.1.23")}}
	src := &staticRules{snap: snap}
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Rules = src
	d := newDriver(t, cfg, 120, 40)
	d.keys("2")
	d.refresh()
	d.lineWith("eni-0a1b2c3d4e5f60002: not in the rules data")
	d.keys("j")
	d.lineWith(`eni-0a1b2c3d4e5f60001 · NAT gateway · Name "egress-a" · "Interface for NAT Gateway nat-0123456789abcdef0" · 10.0.1.23`)
	d.keys("k", "j")
	if n := src.lookups.Load(); n != 2 {
		t.Errorf("%d lookups, want one per interface", n)
	}
	if n := len(strings.Split(d.screen(), "\n")); n != 40 {
		t.Errorf("screen has %d lines, want 40", n)
	}
}

// TestTriageKeysHaveHelp: every key the triage panes answer to is listed
// with help text in their footer and full help.
func TestTriageKeysHaveHelp(t *testing.T) {
	sh := &Shared{Store: model.NewStore(1), Styles: NewStyles(Theme{}), Keys: DefaultKeymap()}
	for _, p := range []Pane{newInterfacesPane(sh), newFlagsPane(sh)} {
		seen := map[string]bool{}
		for _, group := range p.FullHelp() {
			for _, b := range group {
				if b.Help().Key == "" || b.Help().Desc == "" {
					t.Errorf("%s: binding %v has no help", p.Title(), b.Keys())
				}
				for _, k := range b.Keys() {
					seen[k] = true
				}
			}
		}
		for _, k := range []string{"enter", "j", "k"} {
			if !seen[k] {
				t.Errorf("%s: %q missing from the full help", p.Title(), k)
			}
		}
	}
	km := DefaultKeymap()
	k := newTriageKeys(&km)
	for _, b := range []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Sort, k.Reverse, k.Drill, k.Convs, k.Back} {
		if b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("binding %v has no help", b.Keys())
		}
	}
}

// Until its first snapshot arrives the pane says it is counting, not that
// it waits for records the buffer already holds.
func TestInterfacesSayCountingBeforeFirstSnapshot(t *testing.T) {
	sh := &Shared{Store: fixtureStore(t), Styles: NewStyles(Theme{NoColor: true}), Keys: DefaultKeymap(), Now: time.Now}
	p := newInterfacesPane(sh)
	p.SetSize(80, 20)
	if v := p.View(); !strings.Contains(v, "counting…") || strings.Contains(v, "waiting for records") {
		t.Errorf("before the first snapshot:\n%s", v)
	}
	p, _ = p.Update(p.(*interfacesPane).refresh()())
	if v := p.View(); strings.Contains(v, "counting…") || !strings.Contains(v, "eni-") {
		t.Errorf("after the first snapshot:\n%s", v)
	}
}

// The sort arrow always shows; a title too wide for its column with the
// arrow gives way (BYTES sorted is BYTE▼, not …TES▼).
func TestInterfacesSortArrowFitsItsColumn(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("2")
	p := d.m.panes[d.m.active].(*interfacesPane)
	for range ifaceColumns {
		sorted := ifaceColumns[p.sortBy].title
		header := string(p.appendHeader(nil))
		if !strings.Contains(header, "▼") && !strings.Contains(header, "▲") {
			t.Errorf("sorted by %s: no arrow in %q", sorted, header)
		}
		if strings.Contains(header, "…") {
			t.Errorf("sorted by %s: a title cut from the left in %q", sorted, header)
		}
		d.keys("s")
	}
}

// TestLastSeenShowsDatesAcrossDays: interfaces last seen on different
// days carry dates in LAST SEEN; "23:59:55" beside "00:00:20" read as the
// same day, the later one as earlier. Dates by hand: 1700006395 is
// 2023-11-14 23:59:55 UTC, 1700006420 is 2023-11-15 00:00:20.
func TestLastSeenShowsDatesAcrossDays(t *testing.T) {
	s := model.NewStore(10)
	appendLines(t, s, model.DefaultFormat,
		"2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 40 1700006390 1700006395 ACCEPT OK",
		"2 1 eni-b 10.0.0.3 10.0.0.2 1 2 6 1 40 1700006410 1700006420 ACCEPT OK")
	d := newDriver(t, fixtureConfig(s), 160, 30)
	d.keys("2")
	d.refresh()
	for iface, when := range map[string]string{"eni-a": "11-14 23:59", "eni-b": "11-15 00:00"} {
		if l := d.lineWith(iface + " "); !strings.Contains(l, when) {
			t.Errorf("%s: LAST SEEN does not say %s:\n%s", iface, when, l)
		}
	}
	for _, l := range strings.Split(d.screen(), "\n") {
		if cellWidth(l) > 160 {
			t.Errorf("a line of %d cells at 160 columns: %q", cellWidth(l), l)
		}
	}
}
