package file

import (
	"bytes"
	"errors"
	"io"

	"github.com/flowtail/flowtail/model"
)

// Batch limits: a batch is emitted at this many lines or when the read
// buffer has been split, whichever comes first.
const (
	MaxBatchLines = 4096
	readBufBytes  = 1 << 20
)

// lineReader splits one stream into lines and emits them in batches that
// point into its read buffer. The buffer is reused after every emit, so a
// file costs one buffer however large it is.
type lineReader struct {
	origin   string
	buf      []byte
	start    int // unconsumed bytes are buf[start:end]
	end      int
	lineNo   int64
	skipping bool // dropping the rest of a line already reported as too long
	events   []model.Event
}

func newLineReader(origin string) *lineReader {
	return &lineReader{
		origin: origin,
		buf:    make([]byte, readBufBytes+model.MaxLineBytes+1),
		events: make([]model.Event, 0, MaxBatchLines),
	}
}

// fill reads once from r into the free part of the buffer.
func (r *lineReader) fill(src io.Reader) (int, error) {
	if r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	return src.Read(r.buf[r.end:])
}

// split emits every complete line in the buffer. A partial last line stays
// buffered (a followed file may still be writing it) unless it is already
// too long, in which case it is reported cut and the rest is dropped.
func (r *lineReader) split(emit func(model.Batch)) {
	data := r.buf[r.start:r.end]
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := data[:i]
		data = data[i+1:]
		if r.skipping {
			r.skipping = false
			continue
		}
		r.add(line, emit)
	}
	switch {
	case r.skipping:
		data = data[len(data):]
	case len(data) > model.MaxLineBytes:
		r.add(data, emit)
		r.skipping = true
		data = data[len(data):]
	}
	r.flush(emit)
	r.start = r.end - len(data)
}

// finish emits a last line that has no newline (the end of a file, or a
// file that was rotated away) and resets the reader for a new stream.
func (r *lineReader) finish(emit func(model.Batch)) {
	r.split(emit)
	if r.start < r.end && !r.skipping {
		r.add(r.buf[r.start:r.end], emit)
		r.flush(emit)
	}
	r.reset()
}

// reset drops buffered bytes and restarts line numbers (truncation or a
// new file at the same path).
func (r *lineReader) reset() {
	r.start, r.end, r.lineNo, r.skipping = 0, 0, 0, false
}

func (r *lineReader) add(line []byte, emit func(model.Batch)) {
	r.lineNo++
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	line = CutLong(line)
	r.events = append(r.events, model.Event{Line: line, Origin: r.origin, LineNo: r.lineNo})
	if len(r.events) == MaxBatchLines {
		r.flush(emit)
	}
}

// CutLong is the long-line rule every reader of captures shares: a line
// longer than model.MaxLineBytes keeps its first MaxLineBytes+1 bytes, so
// the parser reports it as too long, and the rest of it is dropped.
func CutLong(line []byte) []byte {
	if len(line) > model.MaxLineBytes {
		return line[:model.MaxLineBytes+1]
	}
	return line
}

func (r *lineReader) flush(emit func(model.Batch)) {
	if len(r.events) == 0 {
		return
	}
	emit(model.Batch{Events: r.events})
	clear(r.events) // drop references into the buffer
	r.events = r.events[:0]
}

// readAll reads src to its end, emitting every line.
func (r *lineReader) readAll(src io.Reader, emit func(model.Batch), stop func() error) error {
	for {
		if err := stop(); err != nil {
			return err
		}
		n, err := r.fill(src)
		r.end += n
		if n > 0 {
			r.split(emit)
		}
		if err == io.EOF {
			r.finish(emit)
			return nil
		}
		if err != nil {
			r.split(emit)
			if errors.Is(err, ErrTrailing) && r.start < r.end && !r.skipping {
				// The data before the trailing bytes is whole: its last
				// line is complete without a newline, as at the end.
				r.add(r.buf[r.start:r.end], emit)
				r.flush(emit)
				r.start = r.end
			}
			stopped := Stopped(r.lineNo, r.start < r.end || r.skipping, err)
			r.reset()
			return stopped
		}
	}
}
