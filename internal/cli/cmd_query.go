package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/model/rules"
	"github.com/flowtail/flowtail/source"
	chunkreader "github.com/flowtail/flowtail/source/chunk"
	"github.com/flowtail/flowtail/source/s3"
)

// newQueryCmd is `flowtail query`.
func newQueryCmd(std stdio) *cobra.Command {
	o := &options{}
	var outputs []string
	var ro *remoteOptions
	c := &cobra.Command{
		Use:   "query [flags] 'QUERY' [FILE|DIR|-]...",
		Short: "answer a CloudWatch Logs Insights query over captures, stdin or CloudWatch",
		Long: `Answers a CloudWatch Logs Insights query locally and prints the result:
an aligned table, CSV with a header row of the output column names, or
JSON lines. Field names work in the AWS spelling (dstport, pkt-srcaddr)
and the Insights one (dstPort, pktSrcAddr); @timestamp is the record's
start, @message the record as text; direction, service and proto are
derived. The exit status is 2 when the query is wrong (the message names
the column), 1 when nothing could be read. Malformed lines are skipped and
counted on stderr; lines whose text shows they cannot pass an equality
filter (action = "REJECT", interfaceId = "eni-…") or a like on @message
are not parsed at all, so malformed lines among those go uncounted.
Rows that need no sort are printed as they are found (a table takes its
column widths from its first 10,000 rows). An answer that must be held
(stats groups, records kept to sort, keys a dedup remembers) is bounded
by --max-memory (default 2GiB, or half this machine's memory if less):
past it the query stops with exit status 1 and says how to narrow it,
rather than exhaust memory or print part of the answer as if it were all.

Commands, joined by '|':
  fields a, b as c      filter EXPR          stats AGG [as n], … [by k, …]
  sort k [asc|desc], …  limit N              display a, b      dedup a, b
Filter: = != < <= > >=, and or not, ( ), in [..], like "text", like /re/,
  =~ /re/, isIpInSubnet(f, "10.0.0.0/8"), isIpv4InSubnet, isIpv6InSubnet,
  ispresent(f).
Stats: count(*) count() count(f) count_distinct(f) sum avg min max
  pct(f, 95) earliest(f) latest(f), by fields and bin(5m).`,
		Example: `  flowtail query 'filter action = "REJECT" | stats count(*) as n by dstaddr, dstport | sort n desc | limit 20' flows.log.gz
  flowtail query -o csv 'filter isIpInSubnet(srcaddr, "10.0.0.0/8") and dstport = 22' ./AWSLogs/
  zcat flows.gz | flowtail query -o json 'stats sum(bytes) as b by bin(5m)' -`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if ro.on != "" {
				if c.Flags().Changed("max-memory") {
					// Not ignored in silence: the engine holds that answer.
					return usageErr{cmd: c, err: errors.New("flag --max-memory bounds an answer held on this machine; with --on the engine holds it (--max-rows bounds the rows fetched)")}
				}
				return exit(runRemoteQuery(c, o, ro, args, std))
			}
			if err := o.headless(c.Flags(), outputs); err != nil {
				return usageErr{cmd: c, err: err}
			}
			if err := checkRemoteFlags(c.Flags()); err != nil {
				return usageErr{cmd: c, err: err}
			}
			return exit(runQuery(c.Context(), o, args, std))
		},
	}
	outputs = o.bindOutput(c.Flags(), "table, csv or json", "table", "csv", "json")
	o.bindSource(c.Flags())
	o.bindRules(c.Flags())
	o.bindIPRanges(c.Flags())
	o.bindMaxMemory(c.Flags())
	ro = bindRemote(c)
	return c
}

