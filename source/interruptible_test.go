package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestInterruptibleGivesUpOnAStalledPipe(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go io.WriteString(pw, "first line\n")
	ctx, cancel := context.WithCancel(context.Background())
	r := Interruptible(ctx, pr)
	buf := make([]byte, 64)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "first line\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(buf)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("read after the interrupt: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read still waits on the pipe after the interrupt")
	}
}

// Bytes read just as the interrupt came are handed to the next read, and
// reads into buffers smaller than what came lose nothing.
func TestInterruptibleLosesNothing(t *testing.T) {
	want := strings.Repeat("2 123456789012 eni-0a 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n", 5000)
	r := Interruptible(context.Background(), iotest.HalfReader(strings.NewReader(want)))
	var got bytes.Buffer
	buf := make([]byte, 7)
	for {
		n, err := r.Read(buf[:1+got.Len()%7])
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got.String() != want {
		t.Fatalf("read %d bytes, want %d", got.Len(), len(want))
	}
	if err := iotest.TestReader(Interruptible(context.Background(), strings.NewReader(want)), []byte(want)); err != nil {
		t.Error(err)
	}
}

func TestInterruptibleLeavesRegularFilesAlone(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "capture")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if r := Interruptible(context.Background(), f); r != io.Reader(f) {
		t.Errorf("a regular file was wrapped: %T", r)
	}
}

// A pipe on stdin is a stream (read as lines come, and interruptible); a
// regular file redirected to stdin is not.
func TestIsStream(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.CreateTemp(t.TempDir(), "capture")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		name string
		in   io.Reader
		want bool
	}{{"pipe", r, true}, {"regular file", f, false}, {"reader", strings.NewReader(""), true}} {
		if got := IsStream(c.in); got != c.want {
			t.Errorf("%s: IsStream %v, want %v", c.name, got, c.want)
		}
	}
}
