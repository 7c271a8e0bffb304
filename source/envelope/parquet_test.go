package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// pqRow is a record in the schema AWS delivers flow logs to S3 as Parquet
// (underscore names, every column nullable, protocol an INT32 as real
// files carry it), with string and small-number columns
// dictionary-encoded, plus a column flowtail does not know.
type pqRow struct {
	Version     *int32  `parquet:"version,optional"`
	AccountID   *string `parquet:"account_id,optional,dict"`
	InterfaceID *string `parquet:"interface_id,optional,dict"`
	Srcaddr     *string `parquet:"srcaddr,optional,dict"`
	Dstaddr     *string `parquet:"dstaddr,optional,dict"`
	Srcport     *int32  `parquet:"srcport,optional"`
	Dstport     *int32  `parquet:"dstport,optional,dict"`
	Protocol    *int32  `parquet:"protocol,optional,dict"`
	Packets     *int64  `parquet:"packets,optional"`
	Bytes       *int64  `parquet:"bytes,optional"`
	Start       *int64  `parquet:"start,optional"`
	End         *int64  `parquet:"end,optional"`
	Action      *string `parquet:"action,optional,dict"`
	LogStatus   *string `parquet:"log_status,optional,dict"`
	Note        *string `parquet:"note,optional"`
}

var pqColumns = strings.Fields("version account_id interface_id srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status note")

// pqRows makes n records with NULLs in every column at different rates,
// IPv4 and IPv6 addresses, 64-bit counters, repeated values (which stay in
// a dictionary) and values that are all different (which outgrow it).
func pqRows(n int) []pqRow {
	i32 := func(v int32) *int32 { return &v }
	i64 := func(v int64) *int64 { return &v }
	str := func(s string) *string { return &s }
	rows := make([]pqRow, n)
	for i := range rows {
		r := &rows[i]
		null := func(every, at int) bool { return i%every == at }
		if !null(17, 5) {
			r.Version = i32(int32(2 + i%4))
		}
		if !null(13, 3) {
			r.AccountID = str([]string{"123456789012", "210987654321", "555555555555"}[i%3])
		}
		if !null(11, 7) {
			r.InterfaceID = str(fmt.Sprintf("eni-%017x", i*7919))
		}
		if !null(19, 2) {
			if i%5 == 0 {
				r.Srcaddr = str(fmt.Sprintf("2001:db8:%x::%x", i%97, i))
			} else {
				r.Srcaddr = str(fmt.Sprintf("10.%d.%d.%d", i%7, i/256%256, i%256))
			}
		}
		if !null(23, 4) {
			r.Dstaddr = str([]string{"10.0.0.1", "172.31.16.139", "fe80::1ff:fe23:4567:890a"}[i%3])
		}
		if !null(9, 1) {
			r.Srcport = i32(int32(1024 + i*31%64000))
		}
		if !null(7, 6) {
			r.Dstport = i32([]int32{443, 22, 53, 0, 65535}[i%5])
		}
		if !null(29, 8) {
			r.Protocol = i32([]int32{6, 17, 1, 58}[i%4])
		}
		if !null(6, 0) {
			r.Packets = i64(int64(1 + i%1000))
		}
		if !null(6, 0) {
			r.Bytes = i64(int64(i)*1_000_003 + 1<<33) // past 2^32, as 100 Gbps over 10 minutes is
		}
		if !null(31, 9) {
			r.Start = i64(int64(1700000000 + i))
		}
		if !null(31, 9) {
			r.End = i64(int64(1700000060 + i))
		}
		if !null(10, 3) {
			r.Action = str([]string{"ACCEPT", "REJECT"}[i%3/2])
		}
		r.LogStatus = str([]string{"OK", "OK", "NODATA", "SKIPDATA"}[i%4])
		if i%4 == 3 {
			r.LogStatus = nil
		}
		if i%8 == 0 {
			r.Note = str(fmt.Sprintf("note %d\twith space", i))
		}
	}
	return rows
}