func runQuery(ctx context.Context, o *options, pos []string, std stdio) int {
	if len(pos) == 0 {
		return usageError(std, "query", errors.New("missing QUERY, e.g. 'filter action = \"REJECT\" | stats count(*) by srcaddr'"))
	}
	text := pos[0]
	o.paths = pos[1:]
	if len(o.paths) == 0 && !o.demo && len(o.logGroups) == 0 {
		if namesSource(text) {
			return usageError(std, "query", fmt.Errorf("missing QUERY before the source %s: flowtail query 'filter …' %s", text, text))
		}
	}
	if err := o.validate(); err != nil {
		return usageError(std, "query", err)
	}
	names := model.NewInterner()
	var local func(uint32, netip.Addr) bool
	var rp *rulesProvider
	if o.rules != "" || o.demo {
		var err error
		rp, err = o.rulesProvider(func(w string) { fmt.Fprintf(std.err, "flowtail query: %s\n", cleanCell(w)) })
		if err != nil {
			return usageError(std, "query", fmt.Errorf("invalid value for flag --rules: %v", err))
		}
		local = interfaceAddrs(rp.staticSnapshot(), names)
	}
	owner, err := o.owners(ctx, rp)
	if err != nil {
		return usageError(std, "query", err)
	}
	prog, err := compileQuery(text, names, query.Options{LocalAddr: local, Owner: owner, MemoryBudget: o.maxMemory})
	if err != nil {
		if namesSource(text) {
			return usageError(std, "query", fmt.Errorf("the QUERY comes first, then the sources: flowtail query 'filter …' %s", text))
		}
		reportQueryError(std.err, text, err)
		return exitUsage
	}
	defer boundQueryHeap(o.maxMemory)()
	h := newHeadless(ctx, "query", std, o)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var rw *rowWriter
	var rows func([]query.Value) bool
	if prog.Streams() {
		// Records that need no sort are printed as they are found, in input
		// order, so memory follows a window of chunks, not the answer.
		rw = newRowWriter(std.out, o.output, prog.Columns(), tableProbeRows)
		rows = rw.row
	}
	var res *query.Result
	var info query.RunInfo
	var readErrs []error
	handled := false
	switch {
	case o.plainFiles():
		res, info, readErrs = runQueryFiles(ctx, prog, o, std, rows)
		handled = true
	case o.onlyS3():
		res, info, readErrs, handled = runQueryS3(ctx, prog, o, std, rows)
	}
	if !handled {
		res, info, readErrs = runQuerySources(ctx, prog, o, std, rows)
	}
	for _, e := range readErrs {
		h.failed++
		h.errorf("%s", e)
	}
	if info.Err != nil {
		h.errorf("%s", runError(info.Err, rw != nil && rw.abort()))
		return exitRuntime
	}
	// Lines the text pre-filter passed over were read too: count them, so
	// "no results" says how much was searched.
	read := info.Records + info.Skipped + info.Malformed + info.Headers
	var werr error
	switch {
	case info.Records+info.Skipped == 0 && (h.failed > 0 || info.Malformed > 0):
		// Nothing could be read: an empty answer here would pass for "no
		// such traffic" with a script that reads stdout; stderr says why.
	case rw != nil:
		werr = rw.finish(res.Matched, read)
	default:
		werr = writeResult(std.out, o.output, res, read)
	}
	// The lines passed over are records the filter cannot match: they were
	// read, and a filter that matches nothing is an answer, not a failure.
	return h.finish(tally{records: int64(info.Records + info.Skipped), malformed: int64(info.Malformed), verb: "read", firstBad: info.FirstBad}, werr)
}

// namesSource reports whether the argument given as the query is a source
// instead: stdin or a path that exists.
func namesSource(arg string) bool {
	_, err := os.Stat(arg)
	return err == nil || arg == "-"
}

// runError is the message for a run stopped short; printed says rows of
// the answer went out before it stopped.
func runError(err error, printed bool) string {
	var be *query.BudgetError
	if !errors.As(err, &be) {
		return err.Error()
	}
	msg := err.Error() + "; or raise --max-memory"
	if printed {
		msg += " (the rows printed above are not the whole answer)"
	}
	return msg
}

// queryHeapSlack is what a query holds besides its answer: chunks being
// read and parsed, decoders, the output's buffers.
const queryHeapSlack = 256 << 20

// boundQueryHeap has the collector keep the heap near what the answer
// may hold (--max-memory) and the reading takes, instead of letting it
// grow to twice the live heap before collecting; a GOMEMLIMIT the user
// sets wins. It returns the function that restores the previous limit.
func boundQueryHeap(maxMemory int64) func() {
	if os.Getenv("GOMEMLIMIT") != "" || maxMemory <= 0 {
		return func() {}
	}
	old := debug.SetMemoryLimit(maxMemory + queryHeapSlack)
	return func() { debug.SetMemoryLimit(old) }
}

