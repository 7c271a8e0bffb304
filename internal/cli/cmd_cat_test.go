package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
)

func runCatArgs(t *testing.T, stdin string, args ...string) (out, errOut string, code int) {
	t.Helper()
	return runStdin(t, stdin, append([]string{"cat"}, args...)...)
}

const (
	catSSH  = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
	catRDP  = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK"
	catNoDt = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
)

func TestCatJSONMixedFormatsAndMalformed(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.log")
	os.WriteFile(a, []byte(catSSH+"\nnot a record\n"+catRDP+"\r\n\n"+catNoDt), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprintf(zw, "version interface-id srcaddr tcp-flags flow-direction\n5 eni-b 10.0.0.1 18 egress\n5 eni-b 10.0.0.1 2 ingress extra\n")
	zw.Close()
	b := filepath.Join(dir, "b.log.gz")
	os.WriteFile(b, gz.Bytes(), 0o644)

	out, errOut, code := runCatArgs(t, "", "-o", "json", a, b)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 records, got %q", lines)
	}
	var recs []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad JSON %q: %v", l, err)
		}
		recs = append(recs, m)
	}
	if recs[0]["dstport"] != 22.0 || recs[1]["action"] != "REJECT" || recs[2]["log-status"] != "NODATA" {
		t.Fatalf("records out of order or wrong: %v", recs)
	}
	if _, ok := recs[2]["srcaddr"]; ok {
		t.Fatalf("absent srcaddr was written: %v", recs[2])
	}
	if recs[3]["tcp-flags"] != 18.0 || recs[3]["flow-direction"] != "egress" || recs[3]["interface-id"] != "eni-b" {
		t.Fatalf("header format of the second file not used: %v", recs[3])
	}
	for _, want := range []string{"skipped 2 malformed line(s) (4 records decoded)", a + ":2: version is not a number", b + ":3: more than the 5 fields"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// defaultHeader is the header line `cat -o text` writes before records of
// the default format, as S3 delivery does.
const defaultHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"

func TestCatKeepsOrderAcrossChunks(t *testing.T) {
	var in strings.Builder
	n := 3*chunkLines + 123
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "2 123456789010 eni-%d 10.0.0.1 10.0.0.2 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK\n", i%7, i%65536)
	}
	out, errOut, code := runCatArgs(t, in.String(), "-")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if out != defaultHeader+in.String() {
		lines := strings.Split(out, "\n")
		t.Fatalf("text output differs from input (%d lines, want %d)", len(lines)-1, n)
	}
}

func TestCatCSVAndFormatOverride(t *testing.T) {
	out, _, code := runCatArgs(t, "1.2.3.4 80 REJECT\n5.6.7.8 - ACCEPT\n", "--format", "${srcaddr} ${dstport} ${action}", "-o", "csv", "-")
	want := "srcaddr,dstport,action\n1.2.3.4,80,REJECT\n5.6.7.8,,ACCEPT\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, output %q, want %q", code, out, want)
	}
}

func TestCatExitStatus(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.log")
	os.WriteFile(good, []byte(catSSH+"\n"), 0o644)
	missing := filepath.Join(dir, "missing.log")

	if out, errOut, code := runCatArgs(t, "", good, missing); code != 0 || !strings.Contains(errOut, "missing.log") || out != defaultHeader+catSSH+"\n" {
		t.Errorf("one readable file: exit %d, out %q, stderr %q", code, out, errOut)
	}
	if _, errOut, code := runCatArgs(t, "", missing); code != exitRuntime || !strings.Contains(errOut, "no such file") {
		t.Errorf("nothing readable: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := runCatArgs(t, "garbage\n", "-"); code != exitRuntime || !strings.Contains(errOut, "skipped 1 malformed") {
		t.Errorf("only malformed lines: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := runCatArgs(t, "", "-o", "yaml", good); code != exitUsage || !strings.Contains(errOut, "yaml") {
		t.Errorf("bad -o: exit %d, stderr %q", code, errOut)
	}
	if out, _, code := runCatArgs(t, "", "--help"); code != 0 || !strings.Contains(out, "flowtail cat") {
		t.Errorf("--help: exit %d, out %q", code, out)
	}
}

func TestCatReplayMax(t *testing.T) {
	out, errOut, code := runCatArgs(t, catSSH+"\n"+catRDP+"\n", "--replay", "max", "-")
	if code != 0 || out != defaultHeader+catSSH+"\n"+catRDP+"\n" {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, errOut)
	}
}

// BenchmarkCatJSON is the end-to-end path of `flowtail cat -o json` over a
// gzip capture of the default format: decompress, split, parse, encode.
func BenchmarkCatJSON(b *testing.B) {
	const n = 200_000
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for i := 0; i < n; i++ {
		fmt.Fprintf(zw, "2 123456789012 eni-0a1b2c3d4e5f6%04d 10.0.%d.%d 52.94.%d.%d %d 443 6 %d %d %d %d ACCEPT OK\n",
			i%40, i%4, 1+i%250, i%256, 1+i%199, 1024+i%60000, 1+i%300, 40+i%90000, 1795000000+i/100, 1795000030+i/100)
	}
	zw.Close()
	path := filepath.Join(b.TempDir(), "capture.log.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var errOut bytes.Buffer
		if code := run(context.Background(), []string{"cat", "-o", "json", path}, stdio{strings.NewReader(""), io.Discard, &errOut}); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}

func TestCatReplayPacesByStartTimes(t *testing.T) {
	// A header puts start in another column; 120 s of records at 2000x
	// take 60 ms.
	in := "srcaddr start action\n10.0.0.1 1000 ACCEPT\n10.0.0.2 1060 ACCEPT\n10.0.0.3 1120 REJECT\n"
	began := time.Now()
	out, errOut, code := runCatArgs(t, in, "--replay", "2000x", "-o", "csv", "-")
	took := time.Since(began)
	if code != 0 || out != "srcaddr,start,action\n10.0.0.1,1000,ACCEPT\n10.0.0.2,1060,ACCEPT\n10.0.0.3,1120,REJECT\n" {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, errOut)
	}
	if took < 55*time.Millisecond || took > 5*time.Second {
		t.Fatalf("replay of 120 s at 2000x took %v, want about 60ms", took)
	}
}

// Headless commands read --demo once and end, with the capture's records.
func TestHeadlessDemoEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"query", "--demo", "stats count(*) as n"}, stdio{strings.NewReader(""), &out, &errb})
	if ctx.Err() != nil {
		t.Fatal("query --demo did not end")
	}
	if code != 0 || !strings.Contains(out.String(), "2732") {
		t.Fatalf("exit %d, out %q, stderr %q; want the capture's 2732 records", code, out.String(), errb.String())
	}
}

