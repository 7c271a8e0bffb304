package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// row returns the screen line of table row r (0 = first under the header).
func (d *driver) row(r int) string {
	return strings.Split(d.screen(), "\n")[2+r]
}

func (d *driver) statusLine() string {
	lines := strings.Split(d.screen(), "\n")
	return lines[len(lines)-2]
}

func (d *driver) footerLine() string {
	lines := strings.Split(d.screen(), "\n")
	return lines[len(lines)-1]
}

func (d *driver) flows() *flowsPane { return d.m.activeFlows() }

func genLine(i int) string {
	return fmt.Sprintf("2 123456789012 eni-0000000000000aaaa 10.0.0.%d 10.9.9.9 %d 443 6 1 40 %d %d ACCEPT OK", i%250, 10000+i, 1700000000+i, 1700000000+i)
}

// genStore holds genLine(1) … genLine(n) in a store of capacity records.
func genStore(t *testing.T, capacity, n int) *model.Store {
	s := model.NewStore(capacity)
	for i := 1; i <= n; i++ {
		appendLines(t, s, model.DefaultFormat, genLine(i))
	}
	return s
}

func TestFollowShowsNewRecordsAndScrollingLeavesIt(t *testing.T) {
	s := genStore(t, 100, 3)
	d := newDriver(t, fixtureConfig(s), 80, 24)
	if !strings.Contains(d.row(0), ":10003") || !strings.Contains(d.statusLine(), "FOLLOW") {
		t.Fatalf("newest record first and follow on by default:\n%s", d.screen())
	}
	appendLines(t, s, model.DefaultFormat, genLine(4))
	d.refresh()
	if !strings.Contains(d.row(0), ":10004") {
		t.Fatalf("following: the new record should be on top:\n%s", d.screen())
	}
	d.keys("j") // down, towards older records: leaves follow
	if strings.Contains(d.statusLine(), "FOLLOW") {
		t.Fatalf("moving down should leave follow:\n%s", d.screen())
	}
	seq, _ := d.flows().CursorSeq()
	appendLines(t, s, model.DefaultFormat, genLine(5), genLine(6))
	d.refresh()
	if !strings.Contains(d.row(0), ":10004") {
		t.Fatalf("not following: the screen must stay where it was:\n%s", d.screen())
	}
	if now, _ := d.flows().CursorSeq(); now != seq {
		t.Fatalf("cursor moved from record %d to %d while records arrived", seq, now)
	}
	d.keys("G")
	if !strings.Contains(d.row(0), ":10006") || !strings.Contains(d.statusLine(), "FOLLOW") {
		t.Fatalf("G resumes follow at the newest record:\n%s", d.screen())
	}
	d.keys("f")
	if strings.Contains(d.statusLine(), "FOLLOW") {
		t.Fatal("f toggles follow off")
	}
	d.keys("f")
	if !strings.Contains(d.statusLine(), "FOLLOW") {
		t.Fatal("f toggles follow on")
	}
}

func TestCursorStaysOnRecordAcrossEviction(t *testing.T) {
	s := genStore(t, 10, 10)
	d := newDriver(t, fixtureConfig(s), 80, 24)
	d.keys("j", "j") // cursor on record 8
	if !strings.Contains(d.screen(), ":10008") {
		t.Fatal("setup")
	}
	want, _ := d.flows().CursorSeq()
	appendLines(t, s, model.DefaultFormat, genLine(11), genLine(12), genLine(13))
	d.refresh()
	got, _ := d.flows().CursorSeq()
	if got != want {
		t.Fatalf("cursor on seq %d, want %d after 3 evictions", got, want)
	}
	d.keys("enter")
	if !strings.Contains(d.screen(), "10008") {
		t.Fatalf("enter should open record 8 (srcport 10008):\n%s", d.screen())
	}
}

