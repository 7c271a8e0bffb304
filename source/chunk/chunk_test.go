package chunk

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/source/file"
)

// capture builds files that are random concatenations of segments, each
// a header line with its own field order followed by records; it returns
// what `stats count(*), sum(bytes) by dstport` must answer, counted from
// the values written.
type capture struct {
	rng   *rand.Rand
	count map[int]int
	sum   map[int]int
	bad   int
	// rejects: count and sum of the REJECT records, port by port (made
	// on first use)
	rejects map[int][2]int
}

var segmentFields = []string{"version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "action", "log-status"}

func (c *capture) segment(b *bytes.Buffer, records int) {
	fields := append([]string(nil), segmentFields...)
	c.rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	b.WriteString(strings.Join(fields, " ") + "\n")
	for range records {
		if c.rng.IntN(500) == 0 {
			b.WriteString("2 stray words that are no record\n")
			c.bad++
			continue
		}
		port, bytes, reject := c.rng.IntN(40), c.rng.IntN(1_000_000), c.rng.IntN(3) == 0
		vals := make([]string, len(fields))
		for i, f := range fields {
			switch f {
			case "version":
				vals[i] = "2"
			case "account-id":
				vals[i] = "123456789012"
			case "interface-id":
				vals[i] = fmt.Sprintf("eni-%08x", c.rng.IntN(9))
			case "srcaddr":
				vals[i] = fmt.Sprintf("10.0.%d.%d", c.rng.IntN(256), c.rng.IntN(256))
			case "dstaddr":
				vals[i] = "10.1.0.1"
			case "srcport":
				vals[i] = strconv.Itoa(1024 + c.rng.IntN(60000))
			case "dstport":
				vals[i] = strconv.Itoa(port)
			case "protocol":
				vals[i] = "6"
			case "packets":
				vals[i] = strconv.Itoa(1 + c.rng.IntN(100))
			case "bytes":
				vals[i] = strconv.Itoa(bytes)
			case "start":
				vals[i] = strconv.Itoa(1700000000 + c.rng.IntN(1000))
			case "end":
				vals[i] = strconv.Itoa(1700002000 + c.rng.IntN(1000))
			case "action":
				vals[i] = "ACCEPT"
				if reject {
					vals[i] = "REJECT"
				}
			case "log-status":
				vals[i] = "OK"
			}
		}
		b.WriteString(strings.Join(vals, " ") + "\n")
		c.count[port]++
		c.sum[port] += bytes
		if reject {
			if c.rejects == nil {
				c.rejects = map[int][2]int{}
			}
			r := c.rejects[port]
			c.rejects[port] = [2]int{r[0] + 1, r[1] + bytes}
		}
	}
}

func (c *capture) write(t *testing.T, path string, segments int, gz bool) {
	t.Helper()
	var b bytes.Buffer
	for range segments {
		c.segment(&b, c.rng.IntN(400))
	}
	data := b.Bytes()
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

const propertyQuery = `stats count(*) as n, sum(bytes) as b by dstport`

// rejectQuery is propertyQuery over the REJECT records: lines are then
// chosen by their text before they are parsed.
const rejectQuery = `filter action = "REJECT" | stats count(*) as n, sum(bytes) as b by dstport`

func compile(t *testing.T, text string) *query.Program {
	t.Helper()
	q, err := query.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := query.Compile(q, model.NewInterner(), query.Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// parallel answers with the chunk reader and several workers.
func parallel(t *testing.T, text string, paths []string, opt Options, workers int) (*query.Result, query.RunInfo) {
	t.Helper()
	p := compile(t, text)
	rd := New(paths, opt)
	ch := make(chan *query.Chunk, 2)
	var errs []error
	done := make(chan struct{})
	go func() { defer close(done); errs = rd.Run(context.Background(), ch) }()
	res, info := p.RunChunks(ch, workers, nil, rd.Release)
	<-done
	if len(errs) > 0 {
		t.Fatalf("read: %v", errs)
	}
	return res, info
}

// parallelInline is parallel with every input but the last Parallel-1
// parsed in the goroutine that reads it (Options.Inline).
func parallelInline(t *testing.T, text string, paths []string, opt Options, workers int) (*query.Result, query.RunInfo) {
	t.Helper()
	p := compile(t, text)
	var rd *Reader
	inline := p.NewParsers(opt.Parallel, nil, func(c *query.Chunk) { rd.Release(c) })
	opt.Inline = inline.Parse
	rd = New(paths, opt)
	ch := make(chan *query.Chunk, 2)
	var errs []error
	done := make(chan struct{})
	go func() { defer close(done); errs = rd.Run(context.Background(), ch) }()
	res, info := p.RunChunksWith(ch, workers, nil, rd.Release, inline, nil)
	<-done
	if len(errs) > 0 {
		t.Fatalf("read: %v", errs)
	}
	return res, info
}

// sequential answers line by line through the file source and one
// decoder: the reading every other path must agree with.
func sequential(t *testing.T, text string, paths []string) (*query.Result, query.RunInfo) {
	t.Helper()
	p := compile(t, text)
	dec := model.NewDecoder(p.Names(), nil)
	pt := p.NewPartial()
	var info query.RunInfo
	var f model.Flow
	var x model.Ext
	err := file.New(paths, file.Options{}).Run(context.Background(), func(b model.Batch) {
		for i := range b.Events {
			switch res, _ := dec.Decode(&b.Events[i], b.Format, &f, &x); res {
			case model.ResultRecord:
				info.Records++
				pt.Add(&f, &x)
			case model.ResultMalformed:
				info.Malformed++
				ev := &b.Events[i]
				info.FirstBad = append(info.FirstBad, model.Malformed{Origin: ev.Origin, LineNo: ev.LineNo})
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.Result(pt), info
}

// rowsText lists the rows by group key (the port), whatever order they
// were found in.
func rowsText(res *query.Result) string {
	lines := make([]string, 0, len(res.Rows))
	for _, r := range res.Rows {
		var b strings.Builder
		for _, v := range r {
			b.WriteString(v.String() + " ")
		}
		lines = append(lines, b.String()+"\n")
	}
	slices.SortFunc(lines, func(a, b string) int {
		x, _ := strconv.Atoi(strings.Fields(a)[0])
		y, _ := strconv.Atoi(strings.Fields(b)[0])
		return x - y
	})
	return strings.Join(lines, "")
}

// TestFormatInForceProperty: on random concatenations of files whose
// header lines change the field order anywhere (well past the first
// chunk), the parallel reading gives exactly the sequential answer and
// the answer the generator counted, whichever worker reads which chunk.
func TestFormatInForceProperty(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c := &capture{rng: rand.New(rand.NewPCG(seed, 7)), count: map[int]int{}, sum: map[int]int{}}
			dir := t.TempDir()
			var paths []string
			for i := range 1 + c.rng.IntN(4) {
				p := filepath.Join(dir, fmt.Sprintf("%d.log", i))
				gz := c.rng.IntN(2) == 0
				if gz {
					p += ".gz"
				}
				c.write(t, p, 1+c.rng.IntN(8), gz)
				paths = append(paths, p)
			}
			var want, wantRejects strings.Builder
			for port := range 40 {
				if c.count[port] > 0 {
					fmt.Fprintf(&want, "%d %d %d \n", port, c.count[port], c.sum[port])
				}
				if r := c.rejects[port]; r[0] > 0 {
					fmt.Fprintf(&wantRejects, "%d %d %d \n", port, r[0], r[1])
				}
			}
			seqRes, seqInfo := sequential(t, propertyQuery, paths)
			if got := rowsText(seqRes); got != want.String() || int(seqInfo.Malformed) != c.bad {
				t.Fatalf("sequential reading disagrees with the generator (%d malformed, want %d):\n%s\nwant:\n%s", seqInfo.Malformed, c.bad, got, want.String())
			}
			for _, mode := range []string{"ordered", "unordered", "inline"} {
				for _, size := range []int{512, 4096, 1 << 20} {
					opt := Options{Ordered: mode == "ordered", Bytes: size, Parallel: 2}
					run := parallel
					if mode == "inline" {
						run = parallelInline
					}
					res, info := run(t, propertyQuery, paths, opt, 3)
					if got := rowsText(res); got != want.String() || info.Malformed != seqInfo.Malformed || info.Records != seqInfo.Records {
						t.Fatalf("%s, chunks of %d: %d records, %d malformed (want %d, %d):\n%s\nwant:\n%s",
							mode, size, info.Records, info.Malformed, seqInfo.Records, seqInfo.Malformed, got, want.String())
					}
					if res, _ := run(t, rejectQuery, paths, opt, 3); rowsText(res) != wantRejects.String() {
						t.Fatalf("%s, chunks of %d, REJECT only:\n%s\nwant:\n%s", mode, size, rowsText(res), wantRejects.String())
					}
					// The first malformed lines, where they are in which file.
					wantBad := seqInfo.FirstBad[:min(len(seqInfo.FirstBad), len(info.FirstBad))]
					if len(info.FirstBad) < min(len(seqInfo.FirstBad), 5) {
						t.Fatalf("%s, chunks of %d: %d first malformed lines kept, want %d", mode, size, len(info.FirstBad), min(len(seqInfo.FirstBad), 5))
					}
					for i, b := range wantBad {
						if got := info.FirstBad[i]; got.Origin != b.Origin || got.LineNo != b.LineNo {
							t.Fatalf("%s, chunks of %d: malformed line %d is %s:%d, want %s:%d", mode, size, i, got.Origin, got.LineNo, b.Origin, b.LineNo)
						}
					}
				}
			}
		})
	}
}

// A directory is read as its captures named one by one.
func TestDirectoryAsItsFiles(t *testing.T) {
	c := &capture{rng: rand.New(rand.NewPCG(1, 2)), count: map[int]int{}, sum: map[int]int{}}
	dir := t.TempDir()
	var paths []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("f%d.log.gz", i))
		c.write(t, p, 3, true)
		paths = append(paths, p)
	}
	a, _ := parallel(t, propertyQuery, []string{dir}, Options{Ordered: true, Bytes: 1024}, 2)
	b, _ := parallel(t, propertyQuery, paths, Options{Ordered: true, Bytes: 1024}, 2)
	if rowsText(a) != rowsText(b) || len(a.Rows) == 0 {
		t.Errorf("directory:\n%s\nfiles:\n%s", rowsText(a), rowsText(b))
	}
}

// In ordered mode chunks come in input order, numbered from 0, however
// many files are decompressed at once.
func TestOrderedChunks(t *testing.T) {
	c := &capture{rng: rand.New(rand.NewPCG(3, 4)), count: map[int]int{}, sum: map[int]int{}}
	dir := t.TempDir()
	var paths []string
	for i := range 6 {
		p := filepath.Join(dir, fmt.Sprintf("f%d.log.gz", i))
		c.write(t, p, 4, true)
		paths = append(paths, p)
	}
	rd := New(paths, Options{Ordered: true, Bytes: 2048, Parallel: 3})
	ch := make(chan *query.Chunk)
	go rd.Run(context.Background(), ch)
	seq, input, line := 0, 0, int64(0)
	for ck := range ch {
		if ck.Seq != seq || ck.Input < input || ck.Input == input && ck.FirstLine <= line || ck.Origin != paths[ck.Input] {
			t.Fatalf("chunk %d (input %d, line %d) after %d (input %d, line %d)", ck.Seq, ck.Input, ck.FirstLine, seq-1, input, line)
		}
		seq, input, line = seq+1, ck.Input, ck.FirstLine
	}
	if input != len(paths)-1 {
		t.Errorf("last chunk from input %d of %d", input, len(paths))
	}
}

// Batches (the path of followed files, replay, demo and CloudWatch) also
// carries the format in force into every chunk: random batch sizes over
// segments with different headers answer as the generator counted.
func TestBatchesFormatInForce(t *testing.T) {
	c := &capture{rng: rand.New(rand.NewPCG(9, 9)), count: map[int]int{}, sum: map[int]int{}}
	var b bytes.Buffer
	for range 12 {
		c.segment(&b, c.rng.IntN(3000))
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	p := compile(t, propertyQuery)
	ch := make(chan *query.Chunk, 4)
	ck := NewBatches(1, ch)
	go func() {
		for no := 0; no < len(lines); {
			n := min(len(lines)-no, 1+c.rng.IntN(700))
			var batch model.Batch
			for i := range n {
				batch.Events = append(batch.Events, model.Event{Line: []byte(lines[no+i]), Origin: "s", LineNo: int64(no + i + 1)})
			}
			ck.Add(0, batch)
			no += n
		}
		ck.Flush(0)
		close(ch)
	}()
	res, info := p.RunChunks(ch, 3, nil, ck.Release)
	var want strings.Builder
	for port := range 40 {
		if c.count[port] > 0 {
			fmt.Fprintf(&want, "%d %d %d \n", port, c.count[port], c.sum[port])
		}
	}
	if got := rowsText(res); got != want.String() || int(info.Malformed) != c.bad {
		t.Fatalf("%d malformed (want %d):\n%s\nwant:\n%s", info.Malformed, c.bad, got, want.String())
	}
}
