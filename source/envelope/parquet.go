package envelope

import (
	"bytes"
	le "encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"

	"github.com/flowtail/flowtail/model"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// parquetRows is how many rows are written between two asks of stop.
const parquetRows = 512

// maxToken bounds the bytes one value adds to a line past the longest
// the parser takes: a separator and a number (a DOUBLE written out in
// full, 5e-324 or 1.8e308, is some 330 characters). Strings are cut.
const maxToken = 512

// ReadParquet reads a Parquet file of flow-log records (AWS delivers them
// with one column per field, names in underscores: account_id,
// pkt_srcaddr). Columns map onto the fields by name, NULL is absent and
// INT32/INT64 become the fields' numbers. Only the columns need accepts
// are read (nil: every column that names a field), row group by row group
// and page by page, so memory follows a page of each column, never the
// file. Rows are numbered from 1 as the events' line numbers.
func (d *Decoder) ReadParquet(r io.ReaderAt, size int64, origin string, need func(model.FieldID) bool, emit func(model.Batch), stop func() error) error {
	if stop == nil {
		stop = func() error { return nil }
	}
	if d.b == nil {
		d.b = newBatcher(emit)
	}
	d.b.emit, d.b.format = emit, nil
	err := d.readParquet(r, size, origin, need, stop)
	d.b.flush()
	return err
}

func (d *Decoder) readParquet(r io.ReaderAt, size int64, origin string, need func(model.FieldID) bool, stop func() error) error {
	f, err := openParquet(r, size)
	if err != nil {
		return &Error{Looks: fmt.Sprintf("a Parquet file that cannot be read (%v)", err)}
	}
	format, cols, err := parquetColumns(f.Schema(), need)
	if err != nil {
		return err
	}
	if cap(d.pq) < len(cols) {
		d.pq = make([]pageColumn, len(cols))
	}
	readers := d.pq[:len(cols)]
	for i, c := range cols {
		readers[i].name, readers[i].maxDef, readers[i].kind = c.name, c.maxDef, c.kind
	}
	var rowNo int64
	meta := f.Metadata()
	for g, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		if len(chunks) != len(f.Schema().Columns()) || g >= len(meta.RowGroups) || len(meta.RowGroups[g].Columns) != len(chunks) {
			return fmt.Errorf("parquet row group %d: %d columns, the schema has %d", g+1, len(chunks), len(f.Schema().Columns()))
		}
		for i, c := range cols {
			readers[i].open(chunks[c.leaf], r, &meta.RowGroups[g].Columns[c.leaf].MetaData)
		}
		err := d.parquetGroup(readers, rg.NumRows(), format, origin, &rowNo, stop)
		for i := range readers {
			readers[i].close()
		}
		if err != nil {
			return fmt.Errorf("parquet row group %d: %w", g+1, err)
		}
	}
	return nil
}

// openParquet opens a file and reads its footer. parquet-go v0.32.1
// panics on some corrupt schemas: that is a file that cannot be read.
func openParquet(r io.ReaderAt, size int64) (f *parquet.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("%v", p)
		}
	}()
	return parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(256<<10))
}

