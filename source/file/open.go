package file

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/flowtail/flowtail/source/envelope"
	"github.com/klauspost/compress/gzip"
)

// ErrTruncated is what reading a gzip stream that stops mid-member gives
// (wrapped in a *TruncatedError saying where): a capture cut short (a
// partial download, a full disk, a file still being written), in its first
// member or any later one. Everything before the cut has been read.
var ErrTruncated = errors.New("gzip data ends early (the file is truncated or corrupt)")

// TruncatedError says at which byte of the compressed stream it ended.
type TruncatedError struct{ At int64 }

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("stream ends inside a gzip member at byte %d (the file is truncated or corrupt)", e.At)
}

func (e *TruncatedError) Unwrap() error { return ErrTruncated }

// counter counts the bytes read from the compressed stream, so a cut can
// be placed.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ErrTrailing is what follows the last gzip member when it is not gzip
// (padding, or another file appended): zcat ignores it; we say so.
var ErrTrailing = errors.New("trailing bytes that are not gzip, ignored as zcat does,")

// ErrParquet: a Parquet file can be read only where it can be read at
// any offset (a file, an S3 object), not from a stream such as stdin.
var ErrParquet = errors.New("a Parquet file on a stream: Parquet needs random access, so pass it as a file")

// Decoded wraps r so gzip data (recognised by its magic bytes, never by the
// file name) reads as plain text; Parquet is refused with ErrParquet. Concatenated gzip members are read as one
// stream, as `zcat` does; a stream cut short fails with ErrTruncated.
func Decoded(r io.Reader) (rd io.Reader, compressed bool, err error) {
	d := new(decoder)
	rd, compressed, err = d.open(r)
	if err == nil && !compressed && d.kindOf() == envelope.Parquet {
		return nil, false, ErrParquet
	}
	return rd, compressed, err
}

// DecodedKind is Decoded that also says what the (decompressed) bytes
// are: text lines, an envelope, Parquet or binary data. It looks only at
// what the first read brings, so a slow pipe is not waited on.
func DecodedKind(r io.Reader) (rd io.Reader, kind envelope.Kind, err error) {
	d := new(decoder)
	rd, compressed, err := d.open(r)
	if err != nil {
		return nil, 0, err
	}
	return d.sniff(rd, compressed)
}

// decoder is Decoded with buffers kept from one stream to the next, for
// many captures read one after another.
type decoder struct {
	br  *bufio.Reader
	zr  *gzip.Reader
	zbr *bufio.Reader // peeks into decompressed data
	cnt counter
}

// kindOf says what the raw (not decompressed) stream looks like.
func (d *decoder) kindOf() envelope.Kind {
	return envelope.Sniff(peekFirst(d.br))
}

// peekFirst returns what one read brings (up to envelope.SniffBytes),
// waiting for no more: enough to tell the kinds apart.
func peekFirst(br *bufio.Reader) []byte {
	if _, err := br.Peek(1); err != nil {
		return nil
	}
	head, _ := br.Peek(min(br.Buffered(), envelope.SniffBytes))
	return head
}

// sniff says what the stream rd (from open) holds once decompressed; the
// returned reader reads it from its start.
func (d *decoder) sniff(rd io.Reader, compressed bool) (io.Reader, envelope.Kind, error) {
	if !compressed {
		kind := envelope.Sniff(peekFirst(d.br))
		skipBOM(d.br, kind)
		return rd, kind, nil
	}
	if d.zbr == nil {
		d.zbr = bufio.NewReaderSize(rd, 64<<10)
	} else {
		d.zbr.Reset(rd)
	}
	head := peekFirst(d.zbr)
	if len(head) == 0 {
		if _, err := d.zbr.Peek(1); err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, err
		}
	}
	kind := envelope.Sniff(head)
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return nil, 0, errGzipTwice
	case kind == envelope.Parquet:
		return nil, 0, errGzipParquet
	}
	skipBOM(d.zbr, kind)
	return &peeked{d.zbr, rd}, kind, nil
}

// What the decompressed bytes of a gzip stream can be that is read from
// no stream: named, with what to do, rather than called binary data or a
// Parquet file with a bad header.
var (
	errGzipTwice   = &envelope.Error{Looks: "gzip inside gzip (compressed twice: decompress it once, e.g. gunzip -c FILE > FILE2)"}
	errGzipParquet = &envelope.Error{Looks: "a gzip-compressed Parquet file (Parquet needs random access: gunzip it to a file and read that)"}
)

