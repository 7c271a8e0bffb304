// Package chunk cuts captures read to their end (files, directories of
// captures, stdin; plain or gzip) into large chunks of whole lines, so
// several goroutines can parse what one reads. Several files are
// decompressed at once. The format in force at the start of every chunk is
// decided here, in input order, from the header lines before it: however
// the chunks are then shared out, every line is read with the format the
// lines before it declare.
package chunk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/bytemask"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/envelope"
	"github.com/flowtail/flowtail/source/file"
)

// DefaultBytes is the size a chunk is cut at: large enough that handing
// one over costs nothing next to parsing it.
const DefaultBytes = 1 << 20

// lookahead is how many chunks a file decompressed ahead of its turn may
// hold in ordered mode: it bounds memory, not speed, for answers that
// must keep input order.
const lookahead = 4

// Options say how the inputs are read.
type Options struct {
	// Stdin is what "-" reads.
	Stdin io.Reader
	// Ordered sends chunks in input order, Seq 0, 1, 2 … (files after one
	// another). Otherwise the chunks of files decompressed at once are
	// interleaved as they come, for answers that do not depend on order;
	// Seq still numbers them as sent.
	Ordered bool
	// Parallel bounds the files decompressed at once (default GOMAXPROCS).
	Parallel int
	// Bytes is the chunk size (default DefaultBytes).
	Bytes int
	// Columns, when set, says which fields a columnar input (Parquet)
	// need have read (see file.Options.Columns).
	Columns func(model.FieldID) bool
	// Inline, when set (unordered reading only), parses a chunk with the
	// parsing state of slot (below Parallel) in the goroutine that read
	// it, instead of sending it on. Inputs with at least Parallel-1
	// others after them are read this way: every core then reads and
	// parses a file of its own, and no chunk of it is handed between
	// goroutines. The last input's chunks are still shared with the
	// workers, so the cores stay busy to the end.
	Inline func(slot int, c *query.Chunk)
}

// Stream is an input the reader opens itself instead of a local path:
// an object in a store, read once to its end. Its records are named by
// Origin.
type Stream struct {
	Origin string
	// Open starts the stream; its errors are the input's.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Lines, when set, hears how many lines each chunk sent ends.
	Lines func(n int64)
	// Done, when set, is called once the stream is read whole.
	Done func()
}

// Reader reads its inputs into chunks; see Run.
type Reader struct {
	paths   []string
	streams []Stream
	opt     Options
	free    chan []byte
}

// New returns a reader of FILE, DIR and "-" arguments.
func New(paths []string, opt Options) *Reader {
	if opt.Parallel <= 0 {
		opt.Parallel = runtime.GOMAXPROCS(0)
	}
	if opt.Bytes <= 0 {
		opt.Bytes = DefaultBytes
	}
	if opt.Stdin == nil {
		opt.Stdin = os.Stdin
	}
	return &Reader{paths: paths, opt: opt, free: make(chan []byte, 4*opt.Parallel+lookahead*opt.Parallel)}
}

// NewStreams returns a reader of streams, taken in the order given as
// files are: the format in force is decided per stream from its own
// header lines.
func NewStreams(streams []Stream, opt Options) *Reader {
	r := New(nil, opt)
	r.streams = streams
	return r
}

// Release hands back a chunk's buffer once its lines have been parsed.
func (r *Reader) Release(c *query.Chunk) {
	select {
	case r.free <- c.Data[:0]:
	default:
	}
}

// input is one file to read: a named file, one of a directory's
// captures, or stdin ("-").
type input struct {
	path   string
	err    error   // could not be listed or opened
	stream *Stream // not a local path
}

// inputs expands directories to their captures, in the order the file
// source reads them.
func (r *Reader) inputs() []input {
	var in []input
	for i := range r.streams {
		in = append(in, input{path: r.streams[i].Origin, stream: &r.streams[i]})
	}
	for _, p := range r.paths {
		if p == "-" {
			in = append(in, input{path: p})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			in = append(in, input{path: p, err: err})
			continue
		}
		if !st.IsDir() {
			in = append(in, input{path: p})
			continue
		}
		files, skipped, err := file.Captures(p)
		for _, e := range skipped { // one unreadable folder; the rest is read
			where := p
			var pe *fs.PathError
			if errors.As(e, &pe) {
				where = pe.Path
			}
			in = append(in, input{path: where, err: e})
		}
		if err != nil {
			in = append(in, input{path: p, err: err})
			continue
		}
		for _, f := range files {
			in = append(in, input{path: f})
		}
	}
	return in
}

