package query

import (
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/bytemask"
)

// Chunk is a run of whole lines from one origin, handed to RunChunks.
// Cutting input into large chunks (rather than one event per line) lets a
// reader goroutine decompress while workers parse.
type Chunk struct {
	Seq       int    // 0, 1, 2 … in input order
	Input     int    // the ordinal of the input it was read from, in input order
	Data      []byte // whole lines, '\n'-terminated (the last may lack it)
	Origin    string // file path, "-" or log group
	Stream    string // CloudWatch log stream (fills interface-id), or ""
	FirstLine int64  // 1-based line number of Data's first line; 0: not numbered
	Format    *model.Format
	// Other lists the offsets in Data of the lines that do not start with
	// a digit (headers, blank and odd lines), when OtherKnown: a filter on
	// the raw text hands those to the decoder whatever they hold, and
	// skips the others without splitting them. Whoever cuts the chunk
	// sees every line anyway; unknown, the workers find them.
	Other      []int32
	OtherKnown bool
	// Lines, when set, marks Data's line ends; it is the reader's and
	// valid only while the chunk is parsed where it was read.
	Lines bytemask.Mask
}

// RunInfo counts what a chunked run read besides the answer.
type RunInfo struct {
	Records uint64
	// Skipped counts lines not parsed because their text shows they cannot
	// pass the filters; malformed lines among them go uncounted.
	Skipped   uint64
	Malformed uint64
	Headers   uint64
	// FirstBad keeps the first few malformed lines of the input (by Chunk
	// Input, then line), for the report.
	FirstBad []model.Malformed
	firstBad []firstBad
	// Err is set when the run was stopped short (a *BudgetError): the
	// answer is then incomplete and must not be shown.
	Err error
}

const keepBad = 5

// reorderWindow bounds, per worker, the chunks a record query may have
// parsed ahead of the oldest one still being parsed, and reorderBytes
// the records they may hold (a chunk of short lines that all match holds
// far more than its text): rows leave in input order, so memory follows
// this window, not the answer.
const reorderWindow = 4

var reorderBytes int64 = 4 << 20 // a variable so tests can make it bind

// Streams reports whether the answer is records that need no sort: they
// can then be handed over as they are found, in input order.
func (p *Program) Streams() bool {
	return p.stats == nil && !slices.ContainsFunc(p.post, func(op postOp) bool { return op.kind == postSort })
}

// OrderFree reports whether the answer is the same whatever order the
// chunks come in (stats, whose groups are listed by key or sorted), so a
// reader may interleave files decompressed at once.
func (p *Program) OrderFree() bool { return p.stats != nil }

// RunChunks answers the query over chunks read from in, with workers
// goroutines each parsing with its own decoder (override: --format, or
// nil). Each chunk is read with the format its Chunk.Format says is in
// force at its start, so the answer does not depend on which worker
// parses which chunk. Stats are gathered per worker and merged at the
// end; records leave in input order (Seq) through a bounded window. done
// is called with each chunk once it has been parsed, so the caller can
// reuse its buffer.
func (p *Program) RunChunks(in <-chan *Chunk, workers int, override *model.Format, done func(*Chunk)) (*Result, RunInfo) {
	return p.run(in, workers, override, done, nil, nil, nil)
}

// RunChunksWith is RunChunks for an order-free program whose reader also
// parses chunks itself with inline (nil: none). in must be closed after
// the reader's last call to inline.Parse has returned. stop (when not
// nil) is called once the answer has outgrown Options.MemoryBudget, so
// the reader can stop early; the rest of the input is drained unread.
func (p *Program) RunChunksWith(in <-chan *Chunk, workers int, override *model.Format, done func(*Chunk), inline *Parsers, stop func()) (*Result, RunInfo) {
	return p.run(in, workers, override, done, nil, stop, inline)
}

// StreamChunks is RunChunks for a program that Streams: each row is handed
// to row as soon as the chunks before it are done (row must copy what it
// keeps), and the Result has no Rows. Once no more rows can be output (a
// limit is full, row returned false, or a dedup's keys outgrew
// Options.MemoryBudget) stop is called, so the reader can stop early, and
// the rest of the input is drained unread.
func (p *Program) StreamChunks(in <-chan *Chunk, workers int, override *model.Format, done func(*Chunk), row func([]Value) bool, stop func()) (*Result, RunInfo) {
	if !p.Streams() {
		panic("query: StreamChunks on a program that sorts or aggregates")
	}
	return p.run(in, workers, override, done, row, stop, nil)
}

