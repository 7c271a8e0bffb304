package s3

import (
	"bytes"

	"github.com/flowtail/flowtail/model"
)

// window drops the records of an object that lie outside [since, until]:
// a file holds records that ended in its five minutes, delivered late, so
// the files read for a window carry records on both sides of it. It reads
// only the start and end fields of each line, located through the format
// in force (--format, else the object's header line, else the default);
// lines it cannot read are kept for the decoder to judge and count.
type window struct {
	since, until int64 // unix seconds; 0: unbounded
	override     *model.Format

	startAt, endAt int           // token index of start / end, -1: absent
	batch          *model.Format // the format of the last batch that named one
	lastHdr        []byte
	lastFmt        *model.Format
}

func newWindow(since, until int64, override *model.Format) *window {
	w := &window{since: since, until: until, override: override}
	w.reset()
	return w
}

func (w *window) bounded() bool { return w.since != 0 || w.until != 0 }

// reset starts a new object.
func (w *window) reset() {
	w.batch = nil
	f := w.override
	if f == nil {
		f = model.DefaultFormat
	}
	w.use(f)
}

func (w *window) use(f *model.Format) {
	w.startAt, w.endAt = -1, -1
	for i, id := range f.Fields {
		switch id {
		case model.FieldStart:
			w.startAt = i
		case model.FieldEnd:
			w.endAt = i
		}
	}
}

// filter keeps the events of b inside the window, in place, and returns
// how many records it dropped.
func (w *window) filter(b *model.Batch) int {
	if b.Format != nil && w.override == nil && b.Format != w.batch {
		// A batch that names its format (rows of a columnar file) is read
		// with it, as the decoder will.
		w.batch = b.Format
		w.use(b.Format)
	}
	kept := b.Events[:0]
	dropped := 0
	for _, ev := range b.Events {
		if w.keep(ev.Line) {
			kept = append(kept, ev)
		} else {
			dropped++
		}
	}
	clear(b.Events[len(kept):])
	b.Events = kept
	return dropped
}

func (w *window) keep(line []byte) bool {
	if len(line) == 0 {
		return true
	}
	if c := line[0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '$' {
		if w.lastFmt != nil && bytes.Equal(line, w.lastHdr) {
			if w.override == nil {
				w.use(w.lastFmt)
			}
			return true
		}
		if hf := model.HeaderFormat(line); hf != nil {
			w.lastHdr, w.lastFmt = append(w.lastHdr[:0], line...), hf
			if w.override == nil {
				w.use(hf)
			}
			return true
		}
	}
	if !w.bounded() {
		return true
	}
	var start, end int64 = -1, -1
	tok, i := 0, 0
	last := max(w.startAt, w.endAt)
	for i < len(line) && tok <= last {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		switch tok {
		case w.startAt:
			start = number(line[i:j])
		case w.endAt:
			end = number(line[i:j])
		}
		tok++
		i = j
	}
	if w.since != 0 && end >= 0 && end < w.since {
		return false
	}
	if w.until != 0 && start >= 0 && start > w.until {
		return false
	}
	return true
}

// number reads unix seconds; -1 when the token is not a plain number.
func number(b []byte) int64 {
	if len(b) == 0 || len(b) > 18 {
		return -1
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