// parquetGroup writes the rows of one row group as lines of format, a
// block at a time: a block ends where a column's page ends, so inside it
// every column has a value or a NULL for every row.
func (d *Decoder) parquetGroup(cols []pageColumn, rows int64, format *model.Format, origin string, rowNo *int64, stop func() error) error {
	b, total := d.b, rows
	for rows > 0 {
		if err := stop(); err != nil {
			return err
		}
		n := int(min(rows, parquetRows))
		for i := range cols {
			c := &cols[i]
			if c.row == c.rows {
				if err := c.nextPage(); err != nil {
					return fmt.Errorf("column %q: %w", c.name, err)
				}
			}
			n = min(n, c.rows-c.row)
		}
		// Each row in one loop over the columns. The pages were checked
		// when they were loaded: every row with a value has one, every
		// index is in the dictionary.
		for range n {
			b.room(model.MaxLineBytes+maxToken, format)
			lines := b.lines
			from := len(lines)
			for i := range cols {
				c := &cols[i]
				if i > 0 {
					lines = append(lines, ' ')
				}
				at := len(lines)
				row := c.row
				c.row++
				switch {
				case c.slow:
					lines = appendParquetValue(lines, c.other[row])
				case c.defs != nil && c.defs[row] != c.maxDef:
					lines = append(lines, '-')
				default:
					k := c.next
					c.next++
					if c.idx != nil {
						k = int(c.idx[k])
					}
					switch c.kind {
					case parquet.Int32:
						lines = c.appendNumber(lines, int64(c.i32[k]), b.flushes)
					case parquet.Int64:
						lines = c.appendNumber(lines, c.i64[k], b.flushes)
					case parquet.ByteArray:
						lines = appendToken(lines, c.data[c.offs[k]:c.offs[k+1]:cap(c.data)], from, c.clean)
					case parquet.FixedLenByteArray:
						lines = appendToken(lines, c.data[k*c.size:(k+1)*c.size:cap(c.data)], from, c.clean)
					case parquet.Float:
						lines = strconv.AppendFloat(lines, float64(c.f32[k]), 'f', -1, 32)
					default:
						lines = strconv.AppendFloat(lines, c.f64[k], 'f', -1, 64)
					}
				}
				if len(lines)-from > model.MaxLineBytes+1 {
					// Too long already (the parser says so): whatever
					// else the row holds is dropped, the line stays short.
					lines = lines[:max(at, from+model.MaxLineBytes+1)]
					c.lastN = 0 // its token may be cut, and written over
				}
			}
			b.lines = lines
			*rowNo++
			b.add(from, model.Event{Origin: origin, LineNo: *rowNo})
		}
		rows -= int64(n)
	}
	// Rows past the row group's count would be dropped unseen: a file
	// whose columns disagree with its footer is named instead.
	for i := range cols {
		c := &cols[i]
		if c.row < c.rows {
			return fmt.Errorf("column %q: more rows than the row group's %d", c.name, total)
		}
		err := error(nil)
		for err == nil && c.rows == c.row { // pages of no rows are fine
			c.release()
			err = c.readPage()
		}
		if !errors.Is(err, io.EOF) {
			if err == nil {
				err = fmt.Errorf("more rows than the row group's %d", total)
			}
			return fmt.Errorf("column %q: %w", c.name, err)
		}
	}
	return nil
}

// errCorruptPage is a page whose values do not match its levels or its
// dictionary.
var errCorruptPage = errors.New("a page holds fewer values than its rows, or an index outside its dictionary")

// pageColumn reads one column chunk page by page, straight from the
// pages' decoded buffers: no value is copied out of a page before it is
// written into a line, and each page goes back to the library's pool once
// its rows are written.
type pageColumn struct {
	// What the row loop reads for every value comes first, to share as
	// few cache lines as it can.
	row    int    // next row of the page
	next   int    // next value of the page (NULLs take none)
	defs   []byte // definition levels; nil when every row has a value
	kind   parquet.Kind
	maxDef byte
	slow   bool // values of other kinds (see other)
	clean  bool // no white space in data: strings need no mending

	// The number last written, for the next row that has the same (a
	// version, a protocol, the start of a capture window): its token is
	// in the batch's lines at lastAt while the batch is the same (epoch).
	lastV     int64
	lastAt    int
	lastN     int // 0: none
	lastEpoch int

	// The page's values, by kind; idx, when set, indexes the dictionary's.
	idx  []int32
	i32  []int32
	i64  []int64
	data []byte
	offs []uint32 // value i of a byte array is data[offs[i]:offs[i+1]]
	size int      // width of a fixed-length byte array
	f32  []float32
	f64  []float64
	dict int // values in the dictionary

	name   string
	rows   int // rows in the page
	values int // values in the page

	guard pageGuard
	pages parquet.Pages
	page  parquet.Page // held until its rows are written

	lastDict  parquet.Dictionary // the dictionary last searched for white space
	dictClean bool

	// Values of other kinds (booleans, INT96), read one by one: flow
	// logs have none, so their cost does not matter.
	other []parquet.Value
}

// open starts reading a column chunk of the file r, whose metadata says
// where its pages are; each page header is checked before the library
// reads its page (see pageGuard).
func (c *pageColumn) open(chunk parquet.ColumnChunk, r io.ReaderAt, meta *format.ColumnMetaData) {
	if fc, ok := chunk.(*parquet.FileColumnChunk); ok {
		start := meta.DataPageOffset
		if meta.DictionaryPageOffset != 0 { // where the library starts too
			start = meta.DictionaryPageOffset
		}
		c.guard.reset(r, start, meta.TotalCompressedSize)
		c.pages = fc.PagesFrom(&c.guard)
	} else {
		c.pages = chunk.Pages()
	}
	switch c.kind {
	case parquet.Int32, parquet.Int64, parquet.ByteArray, parquet.FixedLenByteArray, parquet.Float, parquet.Double:
		c.slow = false
	default:
		c.slow = true
	}
	c.row, c.rows = 0, 0
}

