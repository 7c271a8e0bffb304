package query

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/bytemask"
)

// chunksOf cuts text into chunks of whole lines of about size bytes, the
// way the headless reader does, declaring the header's format for every
// chunk of an origin that starts with one.
func chunksOf(origin, text string, size int, seq *int) []*Chunk {
	var out []*Chunk
	data := []byte(text)
	var format *model.Format
	if i := bytes.IndexByte(data, '\n'); i > 0 {
		format = model.HeaderFormat(data[:i])
	}
	line := int64(1)
	for len(data) > 0 {
		end := min(size, len(data))
		if i := bytes.LastIndexByte(data[:end], '\n'); i >= 0 && end < len(data) {
			end = i + 1
		}
		out = append(out, &Chunk{Seq: *seq, Data: data[:end], Origin: origin, FirstLine: line, Format: format})
		*seq++
		line += int64(bytes.Count(data[:end], []byte{'\n'}))
		data = data[end:]
	}
	return out
}

// TestRunChunksMatchesStore checks that the parallel chunked run (with its
// line pre-filter) answers exactly as a sequential run over the store.
func TestRunChunksMatchesStore(t *testing.T) {
	recs := capture(6000)
	var a, b strings.Builder
	b.WriteString(customHeader + "\n")
	for i := range recs {
		l := recs[i].line()
		if i%97 == 0 {
			l = strings.Replace(l, "REJECT", "reject", 1) // the parser accepts either case
		}
		if recs[i].custom {
			b.WriteString(l + "\n")
		} else {
			a.WriteString(l + "\n")
		}
		if i%1000 == 0 {
			a.WriteString("2 not a record\n")
		}
	}
	st := model.NewStore(len(recs) + 10)
	in := model.NewIngester(st, nil)
	for _, src := range []struct{ origin, text string }{{"a.log", a.String()}, {"b.log", b.String()}} {
		var batch model.Batch
		for _, l := range strings.SplitAfter(src.text, "\n") {
			if l != "" {
				batch.Events = append(batch.Events, model.Event{Line: []byte(l), Origin: src.origin})
			}
		}
		in.Ingest(batch)
	}
	for _, text := range []string{
		`filter action = "REJECT" | stats count(*) as n by dstaddr, dstport | sort n desc | limit 20`,
		`filter action in ["REJECT"] and interface-id = "eni-00000002" | stats sum(bytes), count_distinct(srcaddr), pct(bytes, 90), earliest(srcport), latest(srcport) by srcaddr`,
		`filter action = "REJECT" and dstport = 443 | fields @timestamp, srcaddr, dstaddr, interfaceId`,
		`filter flowDirection = "ingress" | stats count(*) by pkt-srcaddr, bin(1m)`,
		`filter interface-id = "eni-none" | stats count(*)`,
		`stats count(*) by logStatus`,
		`stats count(*), count_distinct(dstaddr) by direction, service, proto`,
		`fields srcaddr, dstaddr | sort @timestamp desc | limit 7`,
	} {
		q, want := storeResult(t, st, text)

		names := model.NewInterner()
		p2, err := Compile(q, names, Options{Intern: true})
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan *Chunk, 100)
		seq := 0
		go func() {
			for _, c := range chunksOf("a.log", a.String(), 4096, &seq) {
				ch <- c
			}
			for _, c := range chunksOf("b.log", b.String(), 3000, &seq) {
				ch <- c
			}
			close(ch)
		}()
		got, info := p2.RunChunks(ch, 3, nil, nil)
		if info.Headers != 1 {
			t.Errorf("%s: %d header lines seen, want 1", text, info.Headers)
		}
		if !slices.Equal(got.Columns, want.Columns) || len(got.Rows) != len(want.Rows) {
			t.Fatalf("%s: chunked %q × %d rows, store %q × %d rows", text, got.Columns, len(got.Rows), want.Columns, len(want.Rows))
		}
		if len(want.Rows) == 0 {
			t.Fatalf("%s: no rows: the comparison proves nothing", text)
		}
		gotRows, wantRows := make([]string, len(got.Rows)), make([]string, len(want.Rows))
		for i := range got.Rows {
			gotRows[i], wantRows[i] = rowText(got.Rows[i]), rowText(want.Rows[i])
		}
		if strings.Contains(text, "stats") && !strings.Contains(text, "sort") {
			// A run over the store lists groups as found; a chunked one
			// by key, so its output does not depend on the split.
			slices.Sort(wantRows)
			if !slices.IsSortedFunc(got.Rows, func(a, b []Value) int { return compareValues(a[0], b[0]) }) {
				t.Errorf("%s: chunked groups not in key order", text)
			}
			slices.Sort(gotRows)
		}
		if !slices.Equal(gotRows, wantRows) {
			t.Errorf("%s:\nchunked %q\n  store %q", text, gotRows[:min(5, len(gotRows))], wantRows[:min(5, len(wantRows))])
		}
	}
}

