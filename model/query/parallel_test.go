package query

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
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
		`filter action = "DENY" | stats count(*)`,
		`stats count(*) by logStatus`,
		`stats count(*), count_distinct(dstaddr) by direction, service, proto`,
		`fields srcaddr, dstaddr | sort @timestamp desc | limit 7`,
	} {
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
