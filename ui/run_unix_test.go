//go:build unix

package ui

import (
	"context"
	"os"
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
