package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/model/rules"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/file"
)

// newQueryCmd is `flowtail query`.
func newQueryCmd(std stdio) *cobra.Command {
	o := &options{}
	var outputs []string
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
filter (action = "REJECT", interfaceId = "eni-…") are not parsed at all,
so malformed lines among those go uncounted.

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
			if err := o.headless(c.Flags(), outputs); err != nil {
				return usageErr{cmd: c, err: err}
			}
			return exit(runQuery(c.Context(), o, args, std))
		},
	}
	outputs = o.bindOutput(c.Flags(), "table, csv or json", "table", "csv", "json")
	o.bindSource(c.Flags())
	o.bindRules(c.Flags())
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
	if o.rules != "" || o.demo {
		rp, err := o.rulesProvider(func(w string) { fmt.Fprintf(std.err, "flowtail query: %s\n", cleanCell(w)) })
		if err != nil {
			return usageError(std, "query", fmt.Errorf("invalid value for flag --rules: %v", err))
		}
		local = interfaceAddrs(rp.staticSnapshot(), names)
	}
	prog, err := compileQuery(text, names, local)
	if err != nil {
		if namesSource(text) {
			return usageError(std, "query", fmt.Errorf("the QUERY comes first, then the sources: flowtail query 'filter …' %s", text))
		}
		reportQueryError(std.err, text, err)
		return exitUsage
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var res *query.Result
	var info query.RunInfo
	var readErrs []error
	if o.plainFiles() {
		res, info, readErrs = runQueryFiles(ctx, prog, o, std)
	} else {
		res, info, readErrs = runQuerySources(ctx, prog, o, std)
	}
	h := newHeadless("query", std)
	for _, e := range readErrs {
		h.failed++
		h.errorf("%s", e)
	}
	sortMalformed(info.FirstBad, o.paths)
	// Lines the text pre-filter passed over were read too: count them, so
	// "no results" says how much was searched.
	read := info.Records + info.Skipped + info.Malformed + info.Headers
	werr := writeResult(std.out, o.output, res, read)
	return h.finish(tally{records: int64(info.Records), malformed: int64(info.Malformed), verb: "read", firstBad: info.FirstBad}, werr)
}

// namesSource reports whether the argument given as the query is a source
// instead: stdin or a path that exists.
func namesSource(arg string) bool {
	_, err := os.Stat(arg)
	return err == nil || arg == "-"
}

func compileQuery(text string, names *model.Interner, local func(uint32, netip.Addr) bool) (*query.Program, error) {
	q, err := query.Parse(text)
	if err != nil {
		return nil, err
	}
	// The interner is empty until records arrive: intern the literals so
	// they match what is read later.
	return query.Compile(q, names, query.Options{Intern: true, LocalAddr: local})
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
	col := utf8.RuneCountInString(text[:min(qe.Col-1, len(text))])
	fmt.Fprintf(w, "  %s\n  %s^\n", cleanCell(text), strings.Repeat(" ", col))
}

// plainFiles reports whether every source is a regular file or stdin read
// once, which the parallel reader handles; anything else (directories,
// follow, replay, demo, CloudWatch) goes through the shared sources.
func (o *options) plainFiles() bool {
	if o.demo || o.follow || o.replay != "" || len(o.logGroups) > 0 || len(o.paths) == 0 {
		return false
	}
	stdin := 0
	for _, p := range o.paths {
		if p == "-" {
			stdin++
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return stdin <= 1
}

const queryChunkBytes = 1 << 20

// runQueryFiles reads the files in one goroutine (decompressing gzip) and
// cuts the text into chunks of whole lines that the program's workers
// parse and aggregate in parallel: decompression is the limit, so parsing
// must not wait for it.
func runQueryFiles(ctx context.Context, prog *query.Program, o *options, std stdio) (*query.Result, query.RunInfo, []error) {
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan *query.Chunk, 2*workers)
	free := make(chan []byte, 2*workers+2)
	var readErrs []error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(chunks)
		seq := 0
		for _, path := range o.paths {
			if err := readChunks(ctx, path, std.in, chunks, free, &seq); err != nil {
				readErrs = append(readErrs, err)
			}
			if ctx.Err() != nil {
				return
			}
		}
	}()
	res, info := prog.RunChunks(chunks, workers, o.overrideFormat(), func(c *query.Chunk) {
		select {
		case free <- c.Data[:0]:
		default:
		}
	})
	wg.Wait()
	return res, info, readErrs
}

