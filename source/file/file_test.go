package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowtail/flowtail/model"
)

// line is an event as a test sees it, copied out of the reused buffer.
type line struct {
	origin string
	no     int64
	text   string
}

// collect runs a source to its end and returns every line it emitted.
func collect(t *testing.T, s *Source) ([]line, error) {
	t.Helper()
	var out []line
	err := s.Run(context.Background(), func(b model.Batch) {
		for _, ev := range b.Events {
			out = append(out, line{ev.Origin, ev.LineNo, string(ev.Line)})
		}
	})
	return out, err
}

func texts(ls []line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

func gz(t *testing.T, members ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, m := range members {
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func equal(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n got %q\nwant %q", got, want)
	}
}

const rec1 = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
const rec2 = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK"

func TestGzipDetectedByContentNotName(t *testing.T) {
	dir := t.TempDir()
	// A gzip file without .gz, and a plain file named .gz.
	write(t, filepath.Join(dir, "capture.log"), gz(t, rec1+"\n"+rec2+"\n"))
	write(t, filepath.Join(dir, "plain.gz"), []byte(rec2+"\n"))
	got, err := collect(t, New([]string{filepath.Join(dir, "capture.log"), filepath.Join(dir, "plain.gz")}, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, texts(got), []string{rec1, rec2, rec2})
	if got[1].no != 2 || got[1].origin != filepath.Join(dir, "capture.log") || got[2].no != 1 {
		t.Fatalf("origins and line numbers: %+v", got)
	}
}

func TestMultiMemberGzip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "multi.gz")
	// Three members, the second splitting a line, as `cat a.gz b.gz` makes.
	write(t, path, gz(t, rec1+"\n", rec2[:20], rec2[20:]+"\n"+rec1+"\n"))
	got, err := collect(t, New([]string{path}, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, texts(got), []string{rec1, rec2, rec1})
}

func TestCorruptGzipReported(t *testing.T) {
	dir := t.TempDir()
	data := gz(t, strings.Repeat(rec1+"\n", 100))
	write(t, filepath.Join(dir, "cut.gz"), data[:len(data)/2])
	write(t, filepath.Join(dir, "ok.log"), []byte(rec2+"\n"))
	got, err := collect(t, New([]string{filepath.Join(dir, "cut.gz"), filepath.Join(dir, "missing.log"), filepath.Join(dir, "ok.log")}, Options{}))
	if err == nil || !strings.Contains(err.Error(), "cut.gz") || !strings.Contains(err.Error(), "missing.log") {
		t.Fatalf("want errors naming cut.gz and missing.log, got %v", err)
	}
	if got[len(got)-1].text != rec2 {
		t.Fatalf("the readable file after the bad ones was not read: %v", got[len(got)-1])
	}
}

func TestStdin(t *testing.T) {
	for name, data := range map[string][]byte{
		"plain": []byte(rec1 + "\n" + rec2 + "\n"),
		"gzip":  gz(t, rec1+"\n"+rec2+"\n"),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := collect(t, New([]string{"-"}, Options{Stdin: bytes.NewReader(data)}))
			if err != nil {
				t.Fatal(err)
			}
			equal(t, texts(got), []string{rec1, rec2})
			if got[0].origin != "-" || got[1].no != 2 {
				t.Fatalf("stdin origin and line numbers: %+v", got)
			}
		})
	}
}

func TestCRLFAndMissingFinalNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crlf.log")
	write(t, path, []byte(rec1+"\r\n\r\n"+rec2))
	got, err := collect(t, New([]string{path}, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, texts(got), []string{rec1, "", rec2})
	if got[2].no != 3 {
		t.Fatalf("last line number = %d, want 3", got[2].no)
	}
}

