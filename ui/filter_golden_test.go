package ui

import (
	"fmt"
	"strings"
	"testing"
)

// counted is the state where the filter bar holds text and has counted
// what it selects.
func counted(text string) func(r *rootModel) bool {
	return func(r *rootModel) bool {
		return r.filter.input.Value() == text && r.filter.count.known && r.filter.count.text == text
	}
}

func typing(s string) []string {
	keys := []string{"/"}
	for _, r := range s {
		keys = append(keys, string(r))
	}
	return keys
}

// TestGoldenFilterReading: while typing, the filter bar says how it reads
// the words and how many records they select.
func TestGoldenFilterReading(t *testing.T) {
	for _, tt := range []struct {
		w, h int
		text string
	}{{80, 24, "10.0.2.21"}, {120, 40, "ssh reject"}} {
		t.Run(fmt.Sprintf("%dx%d", tt.w, tt.h), func(t *testing.T) {
			runGolden(t, tt.w, tt.h, counted(tt.text), typing(tt.text)...)
		})
	}
}

func TestFilterBarShowsTheReading(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"10.0.2.21", "10.0.2.21 → address = 10.0.2.21 · 0 rows"},
		{"22", "22 → port = 22 · 1 row"},
		{"reject", "reject → action = REJECT · 2 rows"},
	} {
		d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
		d.keys("/")
		d.typeText(tt.text)
		if !strings.Contains(d.screen(), tt.want) {
			t.Errorf("typing %q: the filter bar does not say %q:\n%s", tt.text, tt.want, d.screen())
		}
	}
}

// TestFilterTimesInTheDisplayZone: a clock time in the filter bar is read
// in the zone the times are drawn in (UTC, or the local zone after t), on
// the day of the clock.
func TestFilterTimesInTheDisplayZone(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	// The fixture's records start at 22:13:20 to 22:13:56 UTC on 2023-11-14.
	d.applyFilter(`start >= "22:13:50"`)
	if n := len(d.m.sh.Matches.Seqs); n != 6 {
		t.Errorf(`start >= "22:13:50" in UTC: %d records, want 6`, n)
	}
	d.keys("t") // local time: CET, one hour ahead
	d.applyFilter(`start >= "23:13:50" and start < "23:13:55"`)
	if n := len(d.m.sh.Matches.Seqs); n != 4 {
		t.Errorf(`start in [23:13:50, 23:13:55) CET: %d records, want 4`, n)
	}
	d.keys("/", "ctrl+u")
	d.typeText(`start > "noon"`)
	if !strings.Contains(d.screen(), `✗ col 9: "noon" is not a time`) {
		t.Errorf("an unreadable time is not shown as an error at its column:\n%s", d.screen())
	}
}

// TestFilterBarCountSurvivesALongReading: the reading of several words is
// wider than the bar at 80 columns; it is cut, not the count after it,
// which is the point of the reading ("does this select anything?"). The
// want is counted by hand from fixtureLines: the two rejected SSH and
// Telnet probes to 10.0.2.10, both TCP.
func TestFilterBarCountSurvivesALongReading(t *testing.T) {
	for _, w := range []int{60, 80} {
		d := newDriver(t, fixtureConfig(fixtureStore(t)), w, 24)
		d.keys("/")
		d.typeText("reject 10.0.2.10 tcp")
		bar := d.lineWith("/reject")
		if !strings.HasSuffix(strings.TrimRight(bar, " "), "· 2 rows") {
			t.Errorf("at %d columns the filter bar does not end with the count:\n%q", w, bar)
		}
		if !strings.Contains(bar, "reject → action") || !strings.Contains(bar, "…") {
			t.Errorf("at %d columns the reading should start and be cut with …:\n%q", w, bar)
		}
		if cellWidth(bar) > w {
			t.Errorf("at %d columns the filter bar is %d cells wide", w, cellWidth(bar))
		}
	}
}