// Run reads every input, sends its chunks to out and closes out when all
// are read or ctx ends. It returns the errors of inputs that could not be
// read (whole or in part), in input order; the others are read regardless.
func (r *Reader) Run(ctx context.Context, out chan<- *query.Chunk) []error {
	defer close(out)
	in := r.inputs()
	errs := make([]error, len(in))
	sem := make(chan struct{}, r.opt.Parallel)
	var mu sync.Mutex
	seq := 0
	send := func(c *query.Chunk) bool {
		// Unordered: numbered as sent, under one lock.
		mu.Lock()
		defer mu.Unlock()
		c.Seq = seq
		seq++
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var wg sync.WaitGroup
	var slots chan int // which parsing state a reader uses inline
	if r.opt.Inline != nil {
		slots = make(chan int, r.opt.Parallel)
		for i := range r.opt.Parallel {
			slots <- i
		}
	}
	queues := make([]chan *query.Chunk, len(in))
	if r.opt.Ordered {
		// One queue per input, drained in input order: a file started
		// early waits its turn holding at most lookahead chunks.
		for i := range queues {
			queues[i] = make(chan *query.Chunk, lookahead)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range queues {
				for c := range q {
					if !send(c) {
						for range q { // let its reader finish
						}
					}
				}
			}
		}()
	}
	// Inputs start in order, so the one whose turn it is never waits for
	// a slot held by a later one.
	var readers sync.WaitGroup
start:
	for i, inp := range in {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for _, q := range queues[i:] {
				if q != nil {
					close(q)
				}
			}
			break start
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer func() { <-sem }()
			emit := send
			var inline func(*query.Chunk) bool
			if r.opt.Inline != nil && !r.opt.Ordered && i <= len(in)-r.opt.Parallel {
				slot := <-slots
				defer func() { slots <- slot }()
				inline = func(c *query.Chunk) bool {
					if ctx.Err() != nil {
						return false
					}
					r.opt.Inline(slot, c)
					return true
				}
			}
			if q := queues[i]; q != nil {
				defer close(q)
				emit = func(c *query.Chunk) bool {
					select {
					case q <- c:
						return true
					case <-ctx.Done():
						return false
					}
				}
			}
			if inp.err != nil {
				errs[i] = inp.err
				return
			}
			errs[i] = r.read(ctx, i, inp, emit, inline)
		}()
	}
	readers.Wait()
	wg.Wait()
	var failed []error
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			failed = append(failed, e)
		}
	}
	return failed
}

func (r *Reader) buffer() []byte {
	select {
	case b := <-r.free:
		return b
	default:
		return make([]byte, 0, r.opt.Bytes+model.MaxLineBytes)
	}
}

// read sends one input's lines in chunks of about opt.Bytes, or parses
// them with inline when set.
func (r *Reader) read(ctx context.Context, index int, inp input, emit, inline func(*query.Chunk) bool) error {
	var src io.Reader = r.opt.Stdin
	path := inp.path
	name := path
	var lines func(int64)
	switch {
	case inp.stream != nil:
		rc, err := inp.stream.Open(ctx)
		if err != nil {
			return err
		}
		defer rc.Close()
		src, lines = rc, inp.stream.Lines
	case path == "-":
		name = "stdin"
	default:
		f, err := file.OpenStoppable(path, ctx.Err)
		if err != nil {
			return err
		}
		defer f.Close()
		src = f
	}
	if inp.stream == nil {
		// A pipe, FIFO or terminal that sends nothing must not hold the
		// read past an interrupt (a regular file is read as it is; a stream
		// has deadlines of its own).
		src = source.Interruptible(ctx, src)
	}
	src, kind, err := file.DecodedKind(src)
	if err != nil {
		return &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if kind != envelope.Text {
		return r.readEnvelope(ctx, index, inp, src, emit)
	}
	// A goroutine of its own follows the headers and numbers the lines,
	// so this one only reads (decompresses) and cuts at line ends; or,
	// parsing inline, this one does it all.
	var sc *scanner
	if inline != nil {
		sc = r.newScanner(ctx, index, path, lines, inline, false)
	} else {
		sc = r.newScanner(ctx, index, path, lines, emit, true)
	}
	size := r.opt.Bytes
	var carry []byte
	skipping := false
	for {
		buf := append(r.buffer()[:0], carry...)
		want := size
		if len(buf) >= size { // a line longer than a chunk, not yet too long
			want = len(buf) + size
		}
		buf = slices.Grow(buf, want-len(buf))
		n, err := io.ReadFull(src, buf[len(buf):want])
		buf = buf[:len(buf)+n]
		final := err != nil
		failed := final && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
		// Trailing bytes after the last gzip member end data that is
		// whole: its last line is kept, as at the end of the stream.
		whole := !failed || errors.Is(err, file.ErrTrailing)
		if skipping { // the rest of a line already sent as too long
			if i := bytes.IndexByte(buf, '\n'); i >= 0 {
				buf = buf[:copy(buf, buf[i+1:])]
				skipping = false
				sc.skipped++
			} else {
				buf = buf[:0]
			}
		}
		cut := len(buf)
		if !final || !whole {
			// A failed read keeps only complete lines, as the file source does.
			if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
				cut = i + 1
			} else if failed {
				cut = 0
			} else if len(buf) > model.MaxLineBytes {
				// One line fills the buffer: send what the long-line rule
				// keeps of it and drop the rest.
				cut, skipping = len(file.CutLong(buf)), true
				buf = buf[:cut]
			} else {
				cut = 0 // no line ends yet: read on
			}
		}
		carry = append(carry[:0], buf[cut:]...)
		if data := buf[:cut]; len(data) > 0 && !sc.send(data) {
			sc.finish()
			return ctx.Err()
		}
		if final {
			line, ok := sc.finish()
			if !ok {
				return ctx.Err()
			}
			if failed {
				lines := line - 1
				if whole && len(buf) > 0 && buf[len(buf)-1] != '\n' {
					lines = line // the last line, kept without its newline
				}
				return &fs.PathError{Op: "read", Path: name, Err: file.Stopped(lines, cut < len(buf), err)}
			}
			if inp.stream != nil && inp.stream.Done != nil {
				inp.stream.Done()
			}
			return nil
		}
	}
}

