package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var queryLines = []string{
	"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK",
	"2 123456789012 eni-0a 10.0.1.51 10.0.2.100 40002 22 6 5 420 1700000010 1700000060 REJECT OK",
	"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40003 443 6 20 9000 1700000020 1700000080 ACCEPT OK",
	"2 123456789012 eni-0b 203.0.113.9 10.0.2.100 40004 3389 6 1 40 1700000030 1700000090 REJECT OK",
	"this line is not a record",
	"2 123456789012 eni-0b - - - - - - - 1700000100 1700000160 - NODATA",
}

func writeQueryCapture(t *testing.T, dir, name string, lines []string) string {
	t.Helper()
	var buf bytes.Buffer
	text := strings.Join(lines, "\n") + "\n"
	if strings.HasSuffix(name, ".gz") {
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(text))
		zw.Close()
	} else {
		buf.WriteString(text)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runQueryCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	out, errOut, code := runStdin(t, stdin, append([]string{"query"}, args...)...)
	return code, out, errOut
}

func TestQueryCSVFromGzip(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "flows.log.gz", queryLines)
	code, out, errs := runQueryCmd(t, "", "-o", "csv", `filter action = "REJECT" | stats count(*) as rejects, sum(bytes) as bytes by dstAddr, dstPort | sort rejects desc`, path)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	want := "dstAddr,dstPort,rejects,bytes\n10.0.2.100,22,2,1260\n10.0.2.100,3389,1,40\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(errs, "skipped 1 malformed line(s) (5 records read)\n  "+path+":5: version is not a number") {
		t.Errorf("stderr does not report the malformed line with its place: %q", errs)
	}
}

func TestQueryJSONAndTable(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "flows.log", queryLines)
	code, out, errs := runQueryCmd(t, "", `fields @timestamp, srcaddr, dstport, service, bytes | filter dstport = 22 or dstport = 443 | sort bytes desc | limit 2`, path, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	want := `{"@timestamp":"2023-11-14 22:13:40.000","srcaddr":"10.0.1.50","dstport":443,"service":"https","bytes":9000}` + "\n" +
		`{"@timestamp":"2023-11-14 22:13:20.000","srcaddr":"10.0.1.50","dstport":22,"service":"ssh","bytes":840}` + "\n"
	if out != want {
		t.Errorf("json:\n%s\nwant:\n%s", out, want)
	}
	code, out, _ = runQueryCmd(t, "", `filter action = "REJECT" | stats count(*) as n by srcaddr | sort n desc`, path)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	want = "srcaddr      n\n" +
		"10.0.1.50    1\n" +
		"10.0.1.51    1\n" +
		"203.0.113.9  1\n"
	if out != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
}

func TestQueryErrorExitsTwoWithColumn(t *testing.T) {
	code, out, errs := runQueryCmd(t, "", "filter dstport = ", "-")
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	want := "flowtail query: expected a value after '=' at column 17\n  filter dstport = \n                  ^\n"
	if errs != want || out != "" {
		t.Errorf("stderr:\n%q\nwant:\n%q (stdout %q)", errs, want, out)
	}
	if code, _, errs := runQueryCmd(t, "", "-o", "xml", "stats count(*)", "-"); code != exitUsage || !strings.Contains(errs, "-o") {
		t.Errorf("bad -o: exit %d, %q", code, errs)
	}
}

// TestQuerySourcesAgree runs one query over stdin, a plain file, a gzip
// file and a directory (read through the shared sources): same answer.
func TestQuerySourcesAgree(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "AWSLogs")
	os.Mkdir(sub, 0o755)
	plain := writeQueryCapture(t, dir, "a.log", queryLines)
	gz := writeQueryCapture(t, dir, "a.log.gz", queryLines)
	writeQueryCapture(t, sub, "a.log.gz", queryLines)
	const q = `filter isIpInSubnet(srcaddr, "10.0.1.0/24") | stats count(*) as n, avg(bytes) as avg by action`
	want := "action,n,avg\nACCEPT,1,9000\nREJECT,2,630\n"
	for _, src := range []string{"-", plain, gz, sub} {
		code, out, errs := runQueryCmd(t, strings.Join(queryLines, "\n"), "-o", "csv", q, src)
		if code != exitOK || out != want {
			t.Errorf("%s: exit %d\n%s\nwant:\n%s\nstderr: %s", src, code, out, want, errs)
		}
	}
}

