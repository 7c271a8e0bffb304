package cli

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A capture compressed twice, or a Parquet file compressed with gzip, is
// named as what it is and what to do, not called binary data that is not
// gzip, or a Parquet file with an invalid header.
func TestGzipOfGzipAndOfParquetAreNamed(t *testing.T) {
	zip := func(b []byte) []byte {
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(b)
		zw.Close()
		return out.Bytes()
	}
	pq, err := os.ReadFile("../../testdata/envelopes/records.parquet")
	if err != nil {
		t.Fatal(err)
	}
	rec := "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 22 6 10 5 1700000000 1700000060 ACCEPT OK\n"
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"twice.log.gz":    {zip(zip([]byte(rec))), "gzip inside gzip"},
		"rows.parquet.gz": {zip(pq), "gzip-compressed Parquet"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"cat", path}, {"query", "stats count(*)", path}} {
			_, errOut, code := runCmd(t, args...)
			if code != exitRuntime || !strings.Contains(errOut, "read "+path+": ") || !strings.Contains(errOut, tc.want) {
				t.Errorf("%s: %s: exit %d, stderr %q; want 1 and %q", name, args[0], code, errOut, tc.want)
			}
		}
	}
}
