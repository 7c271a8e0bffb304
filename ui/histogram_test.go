package ui

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/aggregate"
)

func TestSparkScalesToPeakAndKeepsSmallValuesVisible(t *testing.T) {
	tests := []struct {
		vals  []uint64
		width int
		want  string
	}{
		{[]uint64{0, 1, 4, 8}, 4, " ▂▅█"},
		{[]uint64{1000, 1}, 2, "█▁"}, // tiny but nonzero is never blank
		{[]uint64{3, 5}, 4, "▅█  "},  // fewer values than cells: left-aligned
		{[]uint64{1, 1, 2, 2, 0, 0}, 3, "▅█ "},
		{nil, 3, "   "},
		// Byte counts near 2^64 neither wrap when scaled nor when summed
		// into a column.
		{[]uint64{math.MaxUint64, 1 << 63}, 2, "█▅"},
		{[]uint64{math.MaxUint64, 2, 1 << 62, 1 << 62}, 2, "█▅"},
	}
	for _, tt := range tests {
		if got := string(appendSpark(nil, tt.vals, tt.width)); got != tt.want {
			t.Errorf("spark(%v, %d) = %q, want %q", tt.vals, tt.width, got, tt.want)
		}
	}
}

func TestHistogramStripShowsRangeAndPeaks(t *testing.T) {
	s := model.NewStore(10)
	a := liveAggregate(s)
	appendLines(t, s, model.DefaultFormat,
		"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1699999980 1700000000 ACCEPT OK", // 22:13 UTC
		"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1699999990 1700000000 ACCEPT OK",
		"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1699999995 1700000000 ACCEPT OK",
		"2 1 eni-1 10.0.0.3 10.0.0.2 1 22 6 1 40 1700000100 1700000130 REJECT OK") // 22:15
	sh := &Shared{Store: s, Styles: NewStyles(Theme{NoColor: true}), Now: func() time.Time { return fixedNow }, Loc: time.UTC}
	snap := aggregate.Take(s, a, aggregate.Options{Columns: 40})
	lines := strings.Split(ansi.Strip(histogramStrip(sh, snap.Histogram, 60)), "\n")
	want := []string{
		" accepts █    peak 3",
		" rejects   █  peak 1",
		"         22:13 – 22:16 UTC",
	}
	for i, w := range want {
		if strings.Join(strings.Fields(lines[i]), " ") != strings.Join(strings.Fields(w), " ") {
			t.Errorf("line %d = %q, want %q", i, lines[i], w)
		}
	}
	if strings.Join(strings.Fields(histogramStrip(sh, aggregate.Histogram{}, 60)), " ") != "accepts / rejects over time: no traffic yet" {
		t.Errorf("empty strip: %q", histogramStrip(sh, aggregate.Histogram{}, 60))
	}
}

// TestHistogramAxisNamesTheYears: a record with start 0 (1970) in a
// 2023 capture stretches the strip over 53 years; the ends name their
// years, not "Jan 1 00:00" beside "Nov 14 22:15" as if weeks apart.
func TestHistogramAxisNamesTheYears(t *testing.T) {
	s := model.NewStore(10)
	a := liveAggregate(s)
	appendLines(t, s, model.DefaultFormat,
		"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 0 0 ACCEPT OK",
		"2 1 eni-1 10.0.0.3 10.0.0.2 1 22 6 1 40 1700000100 1700000130 REJECT OK") // 2023-11-14 22:15 UTC
	sh := &Shared{Store: s, Styles: NewStyles(Theme{NoColor: true}), Now: func() time.Time { return fixedNow }, Loc: time.UTC}
	snap := aggregate.Take(s, a, aggregate.Options{Columns: 40})
	lines := strings.Split(ansi.Strip(histogramStrip(sh, snap.Histogram, 80)), "\n")
	axis := lines[len(lines)-1]
	if !strings.Contains(axis, "1970-01-01 00:00") || !strings.Contains(axis, "2023-11-14 22:1") {
		t.Errorf("axis %q does not name the years of its ends", axis)
	}
	if cellWidth(axis) > 80 {
		t.Errorf("axis %q is wider than the strip", axis)
	}
}
