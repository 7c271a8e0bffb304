package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A followed file's last line without a newline is read when the command
// ends (Ctrl-C), as reading the file once reads it: 'query -f' counted one
// record fewer than 'query' over the same file, and said nothing.
func TestFollowEndReadsLastLineWithoutNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.log")
	rec := "2 123456789012 eni-1 10.0.0.%d 10.0.0.9 443 22 6 10 5 1700000000 1700000060 ACCEPT OK"
	data := strings.ReplaceAll(rec, "%d", "1") + "\n" + strings.ReplaceAll(rec, "%d", "2")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := runFollowing(t, []string{"cat", "-f", "-o", "csv", path},
		followStep{"10.0.0.1", func() { time.Sleep(100 * time.Millisecond) }})
	if !strings.Contains(out, "10.0.0.2") {
		t.Errorf("cat -f ended without the last line: output %q, stderr %q", out, errOut)
	}
}