func (p *Program) run(in <-chan *Chunk, workers int, override *model.Format, done func(*Chunk), row func([]Value) bool, stop func(), inline *Parsers) (*Result, RunInfo) {
	workers = max(workers, 1)
	var stopOnce sync.Once
	if stop == nil {
		stop = func() {}
	}
	halt := func() { stopOnce.Do(stop) }
	total := p.NewPartial()
	// However the input was split, list groups by key.
	total.merged = true
	var ord *inOrder
	if p.stats == nil {
		ord = &inOrder{prog: p, total: total, row: row, stop: halt, pending: map[int]*Partial{}, mem: memShare{acct: p.env.mem},
			slots: make(chan struct{}, reorderWindow*workers), budget: reorderBytes}
		ord.room = sync.NewCond(&ord.mu)
		ord.stream = newStreamer(p)
	}
	lf := p.lineFilter()
	outs := make([]*chunkParser, workers)
	var wg sync.WaitGroup
	for w := range workers {
		outs[w] = p.newChunkParser(override, lf)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cp := outs[w]
			for {
				if ord != nil {
					ord.slots <- struct{}{}
					ord.waitRoom()
				}
				c, ok := <-in
				if !ok {
					break
				}
				part := cp.part
				if ord != nil {
					part = p.NewPartial()
				}
				switch {
				case p.env.mem.over():
					halt() // the answer will not be shown: read no more
				case ord == nil || !ord.stopped.Load():
					cp.parse(c, part)
				}
				if done != nil {
					done(c)
				}
				if ord != nil {
					ord.complete(c.Seq, part)
				}
			}
		}()
	}
	wg.Wait()
	if inline != nil {
		outs = append(outs, inline.ps...)
	}
	var info RunInfo
	for _, o := range outs {
		info.Records += o.info.Records
		info.Skipped += o.info.Skipped
		info.Malformed += o.info.Malformed
		info.Headers += o.info.Headers
		for _, b := range o.info.firstBad {
			info.firstBad = keepFirstBad(info.firstBad, b)
		}
	}
	for _, b := range info.firstBad {
		info.FirstBad = append(info.FirstBad, b.Malformed)
	}
	info.firstBad = nil
	if p.stats != nil {
		// Fold into the share with the most groups: only the others'
		// groups are then looked up again.
		largest := 0
		for w := range outs {
			if outs[w].part.agg.ngroups() > outs[largest].part.agg.ngroups() {
				largest = w
			}
		}
		for _, o := range outs {
			o.part.agg.account(true)
		}
		total = outs[largest].part
		total.merged = true
		for w, o := range outs {
			if w != largest {
				total.Merge(o.part)
			}
		}
		total.agg.account(true)
		if total.agg.over || p.env.mem.over() {
			// The groups counted are fewer than the answer has: no answer.
			info.Err = &BudgetError{Groups: total.agg.ngroups(), Budget: p.env.opt.MemoryBudget}
			return &Result{Columns: p.Columns(), Scanned: total.Scanned, Matched: total.Matched}, info
		}
		return p.Result(total), info
	}
	if ord.account(true) {
		be := &BudgetError{Budget: p.env.opt.MemoryBudget, Records: len(total.recs)}
		if row != nil {
			be.Records, be.Keys = 0, ord.stream.keys
		}
		info.Err = be
		return &Result{Columns: p.Columns(), Scanned: total.Scanned, Matched: total.Matched}, info
	}
	if row != nil {
		return &Result{Columns: p.Columns(), Scanned: total.Scanned, Matched: total.Matched}, info
	}
	return p.Result(total), info
}

// chunkParser is one goroutine's parsing state: its decoder, its pass of
// the line filter, and (for stats) its share of the answer.
type chunkParser struct {
	dec  *model.Decoder
	ls   *lineScan
	part *Partial
	info RunInfo
	f    model.Flow
	x    model.Ext
	nl   bytemask.Mask // line ends, marked here when no line filter does
}

func (p *Program) newChunkParser(override *model.Format, lf *lineFilter) *chunkParser {
	cp := &chunkParser{dec: model.NewDecoder(p.env.names, override)}
	if !p.env.all {
		cp.dec.InternOnly(p.Needs)
	}
	if lf != nil {
		cp.ls = newLineScan(lf)
	}
	if p.stats != nil {
		cp.part = p.NewPartial()
	}
	return cp
}

