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

// The terminal UI drawn into a file or a pipe is escape sequences, not
// records: with no terminal to draw on it says so, points at the headless
// commands, and exits as a usage error before reading anything.
func TestTUINeedsATerminal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, []byte(catSSH+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{path}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, errb.String())
	}
	want := "flowtail: the terminal UI needs a terminal and its output is not one: to write records to a file or a pipe, use flowtail cat (or flowtail query 'QUERY')\n"
	if !strings.HasPrefix(errb.String(), want) {
		t.Fatalf("stderr %q, want %q", errb.String(), want)
	}
	if out.Len() != 0 {
		t.Fatalf("stdout %q", out.String())
	}
}