func compileQuery(text string, names *model.Interner, opt query.Options) (*query.Program, error) {
	if b, ok := query.LookupBuiltin(text); ok { // a shipped query by name, e.g. tgw-drops
		text = b.Text
	}
	q, err := query.Parse(text)
	if err != nil {
		return nil, err
	}
	// The interner is empty until records arrive: intern the literals so
	// they match what is read later.
	opt.Intern = true
	return query.Compile(q, names, opt)
}

// interfaceAddrs answers whether an address belongs to an interface, from
// the --rules (or demo) interfaces, so the derived direction field works
// for records whose format lacks flow-direction.
func interfaceAddrs(s *rules.Snapshot, names *model.Interner) func(uint32, netip.Addr) bool {
	if s == nil || len(s.Interfaces) == 0 {
		return nil
	}
	byName := map[string]map[netip.Addr]bool{}
	for id, iface := range s.Interfaces {
		set := map[netip.Addr]bool{}
		for _, a := range iface.Private {
			set[a] = true
		}
		for _, a := range iface.Public {
			set[a] = true
		}
		byName[id] = set
	}
	var mu sync.Mutex // workers ask concurrently
	byID := map[uint32]map[netip.Addr]bool{}
	return func(iface uint32, a netip.Addr) bool {
		mu.Lock()
		set, ok := byID[iface]
		if !ok {
			set = byName[names.Name(iface)]
			byID[iface] = set
		}
		mu.Unlock()
		return set[a]
	}
}

// reportQueryError prints the message and points at the column.
func reportQueryError(w io.Writer, text string, err error) {
	fmt.Fprintf(w, "flowtail query: %s\n", cleanCell(err.Error()))
	var qe *query.Error
	if !errors.As(err, &qe) || strings.ContainsAny(text, "\n\r\t") || utf8.RuneCountInString(text) > 200 {
		return
	}
	col := cellWidth(cleanCell(text[:min(qe.Col-1, len(text))])) // the caret goes under the column's cell
	fmt.Fprintf(w, "  %s\n  %s^\n", cleanCell(text), strings.Repeat(" ", col))
}

// plainFiles reports whether every source is read once to its end from
// files, directories of captures or stdin, which the chunk reader reads in
// parallel; anything else (follow, replay, demo, CloudWatch, S3) goes
// through the shared sources.
func (o *options) plainFiles() bool {
	if o.demo || o.follow || o.replay != "" || len(o.logGroups) > 0 || len(o.paths) == 0 || slices.ContainsFunc(o.paths, s3.IsURL) {
		return false
	}
	stdin := 0
	for _, p := range o.paths {
		if p == "-" {
			stdin++
		}
	}
	return stdin <= 1
}

// runQueryFiles reads the inputs with the chunk reader (several files
// decompressed at once) while the program's workers parse and aggregate
// the chunks in parallel.
func runQueryFiles(ctx context.Context, prog *query.Program, o *options, std stdio, rows func([]query.Value) bool) (*query.Result, query.RunInfo, []error) {
	ctx, cancel := context.WithCancel(ctx) // ends the reading once a limit is full
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan *query.Chunk, 2*workers)
	opt := chunkreader.Options{Stdin: std.in, Ordered: !prog.OrderFree(), Columns: prog.Needs, Bytes: queryChunkBytes(rows), Parallel: workers}
	var rd *chunkreader.Reader
	var inline *query.Parsers
	if prog.OrderFree() { // files read at once are parsed where they are read
		inline = prog.NewParsers(workers, o.overrideFormat(), func(c *query.Chunk) { rd.Release(c) })
		opt.Inline = inline.Parse
	}
	rd = chunkreader.New(o.paths, opt)
	var readErrs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		readErrs = rd.Run(ctx, chunks)
	}()
	res, info := runChunks(prog, chunks, workers, o.overrideFormat(), rd.Release, rows, cancel, inline)
	<-done
	return res, info, readErrs
}

// streamChunkBytes is the chunk size of a query whose rows are printed as
// they are found: the chunks read ahead and the rows waiting for an older
// chunk are what it holds, so smaller chunks keep it small; handing one
// over still costs nothing next to parsing it.
const streamChunkBytes = 256 << 10

// queryChunkBytes is the chunk size for a query that streams rows (rows set)
// or not (0: the reader's default).
func queryChunkBytes(rows func([]query.Value) bool) int {
	if rows != nil {
		return streamChunkBytes
	}
	return 0
}