func (cp *chunkParser) parse(c *Chunk, part *Partial) {
	cp.dec.Resume(c.Origin, c.Format)
	cp.decode(c, part)
}

// Parsers let the goroutines that read a stats query's input parse
// chunks themselves, each with the state of its slot, instead of handing
// them to the workers: with a file per core, each core then decompresses
// and parses its own, and no chunk waits in a channel. RunChunksWith adds
// their counts and shares of the answer to the workers'.
type Parsers struct {
	ps   []*chunkParser
	done func(*Chunk)
	mem  *memAccount
}

// NewParsers returns slots parsing states for an order-free program;
// done is called with each chunk once parsed, as RunChunks calls it.
func (p *Program) NewParsers(slots int, override *model.Format, done func(*Chunk)) *Parsers {
	if !p.OrderFree() {
		panic("query: Parsers for a program whose answer depends on order")
	}
	lf := p.lineFilter()
	ps := &Parsers{done: done, mem: p.env.mem}
	for range slots {
		ps.ps = append(ps.ps, p.newChunkParser(override, lf))
	}
	return ps
}

// Parse parses c with slot's state; one goroutine at a time per slot.
func (ps *Parsers) Parse(slot int, c *Chunk) {
	cp := ps.ps[slot]
	if !ps.mem.over() { // past the budget the answer will not be shown
		cp.parse(c, cp.part)
	}
	if ps.done != nil {
		ps.done(c)
	}
}

// inOrder takes the partials of a record query's chunks in any order and
// folds them in input order: streamed out as rows, or merged into total
// (kept to the top N when the query sorts then limits).
type inOrder struct {
	prog    *Program
	total   *Partial
	row     func([]Value) bool
	stop    func()
	stream  *streamer
	slots   chan struct{} // one per chunk taken and not yet folded
	mu      sync.Mutex
	pending map[int]*Partial
	// held: bytes of the records of pending partials; past budget no
	// worker takes another chunk until the oldest are folded (the oldest
	// chunk is always with a worker, which never waits once it has one)
	held, budget int64
	room         *sync.Cond
	next         int
	folding      bool
	stopped      atomic.Bool
	// mem is the answer's part of the run's memory account: the records
	// total keeps for a sort, the keys a dedup remembers
	mem memShare
}

// account tells the run's memory account what the answer holds now
// (settle: every byte), and stops the run once it is past the budget.
func (o *inOrder) account(settle bool) bool {
	held := o.stream.held
	if o.row == nil {
		held = o.total.recordBytes() + int64(len(o.total.recs))*o.prog.recordFinishBytes()
	}
	if !o.mem.set(held, 0, settle) {
		return false
	}
	o.stopped.Store(true)
	o.stop()
	return true
}

// waitRoom waits while the pending partials hold more than the budget.
func (o *inOrder) waitRoom() {
	o.mu.Lock()
	for o.held > o.budget {
		o.room.Wait()
	}
	o.mu.Unlock()
}

func (o *inOrder) complete(seq int, part *Partial) {
	o.mu.Lock()
	o.pending[seq] = part
	o.held += part.recordBytes()
	if o.folding {
		o.mu.Unlock()
		return
	}
	o.folding = true
	for {
		pt, ok := o.pending[o.next]
		if !ok {
			break
		}
		delete(o.pending, o.next)
		o.next++
		o.mu.Unlock()
		o.fold(pt)
		<-o.slots
		o.mu.Lock()
		o.held -= pt.recordBytes()
		o.room.Broadcast()
	}
	o.folding = false
	o.mu.Unlock()
}

func (o *inOrder) fold(pt *Partial) {
	if o.row == nil {
		if !o.stopped.Load() {
			o.total.Merge(pt)
			o.total.prune()
			o.account(false)
		}
		return
	}
	o.total.Scanned += pt.Scanned
	o.total.Matched += pt.Matched
	if o.stopped.Load() {
		return
	}
	for i := range pt.recs {
		var x *model.Ext
		if e := pt.extOf[i]; e >= 0 {
			x = &pt.exts[e]
		}
		r, more := o.stream.next(&pt.recs[i], x)
		if r != nil && !o.row(r) {
			more = false
		}
		if o.account(false) {
			return
		}
		if !more {
			o.stopped.Store(true)
			if o.stop != nil {
				o.stop()
			}
			return
		}
	}
}

