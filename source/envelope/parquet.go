package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/flowtail/flowtail/model"
	"github.com/parquet-go/parquet-go"
)

// parquetRows is how many rows are read from a row group at once.
const parquetRows = 512

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
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(256<<10))
	if err != nil {
		return &Error{Looks: fmt.Sprintf("a Parquet file that cannot be read (%v)", err)}
	}
	format, cols, err := parquetColumns(f.Schema(), need)
	if err != nil {
		return err
	}
	rows := make([]parquet.Row, parquetRows)
	var rowNo int64
	chunks := make([]parquet.ColumnChunk, len(cols))
	for g, rg := range f.RowGroups() {
		all := rg.ColumnChunks()
		for i, c := range cols {
			chunks[i] = all[c]
		}
		if err := d.parquetGroup(parquet.NewColumnChunkRowReader(chunks), format, rows, origin, &rowNo, stop); err != nil {
			return fmt.Errorf("parquet row group %d: %w", g+1, err)
		}
	}
	return nil
}

// parquetGroup reads one row group; it always closes its rows (their
// page readers hold goroutines otherwise).
func (d *Decoder) parquetGroup(rr parquet.RowReadSeekCloser, format *model.Format, rows []parquet.Row, origin string, rowNo *int64, stop func() error) (err error) {
	defer func() {
		if cerr := rr.Close(); err == nil {
			err = cerr
		}
	}()
	for {
		if err := stop(); err != nil {
			return err
		}
		n, rerr := rr.ReadRows(rows)
		for _, row := range rows[:n] {
			*rowNo++
			d.parquetRow(row, format, origin, *rowNo)
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			return rerr
		}
		if n == 0 {
			return io.ErrNoProgress
		}
	}
}

// parquetRow writes one row as a line of the columns' format.
func (d *Decoder) parquetRow(row parquet.Row, format *model.Format, origin string, rowNo int64) {
	d.b.room(model.MaxLineBytes, format)
	from := len(d.b.lines)
	for i, v := range row {
		if i > 0 {
			d.b.lines = append(d.b.lines, ' ')
		}
		d.b.lines = appendParquetValue(d.b.lines, v)
		if len(d.b.lines)-from > model.MaxLineBytes {
			break // the parser reports it as too long
		}
	}
	d.b.add(from, model.Event{Origin: origin, LineNo: rowNo})
}

func appendParquetValue(dst []byte, v parquet.Value) []byte {
	if v.IsNull() {
		return append(dst, '-')
	}
	switch v.Kind() {
	case parquet.Int32:
		return strconv.AppendInt(dst, int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.AppendInt(dst, v.Int64(), 10)
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b := v.ByteArray()
		if len(b) == 0 {
			return append(dst, '-')
		}
		from := len(dst)
		dst = append(dst, b...)
		// A value is one token: a space inside would shift every field after it.
		for i := from; i < len(dst); i++ {
			if dst[i] == ' ' || dst[i] == '\t' || dst[i] == '\n' || dst[i] == '\r' {
				dst[i] = '_'
			}
		}
		return dst
	case parquet.Boolean:
		return strconv.AppendBool(dst, v.Boolean())
	case parquet.Float:
		return strconv.AppendFloat(dst, float64(v.Float()), 'f', -1, 32)
	case parquet.Double:
		return strconv.AppendFloat(dst, v.Double(), 'f', -1, 64)
	}
	return append(dst, '-')
}

// parquetColumns picks the flat columns that name fields (those need
// accepts) and returns their keyed format and leaf indexes.
func parquetColumns(schema *parquet.Schema, need func(model.FieldID) bool) (*model.Format, []int, error) {
	var names []string
	var cols []int
	known := false
	unknown := 0
	firstKnown := -1
	for i, path := range schema.Columns() {
		if len(path) != 1 || !fieldName([]byte(path[0])) {
			continue // nested or repeated columns are not flow-log fields
		}
		if leaf, ok := schema.Lookup(path...); !ok || leaf.Node.Repeated() {
			continue
		}
		id, ok := model.LookupField(path[0])
		if ok {
			known = true
			if firstKnown < 0 {
				firstKnown = i
			}
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
		cols = append(cols, i)
	}
	if !known {
		return nil, nil, &Error{Looks: "a Parquet file whose columns are not flow-log fields (" + columnList(schema) + ")"}
	}
	if len(names) == 0 { // nothing named (count(*)): one column still counts the rows
		names, cols = []string{schema.Columns()[firstKnown][0]}, []int{firstKnown}
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
