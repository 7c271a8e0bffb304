package query

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// A sum past 2^64 does not wrap around: bytes up to 2^64-1 are valid in a
// record, and a few such records, or very many ordinary ones, add up to
// more. The answer is the nearest float to the exact sum, and avg divides
// the exact sum.
func TestSumBeyond64Bits(t *testing.T) {
	var text strings.Builder
	exact := new(big.Int)
	perAccount := map[string]*big.Int{"111": new(big.Int), "222": new(big.Int)}
	n := map[string]int64{}
	for i := range 400 {
		b := uint64(1)<<63 + uint64(i)*7919
		if i%3 == 0 {
			b = uint64(i) // small ones mixed in
		}
		acct := []string{"111", "222"}[i%2]
		fmt.Fprintf(&text, "2 %s eni-1 10.0.0.1 10.0.0.2 1000 443 6 1 %d 1700000000 1700000060 ACCEPT OK\n", acct, b)
		v := new(big.Int).SetUint64(b)
		exact.Add(exact, v)
		perAccount[acct].Add(perAccount[acct], v)
		n[acct]++
	}
	want := func(s *big.Int, n int64) string {
		f, _ := new(big.Float).SetInt(s).Float64()
		avg, _ := new(big.Float).Quo(new(big.Float).SetInt(s), new(big.Float).SetInt64(n)).Float64()
		return Value{Kind: Float, F: f}.String() + " | " + Value{Kind: Float, F: avg}.String()
	}

	st := model.NewStore(1000)
	in := model.NewIngester(st, nil)
	var batch model.Batch
	for _, l := range strings.SplitAfter(text.String(), "\n") {
		if l != "" {
			batch.Events = append(batch.Events, model.Event{Line: []byte(l), Origin: "a.log"})
		}
	}
	in.Ingest(batch)

	for _, q := range []string{`stats sum(bytes), avg(bytes)`, `stats sum(bytes), avg(bytes) by accountId | sort accountId`} {
		var wants []string
		if strings.Contains(q, " by ") {
			for _, a := range []string{"111", "222"} {
				wants = append(wants, a+" | "+want(perAccount[a], n[a]))
			}
		} else {
			wants = append(wants, want(exact, 400))
		}
		_, res := storeResult(t, st, q)
		if got := resultRows(res); got != strings.Join(wants, ";") {
			t.Errorf("%s over the store:\n got %s\nwant %s", q, got, strings.Join(wants, ";"))
		}
		// Chunked: each worker sums a part, and the parts are merged.
		p := compileFor(t, q, model.NewInterner())
		ch := make(chan *Chunk, 100)
		seq := 0
		for _, c := range chunksOf("a.log", text.String(), 2048, &seq) {
			ch <- c
		}
		close(ch)
		res, _ = p.RunChunks(ch, 4, nil, nil)
		if got := resultRows(res); got != strings.Join(wants, ";") {
			t.Errorf("%s over chunks:\n got %s\nwant %s", q, got, strings.Join(wants, ";"))
		}
	}
}

func resultRows(r *Result) string {
	rows := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		rows[i] = rowText(row)
	}
	return strings.Join(rows, ";")
}