// firstBad is a malformed line with the place of its input, so the lines
// reported are the first of the input, whichever worker found them.
type firstBad struct {
	input int
	model.Malformed
}

// keepFirstBad adds b to the keepBad first lines in input order.
func keepFirstBad(bad []firstBad, b firstBad) []firstBad {
	before := func(a, b firstBad) bool {
		return a.input < b.input || a.input == b.input && a.LineNo < b.LineNo
	}
	i := len(bad)
	for i > 0 && before(b, bad[i-1]) {
		i--
	}
	if i >= keepBad {
		return bad
	}
	bad = slices.Insert(bad, i, b)
	return bad[:min(len(bad), keepBad)]
}

func (cp *chunkParser) decode(c *Chunk, part *Partial) {
	dec, ls, info, f, x := cp.dec, cp.ls, &cp.info, &cp.f, &cp.x
	data := c.Data
	nl := c.Lines
	if ls != nil {
		ls.reset(data, c.Lines, c.Other, c.OtherKnown)
	} else if nl == nil {
		cp.nl = bytemask.Of(cp.nl, data, '\n')
		nl = cp.nl
	}
	ev := model.Event{Origin: c.Origin, Stream: c.Stream, LineNo: c.FirstLine}
	step := int64(1)
	if c.FirstLine == 0 {
		step = 0
	}
	// With a line filter, lines are skipped by the run, unsplit: how many
	// is the chunk's lines less those decoded, and a line's number is
	// counted only when a malformed one needs it (lineNo).
	decoded := 0
	var counted, countedTo int
	lineNo := func(start int) int64 {
		if ls == nil {
			return ev.LineNo
		}
		counted += ls.nl.Count(countedTo, start)
		countedTo = start
		return c.FirstLine + int64(counted)*step
	}
	for pos := 0; pos < len(data); {
		if ls != nil {
			if pos = ls.next(pos); pos >= len(data) {
				break
			}
		}
		line := data[pos:]
		start := pos
		switch {
		case ls == nil:
			line = data[pos:nl.NextOr(pos, len(data))]
		case ls.checked == pos:
			line = data[pos:ls.end] // next found where it ends
		default:
			line = data[pos:ls.lineEnd(pos)]
		}
		pos += len(line) + 1
		matched := false
		if ls != nil {
			var ok bool
			if ok, matched = ls.pass(start, start+len(line)); !ok {
				continue
			}
			decoded++
		}
		ev.Line = line
		res, err := dec.Decode(&ev, c.Format, f, x)
		switch res {
		case model.ResultRecord:
			info.Records++
			var xp *model.Ext
			if f.HasExt() {
				xp = x
			}
			// A line written as its @message that passed the tests on
			// @message as text passes them as a record.
			if matched && (dec.Written() || !oddLine(line)) {
				part.AddProven(f, xp)
			} else {
				part.Add(f, xp)
			}
		case model.ResultHeader:
			info.Headers++
		case model.ResultMalformed:
			info.Malformed++
			n, at := len(info.firstBad), lineNo(start)
			if n < keepBad || c.Input < info.firstBad[n-1].input ||
				c.Input == info.firstBad[n-1].input && at < info.firstBad[n-1].LineNo {
				info.firstBad = keepFirstBad(info.firstBad, firstBad{c.Input, model.Malformed{Origin: c.Origin, LineNo: at, Line: model.KeepLine(line), Err: err.Error()}})
			}
		}
		ev.LineNo += step
	}
	if ls != nil && len(data) > 0 {
		lines := ls.nl.Count(0, len(data))
		if data[len(data)-1] != '\n' {
			lines++ // the last line, without its newline
		}
		info.Skipped += uint64(lines - decoded)
	}
}

// OtherLines appends to out the offsets in data of the lines that do not
// start with a digit (headers, blank and odd lines), for Chunk.Other; nl
// marks data's line ends.
func OtherLines(data []byte, nl bytemask.Mask, out []int32) []int32 {
	if len(data) > 0 && (data[0] < '0' || data[0] > '9') {
		out = append(out, 0)
	}
	for w, x := range nl {
		for x != 0 {
			at := w<<6 + bits.TrailingZeros64(x) + 1
			x &= x - 1
			if at < len(data) && (data[at] < '0' || data[at] > '9') {
				out = append(out, int32(at))
			}
		}
	}
	return out
}