func TestLongLinesCutAndReported(t *testing.T) {
	long := strings.Repeat("x", 3*model.MaxLineBytes)
	for name, data := range map[string]string{
		"middle": rec1 + "\n" + long + "\n" + rec2 + "\n",
		"last":   rec1 + "\n" + rec2 + "\n" + long,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "long.log")
			write(t, path, []byte(data))
			got, err := collect(t, New([]string{path}, Options{}))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 {
				t.Fatalf("got %d lines, want 3", len(got))
			}
			var cut line
			for _, l := range got {
				if strings.HasPrefix(l.text, "xxx") {
					cut = l
				}
			}
			if len(cut.text) != model.MaxLineBytes+1 {
				t.Fatalf("long line emitted with %d bytes, want %d (cut, still too long for the parser)", len(cut.text), model.MaxLineBytes+1)
			}
			var f model.Flow
			var x model.Ext
			if err := model.NewParser(model.DefaultFormat, model.NewInterner()).Parse([]byte(cut.text), &f, &x); err == nil {
				t.Fatal("the parser accepted the cut line")
			}
			for _, l := range got {
				if l.text != cut.text && l.text != rec1 && l.text != rec2 {
					t.Fatalf("unexpected line %q", l.text[:min(40, len(l.text))])
				}
			}
		})
	}
}

func TestBatchesAreBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.log")
	n := 3*MaxBatchLines + 17
	write(t, path, []byte(strings.Repeat(rec1+"\n", n)))
	batches, lines := 0, 0
	err := New([]string{path}, Options{}).Run(context.Background(), func(b model.Batch) {
		batches++
		if len(b.Events) > MaxBatchLines {
			t.Fatalf("batch of %d lines", len(b.Events))
		}
		for _, ev := range b.Events {
			lines++
			if ev.LineNo != int64(lines) || string(ev.Line) != rec1 {
				t.Fatalf("line %d: %d %q", lines, ev.LineNo, ev.Line)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if lines != n || batches < 4 || batches > 8 {
		t.Fatalf("%d lines in %d batches", lines, batches)
	}
}

// TestDirectoryLayoutsInTimeOrder builds the three S3 delivery layouts with
// files whose path order differs from their time order.
func TestDirectoryLayoutsInTimeOrder(t *testing.T) {
	name := func(acct, stamp string) string {
		return fmt.Sprintf("%s_vpcflowlogs_us-east-1_fl-1234abcd_%s_fe123456.log.gz", acct, stamp)
	}
	cases := map[string][]string{ // files in expected time order
		"daily": {
			"AWSLogs/222222222222/vpcflowlogs/us-east-1/2026/11/21/" + name("222222222222", "20261121T2355Z"),
			"AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/11/22/" + name("111111111111", "20261122T0005Z"),
			"AWSLogs/222222222222/vpcflowlogs/us-east-1/2026/11/22/" + name("222222222222", "20261122T0010Z"),
			"AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/11/22/" + name("111111111111", "20261122T0100Z"),
		},
		"hourly": {
			"AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/11/22/09/" + name("111111111111", "20261122T0955Z"),
			"AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/11/22/10/" + name("111111111111", "20261122T1000Z"),
			"AWSLogs/000000000000/vpcflowlogs/eu-west-1/2026/11/22/10/" + name("000000000000", "20261122T1005Z"),
		},
		"hive": {
			"AWSLogs/aws-account-id=222222222222/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=21/" + name("222222222222", "20261121T2359Z"),
			"AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=22/hour=00/" + name("111111111111", "20261122T0000Z"),
			"AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=22/hour=00/" + name("111111111111", "20261122T0005Z"),
		},
	}
	for layout, files := range cases {
		t.Run(layout, func(t *testing.T) {
			dir := t.TempDir()
			for i := len(files) - 1; i >= 0; i-- {
				write(t, filepath.Join(dir, files[i]), gz(t, fmt.Sprintf("version account-id\n2 file%d\n", i)))
			}
			write(t, filepath.Join(dir, "AWSLogs/.hidden/x.log"), []byte("2 hidden\n"))
			write(t, filepath.Join(dir, "AWSLogs/checksums.md5"), []byte("d41d8cd98f00b204e9800998ecf8427e"))
			got, err := collect(t, New([]string{dir}, Options{}))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i := range files {
				want = append(want, "version account-id", fmt.Sprintf("2 file%d", i))
			}
			equal(t, texts(got), want)
		})
	}
}

func TestFolderTimeWithoutNameStamp(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"2026/11/22/10/b.log", "2026/11/22/09/z.log", "year=2026/month=11/day=21/a.log"} {
		write(t, filepath.Join(dir, p), []byte(p+"\n"))
	}
	got, err := collect(t, New([]string{dir}, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, texts(got), []string{"year=2026/month=11/day=21/a.log", "2026/11/22/09/z.log", "2026/11/22/10/b.log"})
}

// follow runs a following source in the background and lets the test wait
// for lines.
type follow struct {
	mu     sync.Mutex
	lines  []line
	cancel context.CancelFunc
	done   chan error
}

func startFollow(t *testing.T, paths ...string) *follow {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fw := &follow{cancel: cancel, done: make(chan error, 1)}
	s := New(paths, Options{Follow: true, Poll: 5 * time.Millisecond})
	go func() {
		fw.done <- s.Run(ctx, func(b model.Batch) {
			fw.mu.Lock()
			for _, ev := range b.Events {
				fw.lines = append(fw.lines, line{ev.Origin, ev.LineNo, string(ev.Line)})
			}
			fw.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-fw.done; err != context.Canceled {
			t.Errorf("follow ended with %v, want context.Canceled", err)
		}
	})
	return fw
}

func (fw *follow) waitFor(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		fw.mu.Lock()
		got := texts(fw.lines)
		fw.mu.Unlock()
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("follow:\n got %q\nwant %q", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestFollowGrowthRotationTruncation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flows.log")
	write(t, path, []byte("a1\na2"))
	fw := startFollow(t, path)
	fw.waitFor(t, "a1")

	// The partial line completes; more lines arrive.
	appendTo(t, path, " done\na3\n")
	fw.waitFor(t, "a1", "a2 done", "a3")

	// Rotation: a last line is written to the old file without a newline,
	// the file is renamed and a new one is created at the path.
	appendTo(t, path, "a4")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	write(t, path, []byte("b1\n"))
	fw.waitFor(t, "a1", "a2 done", "a3", "a4", "b1")

	// Truncation in place (copytruncate), then new lines.
	appendTo(t, path, "b2\n")
	fw.waitFor(t, "a1", "a2 done", "a3", "a4", "b1", "b2")
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	appendTo(t, path, "c1\n")
	fw.waitFor(t, "a1", "a2 done", "a3", "a4", "b1", "b2", "c1")

	fw.mu.Lock()
	last := fw.lines[len(fw.lines)-1]
	fw.mu.Unlock()
	if last.no != 1 {
		t.Fatalf("line number after truncation = %d, want 1", last.no)
	}
}

func TestFollowWaitsForMissingFileAndNewDirFiles(t *testing.T) {
	dir := t.TempDir()
	later := filepath.Join(dir, "later.log")
	tree := filepath.Join(dir, "AWSLogs")
	write(t, filepath.Join(tree, "2026/11/22/x_20261122T0000Z_a.log.gz"), gz(t, "d1\n"))
	fw := startFollow(t, later, tree)
	fw.waitFor(t, "d1")
	write(t, later, []byte("l1\n"))
	fw.waitFor(t, "d1", "l1")
	write(t, filepath.Join(tree, "2026/11/22/x_20261122T0005Z_a.log.gz"), gz(t, "d2\n"))
	fw.waitFor(t, "d1", "l1", "d2")
}

// A capture that appears empty in a followed folder (a writer has created
// it, not yet filled it) is read once its bytes are there, as gzip, not
// taken for an empty text file whose later bytes are garbage lines.
func TestFollowNewFileCreatedEmptyThenFilled(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "AWSLogs")
	write(t, filepath.Join(tree, "2026/11/22/x_20261122T0000Z_a.log.gz"), gz(t, "d1\n"))
	fw := startFollow(t, tree)
	fw.waitFor(t, "d1")
	slow := filepath.Join(tree, "2026/11/22/x_20261122T0005Z_a.log.gz")
	write(t, slow, nil)
	time.Sleep(1500 * time.Millisecond) // at least one rescan sees it empty
	write(t, slow, gz(t, "d2\n"))
	fw.waitFor(t, "d1", "d2")
}

// BenchmarkReadGzip is the source's share of reading a capture:
// decompression, line splitting and batching.
func BenchmarkReadGzip(b *testing.B) {
	const n = 100_000
	var plain bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&plain, "2 123456789012 eni-0a1b2c3d4e5f6%04d 10.0.%d.%d 52.94.%d.%d %d 443 6 %d %d %d %d ACCEPT OK\n",
			i%40, i%4, 1+i%250, i%256, 1+i%199, 1024+i%60000, 1+i%300, 40+i%90000, 1795000000+i/100, 1795000030+i/100)
	}
	path := filepath.Join(b.TempDir(), "capture.log.gz")
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	zw.Write(plain.Bytes())
	zw.Close()
	if err := os.WriteFile(path, zbuf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(plain.Len()))
	b.ReportAllocs()
	for b.Loop() {
		lines := 0
		if err := New([]string{path}, Options{}).Run(context.Background(), func(bt model.Batch) { lines += len(bt.Events) }); err != nil {
			b.Fatal(err)
		}
		if lines != n {
			b.Fatalf("%d lines", lines)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/line")
}

// A gzip capture cut short keeps every complete line before the cut, skips
// the cut-off one, and says so: where it stopped and why.
func TestTruncatedGzipKeepsLinesBeforeTheCut(t *testing.T) {
	var lines []string
	for i := range 5000 {
		lines = append(lines, fmt.Sprintf("2 123456789010 eni-%017d 10.0.%d.%d 10.1.0.1 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK", i, i/250, i%250, 1024+i))
	}
	data := gz(t, strings.Join(lines, "\n")+"\n")
	path := filepath.Join(t.TempDir(), "cut.log.gz")
	write(t, path, data[:len(data)*2/3])
	got, err := collect(t, New([]string{path}, Options{}))
	var stopped *StoppedError
	if !errors.As(err, &stopped) || !errors.Is(err, ErrTruncated) {
		t.Fatalf("want a StoppedError for ErrTruncated, got %v", err)
	}
	if len(got) == 0 || int64(len(got)) != stopped.Lines {
		t.Fatalf("emitted %d lines, error says %d", len(got), stopped.Lines)
	}
	for i, l := range got {
		if l.text != lines[i] || l.no != int64(i+1) {
			t.Fatalf("line %d = %q (no %d): want the complete line %q", i+1, l.text, l.no, lines[i])
		}
	}
	msg := err.Error()
	for _, want := range []string{"cut.log.gz", "truncated", fmt.Sprintf("after line %d", len(got)), fmt.Sprintf("incomplete line %d was skipped", len(got)+1)} {
		if !strings.Contains(msg, want) || !stopped.Partial {
			t.Errorf("message %q lacks %q (partial %v)", msg, want, stopped.Partial)
		}
	}
}

// A directory with nothing to read is an error naming it, not silence.
func TestDirectoryWithoutCaptures(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "notes.md"), []byte("# notes"))
	write(t, filepath.Join(dir, "x.log.gz.md5"), []byte("d41d8cd98f00b204e9800998ecf8427e"))
	_, err := collect(t, New([]string{dir}, Options{}))
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "no capture files") {
		t.Fatalf("want an error naming %s, got %v", dir, err)
	}
}

// Bytes after the last gzip member (zero padding) are named as such, after
// every line was read.
func TestGzipTrailingGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "padded.log.gz")
	write(t, path, append(gz(t, rec1+"\n"+rec2+"\n"), make([]byte, 64)...))
	got, err := collect(t, New([]string{path}, Options{}))
	if !errors.Is(err, ErrTrailing) || !strings.Contains(err.Error(), "after line 2") {
		t.Fatalf("want ErrTrailing after line 2, got %v", err)
	}
	equal(t, texts(got), []string{rec1, rec2})
}

