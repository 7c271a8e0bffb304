package envelope

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/flowtail/flowtail/model"
)

// lineSplitter reads lines through a bounded buffer; a line longer than
// model.MaxLineBytes is cut there and the rest dropped.
type lineSplitter struct {
	br     *bufio.Reader
	lineNo int64
}

func (l *lineSplitter) reset(src io.Reader) {
	if l.br == nil {
		l.br = bufio.NewReaderSize(src, model.MaxLineBytes+1)
	} else {
		l.br.Reset(src)
	}
	l.lineNo = 0
}

// next returns the next line without its newline; io.EOF at the end.
func (l *lineSplitter) next() ([]byte, error) {
	line, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) { // drop the rest of an over-long line
			_, err = l.br.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		err = nil
	}
	if len(line) == 0 && err != nil {
		return nil, err
	}
	l.lineNo++
	return bytes.TrimRight(line, "\r\n"), nil
}

// exportDecoder reads CloudWatch export-to-S3 lines: the event's ISO-8601
// time, a space, then the record. The time becomes the event timestamp.
type exportDecoder struct {
	l      lineSplitter
	b      *batcher
	origin string
}

func (d *exportDecoder) run(src io.Reader, stop func() error) error {
	d.l.reset(src)
	for {
		line, err := d.l.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if d.l.lineNo%maxBatchEvents == 0 {
			if err := stop(); err != nil {
				return err
			}
		}
		ev := model.Event{Origin: d.origin, LineNo: d.l.lineNo}
		if ms, n := isoTime(line); n > 0 {
			ev.Timestamp = ms
			line = line[n:]
		}
		d.b.room(len(line), nil)
		from := len(d.b.lines)
		d.b.lines = append(d.b.lines, line...)
		d.b.add(from, ev)
	}
}

// csvDecoder reads comma-separated values under a header row of field
// names (either spelling), as `flowtail cat -o csv` and Athena write them.
type csvDecoder struct {
	l      lineSplitter
	b      *batcher
	origin string
	fmts   formats
	format *model.Format
	cells  [][]byte
	cell   []byte
	bounds []int
}

func (d *csvDecoder) run(src io.Reader, stop func() error) error {
	d.l.reset(src)
	d.format = nil
	for {
		line, err := d.l.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if d.l.lineNo%maxBatchEvents == 0 {
			if err := stop(); err != nil {
				return err
			}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if csvHeader(line) {
			d.split(line)
			f := d.fmts.get(d.cells)
			if f == nil {
				return &Error{Looks: "a CSV header row that does not make a flow-log format (a repeated field, or too many unknown names)", Line: d.l.lineNo}
			}
			d.format = f
			continue
		}
		if d.format == nil {
			return &Error{Looks: "CSV without a header row of field names", Line: d.l.lineNo}
		}
		d.split(line)
		d.b.room(len(line)+len(d.cells)+1, d.format)
		from := len(d.b.lines)
		for i, c := range d.cells {
			if i > 0 {
				d.b.lines = append(d.b.lines, ' ')
			}
			d.b.lines = appendValue(d.b.lines, c, false)
		}
		d.b.add(from, model.Event{Origin: d.origin, LineNo: d.l.lineNo})
	}
}

// split cuts a CSV line into cells (RFC 4180 quoting, on one line).
func (d *csvDecoder) split(line []byte) {
	d.cells = d.cells[:0]
	d.cell = d.cell[:0]
	bounds := d.bounds[:0]
	i := 0
	for {
		start := len(d.cell)
		if i < len(line) && line[i] == '"' {
			raw := i
			closed := false
			i++
			for i < len(line) {
				if line[i] == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						d.cell = append(d.cell, '"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				d.cell = append(d.cell, line[i])
				i++
			}
			if !closed || i < len(line) && line[i] != ',' {
				// Broken quoting (not closed on this line, or text after
				// the closing quote): the cell is kept as written, so the
				// line fails at this field rather than reading as the
				// part before the break.
				for i < len(line) && (!closed || line[i] != ',') {
					i++
				}
				d.cell = append(d.cell[:start], line[raw:i]...)
			}
		} else {
			j := bytes.IndexByte(line[i:], ',')
			if j < 0 {
				j = len(line) - i
			}
			d.cell = append(d.cell, line[i:i+j]...)
			i += j
		}
		bounds = append(bounds, start, len(d.cell))
		if i >= len(line) {
			break
		}
		i++ // the comma
	}
	d.bounds = bounds
	for k := 0; k < len(bounds); k += 2 {
		d.cells = append(d.cells, d.cell[bounds[k]:bounds[k+1]])
	}
}

// csvHeader reports whether a line is a CSV header row: two or more
// comma-separated names (quoted or not), at least one of them a known
// field, none a value.
func csvHeader(line []byte) bool {
	if bytes.IndexByte(line, ',') < 0 {
		return false
	}
	known := false
	for _, c := range bytes.Split(line, []byte{','}) {
		c = bytes.TrimSpace(c)
		if len(c) >= 2 && c[0] == '"' && c[len(c)-1] == '"' {
			c = c[1 : len(c)-1]
		}
		if !fieldName(c) {
			return false
		}
		if _, ok := model.LookupField(string(c)); ok {
			known = true
		}
	}
	return known
}