// onlyS3 reports whether every source is an s3:// location read once to
// its end.
func (o *options) onlyS3() bool {
	return !o.demo && !o.follow && o.replay == "" && len(o.logGroups) == 0 && len(o.paths) > 0 && !slices.ContainsFunc(o.paths, func(p string) bool { return !s3.IsURL(p) })
}

// runQueryS3 reads S3 objects with the chunk reader, as local captures
// are: several objects fetched and decompressed at once while the
// program's workers parse and aggregate their chunks, the format in force
// decided per object in input order. handled is false when the objects
// must go through the shared source instead (a time window, Parquet;
// see s3.Source.Streams), which then lists them again.
func runQueryS3(ctx context.Context, prog *query.Program, o *options, std stdio, rows func([]query.Value) bool) (*query.Result, query.RunInfo, []error, bool) {
	src, err := o.s3Source(ctx, o.paths, std)
	if err != nil {
		return prog.Result(prog.NewPartial()), query.RunInfo{}, []error{err}, true
	}
	s := src.(*s3.Source)
	streams, ok, listErr := s.Streams(ctx)
	if !ok {
		if listErr != nil && ctx.Err() != nil {
			return prog.Result(prog.NewPartial()), query.RunInfo{}, []error{listErr}, true
		}
		return nil, query.RunInfo{}, nil, false
	}
	ctx, cancel := context.WithCancel(ctx) // ends the reading once a limit is full
	defer cancel()
	stopReport := s.Report(ctx)
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan *query.Chunk, 2*workers)
	// Objects are fetched, not read from disk: more at once than cores
	// hides the round trips, as the shared source's pool does.
	rd := chunkreader.NewStreams(streams, chunkreader.Options{Ordered: !prog.OrderFree(), Parallel: o.s3Parallel(), Columns: prog.Needs, Bytes: queryChunkBytes(rows)})
	var readErrs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		readErrs = rd.Run(ctx, chunks)
	}()
	res, info := runChunks(prog, chunks, workers, o.overrideFormat(), rd.Release, rows, cancel, nil)
	<-done
	stopReport()
	var errs []error
	if listErr != nil {
		errs = append(errs, listErr)
	}
	// The first few unreadable objects one by one, as the shared source
	// reports them, then how many more.
	const described = 10
	if len(readErrs) > described {
		more := len(readErrs) - described
		readErrs = append(readErrs[:described:described], fmt.Errorf("… and %d more objects could not be read", more))
	}
	errs = append(errs, readErrs...)
	if err := s.Summary(); err != nil {
		errs = append(errs, err)
	}
	return res, info, errs, true
}

// s3Parallel is how many objects a headless S3 read fetches at once.
func (o *options) s3Parallel() int {
	if o.s3Concurrency > 0 {
		return o.s3Concurrency
	}
	return s3.DefaultConcurrency
}

func runChunks(prog *query.Program, chunks <-chan *query.Chunk, workers int, override *model.Format, done func(*query.Chunk), rows func([]query.Value) bool, stop func(), inline *query.Parsers) (*query.Result, query.RunInfo) {
	if rows != nil {
		return prog.StreamChunks(chunks, workers, override, done, rows, stop)
	}
	return prog.RunChunksWith(chunks, workers, override, done, inline, stop)
}

// runQuerySources answers over the shared sources (follow, replay, demo,
// CloudWatch): their batches are copied into chunks of one origin, stream
// and format, which the same parallel workers parse.
func runQuerySources(ctx context.Context, prog *query.Program, o *options, std stdio, rows func([]query.Value) bool) (*query.Result, query.RunInfo, []error) {
	srcs, err := o.sources(ctx, std)
	if err != nil {
		return prog.Result(prog.NewPartial()), query.RunInfo{}, []error{err}
	}
	for _, s := range srcs {
		if s, ok := s.(*s3.Source); ok {
			s.SetColumns(prog.Needs) // Parquet objects fetch only these columns
		}
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan *query.Chunk, 2*workers)
	ck := chunkreader.NewBatches(len(srcs), chunks)
	var mu sync.Mutex
	var errs []error
	stopHealth := startHealthReport(ctx, std.err, "query", srcs)
	defer stopHealth()
	go func() {
		source.RunAll(ctx, srcs, ck.Add, func(i int, err error) {
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, source.Errors(srcs[i], err)...)
		})
		for i := range srcs {
			ck.Flush(i)
		}
		close(chunks)
	}()
	res, info := runChunks(prog, chunks, workers, o.overrideFormat(), ck.Release, rows, nil, nil)
	mu.Lock()
	defer mu.Unlock()
	return res, info, errs
}