// pqTokens is a record's tokens, in the file's column order, written from
// its Go values: NULL as "-", white space inside a string as '_'.
func pqTokens(r pqRow) []string {
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return strings.NewReplacer(" ", "_", "\t", "_", "\n", "_", "\r", "_").Replace(*p)
	}
	i32 := func(p *int32) string {
		if p == nil {
			return "-"
		}
		return strconv.Itoa(int(*p))
	}
	i64 := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatInt(*p, 10)
	}
	return []string{i32(r.Version), s(r.AccountID), s(r.InterfaceID), s(r.Srcaddr), s(r.Dstaddr), i32(r.Srcport), i32(r.Dstport),
		i32(r.Protocol), i64(r.Packets), i64(r.Bytes), i64(r.Start), i64(r.End), s(r.Action), s(r.LogStatus), s(r.Note)}
}

// writePQ writes rows with small pages (so every column chunk has many)
// and a small dictionary limit (so dictionary columns fall back to plain
// pages partway through a chunk).
func writePQ(t testing.TB, rows []pqRow, codec compress.Codec, pageVersion int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&buf, parquet.Compression(codec), parquet.MaxRowsPerRowGroup(1000),
		parquet.PageBufferSize(512), parquet.DictionaryMaxBytes(600), parquet.DataPageVersion(pageVersion))
	for i := 0; i < len(rows); i += 250 {
		if _, err := w.Write(rows[i:min(i+250, len(rows))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pageKinds counts, through the library's own page reader, the row
// groups, the fewest data pages of any column chunk, and the dictionary
// and plain pages of the dictionary columns: what the test relies on the
// file to hold.
func pageKinds(t *testing.T, data []byte) (groups, fewestPages, dictPages, plainPages int) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	fewestPages = math.MaxInt
	for _, rg := range f.RowGroups() {
		groups++
		for i, chunk := range rg.ColumnChunks() {
			pages := chunk.Pages()
			n := 0
			for {
				p, err := pages.ReadPage()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				if name := pqColumns[i]; name == "interface_id" || name == "srcaddr" {
					if p.Dictionary() != nil {
						dictPages++
					} else {
						plainPages++
					}
				}
				parquet.Release(p)
			}
			pages.Close()
			fewestPages = min(fewestPages, n)
		}
	}
	return groups, fewestPages, dictPages, plainPages
}

type pqLine struct {
	text   string
	no     int64
	origin string
	format string
}

func readPQ(t *testing.T, d *Decoder, data []byte, need func(model.FieldID) bool) []pqLine {
	t.Helper()
	var out []pqLine
	err := d.ReadParquet(bytes.NewReader(data), int64(len(data)), "s3://logs/x.parquet", need, func(b model.Batch) {
		for _, ev := range b.Events {
			out = append(out, pqLine{string(ev.Line), ev.LineNo, ev.Origin, b.Format.String()})
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A file of several row groups, many pages per column, NULLs in every
// column and both dictionary and plain pages decodes to exactly the
// records written, field by field, with the rows numbered across row
// groups; the same holds for data pages of either version and for both
// codecs AWS and others write.
func TestParquetPagesDecodeToTheRecordsWritten(t *testing.T) {
	rows := pqRows(3500)
	var wantFormat string
	for i, c := range pqColumns {
		if i > 0 {
			wantFormat += " "
		}
		wantFormat += "${" + strings.ReplaceAll(c, "_", "-") + "}"
	}
	var d Decoder // one decoder for every file, as the file source keeps it
	for _, tc := range []struct {
		name    string
		codec   compress.Codec
		version int
	}{
		{"gzip v2 pages", &parquet.Gzip, 2},
		{"gzip v1 pages", &parquet.Gzip, 1},
		{"snappy v2 pages", &parquet.Snappy, 2},
		{"uncompressed v1 pages", &parquet.Uncompressed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := writePQ(t, rows, tc.codec, tc.version)
			groups, fewest, dict, plain := pageKinds(t, data)
			if groups < 3 || fewest < 2 || dict < 4 || plain < 4 {
				t.Fatalf("the file holds %d row groups, at least %d pages a column chunk, %d dictionary and %d plain pages: not the file this test needs", groups, fewest, dict, plain)
			}
			got := readPQ(t, &d, data, nil)
			if len(got) != len(rows) {
				t.Fatalf("%d rows, want %d", len(got), len(rows))
			}
			for i, g := range got {
				want := pqTokens(rows[i])
				tok := strings.Split(g.text, " ")
				if len(tok) != len(want) {
					t.Fatalf("row %d: %q has %d fields, want %d", i+1, g.text, len(tok), len(want))
				}
				for j := range want {
					if tok[j] != want[j] {
						t.Fatalf("row %d, column %s: %q, want %q (line %q)", i+1, pqColumns[j], tok[j], want[j], g.text)
					}
				}
				if g.no != int64(i+1) || g.origin != "s3://logs/x.parquet" || g.format != wantFormat {
					t.Fatalf("row %d: line %d, origin %q, format %q", i+1, g.no, g.origin, g.format)
				}
			}
			checkFlows(t, got, rows)
		})
	}
}

// checkFlows reads the lines as every command does and checks the
// records' values against the rows written: NULL is absent, IPv6 stays
// IPv6, INT32 protocol and 64-bit counters keep their numbers.
func checkFlows(t *testing.T, got []pqLine, rows []pqRow) {
	t.Helper()
	dec := model.NewDecoder(model.NewInterner(), nil)
	format, err := model.KeyedFormat(pqColumns)
	if err != nil {
		t.Fatal(err)
	}
	var f model.Flow
	var x model.Ext
	for i, g := range got {
		r := rows[i]
		ev := model.Event{Line: []byte(g.text), Origin: g.origin, LineNo: g.no}
		if res, err := dec.Decode(&ev, format, &f, &x); res != model.ResultRecord {
			t.Fatalf("row %d: %v: %q", i+1, err, g.text)
		}
		addr := func(p *string, a netip.Addr) bool {
			return p == nil && !a.IsValid() || p != nil && a.IsValid() && a == netip.MustParseAddr(*p)
		}
		num := func(id model.FieldID, has bool, got, want uint64) bool {
			return f.Has(id) == has && (!has || got == want)
		}
		switch {
		case !addr(r.Srcaddr, f.SrcAddr(&x)) || !addr(r.Dstaddr, f.DstAddr(&x)):
			t.Fatalf("row %d: addresses %v %v, want %v %v", i+1, f.SrcAddr(&x), f.DstAddr(&x), r.Srcaddr, r.Dstaddr)
		case !num(model.FieldProtocol, r.Protocol != nil, uint64(f.Proto), uint64(deref(r.Protocol))):
			t.Fatalf("row %d: protocol %d (present %v), want %v", i+1, f.Proto, f.Has(model.FieldProtocol), r.Protocol)
		case !num(model.FieldBytes, r.Bytes != nil, f.Bytes, uint64(deref(r.Bytes))),
			!num(model.FieldPackets, r.Packets != nil, f.Packets, uint64(deref(r.Packets))):
			t.Fatalf("row %d: bytes %d packets %d, want %v %v", i+1, f.Bytes, f.Packets, r.Bytes, r.Packets)
		case !num(model.FieldDstPort, r.Dstport != nil, uint64(f.DstPort), uint64(deref(r.Dstport))),
			!num(model.FieldSrcPort, r.Srcport != nil, uint64(f.SrcPort), uint64(deref(r.Srcport))):
			t.Fatalf("row %d: ports %d %d, want %v %v", i+1, f.SrcPort, f.DstPort, r.Srcport, r.Dstport)
		case !num(model.FieldStart, r.Start != nil, uint64(f.Start), uint64(deref(r.Start))):
			t.Fatalf("row %d: start %d, want %v", i+1, f.Start, r.Start)
		case r.Action == nil && f.Has(model.FieldAction) || r.Action != nil && f.Action().String() != *r.Action:
			t.Fatalf("row %d: action %v, want %v", i+1, f.Action(), r.Action)
		}
	}
}

func deref[T int32 | int64](p *T) T {
	if p == nil {
		return 0
	}
	return *p
}

// A read that names two fields reads just those columns, across pages
// and row groups; one that names none still gives every row.
func TestParquetPagesOnlyNeededColumns(t *testing.T) {
	rows := pqRows(2200)
	data := writePQ(t, rows, &parquet.Gzip, 2)
	var d Decoder
	got := readPQ(t, &d, data, func(id model.FieldID) bool { return id == model.FieldDstPort || id == model.FieldSrcAddr })
	if len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
	for i, g := range got {
		w := pqTokens(rows[i])
		if want := w[3] + " " + w[6]; g.text != want || g.format != "${srcaddr} ${dstport}" {
			t.Fatalf("row %d: %q (%s), want %q", i+1, g.text, g.format, want)
		}
	}
	if got := readPQ(t, &d, data, func(model.FieldID) bool { return false }); len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
}

// A column's value longer than a line may be ends the line just past the
// limit (the parser then names it too long) without losing the rows
// around it or the columns after it.
func TestParquetLongValue(t *testing.T) {
	rows := pqRows(5)
	long := strings.Repeat("x", model.MaxLineBytes*2)
	rows[2].InterfaceID, rows[2].Note = &long, &long
	rows[3].Note = &long
	data := writePQ(t, rows, &parquet.Gzip, 2)
	var d Decoder
	got := readPQ(t, &d, data, nil)
	if len(got) != len(rows) {
		t.Fatalf("%d rows", len(got))
	}
	for i, g := range got {
		want := strings.Join(pqTokens(rows[i]), " ")
		if i == 2 || i == 3 {
			if len(g.text) <= model.MaxLineBytes || len(g.text) > model.MaxLineBytes+maxToken {
				t.Fatalf("long row %d is %d bytes", i+1, len(g.text))
			}
			if w := strings.Join(pqTokens(rows[i])[:2], " ") + " "; !strings.HasPrefix(g.text, w) {
				t.Fatalf("long row %d starts %q, want %q", i+1, g.text[:50], w)
			}
			continue
		}
		if g.text != want {
			t.Fatalf("row %d: %q, want %q", i+1, g.text, want)
		}
	}
}

// Numbers are written as strconv writes them.
func TestAppendInt(t *testing.T) {
	vals := []int64{0, 1, 9, 10, 99, 100, 101, 65535, 4294967296, math.MaxInt64, math.MinInt64, -1, -10}
	for p := int64(1); p < math.MaxInt64/10; p *= 10 {
		vals = append(vals, p-1, p, p+1, 2*p, 9*p+p-1)
	}
	for v := range int64(200_000) { // every number of the short paths, and past them
		vals = append(vals, v)
	}
	for _, v := range vals {
		if got, want := string(appendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Fatalf("%d: %q, want %q", v, got, want)
		}
	}
}

// rowReaderLines reads a Parquet file the library's general way, row by
// row through parquet.Value, into the lines ReadParquet should give (the
// same columns); ok is false when the library cannot read it or a line
// would be cut for length.
func rowReaderLines(data []byte) (lines []string, ok bool) {
	defer func() {
		if recover() != nil { // the library's general path panics on some corrupt files
			ok = false
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, false
	}
	_, cols, err := parquetColumns(f.Schema(), nil)
	if err != nil {
		return nil, false
	}
	buf := make([]parquet.Row, 64)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				var line []byte
				for i, c := range cols {
					if i > 0 {
						line = append(line, ' ')
					}
					line = appendRowValue(line, row[c.leaf])
				}
				if len(line) > model.MaxLineBytes {
					rows.Close()
					return nil, false
				}
				lines = append(lines, string(line))
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || n == 0 {
				rows.Close()
				return nil, false
			}
		}
		rows.Close()
	}
	return lines, true
}

func appendRowValue(dst []byte, v parquet.Value) []byte {
	if v.IsNull() {
		return append(dst, '-')
	}
	switch v.Kind() {
	case parquet.Int32:
		return strconv.AppendInt(dst, int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.AppendInt(dst, v.Int64(), 10)
	case parquet.ByteArray, parquet.FixedLenByteArray:
		if len(v.ByteArray()) == 0 {
			return append(dst, '-')
		}
		return append(dst, strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return '_'
			}
			return r
		}, string(v.ByteArray()))...)
	case parquet.Boolean:
		return strconv.AppendBool(dst, v.Boolean())
	case parquet.Float:
		return strconv.AppendFloat(dst, float64(v.Float()), 'f', -1, 32)
	case parquet.Double:
		return strconv.AppendFloat(dst, v.Double(), 'f', -1, 64)
	}
	return append(dst, '-')
}

// Files written from fuzzed records (any bytes in the strings, NULLs
// anywhere, pages and dictionaries of any size, either page version)
// decode to exactly the records written.
func FuzzParquetWritten(f *testing.F) {
	f.Add(uint16(300), []byte("ACCEPT\x00REJECT\x00eni-1 2\x00\xff\xfe"), uint8(0), uint16(512), uint16(600))
	f.Add(uint16(1), []byte(""), uint8(3), uint16(64), uint16(0))
	f.Add(uint16(2000), []byte("a\tb\nc d\re"), uint8(1), uint16(4096), uint16(100))
	f.Fuzz(func(t *testing.T, n uint16, seed []byte, opts uint8, page, dict uint16) {
		rows := fuzzRows(int(n)%1200, seed)
		var buf bytes.Buffer
		codec := []compress.Codec{&parquet.Gzip, &parquet.Snappy, &parquet.Uncompressed, &parquet.Zstd}[opts%4]
		w := parquet.NewGenericWriter[pqRow](&buf, parquet.Compression(codec), parquet.DataPageVersion(1+int(opts>>2)%2),
			parquet.PageBufferSize(256+int(page)%8192), parquet.DictionaryMaxBytes(int64(dict)), parquet.MaxRowsPerRowGroup(50+int64(opts>>3)*100))
		if _, err := w.Write(rows); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var d Decoder
		i := 0
		err := d.ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "f", nil, func(b model.Batch) {
			for _, ev := range b.Events {
				if i >= len(rows) {
					t.Fatalf("more rows than the %d written", len(rows))
				}
				if want := strings.Join(pqTokens(rows[i]), " "); string(ev.Line) != want || ev.LineNo != int64(i+1) {
					t.Fatalf("row %d (line %d): %q, want %q", i+1, ev.LineNo, ev.Line, want)
				}
				i++
			}
		}, nil)
		if err != nil || i != len(rows) {
			t.Fatalf("%d of %d rows: %v", i, len(rows), err)
		}
	})
}

// fuzzRows makes n records from seed: its bytes become the strings (a
// NUL ends one) and decide which values are NULL.
func fuzzRows(n int, seed []byte) []pqRow {
	var words []string
	for w := range bytes.SplitSeq(seed, []byte{0}) {
		if len(w) > 0 { // an empty string is "-" in a line, as NULL is: tested apart
			words = append(words, string(w))
		}
	}
	if len(words) == 0 {
		words = []string{"x"}
	}
	bit := func(i, k int) bool {
		if len(seed) == 0 {
			return false
		}
		return seed[(i*7+k)%len(seed)]>>(k%8)&1 == 1
	}
	rows := pqRows(n)
	for i := range rows {
		r := &rows[i]
		if bit(i, 1) {
			r.AccountID = nil
		}
		if bit(i, 2) {
			r.Dstport = nil
		}
		if bit(i, 3) {
			r.Bytes = nil
		}
		if bit(i, 4) {
			r.Note = nil
		} else {
			w := words[i%len(words)]
			r.Note = &w
		}
		if bit(i, 5) {
			w := words[(i+1)%len(words)]
			r.Action = &w
		}
	}
	return rows
}

// The cost of Parquet rows into lines alone, without parsing the lines:
// go test ./source/envelope -run XXX -bench ParquetLines
func BenchmarkParquetLines(b *testing.B) {
	rows := pqRows(200_000)
	enis, addrs := make([]string, 64), make([]string, 4096)
	for i := range enis {
		enis[i] = fmt.Sprintf("eni-0a1b2c3d4e5f%05d", i)
	}
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	for i := range rows { // as many distinct values as a flow-log file has
		rows[i].InterfaceID, rows[i].Srcaddr, rows[i].Note = &enis[i%64], &addrs[i*7%4096], nil
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&buf, parquet.Compression(&parquet.Gzip), parquet.MaxRowsPerRowGroup(128<<10))
	if _, err := w.Write(rows); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	var d Decoder
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for range b.N {
		err := d.ReadParquet(bytes.NewReader(data), int64(len(data)), "f", nil, func(bt model.Batch) { n += len(bt.Events) }, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
}

// A read stopped partway (the context ended) ends with stop's error, the
// rows before it delivered, and nothing left running.
func TestParquetStopClosesPages(t *testing.T) {
	rows := pqRows(3000)
	data := writePQ(t, rows, &parquet.Gzip, 2)
	before := runtime.NumGoroutine()
	var d Decoder
	n, asks := 0, 0
	errStop := errors.New("stopped")
	err := d.ReadParquet(bytes.NewReader(data), int64(len(data)), "f", nil, func(b model.Batch) { n += len(b.Events) }, func() error {
		if asks++; asks > 3 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) || n == 0 || n >= len(rows) {
		t.Fatalf("%d rows, %v", n, err)
	}
	for _, c := range d.pq {
		if c.pages != nil || c.page != nil {
			t.Fatalf("column %s still holds its pages", c.name)
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines, %d before", after, before)
	}
	// The decoder reads the next file from its start.
	if got := readPQ(t, &d, data, nil); len(got) != len(rows) || got[0].text != strings.Join(pqTokens(rows[0]), " ") {
		t.Fatalf("%d rows after a stopped read", len(got))
	}
}

// appendToken writes what a plain append and mend writes, whether or not
// the value's buffer and the line's reach past them (the short-value copy
// reads and writes a word past the end when they do).
func TestAppendTokenCopies(t *testing.T) {
	for n := range 48 {
		page := make([]byte, 80)
		for i := range page {
			page[i] = byte('a' + i%26)
		}
		page[n/2] = ' '
		for _, slack := range []int{0, 5, 16, 30, 40} {
			v := page[0:n:min(n+slack, len(page))]
			for _, clean := range []bool{true, false} {
				if clean && n/2 < n {
					continue // clean promises no white space
				}
				for _, room := range []int{0, 8, 20, 64} {
					dst := append(make([]byte, 0, 3+n+room), "ab "...)
					got := appendToken(dst, v, 0, clean)
					want := "ab " + strings.NewReplacer(" ", "_").Replace(string(page[:n]))
					if n == 0 {
						want = "ab -"
					}
					if string(got) != want {
						t.Fatalf("n %d slack %d room %d: %q, want %q", n, slack, room, got, want)
					}
				}
			}
		}
	}
}

// A column's numbers are written as strconv writes them, repeated or not,
// in one buffer as the row loop fills it (other tokens between them), the
// buffer started over now and then, with or without room past them.
func TestAppendNumberRepeats(t *testing.T) {
	vals := []int64{5, 5, 5, 1700000000, 1700000000, 7, 1700000000, -3, -3, 0, 0, math.MaxInt64, math.MaxInt64, 42, 42, 42}
	for _, room := range []int{0, 10, 24, 64, 1000} {
		for _, other := range []string{"", "x", "a-much-longer-token-than-a-word"} {
			var c pageColumn
			buf, want := make([]byte, 0, 40+room), []byte(nil)
			epoch := 0
			for i, v := range vals {
				if i%5 == 4 || cap(buf)-len(buf) < 40 { // a batch emitted: lines start over,
					buf, want, epoch = buf[:0], want[:0], epoch+1
					// and the first row's columns before this one
					buf, want = append(buf, "eni-0123456789 x "...), append(want, "eni-0123456789 x "...)
				}
				buf = c.appendNumber(buf, v, epoch)
				want = strconv.AppendInt(want, v, 10)
				buf, want = append(buf, other...), append(want, other...)
				if string(buf) != string(want) {
					t.Fatalf("room %d, %q between, value %d: %q, want %q", room, other, v, buf, want)
				}
			}
		}
	}
}

// A row cut for being too long leaves no number behind for the next row
// to copy: the rows after it are written in full.
func TestParquetRowAfterLongRow(t *testing.T) {
	type row struct {
		AccountID *string `parquet:"account_id,optional"`
		Srcport   *int32  `parquet:"srcport,optional"`
	}
	long, short, port, port2 := strings.Repeat("1", model.MaxLineBytes+100), "123456789012", int32(7), int32(8)
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf)
	if _, err := w.Write([]row{{&short, &port}, {&long, &port2}, {&short, &port2}, {&short, &port2}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var d Decoder
	var lines []string
	if err := d.ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "f", nil, func(b model.Batch) {
		for _, ev := range b.Events {
			lines = append(lines, string(ev.Line))
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 4 || lines[0] != "123456789012 7" || lines[2] != "123456789012 8" || lines[3] != "123456789012 8" {
		t.Fatalf("%d lines: %.40q", len(lines), lines)

	}
}
