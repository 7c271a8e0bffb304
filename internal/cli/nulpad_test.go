package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A capture whose tail is NUL bytes (a crash before the data reached the
// disk) keeps the records before them: the NULs are one malformed line,
// not a reason to refuse the whole file as binary, however short it is.
func TestNULPaddedCaptureKeepsItsRecords(t *testing.T) {
	dir := t.TempDir()
	for _, pad := range []int{1, 200, 3000, 64 << 10} {
		body := strings.Repeat(catSSH+"\n", 3) + strings.Repeat("\x00", pad)
		path := filepath.Join(dir, "padded.log")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runCatArgs(t, "", "-o", "json", path)
		if code != 0 || strings.Count(out, "\n") != 3 {
			t.Errorf("cat, %d NULs: exit %d, %d records, stderr %q", pad, code, strings.Count(out, "\n"), errOut)
		}
		if !strings.Contains(errOut, "skipped 1 malformed line(s) (3 records decoded)") || !strings.Contains(errOut, "padded.log:4:") {
			t.Errorf("cat, %d NULs: stderr %q", pad, errOut)
		}
		code, qout, qerr := runQueryCmd(t, "", "stats count(*) as n", path)
		if code != 0 || !strings.Contains(qout, "3") || !strings.Contains(qerr, "skipped 1 malformed line(s) (3 records read)") {
			t.Errorf("query, %d NULs: exit %d, out %q, stderr %q", pad, code, qout, qerr)
		}
	}
}
