package query

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestStatsBySmallKey counts by keys small enough for the direct table
// (a port, the protocol, the action, a port and the protocol), with every
// port value possible and some records without one, and checks each
// group against counts taken from the records, read from the ring and
// in parallel chunks.
func TestStatsBySmallKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	recs := capture(6000)
	var text strings.Builder
	for i := range recs {
		r := &recs[i]
		r.custom = false // one format: the chunks carry no header
		if !r.nodata && i%3 == 0 {
			r.dstPort = rng.IntN(65536) // all over the range, 0 and 65535 included
		}
		if i == 7 {
			r.dstPort = 65535
		}
		if i == 9 {
			r.dstPort = 0
		}
		text.WriteString(r.line() + "\n")
	}
	st, _ := load(t, recs)
	key := func(r *rec, by string) (string, bool) {
		switch by {
		case "dstport":
			return fmt.Sprint(r.dstPort), !r.nodata
		case "protocol":
			return fmt.Sprint(r.proto), !r.nodata
		case "action":
			return r.action, !r.nodata
		}
		return fmt.Sprintf("%d %d", r.proto, r.dstPort), !r.nodata
	}
	for _, by := range []string{"dstport", "protocol", "action", "protocol, dstport"} {
		q := "stats count(*) as n by " + by + " | sort n desc | limit 100000"
		want := map[string]uint64{}
		for i := range recs {
			if k, ok := key(&recs[i], by); ok {
				want[k]++
			} else {
				want[strings.Repeat(" ", strings.Count(by, ","))]++ // absent: empty cells
			}
		}
		cols := append(strings.Split(strings.ReplaceAll(by, " ", ""), ","), "n")
		checkTop(t, run(t, st, q), cols, want, len(want))
		seq := 0
		ch := make(chan *Chunk, 4)
		go func() {
			for _, c := range chunksOf("small.log", text.String(), 4096, &seq) {
				ch <- c
			}
			close(ch)
		}()
		res, _ := compileFor(t, q, testNames()).RunChunks(ch, 2, nil, nil)
		checkTop(t, res, cols, want, len(want))
	}
}
