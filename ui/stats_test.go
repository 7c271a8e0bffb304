package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/flowtail/flowtail/model"
)

func gotoPane(t *testing.T, d *driver, title string) {
	t.Helper()
	for i := range len(d.m.panes) {
		if d.m.panes[d.m.active].Title() == title {
			return
		}
		if i == len(d.m.panes) {
			break
		}
		d.keys("tab")
	}
	if d.m.panes[d.m.active].Title() != title {
		t.Fatalf("no %s pane", title)
	}
}

// queryDriver drives the TUI with the query language in the filter bar.
func queryDriver(t *testing.T, s *model.Store, w, h int) *driver {
	cfg := fixtureConfig(s)
	cfg.Compile = QueryFilter
	return newDriver(t, cfg, w, h)
}

func TestStatsPaneShowsQueryAndDrillsDown(t *testing.T) {
	d := queryDriver(t, fixtureStore(t), 100, 20)
	d.applyFilter(`filter action = "REJECT" | stats count(*) as n, sum(bytes) as bytes by dstaddr, dstport | sort dstport desc`)
	gotoPane(t, d, "stats")
	screen := d.screen()
	for _, want := range []string{"dstaddr", "dstport", "n", "bytes", "10.0.2.10", "2 groups · 2 of 9 records matched"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("stats pane lacks %q:\n%s", want, screen)
		}
	}
	lines := strings.Split(screen, "\n")
	var rows []string
	for _, l := range lines {
		if strings.Contains(l, "10.0.2.10") {
			rows = append(rows, strings.Join(strings.Fields(l), " "))
		}
	}
	if len(rows) != 2 || rows[0] != "10.0.2.10 23 1 40" || rows[1] != "10.0.2.10 22 1 40" {
		t.Fatalf("rows %q, want port 23 then 22 (sort dstport desc)", rows)
	}
	// s sorts by the first column, again by the next; S reverses.
	d.keys("s", "s", "S")
	if got := d.screen(); strings.Index(got, " 22 ") > strings.Index(got, " 23 ") {
		t.Errorf("after sorting by dstport ascending, 22 should come first:\n%s", got)
	}
	d.keys("enter")
	if d.m.panes[d.m.active].Title() == "stats" {
		t.Fatal("enter did not go to the flows")
	}
	if !strings.HasSuffix(d.m.sh.FilterText, `| filter dstaddr = "10.0.2.10" and dstport = 22`) {
		t.Errorf("filter after drill-down = %q", d.m.sh.FilterText)
	}
	if d.m.sh.Matches == nil || len(d.m.sh.Matches.Seqs) != 1 {
		t.Errorf("drill-down selects %v records, want the one REJECT to port 22", d.m.sh.Matches)
	}
}

// Before a stats query the pane says how to get one, with examples that
// fit 80 columns whole and that run as typed.
func TestStatsPaneHintsWithoutStats(t *testing.T) {
	d := queryDriver(t, fixtureStore(t), 80, 24)
	gotoPane(t, d, "stats")
	screen := d.screen()
	if !strings.Contains(screen, "Type a query with stats in the filter bar (/)") {
		t.Errorf("no hint:\n%s", screen)
	}
	examples := 0
	for _, l := range strings.Split(screen, "\n") {
		q, ok := strings.CutPrefix(l, "   ")
		if !ok || strings.TrimSpace(q) == "" {
			continue
		}
		examples++
		if strings.Contains(q, "…") {
			t.Errorf("example cut at 80 columns: %q", q)
		}
		if _, st, err := QueryFilter(strings.TrimSpace(q), d.m.sh.Store.Names()); err != nil || st.Kind != FilterValid {
			t.Errorf("example %q does not run: %v", q, err)
		}
	}
	if examples == 0 {
		t.Errorf("no examples:\n%s", screen)
	}
}

func TestQueryFilterFallsBackToText(t *testing.T) {
	s := fixtureStore(t)
	for _, tt := range []struct {
		text string
		kind FilterStateKind
		err  bool
	}{
		{`action = "REJECT" and dstport = 22`, FilterValid, false},
		{`dstport = `, FilterIncomplete, true},
		{`dstport = 22 and nosuch = 1`, FilterInvalid, true},
		{`203.0.113.50`, FilterValid, false}, // bare words: fuzzy text
		{`eni-0a1b`, FilterValid, false},
	} {
		flt, st, err := QueryFilter(tt.text, s.Names())
		if st.Kind != tt.kind || (err != nil) != tt.err {
			t.Errorf("QueryFilter(%q) = %v, %v; want kind %v, error %v", tt.text, st, err, tt.kind, tt.err)
		}
		if !tt.err && flt == nil {
			t.Errorf("QueryFilter(%q): no filter", tt.text)
		}
	}
	_, st, _ := QueryFilter(`dstport = `, s.Names())
	if st.Pos != 10 || st.Message != "expected a value after '='" {
		t.Errorf("state %+v, want the position and message of the query error", st)
	}
}