func TestPauseFreezesDisplayAndCountsWaiting(t *testing.T) {
	s := genStore(t, 100, 1)
	d := newDriver(t, fixtureConfig(s), 80, 24)
	d.keys("p")
	appendLines(t, s, model.DefaultFormat, genLine(2), genLine(3))
	d.refresh()
	if !strings.Contains(d.row(0), ":10001") || strings.Contains(d.screen(), ":10003") {
		t.Fatalf("paused display should not show new records:\n%s", d.screen())
	}
	if !strings.Contains(d.statusLine(), "PAUSED +2") {
		t.Fatalf("status bar should count the 2 waiting records: %q", d.statusLine())
	}
	if !strings.Contains(d.statusLine(), "3/100") {
		t.Fatalf("ingest continues while paused: %q", d.statusLine())
	}
	d.keys("p")
	if !strings.Contains(d.row(0), ":10003") || strings.Contains(d.statusLine(), "PAUSED") {
		t.Fatalf("unpausing catches up:\n%s", d.screen())
	}
}

func TestFilterBarTypingQDoesNotQuit(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("/")
	for _, r := range "q?jpG1" {
		_, cmd := d.m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		for _, msg := range runCmd(cmd) {
			if _, quit := msg.(tea.QuitMsg); quit {
				t.Fatalf("typing %q in the filter bar quit the program", r)
			}
		}
	}
	if got := d.m.filter.input.Value(); got != "q?jpG1" {
		t.Fatalf("filter bar holds %q, want every key typed", got)
	}
	d.keys("esc")
	if d.m.mode != modeNormal || d.m.sh.FilterText != "" {
		t.Fatal("esc leaves the filter bar without applying")
	}
	_, cmd := d.m.Update(keyPress("q"))
	if msgs := runCmd(cmd); len(msgs) != 1 || msgs[0] != tea.Quit() {
		t.Fatalf("q quits in normal mode, got %v", msgs)
	}
}

func TestFilterAppliesOnEnter(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("/")
	d.typeText("reject")
	if strings.Contains(d.row(0), "REJECT") {
		t.Fatal("typing must not filter before enter")
	}
	if !strings.Contains(d.footerLine(), "✓") {
		t.Fatalf("valid filter marker missing: %q", d.footerLine())
	}
	d.keys("enter")
	if !strings.Contains(d.row(0), "10.0.2.10:23") || !strings.Contains(d.row(1), "10.0.2.10:22") || strings.Contains(d.screen(), "ACCEPT") {
		t.Fatalf("filter reject should show only the two REJECT rows:\n%s", d.screen())
	}
	if !strings.Contains(d.statusLine(), "filter: reject (2)") {
		t.Fatalf("status bar shows the filter and its count: %q", d.statusLine())
	}

	// New records are matched on the tick, not per record.
	appendLines(t, d.m.sh.Store, model.DefaultFormat,
		"2 123456789012 eni-0a1b2c3d4e5f60002 198.51.100.7 10.0.2.10 40000 3389 6 1 40 1700000100 1700000160 REJECT OK",
		"2 123456789012 eni-0a1b2c3d4e5f60002 198.51.100.7 10.0.2.10 40001 443 6 1 40 1700000100 1700000160 ACCEPT OK")
	d.refresh()
	if !strings.Contains(d.row(0), "10.0.2.10:3389") || strings.Contains(d.screen(), "ACCEPT") {
		t.Fatalf("new REJECT record should join the filtered view:\n%s", d.screen())
	}

	d.keys("/")
	d.typeText(`"10.0.2.10:22`)
	if !strings.Contains(d.footerLine(), "unterminated quote") {
		t.Fatalf("incomplete filter should say so while typing: %q", d.footerLine())
	}
	d.keys("enter")
	if d.m.mode != modeFilter {
		t.Fatal("enter on an incomplete filter keeps the bar open")
	}
	d.typeText(`"`)
	d.keys("enter")
	if !strings.Contains(d.row(0), "10.0.2.10:22") || strings.Contains(d.screen(), ":23") {
		t.Fatalf("quoted phrase filter:\n%s", d.screen())
	}

	d.keys("/")
	for range 20 {
		d.keys("backspace")
	}
	d.keys("enter")
	if !strings.Contains(d.screen(), "ACCEPT") || strings.Contains(d.statusLine(), "filter:") {
		t.Fatalf("empty filter shows everything again:\n%s", d.screen())
	}
}

