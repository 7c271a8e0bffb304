package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/flowtail/flowtail/internal/s3test"
)

func TestObjectAtReadsRanges(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	data := make([]byte, 700_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.UintN(256))
	}
	fk.Put(t, "logs", "x.log.parquet", data)
	cl, err := NewClients(context.Background(), ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Clients: cl})
	a := &objectAt{ctx: context.Background(), client: cl.client(""), bucket: "logs", key: "x.log.parquet", size: int64(len(data)), retry: s.retry}

	// A reader of Parquet: the last 8 bytes, then the footer before them,
	// then a stretch in the middle.
	for _, r := range []struct{ off, n int }{{len(data) - 8, 8}, {len(data) - 4000, 3992}, {4, 4}, {300_000, 200_000}, {300_100, 10}} {
		p := make([]byte, r.n)
		n, err := a.ReadAt(p, int64(r.off))
		if err != nil || n != r.n || !bytes.Equal(p, data[r.off:r.off+r.n]) {
			t.Fatalf("ReadAt(%d, %d) = %d, %v; bytes equal: %v", r.n, r.off, n, err, bytes.Equal(p[:n], data[r.off:r.off+n]))
		}
	}
	if got := len(fk.Gets()); got != 3 {
		t.Errorf("%d GETs for reads at the end, the start and one stretch, want 3 (near reads share a range)", got)
	}
	// Past the end: what there is, and io.EOF.
	p := make([]byte, 100)
	if n, err := a.ReadAt(p, int64(len(data)-10)); n != 10 || !errors.Is(err, io.EOF) || !bytes.Equal(p[:10], data[len(data)-10:]) {
		t.Errorf("ReadAt at the end = %d, %v", n, err)
	}
	// A range cut mid-body is fetched again.
	fk.Cut("x.log.parquet", 1000, 1)
	a.buf = a.buf[:0]
	q := make([]byte, 50_000)
	if n, err := a.ReadAt(q, 100_000); err != nil || n != len(q) || !bytes.Equal(q, data[100_000:150_000]) {
		t.Errorf("ReadAt after a cut = %d, %v", n, err)
	}
}