// readChunks sends one file's lines in chunks of about queryChunkBytes.
func readChunks(ctx context.Context, path string, stdin io.Reader, out chan<- *query.Chunk, free chan []byte, seq *int) error {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	name := path
	if path == "-" {
		name = "stdin"
	}
	r, _, err := file.Decoded(r)
	if err != nil {
		return &fs.PathError{Op: "read", Path: name, Err: err}
	}
	var format *model.Format
	var carry []byte
	line := int64(1)
	first, skipping := true, false
	for {
		var buf []byte
		select {
		case buf = <-free:
		default:
			buf = make([]byte, 0, queryChunkBytes+model.MaxLineBytes)
		}
		buf = append(buf[:0], carry...)
		n, err := io.ReadFull(r, buf[len(buf):queryChunkBytes])
		buf = buf[:len(buf)+n]
		final := err != nil
		failed := final && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
		if skipping { // the rest of a line already sent as too long
			if i := bytes.IndexByte(buf, '\n'); i >= 0 {
				buf = buf[:copy(buf, buf[i+1:])]
				skipping = false
				line++
			} else {
				buf = buf[:0]
			}
		}
		cut := len(buf)
		if !final || failed {
			// A failed read keeps only complete lines, as the file source does.
			if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
				cut = i + 1
			} else if failed {
				cut = 0
			} else if len(buf) > model.MaxLineBytes {
				// One line fills the buffer: send its start, which the
				// parser reports as too long, and drop the rest of it.
				cut, skipping = model.MaxLineBytes+1, true
				buf = buf[:cut]
			}
		}
		carry = append(carry[:0], buf[cut:]...)
		data := buf[:cut]
		if first && len(data) > 0 {
			first = false
			end := bytes.IndexByte(data, '\n')
			if end < 0 {
				end = len(data)
			}
			format = model.HeaderFormat(data[:end])
		}
		if len(data) > 0 {
			c := &query.Chunk{Seq: *seq, Data: data, Origin: path, FirstLine: line, Format: format}
			*seq++
			line += int64(bytes.Count(data, []byte{'\n'}))
			select {
			case out <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if failed {
			return &fs.PathError{Op: "read", Path: name, Err: file.Stopped(line-1, cut < len(buf), err)}
		}
		if final {
			return nil
		}
	}
}

// runQuerySources answers over the shared sources (directories, follow,
// replay, demo, CloudWatch): their batches are copied into chunks of one
// origin, stream and format, which the same parallel workers parse.
func runQuerySources(ctx context.Context, prog *query.Program, o *options, std stdio) (*query.Result, query.RunInfo, []error) {
	srcs, err := o.sources(ctx, std)
	if err != nil {
		return prog.Result(prog.NewPartial()), query.RunInfo{}, []error{err}
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan *query.Chunk, 2*workers)
	ck := &chunker{out: chunks, free: make(chan []byte, 2*workers+2), cur: make([]*query.Chunk, len(srcs)), next: make([]int64, len(srcs)), headers: map[string]*model.Format{}}
	var mu sync.Mutex
	var errs []error
	stopHealth := startHealthReport(ctx, std.err, "query", srcs)
	defer stopHealth()
	go func() {
		source.RunAll(ctx, srcs, ck.add, func(i int, err error) {
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, source.Errors(srcs[i], err)...)
		})
		for i := range srcs {
			ck.flush(i)
		}
		close(chunks)
	}()
	res, info := prog.RunChunks(chunks, workers, o.overrideFormat(), func(c *query.Chunk) {
		select {
		case ck.free <- c.Data[:0]:
		default:
		}
	})
	mu.Lock()
	defer mu.Unlock()
	return res, info, errs
}

// chunker copies the lines of sources' batches into chunks. Each source
// has its own chunk being filled; a chunk holds consecutive lines of one
// origin, stream and format. Header lines are noted per origin, so every
// later chunk of that origin carries the format they declare.
type chunker struct {
	mu      sync.Mutex // sources emit from their own goroutines
	seq     int
	out     chan<- *query.Chunk
	free    chan []byte
	cur     []*query.Chunk
	next    []int64 // per source: the line number that continues its chunk
	headers map[string]*model.Format
}

