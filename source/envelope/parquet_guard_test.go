package envelope

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// pageBytes is a page: its header (declaring the sizes given) and body.
func pageBytes(t *testing.T, compressed, uncompressed, values int32, body int) []byte {
	t.Helper()
	h := format.PageHeader{Type: format.DataPage, CompressedPageSize: compressed, UncompressedPageSize: uncompressed}
	h.DataPageHeader.Valid = true
	h.DataPageHeader.V.NumValues = values
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, make([]byte, body)...)
}

// A page whose header asks for more than its chunk can hold (the bytes a
// few corrupt bytes of a file would make the library allocate) is refused
// before the library reads that header; the pages before it read whole.
func TestPageGuard(t *testing.T) {
	good := pageBytes(t, 100, 400, 50, 100)
	cases := []struct {
		name string
		bad  []byte
		want string
	}{
		{"past the chunk", pageBytes(t, 1<<30, 1<<30, 10, 10), "bytes left of its column chunk"},
		{"uncompressed size", pageBytes(t, 10, 2_000_000_000, 10, 10), "says it holds 2000000000"},
		{"values", pageBytes(t, 10, 10, 1<<30, 10), "values"},
		{"no header", []byte{0xff, 0xff, 0xff, 0xff, 0xff}, "cannot be read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chunk := append(append(append([]byte("xxxx"), good...), good...), c.bad...)
			var g pageGuard
			g.reset(bytes.NewReader(chunk), 4, int64(len(chunk)-4))
			// As the library reads: buffered, from the chunk's start.
			got, err := io.ReadAll(bufio.NewReaderSize(io.NewSectionReader(&g, 4, int64(len(chunk)-4)), 64))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if len(got) != 2*len(good) {
				t.Fatalf("read %d bytes before the bad header, want the %d of the good pages", len(got), 2*len(good))
			}
		})
	}
	// Good pages to the chunk's end read through.
	chunk := append(append([]byte{}, good...), good...)
	var g pageGuard
	g.reset(bytes.NewReader(chunk), 0, int64(len(chunk)))
	if got, err := io.ReadAll(io.NewSectionReader(&g, 0, int64(len(chunk)))); err != nil || !bytes.Equal(got, chunk) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}
