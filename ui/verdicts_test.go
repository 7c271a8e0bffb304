package ui

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// verdictsStore holds traffic on the demo topology whose verdicts are
// known by construction: 40 SSH probes from 40 addresses that the web
// group rejects, 30 HTTPS clients it allows, and 25 replies of the
// database to ephemeral ports below its NACL's range.
func verdictsStore(t *testing.T) *model.Store {
	s := model.NewStore(1000)
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, fmt.Sprintf("3 eni-0aaa1111111111111 45.155.205.%d 10.0.1.10 %d 22 6 1 44 %d %d REJECT 2 OK", i+1, 40000+i, 1700000000+i, 1700000060+i))
	}
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf("3 eni-0aaa1111111111111 198.18.0.%d 10.0.1.10 %d 443 6 10 4000 %d %d ACCEPT 2 OK", i+1, 50000+i, 1700000100+i, 1700000160+i))
	}
	for i := 0; i < 25; i++ {
		lines = append(lines, fmt.Sprintf("3 eni-0ccc3333333333333 10.0.3.30 10.0.2.20 5432 %d 6 2 120 %d %d REJECT 18 OK", 20001+i%10, 1700000200+i, 1700000260+i))
	}
	appendLines(t, s, model.MustParseFormat(flagsFormat), lines...)
	return s
}

func TestVerdictsByRule(t *testing.T) {
	cfg := fixtureConfig(verdictsStore(t))
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d := newDriver(t, cfg, 120, 40)
	d.keys("4", "v")
	d.lineWith("VERDICTS BY RULE · 95 records")
	first := d.lineWith("40      40  SG          sg-0web1111111111111: no inbound rule for TCP 22 · port 22")
	d.lineWith("30      30  allowed     sg-0web1111111111111 (web) inbound tcp 443 from 0.0.0.0/0 · port 443")
	d.lineWith("25       1  NACL        acl-0d3c4b5a69788990a (db-nacl) outbound rule * deny · ports 20001–20010 · 25 replies")
	if scr := d.screen(); strings.Index(scr, first) > strings.Index(scr, "30      30  allowed") {
		t.Errorf("the largest count is not first:\n%s", scr)
	}
	// enter shows the flows of the row under the cursor: the 40 probes.
	d.keys("enter")
	if d.m.sh.Matches == nil || len(d.m.sh.Matches.Seqs) != 40 {
		t.Fatalf("drill-down selects %v, want the 40 SSH probes", d.m.sh.Matches)
	}
	d.lineWith("45.155.205.40")
	// The drill-down's text reads back as the same records.
	d.keys("/")
	d.lineWith(`/verdict:"sg-0web1111111111111: no inbound rule for TCP 22"`)
	d.lineWith(`✓ verdict → records decided by sg-0web`)
	d.lineWith(`· 40 rows`) // the count stays on the line; the reading is cut before it
	if r := d.m.filter.state.Reading; r != "verdict → records decided by sg-0web1111111111111: no inbound rule for TCP 22" || d.m.filter.count.n != 40 {
		t.Errorf("the filter bar reads the drill-down's text as %q, %d rows", r, d.m.filter.count.n)
	}
	d.keys("enter")
	if n := len(d.m.sh.Matches.Seqs); n != 40 {
		t.Errorf("the drill-down's text applied again selects %d records, want 40", n)
	}
	// Back in the pane, the count covers the flows drilled down to.
	d.keys("4")
	d.lineWith(`VERDICTS BY RULE · 40 records of filter verdict:"sg-0web1111111111111: no inbound rule for TCP 22"`)
	d.lineWith("40      40  SG          sg-0web1111111111111: no inbound rule for TCP 22 · port 22")
	d.keys("v")
	d.lineWith("VERDICT ingress · expected REJECT · logged REJECT (consistent) · decided by SG")
}

func TestGoldenVerdicts(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			cfg := fixtureConfig(verdictsStore(t))
			cfg.Rules = &staticRules{snap: demoRules(t)}
			d := newDriver(t, cfg, size[0], size[1])
			d.keys("4", "v")
			d.lineWith("VERDICTS BY RULE · 95 records")
			golden.RequireEqual(t, []byte(d.m.View().Content))
		})
	}
}

