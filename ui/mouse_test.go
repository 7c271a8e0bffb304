package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func mouseDriver(t *testing.T, on bool) (*driver, *time.Time) {
	now := time.Unix(1700000100, 0)
	d := newDriver(t, Config{Store: fixtureStore(t), Mouse: on, Now: func() time.Time { return now }}, 120, 40)
	d.refresh()
	return d, &now
}

// The wheel scrolls the flows, a click selects the row under it, a double
// click opens its detail, and a click on a tab switches pane.
func TestMouseDrivesSelection(t *testing.T) {
	d, now := mouseDriver(t, true)
	if d.m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("the mouse is not asked for")
	}
	seq := func() uint64 { s, _ := d.flows().CursorSeq(); return s }
	newest := seq()
	d.send(tea.MouseWheelMsg{X: 10, Y: 5, Button: tea.MouseWheelDown})
	if got := seq(); got != newest-wheelRows {
		t.Errorf("wheel down: cursor on #%d, want #%d", got, newest-wheelRows)
	}
	d.send(tea.MouseWheelMsg{X: 10, Y: 5, Button: tea.MouseWheelUp})
	if got := seq(); got != newest {
		t.Errorf("wheel up: cursor on #%d, want #%d", got, newest)
	}
	// Screen line 2 is the first row (tab bar, header), newest first: line
	// 2+r shows record newest-r.
	d.send(tea.MouseClickMsg{X: 30, Y: 2 + 4, Button: tea.MouseLeft})
	if got := seq(); got != newest-4 {
		t.Errorf("click on row 4: cursor on #%d, want #%d", got, newest-4)
	}
	if d.m.mode != modeNormal {
		t.Fatal("a single click opened something")
	}
	*now = now.Add(100 * time.Millisecond)
	d.send(tea.MouseClickMsg{X: 30, Y: 2 + 4, Button: tea.MouseLeft})
	if d.m.mode != modeDetail || !strings.Contains(d.screen(), "record #"+strconv.FormatUint(newest-4, 10)) {
		t.Errorf("double click: mode %v, screen:\n%s", d.m.mode, d.screen())
	}
	// A click on the second tab (" 2 interfaces " after " flowtail " and
	// " 1 flows ") leaves the detail and shows that pane.
	x := len(" flowtail ") + len(" 1 flows ") + 2
	d.send(tea.MouseClickMsg{X: x, Y: 0, Button: tea.MouseLeft})
	if d.m.mode != modeNormal || d.m.specs[d.m.active].slot != 2 {
		t.Errorf("tab click: mode %v, active slot %d", d.m.mode, d.m.specs[d.m.active].slot)
	}
}

// With the mouse off the terminal keeps it (text selection) and events
// change nothing.
func TestMouseOff(t *testing.T) {
	d, _ := mouseDriver(t, false)
	if d.m.View().MouseMode != tea.MouseModeNone {
		t.Fatal("the mouse is asked for")
	}
	before, _ := d.flows().CursorSeq()
	d.send(tea.MouseWheelMsg{X: 10, Y: 5, Button: tea.MouseWheelDown})
	d.send(tea.MouseClickMsg{X: 30, Y: 6, Button: tea.MouseLeft})
	if after, _ := d.flows().CursorSeq(); after != before {
		t.Errorf("cursor moved from #%d to #%d", before, after)
	}
}

// A click selects an interface in the interfaces pane.
func TestMouseSelectsInterface(t *testing.T) {
	d, _ := mouseDriver(t, true)
	d.keys("2")
	d.refresh()
	ip := d.m.panes[d.m.active].(*interfacesPane)
	if len(ip.rows) < 3 {
		t.Fatalf("%d interfaces", len(ip.rows))
	}
	d.send(tea.MouseClickMsg{X: 5, Y: 1 + 1 + 2, Button: tea.MouseLeft}) // tab bar, header, third row
	if ip.list.cursor != 2 {
		t.Errorf("cursor on row %d, want 2", ip.list.cursor)
	}
	want := ip.snap.Interfaces[ip.rows[2]].Name
	if line := strings.Split(d.screen(), "\n")[4]; !strings.Contains(line, want[len(want)-5:]) {
		t.Errorf("third row %q is not %s", line, want)
	}
}

