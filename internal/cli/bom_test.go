package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A UTF-8 byte-order mark at the start of a capture (as Notepad, Excel's
// "CSV UTF-8" and PowerShell write) is not part of the first line: a
// header, a record, a JSON object or a CSV header row after it reads as
// it would without it, in text, JSON lines, CSV and gzip, through cat,
// query and explain.
func TestByteOrderMarkIsNotPartOfTheFirstLine(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	rec := "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 22 6 10 5 1700000000 1700000060 ACCEPT OK"
	zipped := func(s string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.String()
	}
	dir := t.TempDir()
	for name, data := range map[string]string{
		"record.log":    bom + rec + "\n",
		"header.log":    bom + "version srcaddr bytes\r\n2 10.0.0.1 5\r\n",
		"keyed.jsonl":   bom + `{"version":2,"srcaddr":"10.0.0.1","bytes":5}` + "\n",
		"rows.csv":      bom + "version,srcaddr,bytes\n2,10.0.0.1,5\n",
		"record.log.gz": zipped(bom + rec + "\n"),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"cat", "-o", "csv", path},
			{"query", "-o", "csv", "fields srcaddr, bytes", path},
			{"explain", "--rules", demoRulesDir, path},
		} {
			out, errOut, code := runCmd(t, args...)
			if code != 0 || errOut != "" || !strings.Contains(out, "10.0.0.1") {
				t.Errorf("%s: %v: exit %d, stderr %q, output %q", name, args[:2], code, errOut, out)
			}
		}
	}
}

// A followed capture that starts with a byte-order mark reads its first
// line as written, the lines appended after it, and the first line of the
// file that replaces it.
func TestFollowSkipsByteOrderMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.log")
	if err := os.WriteFile(path, []byte("\xef\xbb\xbfversion srcaddr bytes\n2 10.0.0.1 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := runFollowing(t, []string{"cat", "-f", "-o", "csv", path},
		followStep{"10.0.0.1", func() {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("2 10.0.0.2 6\n")
			f.Close()
		}},
		followStep{"10.0.0.2", func() { // rotation: the new file starts with a mark too
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("\xef\xbb\xbfversion srcaddr bytes\n2 10.0.0.3 7\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		followStep{"10.0.0.3", nil})
	if want := "version,srcaddr,bytes\n2,10.0.0.1,5\n2,10.0.0.2,6\n2,10.0.0.3,7\n"; out != want || errOut != "" {
		t.Errorf("cat -f: output %q, stderr %q; want %q", out, errOut, want)
	}
}

// followStep waits for a following command's output to hold text, then
// acts.
type followStep struct {
	text string
	then func()
}

// runFollowing runs a following command through its steps and ends it
// (as Ctrl-C does) after the last.
func runFollowing(t *testing.T, args []string, steps ...followStep) (out, errOut string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var o, e lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, stdio{strings.NewReader(""), &o, &e}) }()
	for _, st := range steps {
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(o.String(), st.text); {
			if time.Now().After(deadline) {
				t.Fatalf("%v: no %q after 5s; output %q, stderr %q", args, st.text, o.String(), e.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if st.then != nil {
			st.then()
		}
	}
	cancel()
	<-done
	return o.String(), e.String()
}
