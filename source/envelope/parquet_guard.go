package envelope

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Bounds on what one page may ask for. The library allocates a page's
// buffers from the sizes its header declares before reading it, so a few
// corrupt bytes could otherwise ask for gigabytes.
const (
	maxPageValues = 1 << 24 // values (and NULLs) in one page
	maxPageRatio  = 4096    // uncompressed bytes per compressed byte, past the first MiB
)

// pageGuard reads one column chunk for the library's page reader and
// checks each page header before the library sees it: a page must fit in
// its chunk and declare sizes and counts its bytes can make. Reads stop
// just before a header that does not, and fail there.
type pageGuard struct {
	r         io.ReaderAt
	next, end int64 // the next page header to check; the end of the chunk
	err       error
	scratch   []byte
	header    format.PageHeader
	protocol  thrift.CompactProtocol
}

func (g *pageGuard) reset(r io.ReaderAt, start, size int64) {
	g.r, g.next, g.end, g.err = r, start, start+size, nil
}

func (g *pageGuard) ReadAt(p []byte, off int64) (int, error) {
	if g.err != nil && off >= g.next {
		return 0, g.err
	}
	// Read first, then check the headers the bytes hold (from the bytes
	// read where they hold all of one): a remote reader fetches once.
	n, err := g.r.ReadAt(p, off)
	for g.err == nil && g.next < off+int64(n) && g.next < g.end {
		g.err = g.check(p[:n], off)
	}
	if g.err != nil && off+int64(n) > g.next {
		return int(max(g.next-off, 0)), g.err
	}
	return n, err
}

var errPageHeader = errors.New("a page header that cannot be read")

// check reads the header at g.next (from window, bytes read at off, when
// they hold enough) and moves past its page.
func (g *pageGuard) check(window []byte, off int64) error {
	left := g.end - g.next
	for want := int64(4 << 10); ; want *= 16 {
		n := min(want, left)
		var buf []byte
		if at := g.next - off; at >= 0 && at+n <= int64(len(window)) {
			buf = window[at : at+n]
		} else {
			if int64(cap(g.scratch)) < n {
				g.scratch = make([]byte, n)
			}
			buf = g.scratch[:n]
			if _, err := g.r.ReadAt(buf, g.next); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
		}
		g.header = format.PageHeader{}
		rd := g.protocol.NewReaderFromBytes(buf)
		if err := thrift.NewDecoder(rd).Decode(&g.header); err != nil {
			if n < left && want < 1<<20 {
				continue // a header longer than was read (long statistics)
			}
			return errPageHeader
		}
		if n > int64(4<<10) && cap(g.scratch) > 64<<10 {
			g.scratch = nil // keep no large buffer for the next file
		}
		return g.admit(&g.header, int64(rd.BytesRead()), left)
	}
}

// admit checks one header's sizes and counts and moves past its page.
func (g *pageGuard) admit(h *format.PageHeader, headerBytes, left int64) error {
	compressed, uncompressed := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
	if compressed < 0 || headerBytes+compressed > left {
		return fmt.Errorf("a page of %d bytes in the %d bytes left of its column chunk", compressed, left-headerBytes)
	}
	if uncompressed < 0 || uncompressed > 1<<20+maxPageRatio*compressed {
		return fmt.Errorf("a page of %d bytes that says it holds %d", compressed, uncompressed)
	}
	var values int64
	switch {
	case h.DataPageHeader.Valid:
		values = int64(h.DataPageHeader.V.NumValues)
	case h.DataPageHeaderV2.Valid:
		values = max(int64(h.DataPageHeaderV2.V.NumValues), int64(h.DataPageHeaderV2.V.NumRows))
	case h.DictionaryPageHeader.Valid:
		values = int64(h.DictionaryPageHeader.V.NumValues)
	}
	if values < 0 || values > maxPageValues {
		return fmt.Errorf("a page of %d values (at most %d are read)", values, maxPageValues)
	}
	g.next += headerBytes + compressed
	return nil
}
