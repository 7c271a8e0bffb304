package ui

import (
	"strings"
	"testing"
	"time"
)

// A source whose mode repeats its name ("demo" in "demo (live)") is named
// once in the status bar.
func TestHealthTextNamesTheSourceOnce(t *testing.T) {
	for _, tt := range []struct {
		h    Health
		want string
	}{
		{Health{Source: "demo", Mode: "demo (live)"}, "demo (live)"},
		{Health{Source: "demo", Mode: "demo"}, "demo"},
		{Health{Source: "flows.log", Mode: "follow"}, "flows.log follow"},
		{Health{Source: "/vpc/flows", Mode: "live", Lag: 3 * time.Second, Backoff: "4s"}, "/vpc/flows live lag 3s retry 4s"},
		{Health{Source: "capture.log.gz", Mode: "file", Final: true}, "capture.log.gz file stopped"},
		{Health{Source: "eni\x1b[2J", Mode: "file"}, "eni\uFFFD[2J file"},
	} {
		if got := healthText(tt.h); got != tt.want {
			t.Errorf("healthText(%+v) = %q, want %q", tt.h, got, tt.want)
		}
	}
}

// TestStatusKeepsALongStatsQuery: an applied query too long for the
// status bar is cut with …, never dropped: a stats query has no match
// count after it, and the bar used to drop it whole (and the time zone
// after it), so at 80 columns nothing said a query was applied.
func TestStatusKeepsALongStatsQuery(t *testing.T) {
	q := "stats count(*) as n, sum(bytes) as b by interfaceId, srcaddr, dstaddr"
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.refresh()
	d.applyFilter(q)
	d.refresh()
	lines := strings.Split(d.screen(), "\n")
	status := lines[len(lines)-2]
	if !strings.Contains(status, "filter: stats count(*)") || !strings.Contains(status, "…") {
		t.Errorf("the status bar does not show the applied query, cut:\n%q", status)
	}
	if cellWidth(status) != 80 {
		t.Errorf("the status bar is %d cells wide, want 80", cellWidth(status))
	}
}