// TestGoldenStatsPane keeps the pane's own drawing at 80 columns: header,
// right-aligned numbers, an absent key left blank, the escape sequence in
// an interface id made harmless, and the footer.
func TestGoldenStatsPane(t *testing.T) {
	d := queryDriver(t, fixtureStore(t), 80, 24)
	d.applyFilter(`stats count(*) as n, sum(bytes) as bytes, count_distinct(dstport) as ports by interfaceId, action | sort n desc, bytes desc`)
	gotoPane(t, d, "stats")
	golden.RequireEqual(t, []byte(d.m.panes[d.m.active].View()))
}

// TestStatsPaneFollowsNewRecords: the table is recomputed as records
// arrive (throttled), without re-entering the query.
func TestStatsPaneFollowsNewRecords(t *testing.T) {
	store := fixtureStore(t)
	d := queryDriver(t, store, 100, 20)
	d.applyFilter(`filter action = "REJECT" | stats count(*) as n by srcaddr`)
	gotoPane(t, d, "stats")
	squeeze := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
		return strings.Join(out, "\n")
	}
	if !strings.Contains(squeeze(d.screen()), "\n203.0.113.50 2\n") {
		t.Fatalf("before: %s", d.screen())
	}
	appendLines(t, store, model.DefaultFormat,
		"2 123456789012 eni-0a1b2c3d4e5f60002 203.0.113.50 10.0.2.10 51517 3389 6 1 40 1700000040 1700000060 REJECT OK",
		"2 123456789012 eni-0a1b2c3d4e5f60002 198.51.100.1 10.0.2.10 51518 22 6 1 40 1700000041 1700000060 REJECT OK")
	time.Sleep(statsInterval + 50*time.Millisecond)
	d.refresh()
	screen := squeeze(d.screen())
	if !strings.Contains(screen, "\n203.0.113.50 3\n") || !strings.Contains(screen, "\n198.51.100.1 1\n") {
		t.Fatalf("after new records the table did not follow:\n%s", screen)
	}
}

// A query that starts with its own filter command is not labelled
// "filter: filter …" in the status bar or the flags pane.
func TestFilterQueryLabelledOnce(t *testing.T) {
	d := queryDriver(t, fixtureStore(t), 120, 40)
	d.applyFilter(`filter action = "REJECT"`)
	if st := d.statusLine(); !strings.Contains(st, `│ filter action = "REJECT" (`) || strings.Contains(st, "filter: filter") {
		t.Errorf("status bar: %q", st)
	}
	d.keys("3")
	if s := d.screen(); !strings.Contains(s, `FLAG COMBINATIONS  filter action = "REJECT"`) {
		t.Errorf("flags pane scope:\n%s", s)
	}
	d.applyFilter("reject")
	if st := d.statusLine(); !strings.Contains(st, "filter: reject (") {
		t.Errorf("plain words keep their label: %q", st)
	}
}

func TestStatsSummaryCountsWithSeparators(t *testing.T) {
	d := queryDriver(t, genStore(t, 2000, 1200), 80, 24)
	d.applyFilter("stats count(*) by action")
	gotoPane(t, d, "stats")
	d.lineWith("1 group · 1,200 of 1,200 records matched")
}

// Long group keys (an interface id, an ARN-like custom value) must not
// push the counts off an 80-column screen: text columns give up room so
// that every column, and above all the numbers, stay on screen.
func TestStatsColumnsFitTheWidth(t *testing.T) {
	s := model.NewStore(100)
	long := "eni-" + strings.Repeat("0123456789", 5)
	appendLines(t, s, model.DefaultFormat,
		"2 123456789012 "+long+"a 10.0.0.1 10.0.1.1 1234 22 6 1 40 1700000000 1700000060 REJECT OK",
		"2 123456789012 "+long+"b 10.0.0.2 10.0.1.2 1234 22 6 1 40 1700000000 1700000060 REJECT OK",
		"2 123456789012 "+long+"b 10.0.0.2 10.0.1.2 1234 22 6 1 40 1700000000 1700000060 REJECT OK",
	)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		d := queryDriver(t, s, size[0], size[1])
		d.applyFilter("stats count(*) as flows, sum(bytes) as totalbytes by interfaceId, accountId, srcaddr, dstaddr, dstport")
		gotoPane(t, d, "stats")
		scr := d.screen()
		for _, l := range strings.Split(scr, "\n") {
			if cellWidth(l) > size[0] {
				t.Errorf("%dx%d: line wider than the window: %q", size[0], size[1], l)
			}
		}
		head := fields(d.row(-1))
		if len(head) < 7 || head[len(head)-2] != "flows" || head[len(head)-1] != "totalbytes" {
			t.Errorf("%dx%d: header %q lacks the aggregate columns:\n%s", size[0], size[1], head, scr)
		}
		if got := fields(d.lineWith("10.0.1.2")); got[len(got)-2] != "2" || got[len(got)-1] != "80" {
			t.Errorf("%dx%d: row %q does not end with its counts 2 and 80", size[0], size[1], got)
		}
	}
}

