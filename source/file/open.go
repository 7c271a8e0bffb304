package file

import (
	"bufio"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// decoded wraps r so gzip data (recognised by its magic bytes, never by the
// file name) reads as plain text. Concatenated gzip members are read as one
// stream, as `zcat` does.
func decoded(r io.Reader) (rd io.Reader, compressed bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, true, fmt.Errorf("gzip header: %w", err)
		}
		zr.Multistream(true)
		return zr, true, nil
	}
	return br, false, nil
}