func TestSortLimitIsStableSortThenCut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type item struct{ key, pos int }
	cmp := func(a, b item) int { return b.key - a.key }
	for n := range 300 {
		items := make([]item, n)
		for i := range items {
			items[i] = item{rng.IntN(10), i}
		}
		for _, k := range []int{1, 3, 20, n} {
			want := slices.Clone(items)
			slices.SortStableFunc(want, cmp)
			want = want[:min(k, len(want))]
			if k == 0 {
				continue
			}
			if got := sortLimit(slices.Clone(items), k, cmp); !slices.Equal(got, want) {
				t.Fatalf("n=%d k=%d: got %v, want %v", n, k, got, want)
			}
		}
	}
}

// TestMessagePrefilterIsExact: like and =~ on @message are tested on the
// raw line before parsing; lines written unlike their @message (tabs, runs
// of spaces, leading zeros, times in milliseconds, lower-case enum words,
// IPv6 in any spelling, trailing blanks) must still answer as the parsed
// record does.
func TestMessagePrefilterIsExact(t *testing.T) {
	base := []string{
		"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK",
		"2 123456789012 eni-0a\t10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK",
		"2 123456789012 eni-0b 10.0.1.50  10.0.2.100 40001 22 6 10 840 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-0b 10.0.1.50 10.0.2.100 40001 022 6 10 840 1700000000 1700000060 REJECT OK",
		"02 123456789012 eni-0b 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK",
		"2 123456789012 eni-0c 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 reject ok",
		"2 123456789012 eni-0c 2001:DB8:0:0::1 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK",
		"2 123456789012 eni-0c 2001:db8::1 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-0d 10.0.1.50 10.0.2.100 40001 443 6 10 840 1700000000 1700000060 ACCEPT OK \r",
		"2 123456789012 eni-0d 10.0.1.50 10.0.2.100 40001 443 6 10 840 1700000000 1700000060 ACCEPT nodata",
		"2 123456789012 eni-0d 10.0.1.50 10.0.2.100 40001 443 6 10 840 1700000000 1700000060 ACCEPT NODATA",
		"2 123456789012 eni-0e 10.0.1.50 10.0.2.100 40001 443 6 10 840 1700000000123 1700000060456 ACCEPT OK",
	}
	var text strings.Builder
	for i := range 40 {
		for _, l := range base {
			text.WriteString(strings.Replace(l, "40001", strconv.Itoa(40001+i), 1) + "\n")
		}
	}
	st := model.NewStore(1000)
	var batch model.Batch
	for _, l := range strings.SplitAfter(text.String(), "\n") {
		if l != "" {
			batch.Events = append(batch.Events, model.Event{Line: []byte(strings.TrimSuffix(l, "\n")), Origin: "a.log"})
		}
	}
	model.NewIngester(st, nil).Ingest(batch)
	for _, q := range []string{
		`filter @message like "eni-0a 10.0.1.50 10.0.2.100" | stats count(*) as n`,
		`filter @message like " 22 6 " | stats count(*) as n`,
		`filter @message like /^2 / | stats count(*) as n`,
		`filter @message like /REJECT OK$/ | stats count(*) as n`,
		`filter @message =~ /ACCEPT (OK|NODATA)$/ | stats count(*) as n`,
		`filter @message like /2001:db8::1 / | stats count(*) as n`,
		`filter @message like /(?i)reject/ | stats count(*) as n`,
		`filter @message like "eni-0d" and @message like /443 6/ | stats count(*) as n by interfaceId`,
		`filter @message like /40002 22/ | fields @message`,
		`filter interfaceId like /eni-0[ab]/ | stats count(*) as n`,
		`filter @message like "840 1700000000 1700000060 ACCEPT" | stats count(*) as n by interfaceId`,
		`filter @message like /10\.0\.1\.50 +10\.0\.2\.100 40001 0?22 / | stats count(*) as n`,
		`filter @message like "REJECT" and dstport = 22 | stats count(*) as n by interfaceId`,
		`filter @message like "REJECT" and (dstport = 443 or @message like "eni-0c") | stats count(*) as n by interfaceId`,
		`filter @message like "OK" and not @message like "eni-0a" | stats count(*) as n by interfaceId`,
		`filter @message like "reject" | stats count(*) as n`,
		`filter @message like " 022 " | stats count(*) as n`,
		`filter @message like /DB8/ | stats count(*) as n`,
	} {
		prog := compileFor(t, q, st.Names())
		var want *Result
		st.Read(func(v model.View) { want = prog.Run(v) })
		p2 := compileFor(t, q, model.NewInterner())
		ch := make(chan *Chunk, 100)
		seq := 0
		for _, c := range chunksOf("a.log", text.String(), 700, &seq) {
			ch <- c
		}
		close(ch)
		got, info := p2.RunChunks(ch, 2, nil, nil)
		g, w := resultText(got), resultText(want)
		if g != w || len(want.Rows) == 0 {
			t.Errorf("%s:\nprefiltered %s\n     parsed %s", q, g, w)
		}
		if info.Skipped == 0 && !strings.Contains(q, "^2") && !strings.Contains(q, "interfaceId") {
			t.Errorf("%s: no line was passed over: the pre-filter is not in use", q)
		}
	}
}

