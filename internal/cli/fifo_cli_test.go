package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A headless command over a named pipe that no one writes to waits, as
// cat does, and an interrupt ends it.
func TestHeadlessFIFOWithoutWriterEndsOnInterrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idle.pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, args := range [][]string{{"cat", path}, {"query", "stats count(*)", path}} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, args, stdio{strings.NewReader(""), &lockedBuffer{}, &lockedBuffer{}})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			t.Errorf("%v did not end on the interrupt", args)
			<-done
		}
		cancel()
	}
}
