package cli

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// A sum past 2^64 and the average of it print their exact digits in the
// table, CSV and JSON, and JSON stays parseable with those digits.
func TestQueryWideSumsExactInEveryOutput(t *testing.T) {
	const max64 = "18446744073709551615"
	var lines []string
	for _, r := range []struct{ acct, small string }{{"111111111111", "2"}, {"222222222222", "1"}, {"333333333333", "3"}} {
		for _, b := range []string{max64, max64, r.small} {
			lines = append(lines, "2 "+r.acct+" eni-1 10.0.0.1 10.0.1.1 1234 22 6 1 "+b+" 1700000000 1700000060 ACCEPT OK")
		}
	}
	path := writeQueryCapture(t, t.TempDir(), "wide.log", lines)
	// computed apart from flowtail: 2*(2^64-1) + small, and that over 3
	// to three decimals
	sum := func(small int64) string {
		m, _ := new(big.Int).SetString(max64, 10)
		return m.Add(m, m).Add(m, big.NewInt(small)).String()
	}
	avg := func(small int64) string {
		n, _ := new(big.Int).SetString(sum(small), 10)
		return strings.TrimSuffix(strings.TrimRight(new(big.Rat).SetFrac(n, big.NewInt(3)).FloatString(3), "0"), ".")
	}
	q := `stats sum(bytes) as s, avg(bytes) as a by accountId | sort s desc`
	code, out, errs := runQueryCmd(t, "", "-o", "csv", q, path)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	want := "accountId,s,a\n" +
		"333333333333," + sum(3) + "," + avg(3) + "\n" +
		"111111111111," + sum(2) + "," + avg(2) + "\n" +
		"222222222222," + sum(1) + "," + avg(1) + "\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out, want)
	}

	_, out, _ = runQueryCmd(t, "", q, path)
	wantTable := "accountId                        s                         a\n" +
		"333333333333  " + sum(3) + "      " + avg(3) + "\n" +
		"111111111111  " + sum(2) + "  " + avg(2) + "\n" +
		"222222222222  " + sum(1) + "  " + avg(1) + "\n"
	if out != wantTable {
		t.Errorf("table:\n%s\nwant:\n%s", out, wantTable)
	}

	_, out, _ = runQueryCmd(t, "", "-o", "json", q, path)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	for i, small := range []int64{3, 2, 1} {
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			t.Fatalf("json row %d: %v in\n%s", i, err, out)
		}
		s, sok := row["s"].(json.Number)
		a, aok := row["a"].(json.Number)
		if !sok || !aok || string(s) != sum(small) || string(a) != avg(small) {
			t.Errorf("json row %d: %v, want s %s and a %s as numbers", i, row, sum(small), avg(small))
		}
	}
	if dec.More() {
		t.Errorf("json: more than three rows:\n%s", out)
	}
}
