package cli

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
)

// newCatCmd is `flowtail cat`.
func newCatCmd(std stdio) *cobra.Command {
	o := &options{}
	var outputs []string
	c := &cobra.Command{
		Use:   "cat [flags] [FILE|DIR|-]...",
		Short: "decode records to text, JSON lines or CSV, one per line",
		Long: `Decodes flow-log records without the terminal UI, in input order. JSON keys
are the AWS field names (srcaddr, tcp-flags, flow-direction …); numeric
fields are JSON numbers; absent ("-") fields are left out. Malformed lines
are skipped and reported on stderr; the exit status is 0 unless nothing
could be read.`,
		Example: `  flowtail cat -o json capture.log.gz | jq 'select(.action == "REJECT")'
  flowtail cat -o csv ./AWSLogs/ > flows.csv
  zcat flows.gz | flowtail cat --format '${version} ${srcaddr} ${dstaddr}' -
  flowtail cat -f -o json /var/log/flows.log`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.headless(c.Flags(), outputs); err != nil {
				return usageErr{cmd: c, err: err}
			}
			return exit(runCat(c.Context(), o, args, std))
		},
	}
	outputs = o.bindOutput(c.Flags(), "text (the record in its format's order), json or csv", "text", "json", "csv")
	o.bindSource(c.Flags())
	return c
}

func runCat(ctx context.Context, o *options, args []string, std stdio) int {
	o.paths = args
	kind, _ := export.ParseKind(o.output)
	if err := o.validate(); err != nil {
		return usageError(std, "cat", err)
	}
	h := newHeadless(ctx, "cat", std, o)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srcs, err := o.sources(ctx, std)
	if err != nil {
		h.errorf("%v", err)
		return exitRuntime
	}
	c := newCatter(kind, o.overrideFormat(), std.out, runtime.GOMAXPROCS(0))
	c.start(cancel)
	h.read(ctx, srcs, func(_ int, b model.Batch) { c.add(b) })
	c.finish()
	return h.finish(tally{records: c.records, malformed: c.malformed, verb: "decoded", firstBad: c.firstBad}, c.writeErr)
}

// catter decodes in parallel and writes in input order: the sources'
// goroutines cut the lines into chunks of one format, workers parse and
// encode chunks, and one writer prints them in the order they were cut.
type catter struct {
	kind     export.Kind
	override *model.Format
	out      io.Writer
	workers  int
	// internLimit is catInternLimit (smaller in tests).
	internLimit int

	mu      sync.Mutex // sources emit from their own goroutines
	formats *model.FormatTracker
	cur     *chunk

	free  chan *chunk
	work  chan *chunk
	order chan *chunk
	wg    sync.WaitGroup
	done  chan struct{}

	// Totals, owned by the writer until done is closed.
	records   int64
	malformed int64
	headers   int64
	firstBad  []model.Malformed
	writeErr  error
}

const (
	chunkLines = 4096
	chunkBytes = 1 << 20
)

// chunk is a run of lines of one format, copied out of the source's batch
// so the source can reuse its buffer at once.
type chunk struct {
	format *model.Format
	shown  *model.Format // format plus what the stream name supplies
	buf    []byte
	events []model.Event
	out    []byte
	nRec   int64
	nBad   int64
	bad    []model.Malformed
	ready  chan struct{}
}

func newCatter(kind export.Kind, override *model.Format, out io.Writer, workers int) *catter {
	workers = max(workers, 1)
	n := 2*workers + 2
	c := &catter{
		kind: kind, override: override, out: out, workers: workers, internLimit: catInternLimit,
		formats: model.NewFormatTracker(override),
		free:    make(chan *chunk, n),
		work:    make(chan *chunk, n),
		order:   make(chan *chunk, n),
		done:    make(chan struct{}),
	}
	for range n {
		c.free <- &chunk{buf: make([]byte, 0, chunkBytes+model.MaxLineBytes+1), events: make([]model.Event, 0, chunkLines)}
	}
	return c
}

// start runs the workers and the writer; stop is called if output fails.
func (c *catter) start(stop func()) {
	for range c.workers {
		c.wg.Add(1)
		go c.decode()
	}
	go c.write(stop)
}