// A gzip capture cut short: cat and query keep the records before the cut,
// say where it stopped, and exit 0 because records were read.
func TestTruncatedGzipKeepsRecordsBeforeTheCut(t *testing.T) {
	var lines []string
	for i := range 4000 {
		lines = append(lines, fmt.Sprintf("2 123456789010 eni-%017d 10.0.%d.%d 10.1.0.1 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK", i, i/250, i%250, 1024+i))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, strings.Join(lines, "\n")+"\n")
	zw.Close()
	path := filepath.Join(t.TempDir(), "cut.log.gz")
	os.WriteFile(path, gz.Bytes()[:gz.Len()*2/3], 0o644)

	out, errOut, code := runCmd(t, "cat", path)
	out = strings.TrimPrefix(out, defaultHeader)
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(got) < 1000 || strings.Join(got, "\n") != strings.Join(lines[:len(got)], "\n") {
		t.Fatalf("cat: exit %d, %d lines (want the complete lines before the cut), stderr %q", code, len(got), errOut)
	}
	want := fmt.Sprintf("flowtail cat: read %s: stream ends inside a gzip member at byte %d (the file is truncated or corrupt) after line %d; the lines before it were read, the incomplete line %d was skipped\n", path, gz.Len()*2/3, len(got), len(got)+1)
	if errOut != want {
		t.Fatalf("cat stderr %q, want %q", errOut, want)
	}

	out, errOut, code = runCmd(t, "query", "-o", "csv", "stats count(*) as n", path)
	if code != 0 || out != fmt.Sprintf("n\n%d\n", len(got)) || errOut != strings.Replace(want, "cat", "query", 1) {
		t.Fatalf("query: exit %d, out %q, stderr %q", code, out, errOut)
	}
}

// A file name from a directory walk is untrusted: its errors reach stderr
// without escape sequences.
func TestSourceErrorsSanitised(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dump\x1b[2J")
	os.Mkdir(dir, 0o755)
	for _, args := range [][]string{{"cat", dir}, {"query", "stats count(*)", dir}, {"explain", "--demo", dir}} {
		_, errOut, _ := runCmd(t, args...)
		if strings.Contains(errOut, "\x1b") || !strings.Contains(errOut, "dump?[2J") {
			t.Errorf("%s: stderr %q", args[0], errOut)
		}
	}
}

// A worker's interner is replaced once it holds more than internLimit
// strings, so cat's memory follows the chunk, not the input: records full
// of ids seen once (every account, interface and VPC distinct) still come
// out exactly as they went in.
func TestCatDistinctIDsAcrossInternerResets(t *testing.T) {
	const format = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id"
	var in strings.Builder
	in.WriteString(format + "\n")
	n := 3*chunkLines + 77
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "2 %012d eni-%017x 10.0.%d.%d 10.1.0.1 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK vpc-%017x\n", i, i, i/250%250, i%250+1, 1024+i, i)
	}
	lines := strings.SplitAfter(in.String(), "\n")
	for _, limit := range []int{1, 100, catInternLimit} {
		var out bytes.Buffer
		c := newCatter(export.Text, nil, &out, 2)
		c.internLimit = limit
		c.start(func() {})
		batch := model.Batch{}
		for i, l := range lines[:len(lines)-1] {
			batch.Events = append(batch.Events, model.Event{Line: []byte(strings.TrimSuffix(l, "\n")), Origin: "distinct.log"})
			if len(batch.Events) == 1000 || i == len(lines)-2 {
				c.add(batch)
				batch.Events = nil
			}
		}
		c.finish()
		if c.writeErr != nil || c.malformed != 0 || c.records != int64(n) {
			t.Fatalf("limit %d: %d records, %d malformed, error %v", limit, c.records, c.malformed, c.writeErr)
		}
		if out.String() != in.String() {
			got := strings.SplitAfter(out.String(), "\n")
			for i := range min(len(got), len(lines)) {
				if got[i] != lines[i] {
					t.Fatalf("limit %d: line %d is\n%q, want\n%q", limit, i+1, got[i], lines[i])
				}
			}
			t.Fatalf("limit %d: %d lines out, want %d", limit, len(got), len(lines))
		}
	}
}
