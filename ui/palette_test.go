package ui

import (
	"fmt"
	"strings"
	"testing"
)

func TestPaletteSearchAndRun(t *testing.T) {
	saved := []Triage{{Name: "my web rejects", Query: `filter action = "REJECT" and dstport = 443`}}
	d := newDriver(t, Config{Store: fixtureStore(t), Queries: saved}, 120, 40)
	d.refresh()

	d.keys("ctrl+p")
	if d.m.mode != modePalette || !strings.Contains(d.screen(), "rejected SSH/RDP by source") || !strings.Contains(d.screen(), "my web rejects") {
		t.Fatalf("palette not shown:\n%s", d.screen())
	}
	// Typing q searches; it does not quit.
	d.typeText("sshrdp")
	first := d.m.palette.items[d.m.palette.shown[0].Index]
	if first.title != "rejected SSH/RDP by source" {
		t.Errorf("best match for sshrdp: %q", first.title)
	}
	d.keys("enter")
	if d.m.mode != modeNormal || d.m.sh.FilterText != BuiltinTriage[0].Query || d.m.specs[d.m.active].slot != 5 {
		t.Errorf("after enter: mode %v, filter %q, pane slot %d", d.m.mode, d.m.sh.FilterText, d.m.specs[d.m.active].slot)
	}
	d.refresh()
	if s := d.screen(); !strings.Contains(s, "attempts") || !strings.Contains(s, "203.0.113.50") {
		t.Errorf("stats pane does not show the answer:\n%s", s)
	}

	// A saved query without stats filters the flows.
	d.keys(":")
	d.typeText("web rej")
	d.keys("enter")
	if d.m.sh.FilterText != saved[0].Query || d.m.specs[d.m.active].slot != 1 {
		t.Errorf("saved query: filter %q, slot %d", d.m.sh.FilterText, d.m.specs[d.m.active].slot)
	}

	// A prompted query asks for the address and refuses a bad one.
	d.keys("ctrl+p")
	d.typeText("one address")
	d.keys("enter")
	if d.m.palette.asking == nil || !strings.Contains(d.screen(), "traffic to or from one address:") {
		t.Fatalf("no prompt:\n%s", d.screen())
	}
	d.typeText("10.0.2")
	d.keys("enter")
	if d.m.mode != modePalette || !strings.Contains(d.screen(), `"10.0.2" is not an IPv4 or IPv6 address`) {
		t.Errorf("bad address accepted:\n%s", d.screen())
	}
	d.typeText(".10")
	d.keys("enter")
	if !strings.Contains(d.m.sh.FilterText, `srcaddr = "10.0.2.10" or dstaddr = "10.0.2.10"`) {
		t.Errorf("prompted query: %q", d.m.sh.FilterText)
	}

	// Actions run as their keys would: the help screen.
	d.keys("ctrl+p")
	d.typeText("help")
	d.keys("enter")
	if d.m.mode != modeHelp {
		t.Errorf("help action: mode %v", d.m.mode)
	}
	d.keys("esc")
	// esc closes the palette and changes nothing.
	before := d.m.sh.FilterText
	d.keys("ctrl+p", "esc")
	if d.m.mode != modeNormal || d.m.sh.FilterText != before {
		t.Errorf("esc: mode %v filter %q", d.m.mode, d.m.sh.FilterText)
	}
}

func inPalette(r *rootModel) bool { return r.mode == modePalette && r.palette != nil }

// The palette at both sizes, searching for "rej".
func TestGoldenPalette(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			runGolden(t, size[0], size[1], inPalette, "ctrl+p", "r", "e", "j")
		})
	}
}

// TestPaletteColumnsStayPut: at 80 columns every row's kind starts in
// the same column, whatever the length of the name before it: the
// shipped "transit gateway drops by attachment and loss reason" and a
// long saved name pushed their kind and query to the right, off the edge.
func TestPaletteColumnsStayPut(t *testing.T) {
	saved := []Triage{
		{Name: "a very long saved query name that is far wider than its column", Query: `filter action = "REJECT"`},
		{Name: "中文字符测试中文字符测试中文字符测试中文字符测试", Query: `filter dstport = 22`},
	}
	d := newDriver(t, Config{Store: fixtureStore(t), Queries: saved}, 80, 24)
	d.refresh()
	d.keys("ctrl+p")
	col := -1
	for _, l := range strings.Split(d.screen(), "\n") {
		for _, kind := range []string{"  query  ", "  saved  ", "  action  "} {
			i := strings.Index(l, kind)
			if i < 0 {
				continue
			}
			at := cellWidth(l[:i])
			if col < 0 {
				col = at
			}
			if at != col {
				t.Errorf("kind at column %d, want %d like the first row:\n%s", at, col, l)
			}
			rest := l[i+len(kind):]
			if hint := at + cellWidth(kind) + len(rest) - len(strings.TrimLeft(rest, " ")); hint != col+len("  action  ") {
				t.Errorf("query or key at column %d, want %d:\n%s", hint, col+len("  action  "), l)
			}
		}
	}
	if col < 0 {
		t.Fatalf("no palette rows:\n%s", d.screen())
	}
	for _, want := range []string{"transit gateway drops", "a very long saved", "中文字符"} {
		if l := d.lineWith(want); !strings.Contains(l, "…") {
			t.Errorf("a name wider than its column is not cut with …:\n%s", l)
		}
	}
}

// TestFlowsActionsElsewhereSayWhere: m, n, N, y and Y act on the flows
// pane's rows. Pressed in another pane, or chosen from the palette there
// (which offers them everywhere), they used to do nothing at all.
func TestFlowsActionsElsewhereSayWhere(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.refresh()
	for _, k := range []string{"m", "n", "N", "y", "Y"} {
		for _, pane := range []string{"2", "3", "4", "5"} {
			d.keys(pane, k)
			if f := d.footerLine(); !strings.Contains(f, "flows pane") {
				t.Errorf("%s in pane %s: footer %q does not say where it acts", k, pane, f)
			}
		}
	}
	d.keys("2", "ctrl+p")
	d.typeText("copy line")
	d.keys("enter")
	if f := d.footerLine(); !strings.Contains(f, "flows pane") {
		t.Errorf("copy line from the palette in pane 2: footer %q does not say where it acts", f)
	}
	if len(d.m.activeFlows().marks) != 0 {
		t.Errorf("a mark was made from another pane")
	}
	// In the flows pane they act as before.
	d.keys("1", "m")
	if len(d.m.activeFlows().marks) != 1 {
		t.Errorf("m in the flows pane did not mark the row")
	}
}

// TestRulesKeyWithoutAFlowSaysWhy: r where the cursor is on no flow (the
// flags pane's combinations, a stats pane without a query) says what it
// needs instead of doing nothing.
func TestRulesKeyWithoutAFlowSaysWhy(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.refresh()
	for _, pane := range []string{"3", "5"} {
		d.keys(pane, "r")
		if f := d.footerLine(); !strings.Contains(f, "r shows rules for a flow") {
			t.Errorf("r in pane %s: footer %q does not say what r needs", pane, f)
		}
	}
	d.keys("1", "r")
	if _, ok := d.m.panes[d.m.active].(*rulesPane); !ok {
		t.Errorf("r on a flow did not open the rules pane")
	}
}
