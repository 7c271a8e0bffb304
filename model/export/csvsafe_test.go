package export

import (
	"encoding/csv"
	"strings"
	"testing"
)

// Cells a spreadsheet would run as formulas are written as text; a lone
// "-" and ordinary values are untouched.
func TestCSVNeutralisesFormulas(t *testing.T) {
	cases := []struct{ value, want string }{
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"+1", "'+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"-2+3", "'-2+3"},
		{"vpc-0abc", "vpc-0abc"},
		{"123456789012", "123456789012"},
		{"a=b", "a=b"},
	}
	for _, c := range cases {
		p := parse(t, "account-id vpc-id srcport", c.value+" - 443")
		out := p.encode(CSV)
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%q: not CSV: %v\n%s", c.value, err, out)
		}
		if len(rows) != 2 || rows[1][0] != c.want || rows[1][1] != "" || rows[1][2] != "443" {
			t.Errorf("%q written as %q, want %q", c.value, rows[1], c.want)
		}
	}
	for _, s := range []string{"-", "", "10.0.0.1", "eni-1"} {
		if SafeCell(s) != s {
			t.Errorf("SafeCell(%q) = %q", s, SafeCell(s))
		}
	}
}

// FuzzCSVCell: whatever a hostile name holds, the row is one valid CSV
// record whose cell is not a formula and holds no control bytes.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1", "-", "\"=x\"", "@", "+\x1b[2J", "a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dst := appendCSVField(nil, s)
		rows, err := csv.NewReader(strings.NewReader(string(dst) + "\n")).ReadAll()
		if err != nil || len(rows) != 1 || len(rows[0]) != 1 {
			if s == "" {
				return
			}
			t.Fatalf("%q written as %q: %v", s, dst, err)
		}
		cell := rows[0][0]
		if Formula(cell) {
			t.Fatalf("%q written as formula %q", s, cell)
		}
		for _, c := range []byte(cell) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("%q written with control byte: %q", s, cell)
			}
		}
	})
}