// utf8BOM is the byte-order mark Notepad, Excel's "CSV UTF-8" and
// PowerShell put before the first line.
const utf8BOM = "\xef\xbb\xbf"

// skipBOM drops a byte-order mark that starts text in br, so the first
// line (a header, a record, a JSON object, a CSV header row) reads as
// written; it returns how many bytes it dropped. Sniff has looked past it.
func skipBOM(br *bufio.Reader, kind envelope.Kind) int {
	if kind == envelope.Parquet || kind == envelope.Binary {
		return 0
	}
	// Only what is buffered is looked at: a pipe that has sent less
	// must not be waited on.
	if head, _ := br.Peek(min(br.Buffered(), len(utf8BOM))); string(head) == utf8BOM {
		n, _ := br.Discard(len(utf8BOM))
		return n
	}
	return 0
}

// peeked reads what br has buffered and then r itself, which br was
// reading: past the bytes peeked at, decompressed data goes straight to
// the caller's buffer instead of through br's.
type peeked struct {
	br *bufio.Reader
	r  io.Reader
}

func (p *peeked) Read(b []byte) (int, error) {
	if p.br.Buffered() > 0 {
		return p.br.Read(b)
	}
	return p.r.Read(b)
}

// open starts reading r; what an earlier open returned is then spent.
func (d *decoder) open(r io.Reader) (io.Reader, bool, error) {
	d.cnt = counter{r: r}
	if d.br == nil {
		d.br = bufio.NewReaderSize(&d.cnt, 64<<10)
	} else {
		d.br.Reset(&d.cnt)
	}
	magic, _ := d.br.Peek(4)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return d.br, false, nil
	}
	if d.zr == nil {
		d.zr = new(gzip.Reader)
	}
	if err := d.zr.Reset(d.br); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = &TruncatedError{At: d.cnt.n}
		}
		return nil, true, fmt.Errorf("gzip header: %w", err)
	}
	d.zr.Multistream(false)
	return &truncation{d.zr, d.br, &d.cnt}, true, nil
}

// truncation reads the gzip members one after another, as zcat does, and
// names what ends them: the gzip reader's bare io.ErrUnexpectedEOF (which
// io.ReadFull and friends would otherwise take for a short final read) is
// a member cut short; bytes after a member that do not start another
// (padding, a stray newline, however few) are trailing data, and all
// before them was read whole.
type truncation struct {
	zr  *gzip.Reader
	br  *bufio.Reader // the compressed stream, just past the member read
	cnt *counter
}

func (t *truncation) Read(p []byte) (int, error) {
	for {
		n, err := t.zr.Read(p)
		if errors.Is(err, io.EOF) {
			err = t.next()
			if err == nil && n == 0 {
				continue
			}
		}
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = &TruncatedError{At: t.cnt.n}
		case errors.Is(err, gzip.ErrHeader): // the first header was read by open
			err = ErrTrailing
		}
		return n, err
	}
}

// next starts the member after the one that ended: io.EOF when nothing
// follows it, ErrTrailing when what follows is not gzip.
func (t *truncation) next() error {
	magic, _ := t.br.Peek(2)
	switch {
	case len(magic) == 0:
		return io.EOF
	case len(magic) == 1 && magic[0] == 0x1f:
		return io.ErrUnexpectedEOF // a member's first byte, then the cut
	case len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b:
		return ErrTrailing
	}
	if err := t.zr.Reset(t.br); err != nil {
		return err
	}
	t.zr.Multistream(false)
	return nil
}

// StoppedError says where reading a stream failed: every complete line
// before it was emitted; an incomplete last line was not.
type StoppedError struct {
	Lines   int64 // complete lines read
	Partial bool  // an incomplete line followed them and was skipped
	Err     error
}

// Stopped describes a read that failed after lines complete lines. The
// error loses an *fs.PathError wrapper, since the caller names the path.
func Stopped(lines int64, partial bool, err error) *StoppedError {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &StoppedError{Lines: lines, Partial: partial, Err: err}
}

func (e *StoppedError) Error() string {
	if e.Lines == 0 && !e.Partial {
		return e.Err.Error()
	}
	s := fmt.Sprintf("%v after line %d; the lines before it were read", e.Err, e.Lines)
	if e.Partial {
		s += fmt.Sprintf(", the incomplete line %d was skipped", e.Lines+1)
	}
	return s
}

func (e *StoppedError) Unwrap() error { return e.Err }