// storeResult is the query's answer over the store's ring, the reference
// a chunked run is compared with, and the parsed query to compile again.
func storeResult(t *testing.T, st *model.Store, text string) (*Query, *Result) {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(q, st.Names(), Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	var want *Result
	st.Read(func(v model.View) { want = p.Run(v) })
	return q, want
}

func compileFor(t *testing.T, text string, names *model.Interner) *Program {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(q, names, Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func resultText(r *Result) string {
	var b strings.Builder
	for _, row := range r.Rows {
		b.WriteString(rowText(row) + ";")
	}
	return b.String()
}

// A stats answer whose groups outgrow the memory budget stops with an
// error that says so, rather than growing without bound; within the
// budget the same query answers.
func TestStatsMemoryBudget(t *testing.T) {
	var text strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&text, "2 123456789012 eni-0a 10.0.%d.%d 10.0.2.100 %d 22 6 10 840 1700000000 1700000060 REJECT OK\n", i/256, i%256, 1024+i)
	}
	for _, c := range []struct {
		budget int64
		over   bool
	}{{64 << 10, true}, {64 << 20, false}} {
		q, _ := Parse(`stats count(*) as n, sum(bytes) as b by srcaddr, srcport`)
		p, err := Compile(q, model.NewInterner(), Options{Intern: true, MemoryBudget: c.budget})
		if err != nil {
			t.Fatal(err)
		}
		seq := 0
		chunks := chunksOf("a.log", text.String(), 4096, &seq)
		ch := make(chan *Chunk, len(chunks))
		for _, ck := range chunks {
			ch <- ck
		}
		close(ch)
		res, info := p.RunChunks(ch, 2, nil, nil)
		var be *BudgetError
		if got := errors.As(info.Err, &be); got != c.over {
			t.Fatalf("budget %d: error %v, want over %v", c.budget, info.Err, c.over)
		}
		if c.over && !strings.Contains(info.Err.Error(), "memory budget of 0 MiB") && !strings.Contains(info.Err.Error(), "narrow it with a filter") {
			t.Errorf("message %q does not say what to do", info.Err)
		}
		if !c.over && len(res.Rows) != 5000 {
			t.Errorf("within the budget: %d rows, want 5000", len(res.Rows))
		}
	}
}

// The malformed lines reported are the first of the input, whichever
// worker parsed them: every chunk holds some, and several workers race.
func TestFirstBadAreTheFirstOfTheInput(t *testing.T) {
	var text strings.Builder
	for i := range 4000 {
		if i%50 == 7 {
			fmt.Fprintf(&text, "2 bad line %d\n", i)
			continue
		}
		fmt.Fprintf(&text, "2 123456789012 eni-0a 10.0.0.1 10.0.2.100 %d 22 6 10 840 1700000000 1700000060 REJECT OK\n", 1024+i)
	}
	for range 5 {
		seq := 0
		a := chunksOf("a.log", text.String(), 2000, &seq)
		b := chunksOf("b.log", text.String(), 2000, &seq)
		for _, c := range b {
			c.Input = 1
		}
		ch := make(chan *Chunk, len(a)+len(b))
		for _, c := range append(a, b...) {
			ch <- c
		}
		close(ch)
		p := compileFor(t, `stats count(*)`, model.NewInterner())
		_, info := p.RunChunks(ch, 4, nil, nil)
		var got []string
		for _, m := range info.FirstBad {
			got = append(got, fmt.Sprintf("%s:%d", m.Origin, m.LineNo))
		}
		if want := "[a.log:8 a.log:58 a.log:108 a.log:158 a.log:208]"; fmt.Sprint(got) != want || info.Malformed != 160 {
			t.Fatalf("first malformed lines %v (%d in all), want %s (160)", got, info.Malformed, want)
		}
	}
}

// TestStreamedRowsKeepInputOrderWithinTheByteBound: with the reorder
// window's byte bound so low that every chunk waits for the older ones,
// streamed rows still all come out, in input order, as a run over the
// store lists them.
func TestStreamedRowsKeepInputOrderWithinTheByteBound(t *testing.T) {
	defer func(b int64) { reorderBytes = b }(reorderBytes)
	recs := capture(5000)
	var text strings.Builder
	for i := range recs {
		if !recs[i].custom {
			text.WriteString(recs[i].line() + "\n")
		}
	}
	st := model.NewStore(len(recs))
	var batch model.Batch
	for _, l := range strings.SplitAfter(text.String(), "\n") {
		if l != "" {
			batch.Events = append(batch.Events, model.Event{Line: []byte(l), Origin: "a.log"})
		}
	}
	model.NewIngester(st, nil).Ingest(batch)
	const query = `filter dstport > 100 | fields srcaddr, srcport, dstport`
	q, want := storeResult(t, st, query)
	for _, bound := range []int64{1, 64 << 10} {
		reorderBytes = bound
		p2, err := Compile(q, model.NewInterner(), Options{Intern: true})
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan *Chunk, 4)
		seq := 0
		go func() {
			for _, c := range chunksOf("a.log", text.String(), 2000, &seq) {
				ch <- c
			}
			close(ch)
		}()
		var got []string
		p2.StreamChunks(ch, 3, nil, nil, func(r []Value) bool { got = append(got, rowText(r)); return true }, nil)
		if len(want.Rows) < 1000 || len(got) != len(want.Rows) {
			t.Fatalf("bound %d: %d rows streamed, the store has %d", bound, len(got), len(want.Rows))
		}
		for i := range got {
			if w := rowText(want.Rows[i]); got[i] != w {
				t.Fatalf("bound %d: row %d is %s, want %s", bound, i, got[i], w)
			}
		}
	}
}