// TestVerdictsViewFitsAnySize: every size draws exactly its height, no
// line wider than its width.
func TestVerdictsViewFitsAnySize(t *testing.T) {
	cfg := fixtureConfig(verdictsStore(t))
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d := newDriver(t, cfg, 120, 40)
	d.keys("4", "v")
	d.lineWith("VERDICTS BY RULE · 95 records")
	p := d.m.panes[d.m.active].(*rulesPane)
	for _, size := range [][2]int{{1, 1}, {5, 2}, {20, 3}, {80, 24}, {300, 100}} {
		p.SetSize(size[0], size[1])
		lines := strings.Split(p.View(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if w := cellWidth(ansi.Strip(l)); w > size[0] {
				t.Errorf("%dx%d: a line of %d cells: %q", size[0], size[1], w, l)
			}
		}
	}
}

// loadedRules is a rule source that can say what it holds without a lookup.
type loadedRules struct{ staticRules }

func (l *loadedRules) Loaded() *rules.Snapshot { return l.snap }

// TestFilterWordsThroughTheRules: a security group id or an interface's
// Name tag in the filter bar selects that interface's records.
func TestFilterWordsThroughTheRules(t *testing.T) {
	cfg := fixtureConfig(verdictsStore(t))
	cfg.Rules = &loadedRules{staticRules{snap: demoRules(t)}}
	d := newDriver(t, cfg, 160, 40)
	for _, tt := range []struct{ text, want string }{
		{"sg-0web1111111111111", "sg-0web1111111111111 → interfaces holding sg-0web1111111111111 (web): eni-0aaa1111111111111 · 70 rows"},
		{"db-1", "db-1 → interface eni-0ccc3333333333333 (db-1) · 25 rows"},
		// The reading is cut before the count, which stays on the line.
		{"sg-0db33333333333333 reject", "sg-0db33333333333333 → interfaces holding sg-0db33333333333333 (db): eni-0ccc3333333333333 · reject → action … · 25 rows"},
		{"sg-0nope", "sg-0nope → no loaded interface holds sg-0nope (6 interfaces loaded) · 0 rows"},
	} {
		d.keys("/", "ctrl+u")
		d.typeText(tt.text)
		d.lineWith(tt.want)
		d.keys("esc")
	}
}

// TestVerdictsRecountNewRecords: records that arrive are counted on a
// later refresh, not on every one.
func TestVerdictsRecountNewRecords(t *testing.T) {
	s := verdictsStore(t)
	var clock atomic.Int64
	clock.Store(fixedNow.UnixNano())
	cfg := fixtureConfig(s)
	cfg.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d := newDriver(t, cfg, 120, 40)
	d.keys("4", "v")
	d.lineWith("VERDICTS BY RULE · 95 records")
	appendLines(t, s, model.MustParseFormat(flagsFormat),
		"3 eni-0aaa1111111111111 45.155.205.99 10.0.1.10 40099 22 6 1 44 1700000300 1700000360 REJECT 2 OK")
	d.refresh()
	d.lineWith("VERDICTS BY RULE · 95 records") // too soon after the last count: deferred
	p := d.m.panes[d.m.active].(*rulesPane)
	if !p.verdicts.due {
		t.Fatal("no recount is due for the new record")
	}
	clock.Add(int64(recountAfter))
	d.send(verdictsDueMsg{view: &p.verdicts}) // the timer fires
	d.lineWith("VERDICTS BY RULE · 96 records")
	d.lineWith("41      41  SG          sg-0web1111111111111: no inbound rule for TCP 22")
}

// At 80 columns a rule's text is cut; the row under the cursor is shown
// whole under the table, so two rules that differ past the cut can be
// told apart before drilling into one.
func TestVerdictsShowCursorRuleWhole(t *testing.T) {
	cfg := fixtureConfig(verdictsStore(t))
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d := newDriver(t, cfg, 80, 24)
	d.keys("4", "v")
	d.lineWith("VERDICTS BY RULE · 95 records")
	for _, want := range []string{
		"sg-0web1111111111111: no inbound rule for TCP 22 · port 22",
		"sg-0web1111111111111 (web) inbound tcp 443 from 0.0.0.0/0 · port 443",
		"acl-0d3c4b5a69788990a (db-nacl) outbound rule * deny · ports 20001–20010 · 25 replies",
	} {
		scr := strings.Join(strings.Fields(d.screen()), " ")
		if !strings.Contains(scr, want) {
			t.Errorf("the cursor's rule is not shown whole: want %q in\n%s", want, d.screen())
		}
		for _, l := range strings.Split(d.screen(), "\n") {
			if cellWidth(l) > 80 {
				t.Errorf("line wider than 80: %q", l)
			}
		}
		d.keys("j")
	}
}

// TestOneRecordIsSingular: counts of one read "1 record", "1 packet" in
// the verdicts heading and a conversation's sides, and larger counts
// carry thousands separators like every other count on screen.
func TestOneRecordIsSingular(t *testing.T) {
	cfg := fixtureConfig(verdictsStore(t))
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d := newDriver(t, cfg, 120, 40)
	d.applyFilter("45.155.205.1")
	d.keys("4", "v")
	d.lineWith(`VERDICTS BY RULE · 1 record of filter 45.155.205.1`)

	s := model.NewStore(2000)
	var lines []string
	for i := 0; i < 1200; i++ { // one conversation logged 1,200 times one way
		lines = append(lines, fmt.Sprintf("3 eni-0f1 10.0.0.62 10.0.0.2 40003 53 17 1 60 %d %d ACCEPT - OK", 1566933200+i, 1566933260+i))
	}
	lines = append(lines, "3 eni-0f1 198.51.100.8 10.0.0.62 40002 22 6 1 60 1566933200 1566933260 REJECT 2 OK")
	appendLines(t, s, model.MustParseFormat(flagsFormat), lines...)
	d = newDriver(t, fixtureConfig(s), 120, 40)
	d.keys("3", "c")
	d.lineWith("request 1 record, 1 packet, REJECT; reply not logged")
	d.keys("j")
	d.lineWith("request 1,200 records, 1,200 packets, ACCEPT; reply not logged")
}
