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

// s3Objects stores five-minute files of n records each from `from` to `to`
// in the default layout and returns every record's start, end and bytes.
func s3Objects(t *testing.T, fk *s3test.Fake, from, to time.Time, n int) (starts, ends, byteCounts []int64) {
	for at := from; !at.After(to); at = at.Add(5 * time.Minute) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprintln(zw, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
		for i := range n {
			end := at.Unix() + int64(i*29%300)
			b := int64(100 + i)
			fmt.Fprintf(zw, "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.0.%d 10.0.1.9 4%03d 443 6 3 %d %d %d ACCEPT OK\n", i%250, i, b, end-60, end)
			starts, ends, byteCounts = append(starts, end-60), append(ends, end), append(byteCounts, b)
		}
		zw.Close()
		key := fmt.Sprintf("AWSLogs/123456789012/vpcflowlogs/us-east-1/%s/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_%s_abcd1234.log.gz", at.Format("2006/01/02"), at.Format("20060102T1504Z"))
		fk.Put(t, "logs", key, buf.Bytes())
	}
	return starts, ends, byteCounts
}

func TestQueryMixesS3AndFiles(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	base := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	since, until := base.Add(20*time.Minute), base.Add(50*time.Minute)
	starts, ends, byteCounts := s3Objects(t, fk, base.Add(-2*time.Hour), base.Add(3*time.Hour), 50)
	var want, wantBytes int64
	for i := range starts {
		if ends[i] >= since.Unix() && starts[i] <= until.Unix() {
			want++
			wantBytes += byteCounts[i]
		}
	}
	local := filepath.Join(t.TempDir(), "local.log")
	line := fmt.Sprintf("2 123456789012 eni-0a1b2c3d4e5f60718 10.9.9.9 10.0.1.9 5555 22 6 1 7 %d %d REJECT OK\n", since.Unix(), since.Unix()+10)
	if err := os.WriteFile(local, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, []string{"query", "-o", "csv", "stats count(*) as n, sum(bytes) as b", "s3://logs/AWSLogs/", local,
		"--since", since.Format(time.RFC3339), "--until", until.Format(time.RFC3339)}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got, exp := strings.TrimSpace(out.String()), fmt.Sprintf("n,b\n%d,%d", want+1, wantBytes+7); got != exp {
		t.Errorf("got\n%s\nwant\n%s", got, exp)
	}
	if !strings.Contains(errb.String(), "done in") {
		t.Errorf("stderr does not say reading is done:\n%s", errb.String())
	}

	// -q: the answer alone.
	out.Reset()
	errb.Reset()
	code = run(ctx, []string{"cat", "-q", "-o", "json", "s3://logs", "--since", since.Format(time.RFC3339), "--until", until.Format(time.RFC3339)}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitOK || errb.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if got := int64(strings.Count(out.String(), "\n")); got != want {
		t.Errorf("cat printed %d records, want %d", got, want)
	}
}

func TestS3ErrorsReachTheUser(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	fk.DenyList("logs")
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, []string{"query", "stats count(*)", "s3://logs/AWSLogs/"}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitRuntime || !strings.Contains(errb.String(), "allow s3:ListBucket on arn:aws:s3:::logs") {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	errb.Reset()
	code = run(ctx, []string{"cat", "s3://logs", "--since", "yesterday"}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitUsage && code != exitRuntime || !strings.Contains(errb.String(), "--since") {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
}

func TestExplainReadsS3(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	base := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	starts, ends, _ := s3Objects(t, fk, base, base.Add(10*time.Minute), 4)
	since, until := base, base.Add(10*time.Minute)
	var want int
	for i := range starts {
		if ends[i] >= since.Unix() && starts[i] <= until.Unix() {
			want++
		}
	}
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, []string{"explain", "-q", "-o", "json", "--rules", demoRulesDir, "s3://logs",
		"--since", since.Format(time.RFC3339), "--until", until.Format(time.RFC3339)}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := len(catJSONLines(t, out.String())); got != want {
		t.Errorf("explained %d records, want %d", got, want)
	}
}