func TestQueryOutputIsSanitised(t *testing.T) {
	lines := []string{"2 123456789012 eni-\x1b[31mred\u202e 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK"}
	path := writeQueryCapture(t, t.TempDir(), "evil.log", lines)
	// Text writers mask (one '?' per character); JSON escapes, as cat -o
	// json does, so the value survives a JSON reader.
	for format, want := range map[string]string{"table": "eni-?[31mred?", "csv": "eni-?[31mred?", "json": `eni-\u001b[31mred\u202e`} {
		code, out, _ := runQueryCmd(t, "", "-o", format, "stats count(*) by interfaceId", path)
		if code != exitOK || strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x202e) || !strings.Contains(out, want) {
			t.Errorf("-o %s: exit %d, output %q keeps the escape or lost the value", format, code, out)
		}
	}
}

// TestQueryHeaderFormatAcrossChunks reads a capture larger than one chunk
// whose header declares a custom field order, as a file (parallel reader)
// and in a directory (shared sources): every chunk must use the header's
// format, not the default.
func TestQueryHeaderFormatAcrossChunks(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "s3")
	os.Mkdir(sub, 0o755)
	lines := []string{"version srcaddr dstaddr dstport action tcp-flags interface-id"}
	want := 0
	for i := range 40000 {
		action, flags := "ACCEPT", 18
		if i%3 == 0 {
			action, flags = "REJECT", 2
			want++
		}
		lines = append(lines, fmt.Sprintf("3 10.0.%d.%d 10.1.0.1 %d %s %d eni-0%05d", i%200, i%250, 1+i%1000, action, flags, i%7))
	}
	file := writeQueryCapture(t, dir, "big.log.gz", lines)
	writeQueryCapture(t, sub, "big.log.gz", lines)
	for _, src := range []string{file, sub} {
		code, out, errs := runQueryCmd(t, "", "-o", "csv", `filter action = "REJECT" and tcpFlags = 2 | stats count(*) as n`, src)
		if code != exitOK || out != fmt.Sprintf("n\n%d\n", want) || errs != "" {
			t.Errorf("%s: exit %d, %q, stderr %q; want %d rejects", src, code, out, errs, want)
		}
	}
}

// TestQueryDirectionFromRules derives direction from the interfaces of
// --rules when the format has no flow-direction.
func TestQueryDirectionFromRules(t *testing.T) {
	dir := t.TempDir()
	path := writeQueryCapture(t, dir, "flows.log", queryLines)
	rulesDir := filepath.Join(dir, "rules")
	os.Mkdir(rulesDir, 0o755)
	eni := `{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-0a", "SubnetId": "subnet-1", "VpcId": "vpc-1",
		"PrivateIpAddress": "10.0.2.100", "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": "10.0.2.100"}], "Groups": []}]}`
	if err := os.WriteFile(filepath.Join(rulesDir, "enis.json"), []byte(eni), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runQueryCmd(t, "", "-o", "csv", "--rules", rulesDir, "stats count(*) as n by direction", path)
	// eni-0a's records all arrive at 10.0.2.100; eni-0b has no interface
	// data, so its records have no direction.
	if want := "direction,n\ningress,3\n,2\n"; code != exitOK || out != want {
		t.Errorf("exit %d\n%s\nwant:\n%s\nstderr: %s", code, out, want, errs)
	}
}

// "No results" counts every line searched, whether the text pre-filter
// (action = "REJECT") passed over it or it was parsed.
func TestQueryNoResultsCountsEveryLine(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "flows.log", queryLines)
	for _, q := range []string{`filter action = "REJECT" and dstport = 8080`, `filter dstport = 8080`} {
		code, out, _ := runQueryCmd(t, "", q, path)
		if want := "(no results; 6 lines read, 0 matched)"; code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, out %q; want %q", q, code, out, want)
		}
	}
}

