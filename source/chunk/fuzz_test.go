package chunk

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowtail/flowtail/source/envelope"
	"github.com/flowtail/flowtail/source/file"
)

// FuzzFormatInForce: whatever the bytes (header lines anywhere, long or
// odd lines), reading in small chunks on several workers answers exactly
// as reading line by line does.
func FuzzFormatInForce(f *testing.F) {
	f.Add([]byte("version srcaddr dstaddr bytes\n2 10.0.0.1 10.0.0.2 100\nbytes version dstaddr srcaddr\n50 2 10.0.0.1 10.0.0.2\n2 x\n"), uint8(7))
	f.Add([]byte("2 123456789012 eni-0a 10.0.0.1 10.0.2.100 1 22 6 10 840 1700000000 1700000060 REJECT OK\n${version} ${bytes} ${srcaddr}\n2 9 10.0.0.9"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		if _, kind, err := file.DecodedKind(bytes.NewReader(data)); err != nil || kind != envelope.Text {
			return // an envelope or binary data: not the line reading tested here
		}
		path := filepath.Join(t.TempDir(), "c.log")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		const q = `stats count(*) as n, sum(bytes) as b, count(srcaddr) as s`
		want, wi := sequential(t, q, []string{path})
		got, gi := parallel(t, q, []string{path}, Options{Ordered: true, Bytes: 16 + int(size)}, 3)
		if rowsText(got) != rowsText(want) || gi.Records != wi.Records || gi.Malformed != wi.Malformed {
			t.Fatalf("chunked %s (%d records, %d malformed), line by line %s (%d, %d)",
				rowsText(got), gi.Records, gi.Malformed, rowsText(want), wi.Records, wi.Malformed)
		}
	})
}
