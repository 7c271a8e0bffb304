//go:build unix

package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
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

// ctrl+z suspends through Bubble Tea (which gives the terminal back), and
// the screen is drawn afresh on resume.
func TestCtrlZSuspendsAndResumeRedraws(t *testing.T) {
	m := newRoot(fixtureConfig(fixtureStore(t)))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	_, cmd := m.Update(keyPress("ctrl+z"))
	if cmd == nil {
		t.Fatal("ctrl+z does nothing")
	}
	if _, ok := cmd().(tea.SuspendMsg); !ok {
		t.Fatal("ctrl+z does not suspend")
	}
	_, cmd = m.Update(tea.ResumeMsg{})
	if cmd == nil || fmt.Sprintf("%T", cmd()) != fmt.Sprintf("%T", tea.ClearScreen()) {
		t.Fatal("resume does not redraw the whole screen")
	}
}

// A SIGTSTP from outside becomes the same suspend, and is caught again
// after the program resumes.
func TestSIGTSTPSuspends(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := make(chan tea.Msg, 4)
	resumed := make(chan struct{}, 1)
	go suspendOnSignal(ctx, func(m tea.Msg) { sent <- m }, resumed)
	for round := range 2 {
		for len(resumed) > 0 { // the handler has taken the resume
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // and installed itself again
		if err := syscall.Kill(os.Getpid(), syscall.SIGTSTP); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-sent:
			if _, ok := m.(tea.SuspendMsg); !ok {
				t.Fatalf("round %d: sent %T", round, m)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: SIGTSTP was not turned into a suspend", round)
		}
		resumed <- struct{}{}
	}
}