// writeResult prints res; read is the number of lines searched, for the
// table's "no results" line.
func writeResult(w io.Writer, format string, res *query.Result, read uint64) error {
	rw := newRowWriter(w, format, res.Columns, len(res.Rows))
	if format == "table" {
		// The rows are all here: set the widths from them, then print
		// each straight from its values, rather than hold every cell as
		// text (which took more than the answer itself).
		rw.measure(res.Rows)
	}
	for _, r := range res.Rows {
		if !rw.row(r) {
			break
		}
	}
	return rw.finish(res.Matched, read)
}

// tableProbeRows is how many rows of a streamed answer set the table's
// column widths before any is printed.
const tableProbeRows = 10000

// rowWriter prints rows as they come: CSV and JSON lines at once, the
// table once the first rows (all of them, or tableProbeRows of a streamed
// answer) have set the column widths and which columns are numbers.
type rowWriter struct {
	bw     *bufio.Writer
	format string
	probe  int
	rows   int
	err    error
	// csv
	cw   *csv.Writer
	cell []string
	// json
	keys [][]byte
	line []byte
	// table
	cellBuf []byte
	held    [][]string
	width   []int
	numeric []bool
	set     bool // widths decided, held rows printed
}

// newRowWriter starts printing columns; probe is how many rows the table
// holds to set widths.
func newRowWriter(w io.Writer, format string, columns []string, probe int) *rowWriter {
	rw := &rowWriter{bw: bufio.NewWriterSize(w, 64<<10), format: format, probe: probe, cell: make([]string, len(columns))}
	switch format {
	case "csv":
		rw.cw = csv.NewWriter(rw.bw)
		for i, c := range columns {
			rw.cell[i] = export.SafeCell(cleanCell(c))
		}
		rw.err = rw.cw.Write(rw.cell)
	case "json":
		for _, c := range columns {
			rw.keys = append(rw.keys, appendJSONQuoted(nil, c))
		}
	default:
		head := make([]string, len(columns))
		rw.width = make([]int, len(columns))
		rw.numeric = make([]bool, len(columns))
		for i, c := range columns {
			head[i] = cleanCell(c)
			rw.width[i] = cellWidth(head[i])
			rw.numeric[i] = true
		}
		rw.held = [][]string{head}
	}
	return rw
}

// row prints (or, for the table, may hold) one row; false once writing
// has failed.
func (rw *rowWriter) row(r []query.Value) bool {
	if rw.err != nil {
		return false
	}
	rw.rows++
	switch rw.format {
	case "csv":
		for i, v := range r {
			rw.cell[i] = export.SafeCell(cleanCell(v.String())) // a spreadsheet must not run it
		}
		rw.err = rw.cw.Write(rw.cell)
	case "json":
		rw.writeJSON(r)
	default:
		if rw.set {
			rw.writeTableValues(r)
			break
		}
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = cleanCell(v.String())
		}
		for i, v := range r {
			rw.width[i] = max(rw.width[i], cellWidth(cells[i]))
			if v.Kind != query.Null && !v.IsNumber() {
				rw.numeric[i] = false
			}
		}
		rw.held = append(rw.held, cells)
		if len(rw.held) > rw.probe {
			rw.flushHeld()
		}
	}
	return rw.err == nil
}

// measure sets the table's widths and which columns are numbers from
// rows, and prints the header: the rows then go out as they come.
func (rw *rowWriter) measure(rows [][]query.Value) {
	for _, r := range rows {
		for i, v := range r {
			rw.cellBuf = model.MaskAppended(v.AppendText(rw.cellBuf[:0]), 0)
			rw.width[i] = max(rw.width[i], utf8.RuneCount(rw.cellBuf))
			if v.Kind != query.Null && !v.IsNumber() {
				rw.numeric[i] = false
			}
		}
	}
	if len(rows) == 0 {
		clear(rw.numeric) // a table of no rows aligns its header left
	}
	rw.set = true
	for _, cells := range rw.held {
		rw.writeTableRow(cells)
	}
	rw.held = nil
}