// Parquet on stdin is named as such, not read as lines of garbage.
func TestParquetOnStdinRefused(t *testing.T) {
	got, err := collect(t, New([]string{"-"}, Options{Stdin: strings.NewReader("PAR1\x15\x04binary\nmore\n")}))
	if !errors.Is(err, ErrParquet) || !strings.Contains(err.Error(), "stdin") || len(got) != 0 {
		t.Fatalf("want ErrParquet naming stdin and no lines, got %v, %d lines", err, len(got))
	}
}

// Following only what cannot grow (a gzip file, stdin) ends once it is read.
func TestFollowEndsWhenNothingCanGrow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log.gz")
	write(t, path, gz(t, rec1+"\n"))
	done := make(chan []line, 1)
	go func() {
		got, _ := collect(t, New([]string{path, "-"}, Options{Follow: true, Stdin: strings.NewReader(rec2 + "\n")}))
		done <- got
	}()
	select {
	case got := <-done:
		equal(t, texts(got), []string{rec1, rec2})
	case <-time.After(5 * time.Second):
		t.Fatal("still following a gzip file and stdin after reading them")
	}
}

// Captures read one after another share buffers: a bad gzip file, then
// good ones, then plain text, each read as if it came first.
func TestCapturesAfterABadGzipReadWhole(t *testing.T) {
	dir := t.TempDir()
	cut := gz(t, strings.Repeat(rec1+"\n", 100))
	write(t, filepath.Join(dir, "a-header.gz"), []byte{0x1f, 0x8b, 0})
	write(t, filepath.Join(dir, "b-cut.gz"), cut[:len(cut)/2])
	write(t, filepath.Join(dir, "c.gz"), gz(t, rec2+"\n", rec1+"\n"))
	write(t, filepath.Join(dir, "d.log"), []byte(rec2+"\n"))
	paths := []string{"a-header.gz", "b-cut.gz", "c.gz", "d.log"}
	for i := range paths {
		paths[i] = filepath.Join(dir, paths[i])
	}
	got, err := collect(t, New(paths, Options{}))
	if err == nil || !strings.Contains(err.Error(), "a-header.gz") || !strings.Contains(err.Error(), "b-cut.gz") {
		t.Fatalf("want errors naming a-header.gz and b-cut.gz, got %v", err)
	}
	var tail []line
	for _, l := range got {
		if l.origin != paths[1] {
			tail = append(tail, l)
		}
	}
	if len(tail) != 3 || tail[0] != (line{paths[2], 1, rec2}) || tail[1] != (line{paths[2], 2, rec1}) || tail[2] != (line{paths[3], 1, rec2}) {
		t.Fatalf("lines after the bad files: %+v", tail)
	}
}

// Bytes after the last gzip member too few to be a gzip header are
// trailing bytes, not a member cut short; and the last line of the data
// before them is complete without a newline, as zcat prints it.
func TestGzipShortTrailingBytesAndLastLine(t *testing.T) {
	for name, tail := range map[string][]byte{"short": []byte("junk\n"), "zeros": make([]byte, 64)} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "padded.log.gz")
			write(t, path, append(gz(t, rec1+"\n"+rec2), tail...))
			got, err := collect(t, New([]string{path}, Options{}))
			if !errors.Is(err, ErrTrailing) || errors.Is(err, ErrTruncated) || strings.Contains(err.Error(), "incomplete") {
				t.Fatalf("want ErrTrailing and no incomplete line, got %v", err)
			}
			equal(t, texts(got), []string{rec1, rec2})
		})
	}
}
