package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// plainTwin counts the twin's records by action and sums their bytes,
// straight from its text.
func plainTwin(t *testing.T) (byAction map[string]int, lines []string) {
	t.Helper()
	b, err := os.ReadFile("../../testdata/envelopes/plain.log")
	if err != nil {
		t.Fatal(err)
	}
	byAction = map[string]int{}
	lines = strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	for _, l := range lines {
		f := strings.Fields(l)
		byAction[f[12]]++
	}
	return byAction, lines
}

// Every input the commands are handed, mixed in one run: cat writes the
// twin's records once per file; `cat -o text | query -`, `cat -o json |
// cat` and `cat -o csv | cat` read back exactly what was written.
func TestEnvelopesThroughTheCommands(t *testing.T) {
	byAction, lines := plainTwin(t)
	files, _ := filepath.Glob("../../testdata/envelopes/*")
	if len(files) < 9 {
		t.Fatalf("only %d envelope fixtures", len(files))
	}
	var args []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".md") {
			args = append(args, f)
		}
	}
	text, errOut, code := runCatArgs(t, "", args...)
	if code != 0 || errOut != "" {
		t.Fatalf("cat: exit %d: %s", code, errOut)
	}
	// A header line first, then the twin's records once per file. A JSON
	// record that leaves out absent keys has a format of its own, so its
	// header comes before it; records compare by their present fields.
	fields := func(names, vals []string) string {
		var kv []string
		for i, v := range vals {
			if v != "-" {
				kv = append(kv, names[i]+"="+v)
			}
		}
		return strings.Join(kv, " ")
	}
	twinNames := strings.Fields("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
	var got []string
	var names []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(l, "version ") {
			names = strings.Fields(l)
			continue
		}
		got = append(got, fields(names, strings.Fields(l)))
	}
	if !strings.HasPrefix(text, "version account-id interface-id ") || len(got) != len(args)*len(lines) {
		t.Fatalf("%d records, want %d:\n%s", len(got), len(args)*len(lines), text)
	}
	for i, l := range got {
		if want := fields(twinNames, strings.Fields(lines[i%len(lines)])); l != want {
			t.Fatalf("record %d = %q, want %q", i+1, l, want)
		}
	}
	out, errOut, code := runStdin(t, text, "query", "-o", "csv", "stats count(*) as n, sum(bytes) as b by action | sort action", "-")
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, errOut)
	}
	n := len(args)
	var sb strings.Builder
	sb.WriteString("action,n,b\n")
	// b is summed per action: recompute from the twin.
	perAction := map[string]uint64{}
	for _, l := range lines {
		f := strings.Fields(l)
		if v, err := strconv.ParseUint(f[9], 10, 64); err == nil {
			perAction[f[12]] += v
		}
	}
	// Sorted by action, records without one (NODATA, SKIPDATA) last, with
	// no bytes to sum.
	for _, a := range []string{"ACCEPT", "REJECT"} {
		sb.WriteString(a + "," + strconv.Itoa(byAction[a]*n) + "," + strconv.FormatUint(perAction[a]*uint64(n), 10) + "\n")
	}
	sb.WriteString("," + strconv.Itoa(byAction["-"]*n) + ",\n")
	if out != sb.String() {
		t.Fatalf("query of cat's text:\n%s\nwant\n%s", out, sb.String())
	}
	// query reads every input directly, in one run.
	qargs := append([]string{"query", "-o", "csv", "stats count(*) as n, sum(bytes) as b"}, args...)
	out, errOut, code = runStdin(t, "", qargs...)
	var total uint64
	for _, v := range perAction {
		total += v
	}
	if want := "n,b\n" + strconv.Itoa(n*len(lines)) + "," + strconv.FormatUint(total*uint64(n), 10) + "\n"; code != 0 || out != want {
		t.Fatalf("query over every input: exit %d %s\n%s\nwant\n%s", code, errOut, out, want)
	}
	// What cat -o json and -o csv write reads back to the same output.
	for _, kind := range []string{"json", "csv"} {
		enc, _, _ := runCatArgs(t, "", "-o", kind, "../../testdata/envelopes/plain.log")
		back, errOut, code := runCatArgs(t, enc, "-o", kind, "-")
		if code != 0 || back != enc || strings.Count(enc, "\n") < len(lines) {
			t.Fatalf("cat -o %s | cat -o %s -: exit %d %s\n%s\nwant\n%s", kind, kind, code, errOut, back, enc)
		}
	}
}