// close gives the page back and closes the page reader (an asynchronous
// one holds a goroutine otherwise).
func (c *pageColumn) close() {
	c.release()
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
	c.lastDict = nil
	c.guard.reset(nil, 0, 0) // holds the file otherwise
}

func (c *pageColumn) release() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.defs, c.i32, c.i64, c.data, c.offs, c.f32, c.f64, c.idx = nil, nil, nil, nil, nil, nil, nil, nil
	c.other = c.other[:0]
	c.row, c.rows, c.next, c.values, c.dict = 0, 0, 0, 0, 0
}

// nextPage moves to the next page that holds rows.
func (c *pageColumn) nextPage() error {
	for {
		c.release()
		if err := c.readPage(); err != nil {
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF // the row group promised more rows
			}
			return err
		}
		if c.rows > 0 {
			return nil
		}
	}
}

// readPage reads and loads the next page. parquet-go v0.32.1 panics on
// some corrupt pages (a gzip page without a gzip header): that is a file
// that cannot be read, not a crash.
func (c *pageColumn) readPage() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a page that cannot be read (%v)", r)
		}
	}()
	p, err := c.pages.ReadPage()
	if err != nil {
		return err
	}
	c.page = p
	return c.load(p)
}

// load points the column at a page's levels and values.
func (c *pageColumn) load(p parquet.Page) error {
	if c.slow {
		c.other = slices.Grow(c.other[:0], int(p.NumValues()))[:p.NumValues()]
		n, err := p.Values().ReadValues(c.other)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		c.other = c.other[:n]
		c.rows, c.values = n, n
		return nil
	}
	vals := p.Data()
	dict := p.Dictionary()
	if dict != nil {
		if vals.Kind() != encoding.Int32 {
			return errCorruptPage
		}
		c.idx = vals.Int32()
		c.values = len(c.idx)
		c.dict = dict.Len()
		vals = dict.Page().Data()
	}
	if vals.Kind() != encodingKind(c.kind) {
		return errCorruptPage
	}
	n := 0
	switch c.kind {
	case parquet.Int32:
		c.i32 = vals.Int32()
		n = len(c.i32)
	case parquet.Int64:
		c.i64 = vals.Int64()
		n = len(c.i64)
	case parquet.ByteArray:
		c.data, c.offs = vals.ByteArray()
		n = max(len(c.offs)-1, 0)
		if !validOffsets(c.offs, len(c.data)) {
			return errCorruptPage
		}
	case parquet.FixedLenByteArray:
		c.data, c.size = vals.FixedLenByteArray()
		if c.size > 0 {
			n = len(c.data) / c.size
		}
	case parquet.Float:
		c.f32 = vals.Float()
		n = len(c.f32)
	case parquet.Double:
		c.f64 = vals.Double()
		n = len(c.f64)
	}
	switch {
	case dict == nil:
		c.clean = !hasSpace(c.data)
	case dict != c.lastDict: // a chunk's pages share one dictionary: search it once
		c.lastDict, c.dictClean = dict, !hasSpace(c.data)
		c.clean = c.dictClean
	default:
		c.clean = c.dictClean
	}
	if c.idx != nil {
		for _, k := range c.idx {
			if uint32(k) >= uint32(min(c.dict, n)) {
				return errCorruptPage
			}
		}
	} else {
		c.values = n
	}
	if c.maxDef > 0 {
		c.defs = p.DefinitionLevels()
		c.rows = len(c.defs)
		defined := countLevel(c.defs, c.maxDef)
		if c.values < defined {
			return errCorruptPage
		}
		if defined == c.rows {
			c.defs = nil // no NULL in the page: the row loop need not look
		}
	} else {
		c.rows = c.values
	}
	return nil
}

// hasSpace reports whether data holds white space (each byte searched
// for apart: that is vectorised, a search for any of them is not).
func hasSpace(data []byte) bool {
	for _, c := range []byte(" \t\n\r") {
		if bytes.IndexByte(data, c) >= 0 {
			return true
		}
	}
	return false
}

