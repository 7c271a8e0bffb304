package file

import (
	"io"

	"github.com/flowtail/flowtail/source"
)

// Reader reads whole streams that are not local files (S3 objects, for
// one) through exactly the decoding files get: compression and formats
// recognised by their bytes, lines split and batched the same way. Its
// buffers are kept from one stream to the next. Not safe for concurrent
// use: one per goroutine.
type Reader struct {
	lines *lineReader
	dec   decoder
}

// ReadAll reads r to its end as the capture named origin, emitting every
// line; stop is asked between reads whether to give up. A failure after
// some lines is a *StoppedError saying how far it got.
func (rd *Reader) ReadAll(r io.Reader, origin string, emit source.Emit, stop func() error) error {
	src, _, err := rd.dec.open(r)
	if err != nil {
		return err
	}
	if rd.lines == nil {
		rd.lines = newLineReader(origin)
	}
	rd.lines.reset()
	rd.lines.origin = origin
	return rd.lines.readAll(src, emit, stop)
}
