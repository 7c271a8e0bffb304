package file

import (
	"context"
	"io"
	"os"

	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/envelope"
)

// sizedReaderAt reads a stream at any offset and knows its size: what
// Parquet, read from its end, needs.
type sizedReaderAt interface {
	io.ReaderAt
	size() (int64, error)
}

type fileAt struct{ *os.File }

func (f fileAt) size() (int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

type sectionAt struct {
	io.ReaderAt
	n int64
}

func (s sectionAt) size() (int64, error) { return s.n, nil }

// Streamer reads streams of flow logs one after another, whatever their
// bytes hold: text plain or gzip, an envelope (CloudWatch subscription
// payloads, aws logs output, export lines, JSON, CSV) or Parquet. Other
// sources (S3 objects) hand it their bodies; it shares buffers between
// streams. Not safe for concurrent use.
type Streamer struct{ s *Source }

// NewStreamer returns a streamer; of opt only Columns is used.
func NewStreamer(opt Options) *Streamer {
	return &Streamer{s: New(nil, Options{Columns: opt.Columns})}
}

// Read reads r to its end into emit, its events named origin. Parquet
// needs ReadAt.
func (st *Streamer) Read(ctx context.Context, r io.Reader, origin string, emit source.Emit) error {
	return st.s.readStream(r, origin, emit, ctx.Err)
}

// ReadAt reads a stream of size bytes that can be read at any offset;
// Parquet is read through its row groups, anything else as by Read.
func (st *Streamer) ReadAt(ctx context.Context, r io.ReaderAt, size int64, origin string, emit source.Emit) error {
	head := make([]byte, 4)
	if n, _ := r.ReadAt(head, 0); n == 4 && envelope.Sniff(head) == envelope.Parquet {
		return st.s.readKind(envelope.Parquet, nil, sectionAt{r, size}, origin, emit, ctx.Err)
	}
	return st.Read(ctx, io.NewSectionReader(r, 0, size), origin, emit)
}
