package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/s3test"
)

// putS3Files stores n five-minute files of three records each from base
// in bucket and returns their keys.
func putS3Files(t *testing.T, fk *s3test.Fake, bucket string, base time.Time, n int) []string {
	t.Helper()
	var keys []string
	for i := range n {
		at := base.Add(time.Duration(i) * 5 * time.Minute)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprintln(zw, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
		for r := range 3 {
			fmt.Fprintf(zw, "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.0.%d 10.0.1.9 4000 443 6 3 100 %d %d ACCEPT OK\n", r+1, at.Unix(), at.Unix()+60)
		}
		zw.Close()
		key := fmt.Sprintf("AWSLogs/123456789012/vpcflowlogs/us-east-1/%s/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_%s_abcd1234.log.gz", at.Format("2006/01/02"), at.Format("20060102T1504Z"))
		fk.Put(t, bucket, key, buf.Bytes())
		keys = append(keys, key)
	}
	return keys
}

// lastProgress is the last S3 progress line on stderr; it fails the test
// when a progress line does not start with the command's name.
func lastProgress(t *testing.T, cmd, stderr string) string {
	t.Helper()
	last := ""
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.Contains(l, " s3 ") || !strings.Contains(l, " objects") {
			continue
		}
		if !strings.HasPrefix(l, "flowtail "+cmd+": ") {
			t.Errorf("a progress line does not name the command %q: %q", cmd, l)
		}
		last = l
	}
	if last == "" {
		t.Fatalf("no S3 progress on stderr:\n%s", stderr)
	}
	return last
}

// TestS3ProgressSaysHowReadingEnded: the last progress line of a headless
// S3 read names the command and says "done" only when every location was
// listed and every object read; after a failure it says what failed. Both
// ways of reading are covered: the object streams of `query --since all`
// and the shared source (`cat`, a query over a time window).
func TestS3ProgressSaysHowReadingEnded(t *testing.T) {
	base := time.Now().UTC().Add(-2 * time.Hour).Truncate(5 * time.Minute)
	since := []string{"--since", base.Add(-time.Minute).Format(time.RFC3339), "--until", base.Add(time.Hour).Format(time.RFC3339)}
	for _, c := range []struct {
		name string
		cmd  []string // the command and its flags; the locations follow
	}{
		{"query streams", []string{"query", "-o", "csv", "stats count(*) as n", "--since", "all"}},
		{"query window", append([]string{"query", "-o", "csv", "stats count(*) as n"}, since...)},
		{"cat", append([]string{"cat", "-o", "json"}, since...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			fk := s3test.New(t)
			fk.Env(t)
			fk.Bucket(t, "logs", "")
			fk.Bucket(t, "closed", "")
			keys := putS3Files(t, fk, "logs", base, 4)
			putS3Files(t, fk, "closed", base, 1)
			runIt := func(locations ...string) (int, string) {
				var out, errb bytes.Buffer
				code := run(ctx, append(append([]string{}, c.cmd...), locations...), stdio{strings.NewReader(""), &out, &errb})
				return code, errb.String()
			}
			cmd := c.cmd[0]

			code, stderr := runIt("s3://logs/")
			if last := lastProgress(t, cmd, stderr); code != exitOK || !strings.Contains(last, "4/4 objects") || !strings.Contains(last, "done in") {
				t.Errorf("all read: exit %d, last progress %q, want 4/4 objects … done in\n%s", code, last, stderr)
			}

			// One object refused: never "done".
			fk.DenyGet(keys[1], "no")
			code, stderr = runIt("s3://logs/")
			last := lastProgress(t, cmd, stderr)
			if code != exitOK || !strings.Contains(last, "1 of 4 objects failed") || strings.Contains(last, "done") {
				t.Errorf("one object refused: exit %d, last progress %q, want '1 of 4 objects failed' and no 'done'\n%s", code, last, stderr)
			}

			// A content that is not flow-log records fails its object too.
			fk.Put(t, "logs", keys[2], []byte("\x00\x01\x02 not a flow log \x00\x00\x00\x00"))
			code, stderr = runIt("s3://logs/")
			last = lastProgress(t, cmd, stderr)
			if !strings.Contains(last, "2 of 4 objects failed") || strings.Contains(last, "done") {
				t.Errorf("one object refused, one not flow logs: exit %d, last progress %q, want '2 of 4 objects failed'\n%s", code, last, stderr)
			}

			// A location that cannot be listed.
			fk.DenyList("closed")
			code, stderr = runIt("s3://closed/")
			last = lastProgress(t, cmd, stderr)
			if code != exitRuntime || !strings.Contains(last, "listing failed") || strings.Contains(last, "done") {
				t.Errorf("listing refused: exit %d, last progress %q, want 'listing failed' and no 'done'\n%s", code, last, stderr)
			}
			code, stderr = runIt("s3://closed/", "s3://logs/")
			last = lastProgress(t, cmd, stderr)
			if !strings.Contains(last, "listing 1 of 2 locations failed") || strings.Contains(last, "done") {
				t.Errorf("one of two listings refused: exit %d, last progress %q, want 'listing 1 of 2 locations failed'\n%s", code, last, stderr)
			}
		})
	}
}
