//go:build unix

package ui

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestRunQuitsCleanlyOnSIGTERM(t *testing.T) {
	_, out, done := runProgram(context.Background(), fixtureConfig(fixtureStore(t)))
	time.Sleep(300 * time.Millisecond)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run after SIGTERM = %v, want nil", err)
	}
	if !leftAltScreen(out.String()) {
		t.Fatalf("terminal not restored after SIGTERM: %q", tail(out.String()))
	}
}

// A disk that fills up during an export (here a file size limit) must
// leave no partial file behind: it would block the retry under that name.
func TestFailedExportLeavesNoPartialFile(t *testing.T) {
	if dir := os.Getenv("FLOWTAIL_TEST_EXPORT_DIR"); dir != "" {
		signal.Ignore(syscall.SIGXFSZ) // writes past the limit fail with EFBIG instead
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 8192, Max: 8192}); err != nil {
			t.Fatal(err)
		}
		s := bulkStore(t, 5000)
		c := s.Counters()
		_, err := writeExport(s, exportSelection{all: true, next: c.Seen}, filepath.Join(dir, "all.csv"), exportKindFor("all.csv"))
		if err == nil {
			t.Fatal("export past the file size limit succeeded")
		}
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailedExportLeavesNoPartialFile$")
	cmd.Env = append(os.Environ(), "FLOWTAIL_TEST_EXPORT_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export under a size limit: %v\n%s", err, out)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("a failed export left %v in the folder", left)
	}
}