// Malformed lines are reported like cat's: the count, then the first few
// in input order, each with its file and line; a line longer than the read
// buffer counts once and the lines after it keep their numbers.
func TestQueryMalformedReport(t *testing.T) {
	dir := t.TempDir()
	huge := writeQueryCapture(t, dir, "huge.log", []string{queryLines[0], "2 " + strings.Repeat("x", 3<<20), "junk", queryLines[1]})
	bad := writeQueryCapture(t, dir, "bad.log", queryLines)
	code, out, errs := runQueryCmd(t, "", "-o", "csv", "stats count(*) as n", huge, bad)
	want := "flowtail query: skipped 3 malformed line(s) (7 records read)\n" +
		"  " + huge + ":2: line longer than 65536 bytes\n" +
		"  " + huge + ":3: version is not a number up to 255 at column 1 (version)\n" +
		"  " + bad + ":5: version is not a number up to 255 at column 1 (version)\n"
	if code != 0 || out != "n\n7\n" || errs != want {
		t.Fatalf("exit %d, out %q, stderr:\n%s\nwant:\n%s", code, out, errs, want)
	}
}

// A capture given where the query belongs is named as such, not reported
// as a missing source or an unknown command.
func TestQueryArgumentOrderMistakes(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "flows.log", queryLines)
	for _, args := range [][]string{{path}, {path, "stats count(*)"}} {
		code, _, errs := runQueryCmd(t, "", args...)
		if code != exitUsage || !strings.Contains(errs, "QUERY") || !strings.Contains(errs, path) {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}

// As with cat, nothing but malformed lines is a failure (exit 1), while an
// empty input is an empty answer.
func TestQueryExitWhenNothingWasRead(t *testing.T) {
	if code, _, errs := runQueryCmd(t, "junk\n", "stats count(*)", "-"); code != exitRuntime || !strings.Contains(errs, "stdin:1:") {
		t.Errorf("only malformed lines: exit %d, stderr %q", code, errs)
	}
	if code, out, errs := runQueryCmd(t, "", "-o", "csv", "stats count(*) as n", "-"); code != 0 || out != "n\n0\n" {
		t.Errorf("empty input: exit %d, out %q, stderr %q", code, out, errs)
	}
}

// A header line well past the first chunk changes the format from there
// on, and query counts every record as cat does, run after run.
func TestQueryHeaderAfterFirstMiB(t *testing.T) {
	const h1 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
	const h2 = "version bytes packets action log-status account-id interface-id srcaddr dstaddr srcport dstport protocol start end"
	var text strings.Builder
	want := 0
	for part, h := range []string{h1, h2, h1, h2} {
		text.WriteString(h + "\n")
		for i := range 9000 + 1000*part {
			if h == h1 {
				fmt.Fprintf(&text, "2 123456789012 eni-0a 10.0.0.%d 10.0.2.100 %d 443 6 10 %d 1700000000 1700000060 ACCEPT OK\n", i%250, 1024+i, 100+i%7)
			} else {
				fmt.Fprintf(&text, "2 %d 10 REJECT OK 123456789012 eni-0b 10.0.0.%d 10.0.2.100 %d 22 6 1700000000 1700000060\n", 100+i%7, i%250, 1024+i)
			}
			want += 100 + i%7
		}
	}
	path := filepath.Join(t.TempDir(), "joined.log")
	if err := os.WriteFile(path, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		code, out, errs := runQueryCmd(t, "", "-o", "csv", "stats count(*) as n, sum(bytes) as b", path)
		if w := fmt.Sprintf("n,b\n%d,%d\n", 9000+10000+11000+12000, want); code != 0 || out != w {
			t.Fatalf("exit %d, out %q, want %q; stderr %s", code, out, w, errs)
		}
	}
}

// When nothing could be read, stdout carries no answer: a zero count there
// would read as "no such traffic" to a script. An empty capture is read,
// and its answer is a true zero.
func TestQueryNothingReadPrintsNoAnswer(t *testing.T) {
	dir := t.TempDir()
	bad := writeQueryCapture(t, dir, "bad.log", []string{"not a record", "nor this"})
	empty := writeQueryCapture(t, dir, "empty.log", nil)
	for _, c := range []struct {
		name, path string
		code       int
		out        string
	}{
		{"missing file", filepath.Join(dir, "missing.log"), exitRuntime, ""},
		{"only malformed lines", bad, exitRuntime, ""},
		{"empty capture", empty, exitOK, "count(*)\n       0\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runQueryCmd(t, "", "stats count(*)", c.path)
			if code != c.code || out != c.out {
				t.Errorf("exit %d, stdout %q; want %d, %q (stderr %q)", code, out, c.code, c.out, errs)
			}
			if c.code != exitOK && errs == "" {
				t.Error("stderr does not say why nothing was read")
			}
		})
	}
}

