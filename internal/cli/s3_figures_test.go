package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/s3test"
)

// TestS3QueryFigures measures `flowtail query` over 1,000,000 records in
// S3 objects behind the local endpoint against the same records in local
// files: wall time, records/s and peak memory of the flowtail process.
// It builds the binary and takes a while, so it runs only when asked:
// FLOWTAIL_S3_FIGURES=1 go test -run S3QueryFigures -v ./internal/cli
func TestS3QueryFigures(t *testing.T) {
	if os.Getenv("FLOWTAIL_S3_FIGURES") == "" {
		t.Skip("set FLOWTAIL_S3_FIGURES=1 to measure")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("needs /usr/bin/time for the peak memory")
	}
	bin := filepath.Join(t.TempDir(), "flowtail")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/flowtail/flowtail").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const total = 1_000_000
	for _, objects := range []int{200, 1000} {
		fk := s3test.New(t)
		fk.Env(t)
		bucket := fmt.Sprintf("bench-%d", objects)
		fk.Bucket(t, bucket, "")
		dir := t.TempDir()
		base := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
		per := total / objects
		for o := range objects {
			at := base.Add(time.Duration(o) * 5 * time.Minute)
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			fmt.Fprintln(zw, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
			for i := range per {
				end := at.Unix() + int64(i%300)
				fmt.Fprintf(zw, "2 123456789012 eni-0a1b2c3d4e5f6%04d 10.0.%d.%d 10.1.%d.%d %d 443 6 %d %d %d %d ACCEPT OK\n", o%10000, i%250, o%250, i%7, i%250, 1024+i%60000, 1+i%9, 60+i%1500, end-60, end)
			}
			zw.Close()
			key := fmt.Sprintf("AWSLogs/123456789012/vpcflowlogs/us-east-1/%s/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_%s_%08x.log.gz", at.Format("2006/01/02"), at.Format("20060102T1504Z"), o)
			fk.Put(t, bucket, key, buf.Bytes())
			path := filepath.Join(dir, key)
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		q := "stats count(*) as n, sum(bytes) as b by action"
		s3wall, s3rss, s3cpu, s3out := measure(t, bin, "query", "-q", "-o", "csv", q, "s3://"+bucket+"/", "--since", "all")
		dirWall, dirRSS, dirCPU, dirOut := measure(t, bin, "query", "-o", "csv", q, dir)
		if s3out != dirOut || !strings.Contains(s3out, strconv.Itoa(total)) {
			t.Fatalf("answers differ or miss records: s3 %q, local %q", s3out, dirOut)
		}
		// One hour out of the 200 five-minute files (16.6 hours) or 1000
		// (3.5 days): only the files that can hold it are fetched.
		from, to := base.Add(5*time.Hour), base.Add(6*time.Hour)
		before := len(fk.Gets())
		hourWall, hourRSS, _, hourOut := measure(t, bin, "query", "-q", "-o", "csv", "stats count(*) as n", "s3://"+bucket+"/", "--since", from.Format(time.RFC3339), "--until", to.Format(time.RFC3339))
		t.Logf("%d objects, one hour: %d objects fetched, %v, peak %d MiB, answer %q", objects, len(fk.Gets())-before, hourWall.Round(time.Millisecond), hourRSS>>10, strings.TrimSpace(hourOut))
		t.Logf("%d objects: s3 %v (%.0f records/s, peak %d MiB); local dir %v (%.0f records/s, peak %d MiB); ratio %.2fx",
			objects, s3wall.Round(time.Millisecond), total/s3wall.Seconds(), s3rss>>10,
			dirWall.Round(time.Millisecond), total/dirWall.Seconds(), dirRSS>>10, s3wall.Seconds()/dirWall.Seconds())
		// CPU time (user+system) depends less on what else the machine runs.
		t.Logf("%d objects: cpu s3 %v, local dir %v; ratio %.2fx", objects, s3cpu.Round(time.Millisecond), dirCPU.Round(time.Millisecond), s3cpu.Seconds()/dirCPU.Seconds())
	}
}

// measure runs the binary and returns its wall time, peak RSS (KiB), CPU
// time (user+system) and output. The peak comes from /usr/bin/time, whose child is forked from a
// small process: a child started from this test directly would report
// this process's own peak, which Linux carries across exec.
func measure(t *testing.T, bin string, args ...string) (time.Duration, int64, time.Duration, string) {
	t.Helper()
	rss := filepath.Join(t.TempDir(), "rss")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M %U %S", "-o", rss, bin}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errb.String())
	}
	wall := time.Since(start)
	text, err := os.ReadFile(rss)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(text))
	if len(f) != 3 {
		t.Fatalf("/usr/bin/time wrote %q", text)
	}
	kib, err := strconv.ParseInt(f[0], 10, 64)
	user, uerr := strconv.ParseFloat(f[1], 64)
	sys, serr := strconv.ParseFloat(f[2], 64)
	if err != nil || uerr != nil || serr != nil {
		t.Fatalf("/usr/bin/time wrote %q", text)
	}
	return wall, kib, time.Duration((user + sys) * float64(time.Second)), out.String()
}
