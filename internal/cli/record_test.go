package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --record never destroys a capture: a recording path that is also an
// input, or that exists, is a usage error before anything is read or
// written, and the file is left as it was.
func TestRecordFlagRefusesToDestroy(t *testing.T) {
	dir := t.TempDir()
	capture := filepath.Join(dir, "cap.log")
	const precious = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK\n"
	os.WriteFile(capture, []byte(precious), 0o644)
	old := filepath.Join(dir, "old.log")
	os.WriteFile(old, []byte("earlier recording\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--record", capture, capture}, "is also an input"},
		{[]string{"--record", capture, "--force", capture}, "is also an input"},
		{[]string{"--record", filepath.Join(dir, "new.log"), dir}, "is also an input"},
		{[]string{"--record", old, capture}, "--force"},
	} {
		_, errOut, code := runCmd(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if b, _ := os.ReadFile(capture); string(b) != precious {
		t.Errorf("the capture changed: %q", b)
	}
	if b, _ := os.ReadFile(old); string(b) != "earlier recording\n" {
		t.Errorf("the earlier recording changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.log")); err == nil {
		t.Error("a refused recording was created")
	}
}
