package query

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// Whole numbers in a query are compared exactly, also past 2^53 where a
// float64 cannot tell neighbours apart: bytes and packets are 64-bit.
func TestBigLiteralsCompareExactly(t *testing.T) {
	vals := []string{"0", "4294967296", "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740994",
		"9223372036854775807", "9223372036854775808", "9223372036854775809", "18446744073709551614", "18446744073709551615"}
	st := model.NewStore(100)
	var batch model.Batch
	for _, v := range vals {
		batch.Events = append(batch.Events, model.Event{Origin: "a.log",
			Line: []byte(fmt.Sprintf("2 123456789012 eni-1 10.0.0.1 10.0.0.2 1000 443 6 %s %s 1700000000 1700000060 ACCEPT OK", v, v))})
	}
	model.NewIngester(st, nil).Ingest(batch)
	if c := st.Counters(); c.Malformed != 0 {
		t.Fatalf("%d malformed lines", c.Malformed)
	}
	num := func(s string) *big.Int { n, _ := new(big.Int).SetString(s, 10); return n }
	lits := []string{"9007199254740993", "9007199254740992", "9223372036854775809", "18446744073709551615", "18446744073709551616", "18446744073709551614"}
	for _, field := range []string{"bytes", "packets"} {
		for _, lit := range lits {
			for _, op := range []string{"=", "!=", "<", "<=", ">", ">="} {
				for _, written := range []string{lit, `"` + lit + `"`} {
					var want []string
					for _, v := range vals {
						c := num(v).Cmp(num(lit))
						if ordered(op, c) {
							want = append(want, v)
						}
					}
					q := fmt.Sprintf("filter %s %s %s | fields %s", field, op, written, field)
					_, res := storeResult(t, st, q)
					if got := strings.Split(resultRows(res), ";"); strings.Join(got, ";") != strings.Join(want, ";") {
						t.Errorf("%s:\n got %q\nwant %q", q, got, want)
					}
				}
			}
			// in: the same exact test
			var want []string
			for _, v := range vals {
				if num(v).Cmp(num(lit)) == 0 {
					want = append(want, v)
				}
			}
			q := fmt.Sprintf("filter %s in [1, %s] | fields %s", field, lit, field)
			_, res := storeResult(t, st, q)
			if got := resultRows(res); got != strings.Join(want, ";") {
				t.Errorf("%s:\n got %q\nwant %q", q, got, strings.Join(want, ";"))
			}
		}
	}
}

// "NaN" is no number: a field never equals it.
func TestNaNLiteralMatchesNothing(t *testing.T) {
	st, truth := load(t, capture(200))
	present := 0
	for _, r := range truth {
		if !r.nodata {
			present++
		}
	}
	for q, want := range map[string]string{
		`filter bytes = "NaN" | stats count(*) as n`:    "0",
		`filter bytes in ["NaN"] | stats count(*) as n`: "0",
		`filter bytes != "NaN" | stats count(*) as n`:   fmt.Sprint(present),
	} {
		if got := resultRows(run(t, st, q)); got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
}