// A headless run interns only the string fields its query reads: over
// records whose accounts, interfaces and VPCs are all distinct, a count by
// port leaves the interner holding nothing of them, and a count by
// interface holds the interfaces alone.
func TestRunChunksInternsWhatTheQueryReads(t *testing.T) {
	var text strings.Builder
	text.WriteString("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id\n")
	const n = 5000
	for i := range n {
		fmt.Fprintf(&text, "2 %012d eni-%017x 10.0.0.1 10.0.0.2 %d %d 6 1 40 1418530010 1418530070 ACCEPT OK vpc-%017x\n", i, i%40, 1024+i, 400+i%3, i)
	}
	for _, c := range []struct {
		query   string
		strings int // the interner's strings after the run, "" included
		rows    int
	}{
		{"stats count(*) by dstport", 1, 3},
		{"stats count(*) by interfaceId", 41, 40},
		{`filter interfaceId = "eni-00000000000000007" | stats count(*) by accountId`, 41 + n/40, n / 40},
		{"fields @message | limit 3", 1 + 3*n, 3}, // @message reads every field
	} {
		names := model.NewInterner()
		p := compileFor(t, c.query, names)
		ch := make(chan *Chunk, 64)
		seq := 0
		go func() {
			for _, k := range chunksOf("distinct.log", text.String(), 8192, &seq) {
				ch <- k
			}
			close(ch)
		}()
		res, _ := p.RunChunks(ch, 2, nil, nil)
		if len(res.Rows) != c.rows {
			t.Errorf("%s: %d rows, want %d", c.query, len(res.Rows), c.rows)
		}
		if got := names.Len(); got > c.strings {
			t.Errorf("%s: the interner holds %d strings, want at most %d", c.query, got, c.strings)
		}
	}
}