// validOffsets reports whether byte-array offsets rise and stay in data.
func validOffsets(offs []uint32, data int) bool {
	for i := 1; i < len(offs); i++ {
		if offs[i] < offs[i-1] {
			return false
		}
	}
	return len(offs) == 0 || int(offs[len(offs)-1]) <= data
}

// countLevel counts the rows whose definition level is level: the rows
// with a value (bytes.Count is vectorised for one byte).
func countLevel(defs []byte, level byte) int {
	return bytes.Count(defs, []byte{level})
}

// encodingKind is the kind of the library's page buffers for a column
// kind (the two number their kinds differently).
func encodingKind(k parquet.Kind) encoding.Kind {
	switch k {
	case parquet.Int32:
		return encoding.Int32
	case parquet.Int64:
		return encoding.Int64
	case parquet.ByteArray:
		return encoding.ByteArray
	case parquet.FixedLenByteArray:
		return encoding.FixedLenByteArray
	case parquet.Float:
		return encoding.Float
	case parquet.Double:
		return encoding.Double
	}
	return encoding.Undefined
}

// appendToken writes a string value as one token: "-" when empty, white
// space as '_' (a space inside would shift every field after it), cut
// where the line that starts at from grows past model.MaxLineBytes.
func appendToken(dst, v []byte, from int, clean bool) []byte {
	if len(v) == 0 {
		return append(dst, '-')
	}
	if room := model.MaxLineBytes + 1 - (len(dst) - from); len(v) > room {
		v = v[:max(room, 0)]
	}
	at, n := len(dst), len(v)
	if n <= 32 && cap(v) >= 32 && cap(dst)-at >= 32 {
		// Short (ids, addresses), with room to read and write past it
		// (v's slice reaches into its page's buffer): words, not a
		// memmove.
		src, out := v[:32], dst[at:at+32]
		le.LittleEndian.PutUint64(out, le.LittleEndian.Uint64(src))
		le.LittleEndian.PutUint64(out[8:], le.LittleEndian.Uint64(src[8:]))
		if n > 16 {
			le.LittleEndian.PutUint64(out[16:], le.LittleEndian.Uint64(src[16:]))
			le.LittleEndian.PutUint64(out[24:], le.LittleEndian.Uint64(src[24:]))
		}
		dst = dst[:at+n]
	} else {
		dst = append(dst, v...)
	}
	if clean {
		return dst
	}
	for i := at; i < len(dst); i++ {
		if c := dst[i]; c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			dst[i] = '_'
		}
	}
	return dst
}

// appendNumber is appendInt, but a number the same as the column's last
// is copied from that token, three words read before any is written (the
// token may end inside them). epoch names dst's buffer: it changes when
// the batch's lines are started over. dst must have room for 24 bytes
// more (the row loop's room has).
func (c *pageColumn) appendNumber(dst []byte, v int64, epoch int) []byte {
	at := len(dst)
	if cap(dst)-at < 24 {
		c.lastN = 0
		return appendInt(dst, v)
	}
	if v == c.lastV && c.lastN > 0 && c.lastEpoch == epoch && c.lastAt < at {
		src, out := dst[c.lastAt:c.lastAt+24], dst[at:at+24]
		w0, w1, w2 := le.LittleEndian.Uint64(src), le.LittleEndian.Uint64(src[8:]), le.LittleEndian.Uint64(src[16:])
		le.LittleEndian.PutUint64(out, w0)
		le.LittleEndian.PutUint64(out[8:], w1)
		le.LittleEndian.PutUint64(out[16:], w2)
		return dst[:at+c.lastN]
	}
	dst = appendInt(dst, v)
	c.lastV, c.lastN, c.lastAt, c.lastEpoch = v, len(dst)-at, at, epoch
	return dst
}

