package ui

import (
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/flowtail/flowtail/model/aggregate"
)

// sparkBlocks draw a value from nothing (a space) to the row's peak (█).
var sparkBlocks = []rune(" ▁▂▃▄▅▆▇█")

// appendSpark draws vals resampled to width cells, scaled to their peak:
// a nonzero value never draws as blank.
func appendSpark(b []byte, vals []uint64, width int) []byte {
	if width <= 0 {
		return b
	}
	cells := resample(vals, width)
	return appendLevels(b, cells, peakOf(cells))
}

// appendLevels draws cells scaled to peak, one block each.
func appendLevels(b []byte, cells []uint64, peak uint64) []byte {
	for _, v := range cells {
		level := 0
		if v > 0 && peak > 0 {
			// v×7 in 128 bits: byte counts near 2^64 must not wrap.
			hi, lo := bits.Mul64(v, uint64(len(sparkBlocks)-2))
			lo, c := bits.Add64(lo, peak/2, 0)
			q, _ := bits.Div64(hi+c, lo, peak)
			level = 1 + int(q)
			level = min(level, len(sparkBlocks)-1)
		}
		b = append(b, string(sparkBlocks[level])...)
	}
	return b
}

func peakOf(vals []uint64) uint64 {
	var peak uint64
	for _, v := range vals {
		peak = max(peak, v)
	}
	return peak
}

// resample sums vals into width cells (each cell a contiguous run of the
// input); with fewer values than cells, the values fill the left side.
func resample(vals []uint64, width int) []uint64 {
	out := make([]uint64, width)
	if len(vals) <= width {
		copy(out, vals)
		return out
	}
	for i, v := range vals {
		j := i * width / len(vals)
		sum, c := bits.Add64(out[j], v, 0)
		if c != 0 {
			sum = math.MaxUint64 // a column past 64 bits stays at the top
		}
		out[j] = sum
	}
	return out
}

// histogramHeight is the lines the time strip takes.
const histogramHeight = 3

// histogramStrip draws accepts and rejects per time bucket over the
// buffer's time range, with the range's ends below:
//
//	accepts ▂▃▅▇█▆▅▃▂▂▃▅▆▇█▇▅  peak 1.2K
//	rejects ▁ ▁  ▃█▂           peak 340
//	        13:05     …     14:05 UTC
func histogramStrip(sh *Shared, h aggregate.Histogram, width int) string {
	st := &sh.Styles
	const label = 9 // " accepts "
	const peakW = 11
	cols := width - label - peakW
	var b strings.Builder
	if len(h.Accepts) == 0 || cols < 8 {
		b.WriteString(st.Dim.Render(" accepts / rejects over time: no traffic yet"))
		b.WriteString("\n\n")
		return b.String()
	}
	cols = min(cols, len(h.Accepts))
	row := func(name string, vals []uint64, style func(...string) string) {
		cells := resample(vals, cols)
		peak := peakOf(cells)
		b.WriteString(st.Dim.Render(" " + name + " "))
		b.WriteString(style(string(appendLevels(nil, cells, peak))))
		b.WriteString(st.Dim.Render("  peak " + humanCount(peak)))
		b.WriteByte('\n')
	}
	row("accepts", h.Accepts, st.Accept.Render)
	row("rejects", h.Rejects, st.Reject.Render)
	from := time.Unix(int64(h.From), 0).In(sh.Zone())
	to := time.Unix(int64(h.To), 0).In(sh.Zone())
	layout := "15:04"
	switch {
	case from.Year() != to.Year(): // a stray start of 0 spans decades
		layout = "2006-01-02 15:04"
	case to.Sub(from) > 24*time.Hour:
		layout = "Jan 2 15:04"
	}
	left, right := from.Format(layout), to.Format(layout)+" "+zoneName(sh)
	axis := left + " – " + right // a strip too short to spread the ends under
	if gap := cols - len(left) - len(right); gap >= 3 {
		axis = left + strings.Repeat(" ", gap) + right
	}
	b.WriteString(strings.Repeat(" ", label) + st.Dim.Render(axis))
	return b.String()
}

func zoneName(sh *Shared) string {
	if sh.Local {
		name, _ := fixedNowZone(sh)
		return name
	}
	return "UTC"
}

func fixedNowZone(sh *Shared) (string, int) { return sh.Now().In(sh.Zone()).Zone() }