// scanner follows one input's header lines and numbers its lines, then
// sends its chunks: in a goroutine of its own, or in the caller's.
type scanner struct {
	ctx     context.Context
	items   chan scanItem // nil: in the caller's goroutine
	done    chan struct{}
	skipped int64 // lines ended since the last item, not in its data (the rest of a long line)
	line    int64 // the next line's number, once done
	ok      bool  // every chunk was sent, once done
	hdr     headers
	index   int
	path    string
	lines   func(int64)
	emit    func(*query.Chunk) bool
}

type scanItem struct {
	data    []byte
	skipped int64
}

func (r *Reader) newScanner(ctx context.Context, index int, path string, lines func(int64), emit func(*query.Chunk) bool, own bool) *scanner {
	sc := &scanner{ctx: ctx, line: 1, ok: true, index: index, path: path, lines: lines, emit: emit}
	if !own {
		return sc
	}
	sc.items, sc.done = make(chan scanItem), make(chan struct{})
	go func() {
		defer close(sc.done)
		for it := range sc.items {
			sc.take(it)
		}
	}()
	return sc
}

// take numbers one item's lines, notes its headers and sends it on.
func (sc *scanner) take(it scanItem) {
	sc.line += it.skipped
	if !sc.ok {
		return // cancelled: let the reader finish
	}
	c := &query.Chunk{Input: sc.index, Data: it.data, Origin: sc.path, FirstLine: sc.line, Format: sc.hdr.format, OtherKnown: true}
	n := sc.hdr.scan(it.data, &c.Other)
	if sc.items == nil {
		c.Lines = sc.hdr.nl // parsed before the next chunk is scanned
	}
	sc.line += n
	if sc.lines != nil {
		sc.lines(n)
	}
	sc.ok = sc.emit(c)
}

// send hands over the next whole lines; false once ctx has ended.
func (sc *scanner) send(data []byte) bool {
	if sc.ctx.Err() != nil {
		return false
	}
	it := scanItem{data: data, skipped: sc.skipped}
	if sc.items == nil {
		sc.skipped = 0
		sc.take(it)
		return sc.ok
	}
	select {
	case sc.items <- it:
		sc.skipped = 0
		return true
	case <-sc.ctx.Done():
		return false
	}
}

// finish waits for the chunks sent so far and returns the number of the
// line after them, and whether all were sent.
func (sc *scanner) finish() (int64, bool) {
	if sc.items != nil {
		close(sc.items)
		<-sc.done
	}
	return sc.line + sc.skipped, sc.ok
}

// headers follows the header lines of one stream: format is the one the
// last header declared (nil before the first). A line is a header exactly
// when the decoder takes it for one, as both ask a model.FormatTracker.
type headers struct {
	format  *model.Format
	formats *model.FormatTracker // nil: one of its own, made on first use
	nl      bytemask.Mask        // the line ends of the data scanned last
}

// scan notes the header lines of data, in order, appends to other the
// offsets of the lines that do not start with a digit (see
// query.Chunk.Other), and returns how many lines it ends (a last line
// without its newline is not counted).
func (h *headers) scan(data []byte, other *[]int32) int64 {
	h.nl = bytemask.Of(h.nl, data, '\n')
	first := len(*other)
	*other = query.OtherLines(data, h.nl, *other)
	for _, at := range (*other)[first:] {
		if rest := data[at:]; model.MayBeHeader(rest) {
			h.line(data[at:h.nl.NextOr(int(at), len(data))], nil)
		}
	}
	return int64(h.nl.Count(0, len(data)))
}

// line notes one line of a batch of format batch.
func (h *headers) line(line []byte, batch *model.Format) {
	if h.formats == nil {
		h.formats = model.NewFormatTracker(nil)
	}
	if f, ok := h.formats.Header("", line, batch); ok {
		h.format = f
	}
}
