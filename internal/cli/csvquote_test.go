package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A CSV cell whose quoting is broken (a quote never closed on its line, or
// text after the closing quote) is kept as written, so the line is
// reported malformed at that field instead of read as the part of the
// cell before the break: "5 then a line break then 6" was bytes 5, and
// "5"9 was bytes 5.
func TestCSVBrokenQuotingIsNotReadAsAValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.csv")
	data := "version,srcaddr,bytes\n" +
		"2,\"10.0.0.1\",\"5\"\"\"\n" + // a quote inside a quoted number: malformed as it is
		"2,10.0.0.2,\"5\n" + // the quote is not closed on its line
		"6\"\n" +
		"2,10.0.0.3,\"5\"9\n" + // text after the closing quote
		"2,\"10.0.0.4\",\"7\"\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCmd(t, "cat", "-o", "csv", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "version,srcaddr,bytes\n2,10.0.0.4,7\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	for _, want := range []string{"skipped 4 malformed line(s)", "rows.csv:2: bytes", "rows.csv:3: bytes", "rows.csv:5: bytes"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}