// Records the filter cannot match are still records read: a query whose
// filter matches nothing in a capture with a malformed line answers
// "nothing", exit 0, and counts every record, whether or not the lines
// were passed over by their text without being parsed.
func TestQueryNoMatchIsNotAFailure(t *testing.T) {
	lines := []string{
		"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40003 443 6 20 9000 1700000020 1700000080 ACCEPT OK",
		"2 123456789012 eni-0a 10.0.1.51 10.0.2.100 40004 443 6 20 9000 1700000030 1700000080 ACCEPT OK",
		"2 123456789012 eni-0b - - - - - - - 1700000100 1700000160 - NODATA",
		"this line is not a record",
	}
	path := writeQueryCapture(t, t.TempDir(), "flows.log", lines)
	for _, q := range []string{
		`filter action = "REJECT" | stats count(*) as n`,
		`filter interfaceId = "eni-0c" | fields srcaddr`,
		`filter dstport = 22 | stats count(*) as n`,
	} {
		for _, src := range []string{path, "-"} {
			stdin := ""
			if src == "-" {
				stdin = strings.Join(lines, "\n") + "\n"
			}
			code, _, errs := runQueryCmd(t, stdin, q, src)
			if code != exitOK {
				t.Errorf("%s on %s: exit %d, want %d (no match is an answer); stderr %q", q, src, code, exitOK, errs)
			}
			if !strings.Contains(errs, "skipped 1 malformed line(s) (3 records read)") {
				t.Errorf("%s on %s: stderr %q, want 3 records read", q, src, errs)
			}
		}
	}
}

// An answer past --max-memory stops with exit status 1, prints no part
// of it as if it were all, and says what outgrew the bound and what to do;
// within the bound the answer is whole.
func TestQueryMaxMemory(t *testing.T) {
	const n = 30000
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("2 123456789012 eni-0a 10.0.%d.%d 10.0.2.100 %d 22 6 10 %d 1700000000 1700000060 REJECT OK", i>>8, i&255, 1024+i, i)
	}
	path := writeQueryCapture(t, t.TempDir(), "flows.log", lines)
	for _, c := range []struct{ query, what string }{
		{`stats count(*) as n by srcaddr, srcport`, "groups"},
		{`fields srcaddr, bytes | sort bytes desc`, "records"},
	} {
		for _, format := range []string{"table", "csv", "json"} {
			code, out, errs := runQueryCmd(t, "", "--max-memory", "1MiB", "-o", format, c.query, path)
			if code != exitRuntime || out != "" {
				t.Errorf("%s -o %s past --max-memory: exit %d, stdout %q", c.query, format, code, out[:min(len(out), 200)])
			}
			if !strings.Contains(errs, "outgrew the memory budget of 1 MiB") || !strings.Contains(errs, " "+c.what) || !strings.Contains(errs, "raise --max-memory") {
				t.Errorf("%s: stderr %q does not say what outgrew the bound and what to do", c.query, errs)
			}
		}
		code, out, errs := runQueryCmd(t, "", "-o", "csv", c.query, path)
		if code != exitOK || strings.Count(out, "\n") != n+1 {
			t.Errorf("%s within the default bound: exit %d, %d lines, stderr %q", c.query, code, strings.Count(out, "\n"), errs)
		}
	}
	// A bound that would not hold is refused, not ignored.
	if code, _, errs := runQueryCmd(t, "", "--on", "insights", "-g", "flows", "--max-memory", "1GiB", "stats count(*)"); code != exitUsage || !strings.Contains(errs, "--max-memory") {
		t.Errorf("--max-memory with --on: exit %d, %q", code, errs)
	}
	for _, ok := range []string{"1MiB", "1.5G", "512mb", "3 GiB"} {
		if code, _, errs := runQueryCmd(t, "", "--max-memory", ok, "stats count(*)", path); code != exitOK {
			t.Errorf("--max-memory %s: exit %d, %q", ok, code, errs)
		}
	}
	for _, bad := range []string{"lots", "12XB", "100KiB", "-1G"} {
		if code, _, errs := runQueryCmd(t, "", "--max-memory", bad, "stats count(*)", path); code != exitUsage || !strings.Contains(errs, "--max-memory") {
			t.Errorf("--max-memory %s: exit %d, %q", bad, code, errs)
		}
	}
}