// OtherLines finds, from the line-end mask, exactly the lines a walk line
// by line finds not starting with a digit.
func TestOtherLinesFromMask(t *testing.T) {
	for _, text := range []string{"", "\n", "x", "1", "1\n\n2\nversion a\n", "\nv\n3", "2 a\n2 b\n#c\n\n\t9\n", strings.Repeat("2 x y\nv 1\n", 40)} {
		var want []int32
		for at := 0; at < len(text); {
			if c := text[at]; c < '0' || c > '9' {
				want = append(want, int32(at))
			}
			i := strings.IndexByte(text[at:], '\n')
			if i < 0 {
				break
			}
			at += i + 1
		}
		data := []byte(text)
		got := OtherLines(data, bytemask.Of(nil, data, '\n'), nil)
		if !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", text, got, want)
		}
	}
}

// runBudget runs text over lines in chunks with two workers under a
// memory budget.
func runBudget(t *testing.T, text, lines string, budget int64) (*Result, RunInfo) {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(q, model.NewInterner(), Options{Intern: true, MemoryBudget: budget})
	if err != nil {
		t.Fatal(err)
	}
	seq := 0
	chunks := chunksOf("a.log", lines, 4096, &seq)
	ch := make(chan *Chunk, len(chunks))
	for _, ck := range chunks {
		ch <- ck
	}
	close(ch)
	if !p.Streams() {
		return p.RunChunks(ch, 2, nil, nil)
	}
	var rows []string
	res, info := p.StreamChunks(ch, 2, nil, nil, func(r []Value) bool { rows = append(rows, rowText(r)); return true }, nil)
	for _, r := range rows {
		res.Rows = append(res.Rows, []Value{{Kind: Str, S: r}})
	}
	return res, info
}

