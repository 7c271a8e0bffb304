package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/s3test"
)

// TestQueryS3EqualsLocalFiles reads the same objects from S3 (`--since
// all`: the chunk reader's path) and from local files and compares the
// answers with each other and with counts made here from the data. The
// objects change format: one has its own field order, one switches order
// mid-object, one has no header and one has a malformed line, so the
// format in force must be decided per object in order.
func TestQueryS3EqualsLocalFiles(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	dir := t.TempDir()
	base := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	const std = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
	const swapped = "version account-id interface-id dstaddr srcaddr dstport srcport protocol packets bytes start end action log-status"
	wantByPort := map[int]int{} // dstport -> records
	wantBytes := int64(0)       // total bytes
	var wantRows []string       // dstport of each record, in input order
	record := func(w *bytes.Buffer, swap bool, o, i int) {
		port := 1000 + o*10 + i%7
		b := 100 + o*1000 + i
		end := base.Unix() + int64(o*300+i)
		if swap {
			fmt.Fprintf(w, "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.9 10.0.0.%d %d %d 6 3 %d %d %d ACCEPT OK\n", i%250, port, 1024+i, b, end-60, end)
		} else {
			fmt.Fprintf(w, "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.0.%d 10.0.1.9 %d %d 6 3 %d %d %d ACCEPT OK\n", i%250, 1024+i, port, b, end-60, end)
		}
		wantByPort[port]++
		wantBytes += int64(b)
		wantRows = append(wantRows, fmt.Sprint(port))
	}
	const objects, per = 12, 300
	// Objects in their own order run past one chunk, so later chunks
	// start without the header that sets their format.
	const long = 15000
	count := func(o int) int {
		if o%4 == 1 {
			return long
		}
		return per
	}
	for o := range objects {
		var text bytes.Buffer
		switch o % 4 {
		case 0: // the default order, declared
			fmt.Fprintln(&text, std)
			for i := range per {
				record(&text, false, o, i)
			}
		case 1: // its own order, over several chunks
			fmt.Fprintln(&text, swapped)
			for i := range long {
				record(&text, true, o, i)
			}
		case 2: // switches order half way
			fmt.Fprintln(&text, std)
			for i := range per / 2 {
				record(&text, false, o, i)
			}
			fmt.Fprintln(&text, swapped)
			for i := per / 2; i < per; i++ {
				record(&text, true, o, i)
			}
		case 3: // no header (the default order), one malformed line
			for i := range per {
				record(&text, false, o, i)
				if i == 5 {
					fmt.Fprintln(&text, "2 123456789012 not a record")
				}
			}
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(text.Bytes())
		zw.Close()
		at := base.Add(time.Duration(o) * 5 * time.Minute)
		key := fmt.Sprintf("AWSLogs/123456789012/vpcflowlogs/us-east-1/%s/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_%s_%08x.log.gz", at.Format("2006/01/02"), at.Format("20060102T1504Z"), o)
		fk.Put(t, "logs", key, gz.Bytes())
		path := filepath.Join(dir, key)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	query := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append([]string{"query"}, args...), stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String(), errb.String()
	}

	stats := "stats count(*) as n, sum(bytes) as b by dstport | sort dstport"
	s3Out, s3Err := query("-o", "csv", stats, "s3://logs/", "--since", "all")
	localOut, _ := query("-o", "csv", stats, dir)
	if s3Out != localOut {
		t.Fatalf("S3 and local answers differ:\n%s\n---\n%s", s3Out, localOut)
	}
	var want strings.Builder
	want.WriteString("dstport,n,b\n")
	total := int64(0)
	for o := range objects {
		for p := 1000 + o*10; p < 1000+o*10+7; p++ {
			n := wantByPort[p]
			sum := int64(0)
			for i := range count(o) {
				if 1000+o*10+i%7 == p {
					sum += int64(100 + o*1000 + i)
				}
			}
			total += sum
			fmt.Fprintf(&want, "%d,%d,%d\n", p, n, sum)
		}
	}
	if total != wantBytes {
		t.Fatalf("test's own sums disagree: %d vs %d", total, wantBytes)
	}
	if s3Out != want.String() {
		t.Errorf("S3 answer\n%s\nwant\n%s", s3Out, want.String())
	}
	if !strings.Contains(s3Err, "1 malformed") && !strings.Contains(s3Err, "malformed") {
		t.Errorf("the malformed line is not counted on stderr:\n%s", s3Err)
	}
	if !strings.Contains(s3Err, "--since all: reading 12 objects") {
		t.Errorf("stderr does not say how much --since all reads:\n%s", s3Err)
	}

	// Rows printed as found come in input order, object after object.
	rowsOut, _ := query("-q", "-o", "csv", "fields dstport", "s3://logs/", "--since", "all")
	if got, exp := rowsOut, "dstport\n"+strings.Join(wantRows, "\n")+"\n"; got != exp {
		t.Errorf("streamed rows out of input order or wrong (%d lines, want %d)", strings.Count(got, "\n"), strings.Count(exp, "\n"))
	}

	// One unreadable object: named with what to do, counted, the rest read.
	denied := fmt.Sprintf("AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/10/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_%s_%08x.log.gz", base.Format("20060102T1504Z"), 0)
	fk.DenyGet(denied, "Access Denied")
	var out, errb bytes.Buffer
	code := run(ctx, []string{"query", "-o", "csv", "stats count(*) as n", "s3://logs/", "--since", "all"}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitOK && code != exitRuntime {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got, exp := strings.TrimSpace(out.String()), fmt.Sprintf("n\n%d", (objects-4)*per+3*long); got != exp {
		t.Errorf("with one object denied got %q, want %q", got, exp)
	}
	for _, s := range []string{denied, "s3:GetObject", "1 of 12 objects skipped"} {
		if !strings.Contains(errb.String(), s) {
			t.Errorf("stderr does not say %q:\n%s", s, errb.String())
		}
	}

	// A bucket that cannot be listed says which permission is missing.
	fk.DenyList("logs")
	out.Reset()
	errb.Reset()
	code = run(ctx, []string{"query", "stats count(*)", "s3://logs/", "--since", "all"}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitRuntime || !strings.Contains(errb.String(), "allow s3:ListBucket on arn:aws:s3:::logs") {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
}