// appendInt is strconv.AppendInt for the non-negative numbers flow logs
// are made of, written in place two digits at a time.
func appendInt(dst []byte, v int64) []byte {
	if v < 0 {
		return strconv.AppendInt(dst, v, 10)
	}
	u := uint64(v)
	// Ports, protocols, packet counts: most numbers have five digits or
	// fewer, written with one append each.
	switch {
	case u < 10:
		return append(dst, byte('0'+u))
	case u < 100:
		return append(dst, digits2[2*u], digits2[2*u+1])
	case u < 1000:
		r := u % 100
		return append(dst, byte('0'+u/100), digits2[2*r], digits2[2*r+1])
	case u < 10000:
		q, r := u/100, u%100
		return append(dst, digits2[2*q], digits2[2*q+1], digits2[2*r], digits2[2*r+1])
	case u < 100000:
		q, r := u/100, u%100
		p, q := q/100, q%100
		return append(dst, byte('0'+p), digits2[2*q], digits2[2*q+1], digits2[2*r], digits2[2*r+1])
	}
	t := bits.Len64(u) * 1233 >> 12 // about log10(u)
	n := t + 1
	if u < pow10[t] {
		n--
	}
	at := len(dst)
	dst = slices.Grow(dst, n)[:at+n]
	i := at + n
	for u >= 100 {
		q := u / 100
		r := u - q*100
		i -= 2
		dst[i], dst[i+1] = digits2[2*r], digits2[2*r+1]
		u = q
	}
	if u >= 10 {
		dst[i-2], dst[i-1] = digits2[2*u], digits2[2*u+1]
	} else {
		dst[i-1] = byte('0' + u)
	}
	return dst
}

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

const digits2 = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendParquetValue writes a value read one by one (kinds flow logs do
// not use) as a token.
func appendParquetValue(dst []byte, v parquet.Value) []byte {
	if v.IsNull() {
		return append(dst, '-')
	}
	switch v.Kind() {
	case parquet.Boolean:
		return strconv.AppendBool(dst, v.Boolean())
	case parquet.Int32:
		return appendInt(dst, int64(v.Int32()))
	case parquet.Int64:
		return appendInt(dst, v.Int64())
	}
	return append(dst, '-')
}

// parquetColumn is a flat column that names a field.
type parquetColumn struct {
	name   string
	leaf   int // index among the schema's leaf columns
	maxDef byte
	kind   parquet.Kind
}

// columnKind is a leaf's physical kind; ok is false for a leaf whose type
// has none (a corrupt schema can put a LIST there, and the library
// panics when asked).
func columnKind(t parquet.Type) (k parquet.Kind, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return t.Kind(), true
}

// parquetColumns picks the flat columns that name fields (those need
// accepts) and returns their keyed format and the columns.
func parquetColumns(schema *parquet.Schema, need func(model.FieldID) bool) (*model.Format, []parquetColumn, error) {
	var names []string
	var cols []parquetColumn
	known := false
	unknown := 0
	var firstKnown parquetColumn
	for i, path := range schema.Columns() {
		if len(path) != 1 || !fieldName([]byte(path[0])) {
			continue // nested or repeated columns are not flow-log fields
		}
		leaf, ok := schema.Lookup(path...)
		if !ok || leaf.Node.Repeated() || leaf.MaxRepetitionLevel > 0 || leaf.MaxDefinitionLevel > 1 {
			continue
		}
		kind, ok := columnKind(leaf.Node.Type())
		if !ok {
			continue
		}
		col := parquetColumn{name: path[0], leaf: i, maxDef: byte(leaf.MaxDefinitionLevel), kind: kind}
		id, ok := model.LookupField(path[0])
		if ok {
			if !known {
				firstKnown = col
			}
			known = true
		} else {
			unknown++
			if unknown > model.MaxOpaque {
				continue
			}
		}
		if need != nil && ok && !need(id) || need != nil && !ok && !need(model.FieldNone) {
			continue
		}
		names = append(names, path[0])
		cols = append(cols, col)
	}
	if !known {
		return nil, nil, &Error{Looks: "a Parquet file whose columns are not flow-log fields (" + columnList(schema) + ")"}
	}
	if len(names) == 0 { // nothing named (count(*)): one column still counts the rows
		names, cols = []string{firstKnown.name}, []parquetColumn{firstKnown}
	}
	format, err := model.KeyedFormat(names)
	if err != nil {
		return nil, nil, &Error{Looks: fmt.Sprintf("a Parquet file whose columns do not make a flow-log format (%v)", err)}
	}
	return format, cols, nil
}

// columnList names a few of a schema's columns for a message.
func columnList(schema *parquet.Schema) string {
	var b bytes.Buffer
	for i, path := range schema.Columns() {
		if i == 4 {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		for k, p := range path {
			if k > 0 {
				b.WriteByte('.')
			}
			b.WriteString(strconv.Quote(p))
		}
	}
	return b.String()
}
