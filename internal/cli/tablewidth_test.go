package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/flowtail/flowtail/model/query"
)

// sp is n spaces, so the expected tables below show their padding.
func sp(n int) string { return strings.Repeat(" ", n) }

// TestTableAlignsWideText: a value of double-width characters (CJK,
// emoji) or a combining mark takes as many cells as the terminal gives
// it, and the columns after it stay in line. The tables are written out
// by hand.
func TestTableAlignsWideText(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "wide.log", []string{
		"2 123456789012 eni-日本語 10.0.0.1 10.0.0.2 1 2 6 1 100 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-abc 10.0.0.3 10.0.0.2 1 2 6 1 2000 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-e🎉x 10.0.0.5 10.0.0.2 1 2 6 1 30 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-cafe\u0301 10.0.0.7 10.0.0.2 1 2 6 1 5 1700000000 1700000060 ACCEPT OK",
	})
	code, out, errOut := runQueryCmd(t, "", "fields interfaceId, bytes", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "interfaceId" + sp(2) + "bytes\n" +
		"eni-日本語" + sp(1+2+2) + "100\n" +
		"eni-abc" + sp(4+2+1) + "2000\n" +
		"eni-e🎉x" + sp(3+2+3) + "30\n" +
		"eni-cafe\u0301" + sp(3+2+4) + "5\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	// The rows printed once the widths are set, straight from the values.
	var b bytes.Buffer
	rw := newRowWriter(&b, "table", []string{"name", "n"}, 1)
	for _, r := range [][]query.Value{
		{{Kind: query.Str, S: "日本語"}, {Kind: query.Int, I: 1}},
		{{Kind: query.Str, S: "ab"}, {Kind: query.Int, I: 22}},
		{{Kind: query.Str, S: "e\u0301e\u0301"}, {Kind: query.Int, I: 4}},
	} {
		rw.row(r)
	}
	if err := rw.finish(3, 3); err != nil {
		t.Fatal(err)
	}
	want = "name" + sp(2+2) + "n\n" +
		"日本語" + sp(2) + "1\n" +
		"ab" + sp(4+2) + "22\n" +
		"e\u0301e\u0301" + sp(4+2) + "4\n"
	if b.String() != want {
		t.Errorf("streamed rows: got\n%s\nwant\n%s", b.String(), want)
	}
}

// FuzzTableLinesAlign: whatever text the cells hold, every line of a
// table whose last column is a number ends in the same terminal column,
// as the terminal measures the whole line, both for rows held to set the
// widths and for rows printed after.
func FuzzTableLinesAlign(f *testing.F) {
	for _, s := range []string{"", "abc", "日本語", "e🎉x", "cafe\u0301", "\x1b[31m", "\xff\xfe", "👩‍💻", "🇫🇷", "a\tb", "ｗｉｄｅ"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, probe := range []int{1, 10} {
			var out bytes.Buffer
			rw := newRowWriter(&out, "table", []string{"text", "n"}, probe)
			// No character takes more cells than it has bytes: this cell is
			// as wide as any other, and with probe 1 it alone sets the widths.
			long := strings.Repeat("W", len(a)+len(b))
			rw.row([]query.Value{{Kind: query.Str, S: long}, {Kind: query.Int, I: 7}})
			rw.row([]query.Value{{Kind: query.Str, S: a}, {Kind: query.Int, I: 8}})
			rw.row([]query.Value{{Kind: query.Str, S: b}, {Kind: query.Int, I: 9}})
			if err := rw.finish(3, 3); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != 4 {
				t.Fatalf("%d lines, want 4:\n%q", len(lines), out.String())
			}
			w := ansi.StringWidth(lines[0])
			for _, l := range lines[1:] {
				if got := ansi.StringWidth(l); got != w {
					t.Fatalf("probe %d: a line %d cells wide among lines %d wide:\n%s", probe, got, w, out.String())
				}
			}
		}
	})
}

// TestQueryErrorCaretUnderWideText: the caret under a wrong query stands
// under the column named, past double-width text before it.
func TestQueryErrorCaretUnderWideText(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "flows.log", queryLines)
	code, _, errOut := runQueryCmd(t, "", `filter interfaceId = "日本" and nosuch = 1`, path)
	if code != exitUsage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// filter␣ (7) interfaceId (11) ␣=␣ (3) "日本" (6 cells) ␣and␣ (5)
	want := "  filter interfaceId = \"日本\" and nosuch = 1\n  " + sp(32) + "^\n"
	if !strings.HasSuffix(errOut, want) {
		t.Errorf("got\n%s\nwant it to end\n%s", errOut, want)
	}
}
