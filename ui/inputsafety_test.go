package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// unsafeOnScreen reports the first rune no terminal policy lets through
// (controls, bidi overrides) left in a frame once its own styling is
// stripped.
func unsafeOnScreen(frame string) (rune, bool) {
	for _, r := range ansi.Strip(frame) {
		if r != '\n' && model.UnsafeRune(r) {
			return r, true
		}
	}
	return 0, false
}

func assertSafeFrame(t *testing.T, d *driver, when string) {
	t.Helper()
	if r, bad := unsafeOnScreen(d.m.View().Content); bad {
		t.Fatalf("%s: %U reached the terminal:\n%s", when, r, d.screen())
	}
}

// The filter history is a file anyone could have written: what it holds
// is recalled into the filter bar without bidi overrides or controls.
func TestFilterBarRecallsHistoryWithoutUnsafeText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "filter_history")
	if err := os.WriteFile(path, []byte("action = \"REJECT\" \u202eand x\n\x1b]52;c;aGk=\x07 srcaddr = \"1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fixtureConfig(fixtureStore(t))
	cfg.HistoryFile = path
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		d := newDriver(t, cfg, size[0], size[1])
		d.keys("/", "up")
		assertSafeFrame(t, d, "newest history entry")
		d.keys("up")
		assertSafeFrame(t, d, "older history entry")
		if got := d.m.filter.input.Value(); strings.ContainsRune(got, 0x1b) || strings.ContainsRune(got, 0x07) {
			t.Fatalf("filter bar holds %q", got)
		}
	}
}

// A key that arrives as text (an input method, a terminal that sends
// unicode as key text) cannot put a bidi override into any text input.
func TestTypedBidiControlNeverReachesTheScreen(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	bidi := tea.KeyPressMsg{Code: 0x202e, Text: "\u202e"}
	d.keys("/")
	d.typeText("abc")
	d.send(bidi)
	d.typeText("def")
	assertSafeFrame(t, d, "filter bar")
	if got := d.m.filter.input.Value(); got != "abcdef" {
		t.Errorf("filter bar holds %q, want abcdef", got)
	}
	d.keys("esc", "ctrl+s", "ctrl+u")
	d.send(bidi)
	assertSafeFrame(t, d, "export prompt")
	d.keys("esc", "ctrl+p")
	d.send(bidi)
	assertSafeFrame(t, d, "palette")
}

// Saved queries come from the config file: their names and text are shown
// in the palette, the prompt line and, applied, in the filter bar, and
// none of those lets a control or a bidi override through.
func TestSavedQueryTextIsSanitised(t *testing.T) {
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Queries = []Triage{
		{Name: "evil\u202ename\x1b]0;x\x07", Query: "filter action = \"REJECT\" and interfaceId != \"\u202ex\x1b[31m\""},
		{Name: "ask\u202e", Query: "filter srcaddr = \"%s\" \u202e", Prompt: "addr\u202e\x1b[2J"},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		d := newDriver(t, cfg, size[0], size[1])
		d.keys("ctrl+p")
		assertSafeFrame(t, d, "palette list")
		d.typeText("evil")
		assertSafeFrame(t, d, "palette filtered")
		if !strings.Contains(d.screen(), "evil\uFFFDname\uFFFD]0;x\uFFFD") {
			t.Fatalf("the saved query's sanitised name should be listed:\n%s", d.screen())
		}
		d.keys("enter")
		assertSafeFrame(t, d, "saved query applied")
		d.keys("/")
		assertSafeFrame(t, d, "applied saved query in the filter bar")
		d.keys("esc", "ctrl+p")
		d.typeText("ask")
		d.keys("enter")
		assertSafeFrame(t, d, "saved query prompt")
	}
}

// The palette's address prompt takes a pasted address (over SSH, pasting
// is how an address gets there), and shows what it asks for in full.
func TestPaletteTakesAPasteAndShowsItsPrompt(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		d := queryDriver(t, fixtureStore(t), size[0], size[1])
		d.keys("ctrl+p")
		d.send(tea.PasteMsg{Content: "one address"})
		if got := d.m.palette.input.Value(); got != "one address" {
			t.Fatalf("palette search holds %q after a paste", got)
		}
		d.keys("enter")
		if d.m.palette.asking == nil {
			t.Fatalf("the address query did not ask for its address:\n%s", d.screen())
		}
		if !strings.Contains(d.screen(), "› address") {
			t.Errorf("the prompt should show what it asks for:\n%s", d.screen())
		}
		d.send(tea.PasteMsg{Content: "10.0.9.9\n"})
		d.keys("enter")
		if !strings.Contains(d.m.sh.FilterText, `srcaddr = "10.0.9.9"`) {
			t.Fatalf("the pasted address was not used: filter %q", d.m.sh.FilterText)
		}
	}
}

// However small the window, the message names the size it needs (at 10×3
// the full sentence was cut before the numbers).
func TestTooSmallMessageAlwaysNamesTheSize(t *testing.T) {
	want := fmt.Sprintf("%d×%d", minWidth, minHeight)
	for _, size := range [][2]int{{10, 3}, {12, 2}, {20, 1}, {6, 1}, {30, 4}, {40, 10}, {59, 23}, {79, 11}} {
		d := newDriver(t, fixtureConfig(fixtureStore(t)), size[0], size[1])
		scr := d.screen()
		if !strings.Contains(scr, want) {
			t.Errorf("%d×%d: the message does not say %s is needed:\n%s", size[0], size[1], want, scr)
		}
		lines := strings.Split(scr, "\n")
		if len(lines) > size[1] {
			t.Errorf("%d×%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if cellWidth(l) > size[0] {
				t.Errorf("%d×%d: line %q is wider than the window", size[0], size[1], l)
			}
		}
	}
}

