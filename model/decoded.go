package model

import (
	"bytes"
	"sync"
)

// Decoded is a run of lines parsed away from the store, to be appended in
// input order later: how captures read to their end are parsed on every
// core while the ring still receives records in the order they were
// written. Reuse one per worker; Decode resets it.
type Decoded struct {
	flows   []Flow
	exts    []Ext
	extOf   []int32 // per flow: index into exts, -1 for none
	bad     []Malformed
	headers int
}

// Records is how many records d holds.
func (d *Decoded) Records() int { return len(d.flows) }

// DecodeLines parses the '\n'-separated lines of data into out: origin and
// stream as a batch's events carry them, firstLine the number of the first
// (0: not numbered), format the format in force at the first line, as the
// lines before them declared it (nil: none yet).
func (d *Decoder) DecodeLines(out *Decoded, data []byte, origin, stream string, firstLine int64, format *Format) {
	out.flows, out.exts, out.extOf, out.bad, out.headers = out.flows[:0], out.exts[:0], out.extOf[:0], out.bad[:0], 0
	d.Resume(origin, format)
	ev := Event{Origin: origin, Stream: stream, LineNo: firstLine}
	step := int64(1)
	if firstLine == 0 {
		step = 0
	}
	var f Flow
	var x Ext
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		ev.Line = line
		res, err := d.Decode(&ev, format, &f, &x)
		switch res {
		case ResultRecord:
			out.flows = append(out.flows, f)
			if f.ext != 0 {
				out.extOf = append(out.extOf, int32(len(out.exts)))
				out.exts = append(out.exts, x)
			} else {
				out.extOf = append(out.extOf, -1)
			}
		case ResultHeader:
			out.headers++
		case ResultMalformed:
			out.bad = append(out.bad, MalformedEvent(&ev, err))
		}
		ev.LineNo += step
	}
}

// HoldNames is for records parsed ahead of the store (DecodeLines on
// several workers): until release is called the store's interner reclaims
// nothing, since a string no record in the ring uses may belong to a
// record not appended yet. Call release when every Decoded is appended.
func (s *Store) HoldNames() (release func()) {
	s.names.hold()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.names.unhold()
			s.mu.Unlock()
		})
	}
}

// NamesWaiting is how many strings the ring no longer uses wait for the
// holds to end to be reclaimed: a loader worth pausing for when many are.
func (s *Store) NamesWaiting() int { return s.names.waiting() }

// AppendDecoded appends what d holds, under one lock.
func (s *Store) AppendDecoded(d *Decoded) {
	s.Append(func(a Appender) {
		for i := range d.flows {
			var x *Ext
			if e := d.extOf[i]; e >= 0 {
				x = &d.exts[e]
			}
			a.Add(&d.flows[i], x)
		}
		for _, m := range d.bad {
			a.Bad(m)
		}
		for range d.headers {
			a.Header()
		}
	})
}