func (ck *chunker) add(i int, b model.Batch) {
	for k := range b.Events {
		ev := &b.Events[k]
		line := ev.Line
		format := b.Format
		ck.mu.Lock()
		if h, ok := ck.headers[ev.Origin]; ok {
			format = h
		}
		if c := line; len(c) > 0 && (c[0] >= 'a' && c[0] <= 'z' || c[0] >= 'A' && c[0] <= 'Z' || c[0] == '$') {
			if hf := model.HeaderFormat(line); hf != nil {
				ck.headers[ev.Origin] = hf
				format = hf
			}
		}
		ck.mu.Unlock()
		c := ck.cur[i]
		if c != nil {
			if c.Origin != ev.Origin || c.Stream != ev.Stream || c.Format != format ||
				len(c.Data)+len(line)+1 > queryChunkBytes || c.FirstLine != 0 && ev.LineNo != ck.next[i] {
				ck.flush(i)
				c = nil
			}
		}
		if c == nil {
			var buf []byte
			select {
			case buf = <-ck.free:
			default:
				buf = make([]byte, 0, queryChunkBytes+model.MaxLineBytes)
			}
			c = &query.Chunk{Data: buf, Origin: ev.Origin, Stream: ev.Stream, FirstLine: ev.LineNo, Format: format}
			ck.cur[i] = c
		}
		c.Data = append(c.Data, line...)
		c.Data = append(c.Data, '\n')
		ck.next[i] = ev.LineNo + 1
	}
}

// flush sends source i's chunk, numbering chunks in the order sent.
func (ck *chunker) flush(i int) {
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

// writeResult prints res; read is the number of lines searched, for the
// table's "no results" line.
func writeResult(w io.Writer, format string, res *query.Result, read uint64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch format {
	case "csv":
		err = writeCSV(bw, res)
	case "json":
		err = writeJSON(bw, res)
	default:
		err = writeTable(bw, res, read)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func writeCSV(w io.Writer, res *query.Result) error {
	cw := csv.NewWriter(w)
	row := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		row[i] = cleanCell(c)
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	for _, r := range res.Rows {
		for i, v := range r {
			row[i] = cleanCell(v.String())
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON prints one object per row, keys in column order; numbers are
// JSON numbers and absent values null.
func writeJSON(w io.Writer, res *query.Result) error {
	keys := make([][]byte, len(res.Columns))
	for i, c := range res.Columns {
		keys[i] = appendJSONQuoted(nil, c)
	}
	var line []byte
	for _, r := range res.Rows {
		line = append(line[:0], '{')
		for i, v := range r {
			if i > 0 {
				line = append(line, ',')
			}
			line = append(line, keys[i]...)
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
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// writeTable aligns columns; numbers are right-aligned.
func writeTable(w io.Writer, res *query.Result, read uint64) error {
	cells := make([][]string, len(res.Rows)+1)
	width := make([]int, len(res.Columns))
	numeric := make([]bool, len(res.Columns))
	cells[0] = make([]string, len(res.Columns))
	for i, c := range res.Columns {
		cells[0][i] = cleanCell(c)
		width[i] = utf8.RuneCountInString(cells[0][i])
		numeric[i] = len(res.Rows) > 0
	}
	for ri, r := range res.Rows {
		row := make([]string, len(r))
		for i, v := range r {
			row[i] = cleanCell(v.String())
			width[i] = max(width[i], utf8.RuneCountInString(row[i]))
			if v.Kind != query.Null && !v.IsNumber() {
				numeric[i] = false
			}
		}
		cells[ri+1] = row
	}
	var line []byte
	for _, row := range cells {
		line = line[:0]
		for i, s := range row {
			pad := width[i] - utf8.RuneCountInString(s)
			if i > 0 {
				line = append(line, "  "...)
			}
			if numeric[i] {
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
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	if len(res.Rows) == 0 {
		_, err := fmt.Fprintf(w, "(no results; %d lines read, %d matched)\n", read, res.Matched)
		return err
	}
	return nil
}

// cleanCell is the headless text policy (model.MaskUnsafe): each control
// character, bidi control or invalid byte becomes '?', one for one, so
// columns and carets still line up.
func cleanCell(s string) string { return model.MaskUnsafe(s) }

// sortMalformed puts the malformed lines the parallel workers kept back in
// input order: origins in the order of the paths given (others, such as
// the files of a directory, after them), lines by number within each.
func sortMalformed(bad []model.Malformed, paths []string) {
	rank := map[string]int{}
	for _, p := range paths {
		if _, ok := rank[p]; !ok {
			rank[p] = len(rank)
		}
	}
	for _, b := range bad {
		if _, ok := rank[b.Origin]; !ok {
			rank[b.Origin] = len(rank)
		}
	}
	slices.SortStableFunc(bad, func(a, b model.Malformed) int {
		if c := cmp.Compare(rank[a.Origin], rank[b.Origin]); c != 0 {
			return c
		}
		return cmp.Compare(a.LineNo, b.LineNo)
	})
}