// writeJSON prints one object per row, keys in column order; numbers are
// JSON numbers and absent values null.
func (rw *rowWriter) writeJSON(r []query.Value) {
	line := append(rw.line[:0], '{')
	for i, v := range r {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, rw.keys[i]...)
		line = append(line, ':')
		switch {
		case v.Kind == query.Null:
			line = append(line, "null"...)
		case v.IsNumber():
			line = append(line, v.String()...)
		default:
			line = appendJSONQuoted(line, v.String())
		}
	}
	line = append(line, '}', '\n')
	rw.line = line
	_, rw.err = rw.bw.Write(line)
}

// flushHeld decides the table's widths and prints the rows held so far.
func (rw *rowWriter) flushHeld() {
	if rw.rows == 0 {
		clear(rw.numeric) // a table of no rows aligns its header left
	}
	rw.set = true
	for _, cells := range rw.held {
		rw.writeTableRow(cells)
	}
	rw.held = nil
}

// writeTableRow aligns one row; numbers are right-aligned. A cell wider
// than its column (past the rows that set the widths) pushes the rest of
// its line along.
// writeTableValues is writeTableRow straight from the values, once the
// widths are set: a streamed answer of millions of rows allocates
// nothing per row.
func (rw *rowWriter) writeTableValues(r []query.Value) {
	if rw.err != nil {
		return
	}
	line := rw.line[:0]
	for i, v := range r {
		if i > 0 {
			line = append(line, "  "...)
		}
		cell := model.MaskAppended(v.AppendText(rw.cellBuf[:0]), 0)
		rw.cellBuf = cell
		pad := max(rw.width[i]-cellWidthBytes(cell), 0)
		if rw.numeric[i] {
			line = appendSpaces(line, pad)
			line = append(line, cell...)
			continue
		}
		line = append(line, cell...)
		if i < len(r)-1 {
			line = appendSpaces(line, pad)
		}
	}
	line = append(line, '\n')
	rw.line = line
	_, rw.err = rw.bw.Write(line)
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

func (rw *rowWriter) writeTableRow(row []string) {
	if rw.err != nil {
		return
	}
	line := rw.line[:0]
	for i, s := range row {
		pad := max(rw.width[i]-cellWidth(s), 0)
		if i > 0 {
			line = append(line, "  "...)
		}
		if rw.numeric[i] {
			line = append(line, strings.Repeat(" ", pad)...)
			line = append(line, s...)
			continue
		}
		line = append(line, s...)
		if i < len(row)-1 {
			line = append(line, strings.Repeat(" ", pad)...)
		}
	}
	line = append(line, '\n')
	rw.line = line
	_, rw.err = rw.bw.Write(line)
}

// abort ends a streamed answer cut short: the rows already written go out
// whole (a line is never cut), rows a table holds to set its widths are
// dropped. It reports whether any row was printed.
func (rw *rowWriter) abort() bool {
	if rw.cw != nil && rw.err == nil {
		rw.cw.Flush()
		rw.err = rw.cw.Error()
	}
	if rw.err == nil {
		rw.err = rw.bw.Flush()
	}
	if rw.format == "csv" || rw.format == "json" {
		return rw.rows > 0
	}
	return rw.set && rw.rows > 0
}

// finish prints what is held and flushes; matched and read are the counts
// the table's "no results" line gives.
func (rw *rowWriter) finish(matched, read uint64) error {
	switch rw.format {
	case "csv":
		if rw.err == nil {
			rw.cw.Flush()
			rw.err = rw.cw.Error()
		}
	case "json":
	default:
		if !rw.set {
			rw.flushHeld()
		}
		if rw.rows == 0 && rw.err == nil {
			_, rw.err = fmt.Fprintf(rw.bw, "(no results; %d lines read, %d matched)\n", read, matched)
		}
	}
	if rw.err != nil {
		return rw.err
	}
	return rw.bw.Flush()
}

// cleanCell is the headless text policy (model.MaskUnsafe): each control
// character, bidi control or invalid byte becomes '?', one for one, so
// columns and carets still line up.
func cleanCell(s string) string { return model.MaskUnsafe(s) }
