package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

func TestCheckFindsWhatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	good := filepath.Join(dir, "good.log")
	os.WriteFile(good, []byte("2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n"), 0o644)
	missing := filepath.Join(dir, "missing.log")

	if err := Check([]string{good, "-"}, false); err != nil {
		t.Errorf("a readable file: %v", err)
	}
	err := Check([]string{good, missing, empty}, false)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "no such file") ||
		!strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "no capture files") {
		t.Errorf("missing file and empty folder: %v", err)
	}
	if err := Check([]string{missing, empty}, true); err != nil {
		t.Errorf("with follow a missing file is waited for and a folder may fill: %v", err)
	}
	if os.Getuid() != 0 {
		locked := filepath.Join(dir, "locked.log")
		os.WriteFile(locked, []byte("x\n"), 0o000)
		if err := Check([]string{locked}, false); err == nil {
			t.Error("an unreadable file passes")
		}
	}
}

// The source reports the bytes it read of the files' size, and when it
// has read them to the end, for the TUI's progress line.
func TestStatusReportsProgress(t *testing.T) {
	dir := t.TempDir()
	line := "2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n"
	data := strings.Repeat(line, 5000)
	path := filepath.Join(dir, "big.log")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New([]string{path}, Options{})
	if err := s.Run(context.Background(), func(model.Batch) {}); err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if st.Size != int64(len(data)) || st.Read != int64(len(data)) || !st.Loaded {
		t.Fatalf("status %+v, want %d bytes read of %d, loaded", st, len(data), len(data))
	}
}

// Following a file that does not exist yet says so until it appears.
func TestFollowSaysWhatItWaitsFor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "later.log")
	s := New([]string{path}, Options{Follow: true, Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan struct{}, 1)
	go s.Run(ctx, func(model.Batch) {
		select {
		case got <- struct{}{}:
		default:
		}
	})
	waitFor := func(what string, ok func(string) bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(s.Status().Waiting); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: Waiting = %q", what, s.Status().Waiting)
			}
		}
	}
	waitFor("before the file", func(w string) bool { return w == path })
	if err := os.WriteFile(path, []byte("2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("after the file appeared", func(w string) bool { return w == "" })
}
