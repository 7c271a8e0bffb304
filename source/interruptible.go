package source

import (
	"context"
	"io"
	"os"
)

// Interruptible returns r made to give up when ctx is done: a read waiting
// on a pipe or a terminal that sends nothing (`flowtail query … -` left
// waiting on stdin, a producer that stalls) returns ctx.Err() instead of
// holding the command past an interrupt. A regular file is returned as it
// is: its reads always end.
func Interruptible(ctx context.Context, r io.Reader) io.Reader {
	if !IsStream(r) {
		return r
	}
	return &interruptible{ctx: ctx, r: r}
}

// IsStream reports whether r is anything but a regular file: a pipe, a
// terminal, a socket, whose data comes when its writer sends it.
func IsStream(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return true
	}
	info, err := f.Stat()
	return err != nil || !info.Mode().IsRegular()
}

type readResult struct {
	n   int
	err error
}

// interruptible reads in a goroutine of its own, into a buffer of its own,
// so a read abandoned on an interrupt never writes into the caller's
// buffer later; a read still pending is collected by the next call, so no
// byte is lost.
type interruptible struct {
	ctx     context.Context
	r       io.Reader
	buf     []byte
	rest    []byte // read but not yet handed over
	err     error  // the error that came with rest
	pending chan readResult
}

// maxRead bounds the buffer of one read.
const maxRead = 1 << 20

func (c *interruptible) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(c.rest) > 0 || c.err != nil {
		return c.handOver(p)
	}
	if c.pending == nil {
		if n := min(len(p), maxRead); len(c.buf) < n {
			c.buf = make([]byte, n)
		}
		buf := c.buf[:min(len(p), len(c.buf))]
		done := make(chan readResult, 1)
		c.pending = done
		go func() {
			n, err := c.r.Read(buf)
			done <- readResult{n, err}
		}()
	}
	select {
	case res := <-c.pending:
		c.pending = nil
		c.rest, c.err = c.buf[:res.n], res.err
		return c.handOver(p)
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}

// handOver copies what was read into p, and the read's error with its last
// byte.
func (c *interruptible) handOver(p []byte) (int, error) {
	n := copy(p, c.rest)
	c.rest = c.rest[n:]
	if len(c.rest) > 0 {
		return n, nil
	}
	err := c.err
	c.err = nil
	return n, err
}
