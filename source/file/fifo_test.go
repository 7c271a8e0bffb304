package file

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

// Following a named pipe reads what is written to it until the writer
// closes it, with no "illegal seek".
func TestFollowFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.WriteString(rec1 + "\n" + rec2 + "\n")
		time.Sleep(100 * time.Millisecond)
		w.WriteString(rec1 + "\n")
		w.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	src := New([]string{path}, Options{Follow: true, Poll: 10 * time.Millisecond})
	err := src.Run(ctx, func(b model.Batch) {
		for _, ev := range b.Events {
			got = append(got, string(ev.Line))
		}
	})
	if err != nil || ctx.Err() != nil {
		t.Fatalf("error %v (ctx %v)", err, ctx.Err())
	}
	equal(t, got, []string{rec1, rec2, rec1})
	if st := src.Status(); st.LastError != "" {
		t.Fatalf("status error %q", st.LastError)
	}
}

// A named pipe no one writes to yet is waited for, as cat does, but an
// interrupt still ends the read: opening it must not hold the program.
func TestFIFOWithoutWriterStopsOnCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idle.pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New([]string{path}, Options{}).Run(ctx, func(model.Batch) {}) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0) // let the stuck open go
		if err == nil {
			w.Close()
		}
		t.Fatal("reading an unwritten FIFO did not stop when cancelled")
	}
}

// Checking the paths before the terminal UI opens does not wait for a
// named pipe's writer: the pipe is read, and waited for, once the UI runs.
func TestCheckDoesNotOpenAFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "later.pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() { done <- Check([]string{path}, false) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal("Check waited for the FIFO's writer")
	}
}