// Sums past 2^64 show the same exact digits as flowtail query prints, and
// sorting the column orders them exactly where float64s would tie.
func TestStatsPaneWideSumsExact(t *testing.T) {
	s := model.NewStore(100)
	const max64 = "18446744073709551615"
	var lines []string
	for _, r := range []struct{ acct, small string }{{"111111111111", "3"}, {"222222222222", "1"}, {"333333333333", "2"}} {
		for _, b := range []string{max64, max64, r.small} {
			lines = append(lines, "2 "+r.acct+" eni-1 10.0.0.1 10.0.1.1 1234 22 6 1 "+b+" 1700000000 1700000060 ACCEPT OK")
		}
	}
	appendLines(t, s, model.DefaultFormat, lines...)
	d := queryDriver(t, s, 100, 20)
	d.applyFilter("stats sum(bytes) as s, avg(bytes) as a by accountId | sort accountId")
	gotoPane(t, d, "stats")
	// 2*(2^64-1)+k = 36893488147419103230+k; avg = that / 3
	want := []string{
		"111111111111 36893488147419103233 12297829382473034411",
		"222222222222 36893488147419103231 12297829382473034410.333",
		"333333333333 36893488147419103232 12297829382473034410.667",
	}
	accounts := map[string]bool{"111111111111": true, "222222222222": true, "333333333333": true}
	rowsOf := func() []string {
		var rows []string
		for _, l := range strings.Split(d.screen(), "\n") {
			if f := strings.Fields(l); len(f) == 3 && accounts[f[0]] {
				rows = append(rows, strings.Join(f, " "))
			}
		}
		return rows
	}
	if got := rowsOf(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s\nscreen:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), d.screen())
	}
	d.keys("s", "s") // the second column, s: largest first
	if got, w := rowsOf(), []string{want[0], want[2], want[1]}; strings.Join(got, "\n") != strings.Join(w, "\n") {
		t.Fatalf("sorted by s:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(w, "\n"))
	}
}

// Enter on a stats row grouped by a field only the --format defines
// filters by that field's name, quoted where the query language needs
// it, and selects the group's records.
func TestStatsDrillByCustomField(t *testing.T) {
	s := model.NewStore(100)
	format := model.MustParseFormat("${version} ${interface-id} ${my-custom} ${rack-7} ${bytes}")
	lines := []string{
		"2 eni-a c-a r1 10",
		"2 eni-a c-b r1 20",
		"2 eni-b c-a r2 30",
		"2 eni-a c-a r2 40",
		"2 eni-a - r1 50",
	}
	appendLines(t, s, format, lines...)
	// the group of the first row, counted here from the lines
	match := func(iface, custom, rack string) int {
		n := 0
		for _, l := range lines {
			f := strings.Fields(l)
			if f[1] == iface && (custom == "" || f[2] == custom) && (rack == "" || f[3] == rack) {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		query, filter string
		want          int
	}{
		{"stats count(*) as n by interfaceId, my-custom | sort n desc", `interface-id = "eni-a" and my-custom = "c-a"`, match("eni-a", "c-a", "")},
		{"stats count(*) as n by interfaceId, `rack-7` | sort n desc", "interface-id = \"eni-a\" and `rack-7` = \"r1\"", match("eni-a", "", "r1")},
	} {
		d := queryDriver(t, s, 100, 20)
		d.applyFilter(c.query)
		gotoPane(t, d, "stats")
		d.keys("enter")
		if d.m.panes[d.m.active].Title() == "stats" {
			t.Fatalf("%s: enter stayed on the stats pane:\n%s", c.query, d.screen())
		}
		if d.m.sh.FilterText != c.filter {
			t.Errorf("%s: filter after drill-down %q, want %q", c.query, d.m.sh.FilterText, c.filter)
		}
		if d.m.sh.Matches == nil || len(d.m.sh.Matches.Seqs) != c.want {
			t.Errorf("%s: drill-down selects %v, want %d records", c.query, d.m.sh.Matches, c.want)
		}
	}
}