// invalidCompiler stands in for the query language: it rejects "=" at the
// position where it appears.
func invalidCompiler(text string, names *model.Interner) (Filter, FilterState, error) {
	if i := strings.IndexByte(text, '='); i >= 0 {
		st := FilterState{Kind: FilterInvalid, Pos: i + 1, Message: "unexpected ="}
		return nil, st, fmt.Errorf("query: %s at column %d", st.Message, st.Pos)
	}
	return QueryFilter(text, names)
}

func TestFilterCompilerIsReplaceable(t *testing.T) {
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Compile = invalidCompiler
	d := newDriver(t, cfg, 80, 24)
	d.keys("/")
	d.typeText("action = REJECT")
	if !strings.Contains(d.footerLine(), "col 8: unexpected =") {
		t.Fatalf("invalid filter should name the position: %q", d.footerLine())
	}
}

func TestStaleFilterResultIsDropped(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.applyFilter("reject")
	before := len(d.m.sh.Matches.Seqs)
	d.send(filterDoneMsg{gen: d.m.filterGen.Load() - 1, seqs: []uint64{0, 1, 2, 3, 4}, next: 99})
	if len(d.m.sh.Matches.Seqs) != before {
		t.Fatal("a result tagged with an older filter generation replaced the current matches")
	}
}

func TestTimeZoneToggle(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("G", "j") // a record from 2023-11-14 22:13:56 UTC
	if !strings.Contains(d.row(1), "22:13:56") || !strings.Contains(d.statusLine(), "UTC") {
		t.Fatalf("times default to UTC:\n%s", d.screen())
	}
	d.keys("t")
	if !strings.Contains(d.row(1), "23:13:56") || !strings.Contains(d.statusLine(), "local time CET") {
		t.Fatalf("t switches to the local zone (CET in the test):\n%s", d.screen())
	}
}

func TestTooSmallTerminalSaysWhatItNeeds(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 50, 10)
	if !strings.Contains(d.screen(), "at least 60×12") || !strings.Contains(d.screen(), "50×10") {
		t.Fatalf("small terminal message:\n%s", d.screen())
	}
}

func TestEscapeSequencesInLogsNeverReachTheScreen(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	raw := d.m.View().Content
	if strings.Contains(raw, "\x1b]0;") || strings.Contains(raw, "\x07") {
		t.Fatal("an OSC sequence from a log line reached the terminal")
	}
	if !strings.Contains(d.screen(), "eni-evil\uFFFD]0;pwned") {
		t.Fatalf("the sanitised interface id should still be shown, its ESC as U+FFFD:\n%s", d.screen())
	}
}

func TestPaneSwitchingKeys(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("tab")
	if d.m.active != (1 % len(d.m.panes)) {
		t.Fatalf("tab moves to the next pane")
	}
	d.keys("1")
	if d.m.active != 0 {
		t.Fatal("1 goes to the flows pane")
	}
}

func TestHealthInStatusBar(t *testing.T) {
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Health = func() []Health {
		return []Health{{Source: "/vpc/flows", Mode: "live", Backoff: "4s", LastError: "ThrottlingException: rate exceeded; retrying with backoff"}}
	}
	d := newDriver(t, cfg, 120, 40)
	d.refresh()
	if !strings.Contains(d.statusLine(), "/vpc/flows live retry 4s") {
		t.Fatalf("status bar shows source health: %q", d.statusLine())
	}
	if !strings.Contains(d.footerLine(), "ThrottlingException") {
		t.Fatalf("the source error and what to do replace the key help: %q", d.footerLine())
	}
}