// A triage query from the palette opens in the stats pane; a click selects
// a row and a double click drills down to its flows.
func TestMouseStatsDrillDown(t *testing.T) {
	d, now := mouseDriver(t, true)
	d.applyFilter(`stats count(*) as n by dstport | sort n desc`)
	d.keys("5")
	d.refresh()
	sp, ok := d.m.panes[d.m.active].(*statsPane)
	if !ok || sp.res == nil || len(sp.rows) < 2 {
		t.Fatalf("no stats table:\n%s", d.screen())
	}
	d.send(tea.MouseClickMsg{X: 3, Y: 1 + 1 + 1, Button: tea.MouseLeft})
	if sp.list.cursor != 1 {
		t.Fatalf("cursor on row %d, want 1", sp.list.cursor)
	}
	*now = now.Add(50 * time.Millisecond)
	d.send(tea.MouseClickMsg{X: 3, Y: 1 + 1 + 1, Button: tea.MouseLeft})
	d.refresh()
	if d.m.specs[d.m.active].slot != 1 || !strings.Contains(d.m.sh.FilterText, "dstport") {
		t.Errorf("double click: slot %d, filter %q", d.m.specs[d.m.active].slot, d.m.sh.FilterText)
	}
}

// clickRowWith clicks the screen line holding text and reports the line
// the cursor marker is drawn on afterwards.
func clickRowWith(t *testing.T, d *driver, text string, marker string) (clicked, marked int) {
	t.Helper()
	d.lineWith(text)
	lines := strings.Split(d.screen(), "\n")
	clicked = -1
	for i, l := range lines {
		if strings.Contains(l, text) {
			clicked = i
			break
		}
	}
	d.send(tea.MouseClickMsg{X: 10, Y: clicked, Button: tea.MouseLeft})
	marked = -1
	for i, l := range strings.Split(d.screen(), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " "), marker) || (marker == "" && i == clicked) {
			marked = i
			break
		}
	}
	return clicked, marked
}

// A click selects a tcp-flags combination, then a conversation; a double
// click on a combination filters the flows to it.
func TestMouseSelectsInFlagsPane(t *testing.T) {
	now := fixedNow
	cfg := fixtureConfig(flagsStore(t))
	cfg.Mouse, cfg.Now = true, func() time.Time { return now }
	d := newDriver(t, cfg, 120, 40)
	d.keys("3")
	d.refresh()
	p := d.m.panes[d.m.active].(*flagsPane)
	if clicked, marked := clickRowWith(t, d, " 4 RST ", "▸"); clicked < 0 || marked != clicked {
		t.Fatalf("clicked line %d, cursor drawn on line %d:\n%s", clicked, marked, d.screen())
	}
	if c := p.combos[p.list.cursor]; c.value != 4 || c.absent {
		t.Errorf("cursor on %+v, want RST (4)", c)
	}
	now = now.Add(100 * time.Millisecond)
	d.send(tea.MouseClickMsg{X: 10, Y: d.lineIndex(" 4 RST "), Button: tea.MouseLeft})
	d.refresh()
	if d.m.specs[d.m.active].slot != 1 || !strings.Contains(d.m.sh.FilterText, "tcpFlags = 4") {
		t.Errorf("double click: slot %d, filter %q", d.m.specs[d.m.active].slot, d.m.sh.FilterText)
	}

	d.keys("esc") // back to the flags pane, unfiltered
	d.keys("c")
	d.refresh()
	d.lineWith("CONVERSATIONS")
	y := d.lineIndex("198.51.100.8")
	d.send(tea.MouseClickMsg{X: 10, Y: y, Button: tea.MouseLeft})
	cv := p.conv.convs[p.conv.list.cursor]
	if got := cv.Request.Src().String(); got != "198.51.100.8" {
		t.Errorf("click on line %d selected the conversation of %s:\n%s", y, got, d.screen())
	}
}

// A click selects a row of the verdicts view.
func TestMouseSelectsVerdictRow(t *testing.T) {
	cfg := fixtureConfig(verdictsStore(t))
	cfg.Rules = &staticRules{snap: demoRules(t)}
	cfg.Mouse = true
	d := newDriver(t, cfg, 120, 40)
	d.keys("4", "v")
	d.lineWith("VERDICTS BY RULE · 95 records")
	y := d.lineIndex("25       1  NACL")
	d.send(tea.MouseClickMsg{X: 10, Y: y, Button: tea.MouseLeft})
	v := &d.m.panes[d.m.active].(*rulesPane).verdicts
	if r := v.rows[v.list.cursor]; r.Records != 25 {
		t.Errorf("click on line %d selected the row of %d records:\n%s", y, r.Records, d.screen())
	}
}
