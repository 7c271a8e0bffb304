package query

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// A sum past 2^64 does not wrap around: bytes up to 2^64-1 are valid in a
// record, and a few such records, or very many ordinary ones, add up to
// more. The answer is the exact sum, and avg divides the exact sum.
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
		return s.String() + " | " + avgText(s, uint64(n))
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

// avgText is how an average of sum over n records reads: below 2^53 the
// shortest text of the nearest float64, from 2^53 on the exact whole part
// and three decimals rounded half up, trailing zeros dropped.
func avgText(sum *big.Int, n uint64) string {
	q := new(big.Rat).SetFrac(sum, new(big.Int).SetUint64(n))
	if new(big.Rat).SetInt64(1<<53).Cmp(q) > 0 {
		f, _ := q.Float64()
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.TrimSuffix(strings.TrimRight(q.FloatString(3), "0"), ".")
}

// The example that printed rounded floats: two records of 2^64-1 bytes
// and one of 2, in every output form the engine gives.
func TestSumAndAvgPast64BitsPrintExactly(t *testing.T) {
	st := model.NewStore(10)
	var batch model.Batch
	for _, b := range []string{"18446744073709551615", "18446744073709551615", "2"} {
		batch.Events = append(batch.Events, model.Event{Origin: "a.log",
			Line: []byte("2 123456789012 eni-1 10.0.0.1 10.0.0.2 1000 443 6 1 " + b + " 1700000000 1700000060 ACCEPT OK")})
	}
	model.NewIngester(st, nil).Ingest(batch)
	_, res := storeResult(t, st, `stats sum(bytes) as s, avg(bytes) as a`)
	if got, want := resultRows(res), "36893488147419103232 | 12297829382473034410.667"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	for i, v := range res.Rows[0] {
		if !v.IsNumber() || string(v.AppendText(nil)) != v.String() {
			t.Errorf("column %d: number %v, AppendText %q, String %q", i, v.IsNumber(), v.AppendText(nil), v.String())
		}
	}
}

// Sums that a float64 cannot tell apart sort by their exact values, in
// either direction, and so do averages past 2^53.
func TestWideSumsSortExactly(t *testing.T) {
	st := model.NewStore(100)
	var batch model.Batch
	sums := map[string]*big.Int{}
	counts := map[string]uint64{}
	// each account: two records of 2^64-1 and one small one, so the sums
	// differ by a few bytes beyond 2^65 where float64 steps by 8192
	for i, acct := range []string{"111", "222", "333", "444", "555"} {
		small := []int{3, 1, 4, 0, 2}[i]
		for _, b := range []string{"18446744073709551615", "18446744073709551615", strconv.Itoa(small)} {
			batch.Events = append(batch.Events, model.Event{Origin: "a.log",
				Line: []byte("2 " + acct + " eni-1 10.0.0.1 10.0.0.2 1000 443 6 1 " + b + " 1700000000 1700000060 ACCEPT OK")})
			v, _ := new(big.Int).SetString(b, 10)
			if sums[acct] == nil {
				sums[acct] = new(big.Int)
			}
			sums[acct].Add(sums[acct], v)
			counts[acct]++
		}
	}
	model.NewIngester(st, nil).Ingest(batch)
	accts := []string{"111", "222", "333", "444", "555"}
	for _, desc := range []bool{false, true} {
		order := slices.Clone(accts)
		slices.SortFunc(order, func(a, b string) int {
			c := sums[a].Cmp(sums[b])
			if desc {
				return -c
			}
			return c
		})
		var want []string
		for _, a := range order {
			want = append(want, a+" | "+sums[a].String()+" | "+avgText(sums[a], counts[a]))
		}
		for _, col := range []string{"s", "a"} {
			q := "stats sum(bytes) as s, avg(bytes) as a by accountId | sort " + col
			if desc {
				q += " desc"
			}
			_, res := storeResult(t, st, q)
			if got := resultRows(res); got != strings.Join(want, ";") {
				t.Errorf("%s:\n got %s\nwant %s", q, got, strings.Join(want, ";"))
			}
			// limit takes the top rows through a different path
			_, res = storeResult(t, st, q+" | limit 2")
			if got := resultRows(res); got != strings.Join(want[:2], ";") {
				t.Errorf("%s | limit 2:\n got %s\nwant %s", q, got, strings.Join(want[:2], ";"))
			}
		}
	}
}

// Averages and their order against math/big over random wide sums,
// around 2^53 and 2^64, and against ordinary numbers.
func TestWideValuesAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type num struct {
		v Value
		x *big.Rat
	}
	var nums []num
	edges := []uint64{0, 1, 1<<53 - 1, 1 << 53, 1<<53 + 1, 1<<63 + 1, math.MaxUint64}
	for range 3000 {
		var hi, lo, n uint64
		switch r.IntN(4) {
		case 0:
			hi, lo = 0, edges[r.IntN(len(edges))]+uint64(r.IntN(5))
		case 1:
			hi, lo = uint64(r.IntN(4)), r.Uint64()
		case 2:
			hi, lo = r.Uint64()>>r.IntN(64), r.Uint64()
		default:
			hi, lo = 0, r.Uint64()>>r.IntN(64)
		}
		switch r.IntN(3) {
		case 0:
			n = 1 + uint64(r.IntN(8))
		case 1:
			n = 1 + r.Uint64()>>r.IntN(64)
		default:
			n = []uint64{1000, 2000, 3, 7, 1 << 11}[r.IntN(5)]
		}
		if n == 0 {
			n = 1
		}
		sum := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
		sum.Add(sum, new(big.Int).SetUint64(lo))
		if got, want := quotientValue(hi, lo, n).String(), avgText(sum, n); got != want {
			t.Fatalf("%s / %d: got %s, want %s", sum, n, got, want)
		}
		if got, want := uint128Value(hi, lo).String(), sum.String(); got != want {
			t.Fatalf("sum %s: got %s", want, got)
		}
		nums = append(nums, num{uint128Value(hi, lo), new(big.Rat).SetInt(sum)})
		// an average compares as the value it shows
		shown, _ := new(big.Rat).SetString(avgText(sum, n))
		nums = append(nums, num{quotientValue(hi, lo, n), shown})
	}
	for range 20000 {
		a, b := nums[r.IntN(len(nums))], nums[r.IntN(len(nums))]
		if got, want := compareValues(a.v, b.v), a.x.Cmp(b.x); got != want {
			t.Fatalf("compare %s, %s: got %d, want %d", a.v, b.v, got, want)
		}
	}
}

