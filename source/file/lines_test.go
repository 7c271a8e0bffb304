package file

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/flowtail/flowtail/model"
)

// referenceLines is what a reader must emit for data: every line without
// its newline or CR, cut to MaxLineBytes+1 bytes, the last one even
// without a final newline.
func referenceLines(data []byte) []string {
	var out []string
	parts := bytes.Split(data, []byte("\n"))
	if len(parts[len(parts)-1]) == 0 {
		parts = parts[:len(parts)-1]
	}
	for _, p := range parts {
		if len(p) > model.MaxLineBytes {
			p = p[:model.MaxLineBytes+1]
		}
		out = append(out, string(bytes.TrimSuffix(p, []byte("\r"))))
	}
	return out
}

func readLines(t *testing.T, src io.Reader) []string {
	t.Helper()
	var got []string
	err := newLineReader("fuzz").readAll(src, func(b model.Batch) {
		for _, ev := range b.Events {
			got = append(got, string(ev.Line))
			if ev.LineNo != int64(len(got)) {
				t.Fatalf("line %d numbered %d", len(got), ev.LineNo)
			}
		}
	}, context.Background().Err)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// FuzzLineReader checks line splitting however the bytes arrive: all at
// once, one byte at a time, or in halves.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nb\r\n\nc"), uint16(0))
	f.Add([]byte("x\r\r\n"), uint16(3))
	f.Add([]byte(strings.Repeat("y", 70000)+"\nz\n"), uint16(0))
	f.Add([]byte("p\nq"), uint16(63))
	f.Fuzz(func(t *testing.T, data []byte, long uint16) {
		long %= 64                    // a long line in one input of 64: most inputs stay small and fast
		if long > 0 && long%63 == 0 { // grow one line past the limit, in a place the fuzzer picks
			at := int(long) % (len(data) + 1)
			data = append(data[:at:at], append(bytes.Repeat([]byte{'L'}, model.MaxLineBytes+int(long)), data[at:]...)...)
		}
		want := strings.Join(referenceLines(data), "\n")
		for name, src := range map[string]io.Reader{
			"whole": bytes.NewReader(data),
			"bytes": iotest.OneByteReader(bytes.NewReader(data)),
			"half":  iotest.HalfReader(bytes.NewReader(data)),
		} {
			if len(data) > 4096 && name == "bytes" {
				continue // slow and no different from "half" here
			}
			if got := strings.Join(readLines(t, src), "\n"); got != want {
				t.Fatalf("%s: lines differ\n got %.200q\nwant %.200q", name, got, want)
			}
		}
	})
}

// A read that fails names the cause once, and speaks of lines only when
// some were read.
func TestStoppedMessage(t *testing.T) {
	eio := &fs.PathError{Op: "read", Path: "/x", Err: syscall.EIO}
	for _, c := range []struct {
		err  *StoppedError
		want string
	}{
		{Stopped(0, false, eio), "input/output error"},
		{Stopped(3, false, eio), "input/output error after line 3; the lines before it were read"},
		{Stopped(3, true, ErrTruncated), ErrTruncated.Error() + " after line 3; the lines before it were read, the incomplete line 4 was skipped"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	if !errors.Is(Stopped(0, false, eio), syscall.EIO) {
		t.Error("the cause is not kept")
	}
}