// add cuts a batch into chunks (a file source's batch is about one chunk).
// Header lines change the format of their
// origin and are not passed on, so workers need no state between chunks.
func (c *catter) add(b model.Batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range b.Events {
		ev := &b.Events[i]
		line := ev.Line
		if isBlankLine(line) {
			continue
		}
		if _, ok := c.formats.Header(ev.Origin, line, b.Format); ok {
			c.cur = c.flush(c.cur)
			c.headers++
			continue
		}
		format := c.formats.Format(ev.Origin, b.Format)
		if format == model.DefaultFormat {
			format = model.DefaultFormatFor(line) // a Transit Gateway record has its own default
		}
		shown := model.StreamFormat(format, ev.Stream)
		if c.cur != nil && (c.cur.format != format || c.cur.shown != shown || len(c.cur.events) == chunkLines || len(c.cur.buf)+len(line) > cap(c.cur.buf)) {
			c.cur = c.flush(c.cur)
		}
		if c.cur == nil {
			c.cur = <-c.free
			c.cur.format, c.cur.shown = format, shown
		}
		ch := c.cur
		from := len(ch.buf)
		ch.buf = append(ch.buf, line...)
		e := *ev
		e.Line = ch.buf[from:len(ch.buf):len(ch.buf)]
		ch.events = append(ch.events, e)
	}
	// A live source may not send more for a while: what it sent is due now.
	c.cur = c.flush(c.cur)
}

// flush hands a chunk to the workers and the writer; it returns nil.
func (c *catter) flush(ch *chunk) *chunk {
	if ch == nil || len(ch.events) == 0 {
		return ch
	}
	ch.ready = make(chan struct{})
	c.order <- ch
	c.work <- ch
	return nil
}

// finish flushes the last chunk and waits until everything is written.
func (c *catter) finish() {
	c.mu.Lock()
	if c.cur != nil && len(c.cur.events) > 0 {
		c.flush(c.cur)
	}
	c.cur = nil
	c.mu.Unlock()
	close(c.work)
	close(c.order)
	c.wg.Wait()
	<-c.done
}

// catInternLimit bounds the strings a worker's interner holds. A value is
// needed only while its chunk is encoded, so after a chunk leaves more
// than this the worker starts afresh: memory follows the chunk, not every
// account, interface and VPC id the input ever held.
const catInternLimit = 1 << 16

// decode parses and encodes chunks; each worker has its own interner,
// decoder and encoder (none is shared).
func (c *catter) decode() {
	defer c.wg.Done()
	var names *model.Interner
	var dec *model.Decoder
	var enc *export.Encoder
	var f model.Flow
	var x model.Ext
	for ch := range c.work {
		if names == nil || names.Len() > c.internLimit {
			names = model.NewInterner()
			dec = model.NewDecoder(names, c.override)
			enc = export.NewEncoder(c.kind, names)
		}
		ch.out, ch.nRec, ch.nBad, ch.bad = ch.out[:0], 0, 0, ch.bad[:0]
		for i := range ch.events {
			ev := &ch.events[i]
			res, err := dec.Decode(ev, ch.format, &f, &x)
			switch res {
			case model.ResultRecord:
				ch.out = enc.Append(ch.out, ch.shown, &f, &x)
				ch.nRec++
			case model.ResultMalformed:
				ch.nBad++
				if len(ch.bad) < keepBad {
					ch.bad = append(ch.bad, model.MalformedEvent(ev, err))
				}
			}
		}
		close(ch.ready)
	}
}

// write prints chunks in the order they were cut. After a write error it
// keeps draining so the sources are never blocked, and asks them to stop.
func (c *catter) write(stop func()) {
	defer close(c.done)
	enc := export.NewEncoder(c.kind, model.NewInterner()) // headers name fields, not values
	var last *model.Format
	var hdr []byte
	for ch := range c.order {
		<-ch.ready
		c.records += ch.nRec
		c.malformed += ch.nBad
		for _, b := range ch.bad {
			if len(c.firstBad) < keepBad {
				c.firstBad = append(c.firstBad, b)
			}
		}
		if c.writeErr == nil && ch.nRec > 0 {
			if ch.shown != last && (last == nil || ch.shown.String() != last.String()) {
				// Formats of the same fields read from different files
				// (or JSON keys in either spelling) need one header.
				hdr = enc.Header(hdr[:0], ch.shown)
				if len(hdr) > 0 {
					_, c.writeErr = c.out.Write(hdr)
				}
			}
			last = ch.shown
			if c.writeErr == nil {
				_, c.writeErr = c.out.Write(ch.out)
			}
			if c.writeErr != nil {
				stop()
			}
		}
		ch.buf, ch.events = ch.buf[:0], ch.events[:0]
		c.free <- ch
	}
	if errors.Is(c.writeErr, syscall.EPIPE) {
		c.writeErr = nil // the reader went away (| head): not a failure
	}
}

func isBlankLine(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
