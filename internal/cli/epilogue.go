package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
)

// headless is how every headless command speaks on stderr and ends: source
// health while reading, each source's final error, the malformed lines,
// a failed write (a reader that went away is not one) and the exit status
// are reported the same way by cat, query and explain.
type headless struct {
	name string
	std  stdio
	// notesFrom marks the header lines' notes this run may report; none
	// under --format, which header lines do not change.
	notesFrom uint64
	noNotes   bool
	// stopped reports that the user interrupted a read meant to end by
	// itself (nil for a live one, which an interrupt ends normally).
	stopped func() bool

	mu     sync.Mutex
	failed int                        // sources that ended in error
	noted  map[model.Misspelling]bool // header notes printed
}

// newHeadless is the epilogue of a command reading under ctx with o; it
// says at once what looks wrong in --format. Under --follow the read ends
// only when interrupted.
func newHeadless(ctx context.Context, name string, std stdio, o *options) *headless {
	h := &headless{name: name, std: std, notesFrom: model.HeaderMisspellingsMark(), noNotes: o.overrideFormat() != nil}
	if !o.follow {
		h.stopped = func() bool { return ctx.Err() != nil }
	}
	warnFormat(std.err, name, o.overrideFormat())
	return h
}

// warnFormat says, for a --format given, which names look like typos of a
// known field: they are read, as text, but a filter on the field meant
// would match nothing.
func warnFormat(w io.Writer, cmd string, f *model.Format) {
	for _, m := range f.Misspellings() {
		fmt.Fprintf(w, "flowtail %s: --format: %s\n", cmd, m)
	}
}

// headerNotes prints what looks wrong in the header lines read so far: a
// field name one or two keystrokes from a known one, once each.
func (h *headless) headerNotes() {
	if h.noNotes {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range model.HeaderMisspellings(h.notesFrom) {
		if h.noted[m] {
			continue
		}
		if h.noted == nil {
			h.noted = map[model.Misspelling]bool{}
		}
		h.noted[m] = true
		h.errorf("in the input: %s", m)
	}
}

// errorf prints one line prefixed with the command's name, made safe for
// the terminal.
func (h *headless) errorf(format string, args ...any) {
	fmt.Fprintf(h.std.err, "flowtail %s: %s\n", h.name, cleanCell(fmt.Sprintf(format, args...)))
}

// read runs srcs into emit until they end or ctx is done, printing their
// health while they run and their errors when they end.
func (h *headless) read(ctx context.Context, srcs []source.Source, emit func(i int, b model.Batch)) {
	stop := startHealthReport(ctx, h.std.err, h.name, srcs, h.headerNotes)
	defer stop()
	source.RunAll(ctx, srcs, emit, func(i int, err error) { h.sourceFailed(srcs[i], err) })
}

// sourceFailed reports a source's final error.
func (h *headless) sourceFailed(src source.Source, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed++
	for _, e := range source.Errors(src, err) {
		h.errorf("%s", e)
	}
}

// tally is what a command did with the records it read.
type tally struct {
	records, malformed int64
	verb               string // what was done to the records: decoded, read, explained
	firstBad           []model.Malformed
}

// finish reports the malformed lines, a failed write and an interrupted
// read, and returns the exit status: 1 when the output could not be
// written or nothing could be read, 130 when an interrupt cut the read
// short (what was printed covers only the records before it), else 0.
func (h *headless) finish(t tally, writeErr error) int {
	h.headerNotes()
	writeMalformed(h.std.err, h.name, t.malformed, t.records, t.verb, t.firstBad)
	if writeErr != nil && !errors.Is(writeErr, syscall.EPIPE) {
		h.errorf("write: %v", writeErr)
		return exitRuntime
	}
	if h.stopped != nil && h.stopped() {
		h.errorf("interrupted after %d records %s: the output covers only those, not the whole input", t.records, t.verb)
		return exitInterrupted
	}
	h.mu.Lock()
	failed := h.failed
	h.mu.Unlock()
	if t.records == 0 && (failed > 0 || t.malformed > 0) {
		return exitRuntime
	}
	return exitOK
}

// keepBad is how many malformed lines a headless command describes.
const keepBad = 5

// writeMalformed tells stderr about malformed lines the way every headless
// command does: how many, then the first few with where and why.
func writeMalformed(w io.Writer, cmd string, n, records int64, done string, first []model.Malformed) {
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "flowtail %s: skipped %d malformed line(s) (%d records %s)\n", cmd, n, records, done)
	for _, b := range first {
		if b.Origin == "" || b.Origin == "-" {
			b.Origin = "stdin"
		}
		fmt.Fprintf(w, "  %s: %s\n", cleanCell(b.Where()), cleanCell(b.Err))
	}
	if n > int64(len(first)) {
		fmt.Fprintf(w, "  … and %d more\n", n-int64(len(first)))
	}
}

// reportHealth prints, for headless commands, what a long-running source
// would show in the status bar: backoff, fallback to polling, the last
// transient error, a followed file that has not appeared yet. Final errors
// are printed by the command itself.
func reportHealth(ctx context.Context, w io.Writer, cmd string, srcs []source.Source, every time.Duration, also []func()) {
	last := make([]string, len(srcs))
	waiting := make([]string, len(srcs))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, f := range also {
			f()
		}
		for i, s := range srcs {
			r, ok := s.(source.Reporter)
			if !ok {
				continue
			}
			st := r.Status()
			if st.Waiting != waiting[i] {
				waiting[i] = st.Waiting
				if st.Waiting != "" {
					fmt.Fprintf(w, "flowtail %s: %s: %s\n", cmd, cleanCell(s.Name()), cleanCell("waiting for "+st.Waiting+" to appear"))
				}
			}
			msg := st.LastError
			if st.Backoff != "" {
				msg = "backing off: " + st.Backoff + " (" + st.LastError + ")"
			}
			if st.Final || msg == "" || msg == last[i] {
				continue
			}
			last[i] = msg
			fmt.Fprintf(w, "flowtail %s: %s: %s\n", cmd, cleanCell(s.Name()), cleanCell(msg))
		}
	}
}

// startHealthReport runs reportHealth each second, with also (notes of a
// followed read that are not to wait for its end), until the returned stop
// is called; stop waits, so nothing is printed after it returns.
func startHealthReport(ctx context.Context, w io.Writer, cmd string, srcs []source.Source, also ...func()) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		reportHealth(ctx, w, cmd, srcs, time.Second, also)
	}()
	return func() {
		cancel()
		<-done
	}
}