// Numbers another engine returns as text: whole numbers of any size keep
// their digits; NaN and infinities stay text, so JSON never holds them
// bare.
func TestParseNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "42": "42", "18446744073709551615": "18446744073709551615",
		"18446744073709551616":                    "18446744073709551616",
		"340282366920938463463374607431768211456": "340282366920938463463374607431768211456",
		"1.5": "1.5", "2.5e3": "2500",
	} {
		v, ok := ParseNumber(in)
		if !ok || !v.IsNumber() || v.String() != want {
			t.Errorf("%s: %v %q (kind %d), want number %s", in, ok, v.String(), v.Kind, want)
		}
		x, _ := new(big.Rat).SetString(want)
		y, _ := new(big.Rat).SetString(strconv.FormatUint(math.MaxUint64, 10))
		if v.Kind == Int && compareValues(v, Value{Kind: Int, I: math.MaxUint64}) != x.Cmp(y) {
			t.Errorf("%s against 2^64-1 compares %d", in, compareValues(v, Value{Kind: Int, I: math.MaxUint64}))
		}
	}
	for _, in := range []string{"", "NaN", "nan", "Inf", "+Inf", "-Infinity", "1e400", "10.0.0.1", "eni-1", "12a"} {
		if v, ok := ParseNumber(in); ok {
			t.Errorf("%q read as the number %s", in, v)
		}
	}
}
