package chunk

import (
	"sync"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// Batches copies the lines of running sources' batches into chunks, for
// inputs the Reader does not read (follow, replay, demo, CloudWatch). Each
// source has its own chunk being filled; a chunk holds consecutive lines
// of one origin, stream and format. Header lines are followed per origin,
// in the order the origin's lines arrive, so every chunk carries the
// format in force at its first line.
type Batches struct {
	mu      sync.Mutex // sources emit from their own goroutines
	seq     int
	out     chan<- *query.Chunk
	free    chan []byte
	cur     []*query.Chunk
	next    []int64 // per source: the line number that continues its chunk
	headers map[string]*headers
	formats *model.FormatTracker // shared by the origins' headers
	inputs  map[string]int       // origin -> its ordinal, in order of first line
}

// NewBatches chunks the batches of sources numbered 0 … sources-1 into out.
func NewBatches(sources int, out chan<- *query.Chunk) *Batches {
	return &Batches{out: out, free: make(chan []byte, cap(out)+2), cur: make([]*query.Chunk, sources),
		next: make([]int64, sources), headers: map[string]*headers{}, formats: model.NewFormatTracker(nil), inputs: map[string]int{}}
}

// Release hands back a chunk's buffer once its lines have been parsed.
func (ck *Batches) Release(c *query.Chunk) {
	select {
	case ck.free <- c.Data[:0]:
	default:
	}
}

// Add copies source i's batch.
func (ck *Batches) Add(i int, b model.Batch) {
	for k := range b.Events {
		ev := &b.Events[k]
		line := ev.Line
		ck.mu.Lock()
		h := ck.headers[ev.Origin]
		if h == nil {
			h = &headers{formats: ck.formats}
			ck.headers[ev.Origin] = h
			ck.inputs[ev.Origin] = len(ck.inputs)
		}
		format := h.format
		if format == nil || b.Format.Keyed() { // keyed: the data names its fields
			format = b.Format
		}
		input := ck.inputs[ev.Origin]
		ck.mu.Unlock()
		c := ck.cur[i]
		if c != nil {
			if c.Origin != ev.Origin || c.Stream != ev.Stream || c.Format != format ||
				len(c.Data)+len(line)+1 > DefaultBytes || c.FirstLine != 0 && ev.LineNo != ck.next[i] {
				ck.Flush(i)
				c = nil
			}
		}
		if c == nil {
			var buf []byte
			select {
			case buf = <-ck.free:
			default:
				buf = make([]byte, 0, DefaultBytes+model.MaxLineBytes)
			}
			c = &query.Chunk{Data: buf, Input: input, Origin: ev.Origin, Stream: ev.Stream, FirstLine: ev.LineNo, Format: format, OtherKnown: true}
			ck.cur[i] = c
		}
		if len(line) == 0 || line[0] < '0' || line[0] > '9' {
			c.Other = append(c.Other, int32(len(c.Data)))
		}
		c.Data = append(c.Data, line...)
		c.Data = append(c.Data, '\n')
		ck.next[i] = ev.LineNo + 1
		// A header changes the format from the next line on.
		if !b.Format.Keyed() && model.MayBeHeader(line) {
			ck.mu.Lock()
			h.line(line, b.Format)
			ck.mu.Unlock()
		}
	}
}

// Flush sends source i's chunk, numbering chunks in the order sent.
func (ck *Batches) Flush(i int) {
	c := ck.cur[i]
	if c == nil {
		return
	}
	ck.cur[i] = nil
	ck.mu.Lock()
	c.Seq = ck.seq
	ck.seq++
	ck.out <- c
	ck.mu.Unlock()
}