// A capture read to its end without a record (an empty file, a header
// alone, nothing but malformed lines) says so, at once and in every pane,
// rather than waiting for records that will never come.
func TestEndedInputWithoutRecordsSaysSo(t *testing.T) {
	for _, malformed := range []bool{false, true} {
		s := model.NewStore(100)
		if malformed {
			s.Append(func(a model.Appender) {
				a.Bad(model.Malformed{Origin: "capture.log", LineNo: 1, Line: "not a record", Err: "version is not a number"})
			})
		}
		ingested := make(chan struct{})
		cfg := fixtureConfig(s)
		cfg.Ingested = ingested
		d := newDriver(t, cfg, 80, 24)
		if !strings.Contains(d.screen(), "waiting for records") {
			t.Fatalf("before the end of ingest the flows pane waits:\n%s", d.screen())
		}
		wait := d.m.waitIngested()
		close(ingested)
		d.send(wait())
		for _, pane := range []string{"1", "2", "3"} {
			d.keys(pane)
			d.refresh()
			scr := d.screen()
			if strings.Contains(scr, "waiting for records") || !strings.Contains(scr, "no records in the input") {
				t.Errorf("pane %s after the end of an input without records:\n%s", pane, scr)
			}
			if malformed && !strings.Contains(scr, "1 malformed line (e shows it)") {
				t.Errorf("pane %s should point at the malformed line:\n%s", pane, scr)
			}
		}
	}
}

// At the smallest size flowtail runs in, every key of the help is
// reachable: columns that do not fit side by side are stacked, and the
// help scrolls with the keys that scroll everything else.
func TestHelpAtTheMinimumSizeShowsEveryKey(t *testing.T) {
	for _, pane := range []string{"1", "2", "4"} {
		d := newDriver(t, fixtureConfig(fixtureStore(t)), minWidth, minHeight)
		d.keys(pane, "?")
		seen := map[string]bool{}
		var last string
		for range 40 {
			scr := d.screen()
			for _, l := range strings.Split(scr, "\n") {
				if cellWidth(l) > minWidth {
					t.Errorf("pane %s: help line wider than %d: %q", pane, minWidth, l)
				}
				seen[strings.Join(strings.Fields(l), " ")] = true
			}
			if scr == last {
				break
			}
			last = scr
			d.keys("pgdown")
		}
		all := strings.Join(func() []string {
			var out []string
			for l := range seen {
				out = append(out, l)
			}
			return out
		}(), "\n")
		for _, want := range []string{"/ filter", "ctrl+p/: command palette", "tab next pane", "1-5 go to pane", "q quit", "ctrl+z suspend", "g ", "esc or ? closes this help"} {
			if !strings.Contains(all, want) {
				t.Errorf("pane %s: the help at %d×%d never shows %q; seen:\n%s", pane, minWidth, minHeight, want, all)
			}
		}
		d.keys("esc")
		if d.m.mode != modeNormal {
			t.Errorf("esc closes the help")
		}
	}
}

// ':' opens the palette as ctrl+p does; the help says so.
func TestHelpNamesColonForThePalette(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("?")
	if !strings.Contains(d.screen(), "ctrl+p/:") {
		t.Errorf("the help does not say ':' opens the palette:\n%s", d.screen())
	}
	d.keys("esc", ":")
	if d.m.mode != modePalette {
		t.Errorf("':' did not open the palette")
	}
}

// n and N say why they did not move: no marks at all, none further in
// that direction, or the marks are outside the filter.
func TestMarkJumpsSayWhyTheyDidNotMove(t *testing.T) {
	s := genStore(t, 100, 30)
	d := newDriver(t, fixtureConfig(s), 80, 24)
	d.keys("n")
	if !strings.Contains(d.footerLine(), "no marked rows") {
		t.Errorf("n without marks: status %q", d.footerLine())
	}
	d.keys("j", "m", "N")
	if !strings.Contains(d.footerLine(), "no marked row above") {
		t.Errorf("N with the only mark under the cursor: status %q", d.footerLine())
	}
	d.keys("n")
	if !strings.Contains(d.footerLine(), "no marked row below") {
		t.Errorf("n with the only mark under the cursor: status %q", d.footerLine())
	}
	d.applyFilter("10.0.0.3")
	d.keys("n")
	if !strings.Contains(d.footerLine(), "outside the filter") {
		t.Errorf("n with the mark filtered out: status %q", d.footerLine())
	}
}

// FuzzEscapeUnsafe: what a paste puts in the filter bar is valid UTF-8
// with no unsafe rune, and a quoted string of it reads back as the paste
// (newlines, returns and tabs aside, which become spaces).
func FuzzEscapeUnsafe(f *testing.F) {
	f.Add("eni-\u202eevil\x1b[2J\xff")
	f.Fuzz(func(t *testing.T, s string) {
		got := escapeUnsafe(s)
		if !utf8.ValidString(got) || strings.ContainsFunc(got, model.UnsafeRune) {
			t.Fatalf("escapeUnsafe(%q) = %q: not safe", s, got)
		}
		if strings.ContainsAny(s, "\"\\\n\r\t") {
			return // quotes and backslashes are the user's own syntax
		}
		q, err := query.Parse(`filter interface-id = "` + got + `"`)
		if err != nil {
			t.Fatalf("%q: %v", got, err)
		}
		lit := q.Commands[0].(*query.FilterCmd).Expr.(*query.Compare).R.Lit.Text
		if lit != s {
			t.Fatalf("pasted %q reads back as %q", s, lit)
		}
	})
}
