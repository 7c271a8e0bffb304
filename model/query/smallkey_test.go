package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
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

// TestDenseCountCarries checks that a group counted in the dense table
// keeps its count past 2^32, the width of one of its counts: the count
// is started just below, as four billion records would leave it.
func TestDenseCountCarries(t *testing.T) {
	q, err := Parse(`stats count(*) as n by dstport`)
	if err != nil {
		t.Fatal(err)
	}
	names := model.NewInterner()
	p, err := Compile(q, names, Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	var f model.Flow
	line := "2 123456789012 eni-0a1b2c3d 10.0.0.1 10.0.0.2 40000 22 6 1 40 1795000000 1795000060 REJECT OK"
	if err := model.NewParser(model.DefaultFormat, names).Parse([]byte(line), &f, nil); err != nil {
		t.Fatal(err)
	}
	pt := p.NewPartial()
	if pt.agg.dense == nil {
		t.Fatal("a count by one port is not counted in the dense table")
	}
	key := uint64(22) | pt.agg.present[0]
	pt.agg.dense[key] = math.MaxUint32 - 1
	pt.agg.denseAny = true
	for range 3 {
		pt.Add(&f, nil)
	}
	res := p.Result(pt)
	if len(res.Rows) != 1 || res.Rows[0][0].String() != "22" || res.Rows[0][1].String() != "4294967297" {
		t.Fatalf("rows %v, want [[22 4294967297]]", res.Rows)
	}
}