// TestTailHealthInStatusBar: a live CloudWatch tail shows its lag, rate,
// sampled seconds and suppressed duplicates.
func TestTailHealthInStatusBar(t *testing.T) {
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Health = func() []Health {
		return []Health{{Source: "/vpc/flows", Mode: "live", Lag: 95 * time.Second, Rate: 412.4, Sampled: 3, Dups: 1204}}
	}
	d := newDriver(t, cfg, 120, 40)
	d.refresh()
	if want := "/vpc/flows live lag 1m35s 412 ev/s sampled 3s 1,204 dup"; !strings.Contains(d.statusLine(), want) {
		t.Fatalf("status bar %q, want it to contain %q", d.statusLine(), want)
	}
}

func TestTickRedrawsOnlyWhenSomethingChanged(t *testing.T) {
	s := genStore(t, 100, 1)
	d := newDriver(t, fixtureConfig(s), 80, 24)
	d.m.View()
	d.refresh()
	d.refresh() // the rate settles at zero
	first := d.m.View().Content
	d.refresh()
	if d.m.frame != first {
		t.Fatal("a tick with no new records and no status change threw the frame away")
	}
	appendLines(t, s, model.DefaultFormat, genLine(2))
	d.refresh()
	if d.m.frame != "" {
		t.Fatal("a tick after new records must redraw")
	}
	if !strings.Contains(d.row(0), ":10002") {
		t.Fatalf("new record not drawn:\n%s", d.screen())
	}
}

func TestMarksAndJumps(t *testing.T) {
	s := genStore(t, 100, 30)
	d := newDriver(t, fixtureConfig(s), 80, 24)
	d.keys("j", "m") // record 29
	for range 10 {
		d.keys("j")
	}
	d.keys("m", "G") // record 19, then back to the newest
	if !strings.Contains(d.statusLine(), "2 marked") {
		t.Fatalf("status bar counts marks: %q", d.statusLine())
	}
	d.keys("n")
	if seq, _ := d.flows().CursorSeq(); seq != 28 {
		t.Fatalf("n from the newest goes to the nearest older mark (seq 28), at %d", seq)
	}
	d.keys("n")
	if seq, _ := d.flows().CursorSeq(); seq != 18 {
		t.Fatalf("n again goes to seq 18, at %d", seq)
	}
	d.keys("N")
	if seq, _ := d.flows().CursorSeq(); seq != 28 {
		t.Fatalf("N goes back up to seq 28, at %d", seq)
	}
	if !strings.HasPrefix(d.row(findRow(d, ":10029")), "•") {
		t.Fatalf("marked row shows a bullet:\n%s", d.screen())
	}
}

func findRow(d *driver, s string) int {
	for r := 0; r < 20; r++ {
		if strings.Contains(d.row(r), s) {
			return r
		}
	}
	d.t.Fatalf("%q not on screen:\n%s", s, d.screen())
	return -1
}

// y copies the log line as it was written (control bytes replaced), Y
// the key=value form; both through OSC 52.
func TestCopyRowUsesOSC52(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("j") // the 10.0.9.9 record
	copied := func(k string) (clip, flash string) {
		_, cmd := d.m.Update(keyPress(k))
		var walk func(tea.Cmd)
		walk = func(c tea.Cmd) {
			if c == nil {
				return
			}
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					walk(c)
				}
			case flashMsg:
				flash = msg.text
			default:
				if fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" {
					clip = fmt.Sprint(msg)
				}
			}
		}
		walk(cmd)
		return clip, flash
	}
	clip, flash := copied("y")
	want := strings.NewReplacer("\x1b", "?", "\x07", "?").Replace(fixtureLines[7])
	if clip != want {
		t.Fatalf("y copied %q, want the log line %q", clip, want)
	}
	if !strings.Contains(flash, "copied the log line") || cellWidth(flash) > 79 {
		t.Fatalf("y should confirm the copy in one 80-column line, got %q", flash)
	}
	clip, _ = copied("Y")
	if !strings.HasPrefix(clip, "version=2 account-id=123456789012") || !strings.Contains(clip, "srcaddr=10.0.9.9") {
		t.Fatalf("Y copied %q, want key=value", clip)
	}
}

