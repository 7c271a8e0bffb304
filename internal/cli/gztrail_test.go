package cli

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A complete gzip capture followed by a few bytes that are not gzip
// (padding, a stray newline) is read whole by every command, its last
// line included when it has no newline, and the bytes are named as
// trailing, not as a file cut short.
func TestGzipTrailingBytesKeepEveryRecord(t *testing.T) {
	rec := "2 123456789012 eni-1 10.0.0.%d 10.0.0.9 443 22 6 10 5 1700000000 1700000060 ACCEPT OK"
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(strings.ReplaceAll(rec, "%d", "1") + "\n" + strings.ReplaceAll(rec, "%d", "2")))
	zw.Close()
	dir := t.TempDir()
	for name, tail := range map[string]string{"short.log.gz": "junk\n", "long.log.gz": strings.Repeat("\x00", 64)} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, append(bytes.Clone(b.Bytes()), tail...), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"cat", "-o", "csv", path},
			{"query", "-o", "csv", "fields srcaddr", path},
		} {
			out, errOut, code := runCmd(t, args...)
			if code != 0 || !strings.Contains(out, "10.0.0.1") || !strings.Contains(out, "10.0.0.2") ||
				!strings.Contains(errOut, "trailing bytes") || !strings.Contains(errOut, "after line 2;") || strings.Contains(errOut, "truncated") || strings.Contains(errOut, "incomplete") {
				t.Errorf("%s: %s: exit %d, output %q, stderr %q", name, args[0], code, out, errOut)
			}
		}
	}
}

// Trailing bytes after a gzip envelope (JSON lines) are named in a whole
// sentence, after every record was read.
func TestGzipTrailingBytesAfterAnEnvelope(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(`{"version":2,"srcaddr":"10.0.0.1"}` + "\n" + `{"version":2,"srcaddr":"10.0.0.2"}` + "\n"))
	zw.Close()
	path := filepath.Join(t.TempDir(), "keyed.jsonl.gz")
	if err := os.WriteFile(path, append(b.Bytes(), "x\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"cat", "-o", "csv", path}, {"query", "-o", "csv", "fields srcaddr", path}} {
		out, errOut, code := runCmd(t, args...)
		if code != 0 || !strings.Contains(out, "10.0.0.2") || !strings.Contains(errOut, "trailing bytes") || strings.HasSuffix(errOut, ",\n") {
			t.Errorf("%s: exit %d, output %q, stderr %q", args[0], code, out, errOut)
		}
	}
}
