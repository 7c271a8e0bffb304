package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source/chunk"
)

// SetColumns says which fields a query needs, so Parquet objects fetch
// only those column chunks. Call it before Run.
func (s *Source) SetColumns(columns func(model.FieldID) bool) { s.columns = columns }

// Streams lists every location once and returns its objects as chunk
// reader streams, in listing order, for a headless read to its end that
// parses them in parallel the way local captures are. ok is false when
// the objects must go through Run instead: following, a time window
// (records outside it are dropped line by line there), or a Parquet
// object (read with ranged GETs, not as one stream). The errors of
// locations that could not be listed come back with the streams; done
// reports unreadable objects once the streams are read.
func (s *Source) Streams(ctx context.Context) (streams []chunk.Stream, ok bool, err error) {
	if s.cfg.Follow || !s.cfg.Since.IsZero() || !s.cfg.Until.IsZero() || len(s.cfg.Locations) == 0 {
		return nil, false, nil
	}
	var objs []object
	var listErrs []error
	size := int64(0)
	for _, loc := range s.cfg.Locations {
		client, err := s.cfg.Clients.bucketClient(ctx, loc.Bucket, s.retry)
		if err != nil {
			listErrs = append(listErrs, err)
			s.prog.listFailed.Add(1)
			continue
		}
		l := &lister{src: s, client: client, loc: loc, span: span{to: s.cfg.Now()}, each: func(o object) error {
			objs = append(objs, o)
			size += max(o.size, 0)
			return nil
		}}
		if err := l.run(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			listErrs = append(listErrs, err)
			s.prog.listFailed.Add(1)
		}
	}
	for _, o := range objs {
		if strings.HasSuffix(o.key, ".parquet") {
			return nil, false, nil // listed again by Run
		}
	}
	s.prog.objects.Store(int64(len(objs)))
	s.prog.totalBytes.Store(size)
	s.prog.listed.Store(true)
	s.say(fmt.Sprintf("--since all: reading %d objects (%s) from %s", len(objs), humanBytes(size), s.Name()))
	for _, o := range objs {
		read := new(atomic.Bool)
		streams = append(streams, chunk.Stream{
			Origin: o.origin(),
			Open: func(ctx context.Context) (io.ReadCloser, error) {
				return &objectStream{src: s, o: o, read: read, body: &objectBody{ctx: ctx, client: o.client, bucket: o.bucket, key: o.key, size: -1, retry: s.retry,
					onRead: func(n int) { s.prog.bytes.Add(int64(n)) }}}, nil
			},
			Lines: func(n int64) { s.prog.lines.Add(n) },
			Done: func() {
				read.Store(true)
				s.prog.read.Add(1)
				s.prog.newest(o.stamp)
			},
		})
	}
	return streams, true, errors.Join(listErrs...)
}

// objectStream is one object's body for the chunk reader: a failure is
// counted as an unreadable object, as Run does, whether the body could
// not be fetched or the reader refused what it held (closed without being
// read whole, while the read was not called off).
type objectStream struct {
	src    *Source
	o      object
	body   *objectBody
	read   *atomic.Bool // the reader took the object whole (Stream.Done)
	failed bool
}

func (r *objectStream) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if err != nil && err != io.EOF && !r.failed && r.body.ctx.Err() == nil {
		r.failed = true
		r.src.prog.failed.Add(1)
		r.src.noteError(err) // the chunk reader names the object
	}
	return n, err
}

func (r *objectStream) Close() error {
	if !r.read.Load() && !r.failed && r.body.ctx.Err() == nil {
		r.failed = true
		r.src.prog.failed.Add(1)
	}
	return r.body.Close()
}

// Summary is the count of objects skipped as unreadable, for after the
// streams are read; nil when none was.
func (s *Source) Summary() error {
	if failed := s.prog.failed.Load(); failed > 0 {
		return fmt.Errorf("%d of %d objects skipped as unreadable; the others were read", failed, s.prog.objects.Load())
	}
	return nil
}

// Report starts the progress lines of a read through Streams; stop ends
// them with the last one.
func (s *Source) Report(ctx context.Context) (stop func()) {
	if s.cfg.Report == nil {
		return func() {}
	}
	return s.report(ctx)
}
