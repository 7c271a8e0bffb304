package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A missing file or a folder without captures is an error before the
// terminal UI opens (it used to open and show nothing).
func TestTUIRefusesWhatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.log")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{missing, empty}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitRuntime {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitRuntime, errb.String())
	}
	msg := errb.String()
	if !strings.Contains(msg, missing+": no such file or directory") || !strings.Contains(msg, "no capture files found") {
		t.Fatalf("stderr %q", msg)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Fatal("the TUI was drawn")
	}
}