// Every answer that must be held is bounded by the budget: the groups of
// a stats, the records a sort keeps to the end, the keys a streamed dedup
// remembers. Past it the run says what outgrew it and how many, and gives
// no rows; within it the answer is the one counted from the input.
func TestMemoryBudgetBoundsEveryHeldAnswer(t *testing.T) {
	const n = 20000
	var text strings.Builder
	var bytesDesc []int
	for i := range n {
		b := (i * 7919) % 100003
		bytesDesc = append(bytesDesc, b)
		fmt.Fprintf(&text, "2 123456789012 eni-0a 10.%d.%d.%d 10.0.2.100 %d 22 6 10 %d 1700000000 1700000060 REJECT OK\n", i>>16, i>>8&255, i&255, 1024+i%50000, b)
	}
	slices.Sort(bytesDesc)
	slices.Reverse(bytesDesc)
	for _, c := range []struct {
		query string
		field string // what the error counts
		want  func(res *Result) string
	}{
		{`stats count(*) as n by srcaddr`, "groups", func(res *Result) string {
			for _, r := range res.Rows {
				if r[1].I != 1 {
					return "a group of " + r[1].String()
				}
			}
			return fmt.Sprint(len(res.Rows))
		}},
		{`fields bytes | sort bytes desc`, "records", func(res *Result) string {
			for i, r := range res.Rows {
				if r[0].I != uint64(bytesDesc[i]) {
					return fmt.Sprintf("row %d: %d, want %d", i, r[0].I, bytesDesc[i])
				}
			}
			return fmt.Sprint(len(res.Rows))
		}},
		{`fields srcaddr | dedup srcaddr`, "distinct keys", func(res *Result) string { return fmt.Sprint(len(res.Rows)) }},
	} {
		res, info := runBudget(t, c.query, text.String(), 64<<10)
		var be *BudgetError
		if !errors.As(info.Err, &be) {
			t.Fatalf("%s under 64 KiB: error %v, want a budget error", c.query, info.Err)
		}
		if msg := be.Error(); !strings.Contains(msg, "64 KiB") || !strings.Contains(msg, " "+c.field) || !strings.Contains(msg, "narrow it with a filter") {
			t.Errorf("%s: message %q does not name the budget, what outgrew it, and what to do", c.query, msg)
		}
		if c.field != "distinct keys" && len(res.Rows) != 0 {
			t.Errorf("%s: %d rows of an answer past the budget", c.query, len(res.Rows))
		}
		res, info = runBudget(t, c.query, text.String(), 64<<20)
		if info.Err != nil {
			t.Fatalf("%s under 64 MiB: %v", c.query, info.Err)
		}
		if got := c.want(res); got != fmt.Sprint(n) {
			t.Errorf("%s under 64 MiB: %s, want %d rows", c.query, got, n)
		}
	}
}

// One budget holds for the whole run, not for each worker: the groups of
// all workers count together.
func TestMemoryBudgetIsSharedByWorkers(t *testing.T) {
	var text strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&text, "2 123456789012 eni-0a 10.0.%d.%d 10.0.2.100 %d 22 6 10 840 1700000000 1700000060 REJECT OK\n", i>>8&255, i&255, 1024+i)
	}
	q, _ := Parse(`stats count(*) by srcaddr`)
	// What one worker alone holds of the answer, measured: the whole run
	// under this budget has every worker's share, so it is over.
	p, err := Compile(q, model.NewInterner(), Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	pt := p.NewPartial()
	seq := 0
	for _, ck := range chunksOf("a.log", text.String(), 1<<30, &seq) {
		cp := p.newChunkParser(nil, p.lineFilter())
		cp.parse(ck, pt)
	}
	bytes, groups := pt.agg.held()
	one := bytes + groups*p.finishBytes()
	_, info := runBudget(t, `stats count(*) by srcaddr`, text.String(), one*3/4)
	if info.Err == nil {
		t.Errorf("a run of two workers fits a budget smaller than the answer (%d bytes)", one*3/4)
	}
	if _, info := runBudget(t, `stats count(*) by srcaddr`, text.String(), one*4); info.Err != nil {
		t.Errorf("within four times the answer: %v", info.Err)
	}
}