// y keeps the fields flowtail does not know, in the line's own order.
func TestCopyKeepsUnknownFields(t *testing.T) {
	s := model.NewStore(10)
	format := "version srcaddr dstaddr x-custom-field action log-status"
	line := "2 10.0.0.1 10.0.0.2 blue ACCEPT OK"
	appendLines(t, s, model.MustParseFormat(format), line)
	var seq uint64
	s.Read(func(v model.View) { seq = v.Seq(0) })
	msg := copyRecord(&Shared{Store: s}, seq, false)
	var clip string
	for _, c := range msg().(tea.BatchMsg) {
		if m := c(); fmt.Sprintf("%T", m) == "tea.setClipboardMsg" {
			clip = fmt.Sprint(m)
		}
	}
	if clip != line {
		t.Fatalf("copied %q, want %q", clip, line)
	}
}

func TestDetailPairsTheReverseRecord(t *testing.T) {
	s := model.NewStore(100)
	// AWS's documented ping: the response is rejected by a network ACL.
	appendLines(t, s, model.DefaultFormat,
		"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK",
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK")
	d := newDriver(t, fixtureConfig(s), 120, 40)
	d.keys("j", "enter") // the accepted request
	screen := d.screen()
	if !strings.Contains(screen, "record #1: 172.31.16.139 → 203.0.113.12  REJECT") {
		t.Fatalf("detail should show the paired reply:\n%s", screen)
	}
	if !strings.Contains(screen, "request accepted, reply rejected") {
		t.Fatalf("detail should name the stateless ACL return-path problem:\n%s", screen)
	}
}

func TestHelpShowsPaneAndGlobalKeys(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("?")
	screen := d.screen()
	for _, want := range []string{"keys · flows pane", "follow", "pause display", "export view", "UTC/local time", "quit"} {
		if !strings.Contains(screen, want) {
			t.Errorf("help screen lacks %q:\n%s", want, screen)
		}
	}
	if !strings.Contains(screen, "Newest first: G returns to the top") {
		t.Errorf("the flows pane's help explains G and g:\n%s", screen)
	}
	if !strings.Contains(screen, "\n ↑/k  up ") {
		t.Errorf("key columns should keep the one-cell margin of the title and the notes:\n%s", screen)
	}
	d.keys("esc")
	if d.m.mode != modeNormal || !strings.Contains(d.screen(), "ACTION") {
		t.Fatal("esc closes the help")
	}
	for _, pane := range []string{"2", "3", "4", "5"} { // tables not in time order: G is their first row
		d.keys("esc", pane, "?")
		if screen := d.screen(); !strings.Contains(screen, "G    first row") || strings.Contains(screen, "newest") || strings.Contains(screen, "Newest first") {
			t.Errorf("pane %s: the help should list G and g as the table's ends:\n%s", pane, screen)
		}
	}
}

func TestStatusBarFitsEveryWidth(t *testing.T) {
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Health = func() []Health {
		return []Health{{Source: "/aws/vpc/flowlogs/production-vpc-0123456789", Mode: "live", Lag: 3e9}}
	}
	for _, w := range []int{60, 80, 100, 120, 200} {
		d := newDriver(t, cfg, w, 24)
		d.refresh()
		d.applyFilter("reject")
		if got := len([]rune(d.statusLine())); got != w {
			t.Errorf("width %d: status bar is %d cells: %q", w, got, d.statusLine())
		}
		// A filter too long for the bar is cut, never dropped, and keeps
		// its count.
		d.applyFilter(`"REJECT" "` + strings.Repeat("0", 30) + `" eni`)
		st := d.statusLine()
		if got := len([]rune(st)); got != w {
			t.Errorf("width %d: status bar is %d cells: %q", w, got, st)
		}
		if !strings.Contains(st, "filter: \"REJECT\"") || !strings.Contains(st, "(0)") {
			t.Errorf("width %d: the long filter should show, cut, with its count: %q", w, st)
		}
	}
}

func TestMalformedLinesView(t *testing.T) {
	s := fixtureStore(t)
	s.Append(func(a model.Appender) {
		a.Bad(model.Malformed{Origin: "capture.log", LineNo: 7, Line: "2 123 eni-x \x1b[2Jgarbage", Err: "protocol is not a number at column 14 (protocol)"})
	})
	d := newDriver(t, fixtureConfig(s), 80, 24)
	if !strings.Contains(d.statusLine(), "1 malformed") {
		t.Fatalf("status bar counts malformed lines: %q", d.statusLine())
	}
	d.keys("e")
	screen := d.screen()
	for _, want := range []string{"1 malformed line ·", "capture.log:7", "protocol is not a number at column 14", "eni-x \uFFFD[2Jgarbage"} {
		if !strings.Contains(screen, want) {
			t.Errorf("malformed view lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(d.m.View().Content, "\x1b[2J") {
		t.Fatal("an escape sequence from a malformed line reached the screen")
	}
	if f := d.footerLine(); strings.Contains(f, "copy") || !strings.Contains(f, "esc back") {
		t.Errorf("the malformed view offers only keys it answers: %q", f)
	}
	d.keys("esc")
	if d.m.mode != modeNormal {
		t.Fatal("esc leaves the malformed view")
	}
	d.keys("enter")
	if f := d.footerLine(); !strings.Contains(f, "y copy line") {
		t.Errorf("a record's detail offers y: %q", f)
	}
}

func TestNoLineWiderThanTheTerminal(t *testing.T) {
	for _, size := range [][2]int{{60, 12}, {80, 24}, {120, 40}} {
		d := newDriver(t, fixtureConfig(fixtureStore(t)), size[0], size[1])
		for _, keys := range [][]string{{}, {"enter"}, {"esc", "?"}, {"esc", "e"}, {"esc", "/"}} {
			d.keys(keys...)
			lines := strings.Split(d.screen(), "\n")
			if len(lines) != size[1] {
				t.Errorf("%dx%d after %v: %d lines", size[0], size[1], keys, len(lines))
			}
			for _, l := range lines {
				if w := cellWidth(l); w > size[0] {
					t.Errorf("%dx%d after %v: line of %d cells: %q", size[0], size[1], keys, w, l)
				}
			}
		}
	}
}

// At 80 columns the filter bar keeps the whole query in view and still
// says what is wrong and where, even when the message is long.
func TestFilterBarShowsTextAndLongErrorAt80Columns(t *testing.T) {
	d := queryDriver(t, fixtureStore(t), 80, 24)
	d.keys("/")
	d.typeText(`filter action = "REJECT" and dstport = 22`)
	if got := d.footerLine(); !strings.Contains(got, `/filter action = "REJECT" and dstport = 22`) || !strings.Contains(got, "✓") {
		t.Errorf("valid query cut or unmarked: %q", got)
	}
	d.keys("ctrl+u")
	d.typeText("filter dstport = = 3")
	got := d.footerLine()
	if !strings.Contains(got, "/filter dstport = = 3") || !strings.Contains(got, "✗ col 18: expected a value") {
		t.Errorf("invalid query should show the text and the position of the problem: %q", got)
	}
	if w := cellWidth(got); w > 80 {
		t.Errorf("filter bar is %d cells wide", w)
	}
}

// On a wide terminal the filter bar's mark stays next to the text.
func TestFilterBarMarkFollowsTextWhenWide(t *testing.T) {
	d := queryDriver(t, fixtureStore(t), 160, 24)
	d.keys("/")
	d.typeText("filter dstport = = 3")
	f := d.footerLine()
	if i := strings.Index(f, "✗ col 18"); i < 0 || cellWidth(f[:i]) > 60 {
		t.Errorf("mark far from the text: %q", f)
	}
}

// The filter bar's message can quote what was typed or recalled from the
// history file: it is sanitised like every other string.
func TestFilterMessageIsSanitised(t *testing.T) {
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Compile = func(text string, _ *model.Interner) (Filter, FilterState, error) {
		st := FilterState{Kind: FilterInvalid, Pos: 1, Message: "unknown field '\x1b]0;pwned\a'"}
		return nil, st, errors.New(st.Message)
	}
	d := newDriver(t, cfg, 80, 24)
	d.keys("/")
	d.typeText("x")
	if raw := d.m.View().Content; strings.Contains(raw, "\x1b]0;") || strings.Contains(raw, "\a") {
		t.Fatal("an escape sequence in a filter message reached the terminal")
	}
	if !strings.Contains(d.footerLine(), "unknown field '\uFFFD]0;pwned\uFFFD'") {
		t.Errorf("the message should still be shown: %q", d.footerLine())
	}
}

// Pasting into the filter bar inserts the text (it was dropped), on one
// line and without control characters.
func TestPasteIntoFilterBar(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("/")
	d.send(tea.PasteMsg{Content: "10.0.9.9\n\x1b[2J"})
	if got := d.m.filter.input.Value(); got != `10.0.9.9 \u{1b}[2J` {
		t.Fatalf("filter bar holds %q after a paste", got)
	}
	d.keys("esc", "ctrl+s", "ctrl+u")
	d.send(tea.PasteMsg{Content: "out.csv"})
	if got := d.m.export.input.Value(); got != "out.csv" {
		t.Fatalf("export prompt holds %q after a paste", got)
	}
}

// A pasted value with a control character or an invalid byte is written
// with escapes, not stripped: quoted, it filters for exactly the record
// that holds it, and the bar shows that something is there.
func TestPastedControlsStayInTheFilter(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("/")
	d.send(tea.PasteMsg{Content: "interface-id = \"eni-evil\x1b]0;pwned\x07\""})
	want := `interface-id = "eni-evil\u{1b}]0;pwned\u{7}"`
	if got := d.m.filter.input.Value(); got != want {
		t.Fatalf("filter bar holds %q after the paste, want %q", got, want)
	}
	d.keys("enter")
	if got := d.m.sh.FilterText; got != want {
		t.Fatalf("filter applied: %q, want %q", got, want)
	}
	if !strings.Contains(d.screen(), "10.0.9.9:1234") || strings.Contains(d.screen(), "10.0.1.23") {
		t.Errorf("the filter should show the one record of that interface:\n%s", d.screen())
	}
	if got := escapeUnsafe("a\xffb\u202ec\td"); got != `a\xffb\u{202e}c d` {
		t.Errorf("escapeUnsafe: %q", got)
	}
}

// When the sources are done the screen catches up at once, not at the
// next tick: with a filter applied, records that arrived since the last
// tick are matched and shown as soon as ingest ends.
func TestIngestEndRefreshesWithoutATick(t *testing.T) {
	s := model.NewStore(100)
	ingested := make(chan struct{})
	cfg := fixtureConfig(s) // its tick is an hour: only the end of ingest can refresh
	cfg.Ingested = ingested
	d := newDriver(t, cfg, 80, 24)
	d.applyFilter("10.0.0.2")
	appendLines(t, s, model.DefaultFormat, genLine(1), genLine(2), genLine(3))
	if strings.Contains(d.screen(), "10.0.0.2:10002") {
		t.Fatalf("filtered records shown before any refresh:\n%s", d.screen())
	}
	wait := d.m.waitIngested()
	close(ingested)
	d.send(wait())
	scr := d.screen()
	if !strings.Contains(scr, "10.0.0.2:10002") || strings.Contains(scr, "10.0.0.3:10003") {
		t.Errorf("the end of ingest did not refresh the filtered view:\n%s", scr)
	}
}
