package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cat -o csv and query -o csv write a hostile value a spreadsheet would run
// as a formula as text; ordinary values and "-" are untouched.
func TestCSVOutputIsSpreadsheetSafe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hostile.log")
	line := "2 =HYPERLINK(\"http://x\") eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"cat", "-o", "csv", path},
		{"query", "-o", "csv", "fields account-id, interface-id", path},
	} {
		out, errOut, code := runCmd(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("%v: not two CSV rows (%v):\n%s", args, err, out)
		}
		col := map[string]int{}
		for i, c := range rows[0] {
			col[c] = i
		}
		acct, iface := rows[1][col["account-id"]], rows[1][col["interface-id"]]
		if acct != `'=HYPERLINK("http://x")` || iface != "eni-1" {
			t.Errorf("%v: account-id %q, interface-id %q", args, acct, iface)
		}
	}
}
