package s3_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/s3test"
	"github.com/flowtail/flowtail/model"
	filesrc "github.com/flowtail/flowtail/source/file"
	s3src "github.com/flowtail/flowtail/source/s3"
)

// benchData stores 200 objects of 500 records in the fake and, the same
// bytes, in a local directory.
func benchData(b *testing.B) (*s3test.Fake, string, int64) {
	fk := s3test.New(b)
	fk.Env(b)
	fk.Bucket(b, "bench", "")
	dir := b.TempDir()
	lay := defaultLayout("123456789012", "us-east-1")
	var lines int64
	for i := range 200 {
		at := base.Add(time.Duration(i) * 5 * time.Minute)
		f := makeFile(lay("", at), at, 500, i)
		data := f.gzip(b)
		fk.Put(b, "bench", f.key, data)
		path := filepath.Join(dir, f.key)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		lines += int64(len(f.records))
	}
	return fk, dir, lines
}

// BenchmarkRead compares reading 100,000 records in 200 gzip objects from
// the local S3 endpoint with reading the same files from disk, through
// the sources alone (no parsing).
func BenchmarkRead(b *testing.B) {
	_, dir, want := benchData(b)
	count := func(n *atomic.Int64) func(model.Batch) {
		return func(bt model.Batch) { n.Add(int64(len(bt.Events))) }
	}
	b.Run("s3", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var n atomic.Int64
			src := newSource(b, s3src.ClientOptions{}, s3src.Config{}, "s3://bench/")
			if err := src.Run(context.Background(), count(&n)); err != nil {
				b.Fatal(err)
			}
			if p := src.Progress(); p.Retries > 0 || p.Failed > 0 {
				b.Fatalf("%+v", p)
			}
			if n.Load() != want+200 { // and a header line each
				b.Fatalf("read %d lines, want %d", n.Load(), want+200)
			}
		}
		b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("local", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var n atomic.Int64
			if err := filesrc.New([]string{dir}, filesrc.Options{}).Run(context.Background(), count(&n)); err != nil {
				b.Fatal(err)
			}
			if n.Load() != want+200 {
				b.Fatalf("read %d lines, want %d", n.Load(), want+200)
			}
		}
		b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
