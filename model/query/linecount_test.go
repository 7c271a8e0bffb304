package query

import (
	"fmt"
	"strings"
	"testing"
)

// TestFilteredRunCountsEveryLine reads lines through the raw-text filter
// of action = "REJECT", some malformed with REJECT in them (decoded) and
// some without (passed over unsplit), and checks the run's counts and
// the malformed lines' numbers against the text itself: every line is a
// record, skipped or malformed, and each malformed line is reported at
// its own line number, whichever chunk it fell in.
func TestFilteredRunCountsEveryLine(t *testing.T) {
	var text strings.Builder
	var badAt []int64
	rejects, lines := 0, 0
	for i := range 5000 {
		lines++
		switch {
		case i%701 == 5:
			fmt.Fprintf(&text, "2 123456789012 eni-1 10.0.0.1 10.0.0.999 1 22 6 1 40 1795000000 1795000060 REJECT OK\n")
			badAt = append(badAt, int64(i+1))
		case i%997 == 3:
			fmt.Fprintf(&text, "2 123456789012 eni-1 10.0.0.1 10.0.0.999 1 22 6 1 40 1795000000 1795000060 ACCEPT OK\n")
		case i%3 == 0:
			fmt.Fprintf(&text, "2 123456789012 eni-%d 10.0.0.1 10.0.0.2 %d 22 6 1 40 1795000000 1795000060 REJECT OK\n", i%7, 1000+i)
			rejects++
		default:
			fmt.Fprintf(&text, "2 123456789012 eni-%d 10.0.0.1 10.0.0.2 %d 443 6 1 40 1795000000 1795000060 ACCEPT OK\n", i%7, 1000+i)
		}
	}
	last := "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 40 1795000000 1795000060 ACCEPT OK" // no newline
	text.WriteString(last)
	lines++
	for _, size := range []int{700, 4096, 1 << 20} {
		seq := 0
		ch := make(chan *Chunk, 4)
		go func() {
			for _, c := range chunksOf("f.log", text.String(), size, &seq) {
				ch <- c
			}
			close(ch)
		}()
		res, info := benchProgram(t, nil, `filter action = "REJECT" | stats count(*) as n`).RunChunks(ch, 2, nil, nil)
		if got := res.Rows[0][0].String(); got != fmt.Sprint(rejects) {
			t.Errorf("chunks of %d: %s REJECT records, want %d", size, got, rejects)
		}
		if sum := info.Records + info.Skipped + info.Malformed + info.Headers; sum != uint64(lines) {
			t.Errorf("chunks of %d: records %d + skipped %d + malformed %d + headers %d = %d, want %d lines",
				size, info.Records, info.Skipped, info.Malformed, info.Headers, sum, lines)
		}
		if info.Malformed != uint64(len(badAt)) {
			t.Errorf("chunks of %d: %d malformed, want %d", size, info.Malformed, len(badAt))
		}
		for i, b := range info.FirstBad {
			if i >= len(badAt) || b.LineNo != badAt[i] {
				t.Errorf("chunks of %d: malformed line %d reported at line %d, want %v", size, i, b.LineNo, badAt)
			}
		}
	}
}
