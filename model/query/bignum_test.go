package query

import (
	"errors"
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
	lits := []string{"9007199254740993", "9007199254740992", "9223372036854775809", "18446744073709551615", "18446744073709551614"}
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

// Text compared with a numeric field is an error at the text: no record's
// number is text, so the filter would answer the same for every record.
// "-", what a flow log writes for no number, points at ispresent, which
// finds the records without one.
func TestTextAgainstNumberIsAnError(t *testing.T) {
	for _, c := range []struct {
		q    string
		col  int
		want string
	}{
		{`filter bytes = "NaN"`, 16, `"NaN" is not a number, which bytes holds`},
		{`filter bytes in ["NaN"]`, 18, `"NaN" is not a number, which bytes holds`},
		{`filter dstport != "http"`, 19, `write service = "http" for a port by its service's name`},
		{`filter dstport < "x"`, 18, `write service = "x"`},
		{`filter dstport = "-"`, 18, `write not ispresent(dstport) for the records without one`},
		{`filter packets = 1 or bytes = "lots"`, 31, `"lots" is not a number, which bytes holds`},
		{`filter protocol = "TCP"`, 19, `write proto = "tcp"`},
		{`filter dstport = "https"`, 18, `write service = "https"`},
	} {
		q, err := Parse(c.q)
		if err == nil {
			_, err = Compile(q, model.NewInterner(), Options{Intern: true})
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Col != c.col || !strings.Contains(pe.Msg, c.want) {
			t.Errorf("%s: %v, want at column %d: %q", c.q, err, c.col, c.want)
		}
	}
	// The records the "-" message points at: those written without a port.
	st, truth := load(t, capture(300))
	without := 0
	for _, r := range truth {
		if r.nodata {
			without++
		}
	}
	if got := resultRows(run(t, st, `filter not ispresent(dstport) | stats count(*) as n`)); got != fmt.Sprint(without) {
		t.Errorf("not ispresent(dstport): %s records, want %d", got, without)
	}
}

// A number past what any field holds (2^64 - 1) is an error at its
// column in every form, bare or quoted: read as a float64 it would
// compare as a rounded neighbour, and dstport = 99999999999999999999
// matched nothing without a word.
func TestOutOfRangeLiterals(t *testing.T) {
	st, _ := load(t, capture(50))
	for _, lit := range []string{"18446744073709551616", "99999999999999999999", "-18446744073709551616", "1e20", "1.9e19", "1e400"} {
		for _, form := range []string{"filter bytes %s %s", "filter dstport %s %s", "filter %[2]s %[1]s packets"} {
			for _, op := range []string{"=", "!=", "<", ">="} {
				for _, written := range []string{lit, `"` + lit + `"`} {
					if strings.HasPrefix(form, "filter %[2]") && written != lit {
						continue // a quoted value on the left is a field name's place
					}
					q := fmt.Sprintf(form, op, written)
					col := strings.Index(q, written) + 1
					checkErrAt(t, st, q, col, "out of range")
				}
			}
		}
		q := fmt.Sprintf("filter bytes in [1, %s]", lit)
		checkErrAt(t, st, q, strings.Index(q, lit)+1, "out of range")
	}
	// The largest and the most negative representable stay valid.
	for _, q := range []string{"filter bytes <= 18446744073709551615", "filter bytes > -18446744073709551615", `filter bytes < "18446744073709551615"`} {
		if _, err := countWith(t, st, q, Options{}); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// An equality with a number a field cannot hold can never match (!= then
// holds for every record): almost always a typo, so it is an error at the
// number; a range bound past the field's values stays valid.
func TestOutOfDomainEquality(t *testing.T) {
	st, truth := load(t, capture(300))
	for _, tt := range []struct {
		q   string
		col int
		msg string
	}{
		{"filter dstport = 70000", 18, "dstport holds whole numbers from 0 to 65535, so dstport = 70000 can never match"},
		{"filter srcPort != 65536", 19, "srcport holds whole numbers from 0 to 65535, so srcport != 65536 holds for every record"},
		{"filter protocol = 300", 19, "protocol holds whole numbers from 0 to 255"},
		{"filter proto = 300", 16, "proto holds whole numbers from 0 to 255"},
		{"filter proto in [6, 256]", 21, "proto = 256 can never match"},
		{`filter dstport in [22, "70000"]`, 24, "dstport = 70000 can never match"},
		{"filter not dstport in [22, 70000]", 28, "dstport = 70000 can never match"},
		{"filter tcp-flags = 256", 20, "tcp-flags holds whole numbers from 0 to 255"},
		{"filter start = 4294967296", 16, "start holds whole numbers from 0 to 4294967295"},
		{"filter dstport = -1", 18, "dstport = -1 can never match"},
		{"filter 70000 = dstport", 8, "dstport = 70000 can never match"},
		{"filter bytes = -5", 16, "bytes holds whole numbers from 0 to 18446744073709551615"},
	} {
		checkErrAt(t, st, tt.q, tt.col, tt.msg)
	}
	ports := 0
	for _, r := range truth {
		if !r.nodata && r.dstPort < 70000 {
			ports++
		}
	}
	for q, want := range map[string]int{"filter dstport < 70000": ports, "filter dstport >= 0 and protocol <= 300": ports} {
		got, err := countWith(t, st, q, Options{})
		if err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", q, got, err, want)
		}
	}
}

// checkErrAt compiles q over st and wants an error at col whose message
// holds msg.
func checkErrAt(t *testing.T, st *model.Store, q string, col int, msg string) {
	t.Helper()
	_, err := countWith(t, st, q, Options{})
	var qe *Error
	if !errors.As(err, &qe) || qe.Col != col || !strings.Contains(qe.Msg, msg) {
		t.Errorf("%s: %v; want %q at column %d", q, err, msg, col)
	}
}
