package s3

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source/file"
)

// pool reads objects with a fixed number of workers, each with its own
// buffers and decoder, so memory follows the pool size, never the number
// of objects. Each object is streamed whole by one worker, so its records
// arrive in the order they were written.
type pool struct {
	src  *Source
	jobs chan object
	wg   sync.WaitGroup // objects submitted and not yet read
	done sync.WaitGroup // workers
}

func newPool(ctx context.Context, s *Source, emit func(model.Batch)) *pool {
	p := &pool{src: s, jobs: make(chan object)}
	for range s.cfg.Concurrency {
		p.done.Add(1)
		go func() {
			defer p.done.Done()
			st := file.NewStreamer(file.Options{Columns: s.columns})
			w := newWindow(unix(s.cfg.Since), p.until(), s.cfg.Format)
			for o := range p.jobs {
				p.read(ctx, st, w, o, emit)
				p.wg.Done()
			}
		}()
	}
	return p
}

// until is the upper bound of the records kept: --until, or none.
func (p *pool) until() int64 {
	return unix(p.src.cfg.Until)
}

// unix is t in unix seconds, 0 for no bound.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// submit hands an object to a worker, waiting for one to be free.
func (p *pool) submit(ctx context.Context, o object) error {
	p.wg.Add(1)
	select {
	case p.jobs <- o:
		return nil
	case <-ctx.Done():
		p.wg.Done()
		return ctx.Err()
	}
}

// wait returns when every object submitted so far is read.
func (p *pool) wait() { p.wg.Wait() }

func (p *pool) stop() {
	close(p.jobs)
	p.done.Wait()
}

func (p *pool) read(ctx context.Context, st *file.Streamer, w *window, o object, emit func(model.Batch)) {
	s := p.src
	onRead := func(n int) { s.prog.bytes.Add(int64(n)) }
	w.reset()
	filtered := func(b model.Batch) {
		if d := w.filter(&b); d > 0 {
			s.prog.dropped.Add(int64(d))
		}
		if len(b.Events) == 0 {
			return
		}
		s.prog.lines.Add(int64(len(b.Events)))
		emit(b)
	}
	var err error
	if strings.HasSuffix(o.key, ".parquet") {
		err = p.readParquet(ctx, st, o, filtered, onRead)
	} else {
		body := &objectBody{ctx: ctx, client: o.client, bucket: o.bucket, key: o.key, size: -1, retry: s.retry, onRead: onRead}
		err = st.Read(ctx, body, o.origin(), filtered)
		body.Close()
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		s.objectFailed(o, err)
		return
	}
	s.prog.read.Add(1)
	s.prog.newest(o.stamp)
}

// readParquet reads a Parquet object with ranged GETs: its footer first,
// then the column chunks of each row group, never the object as one
// stream (Parquet cannot be read from its start).
func (p *pool) readParquet(ctx context.Context, st *file.Streamer, o object, emit func(model.Batch), onRead func(int)) error {
	s := p.src
	if o.size < 0 { // named by the user, not listed: ask its size
		err := s.retry(ctx, opHead, o.bucket, o.key, func(ctx context.Context) error {
			out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)})
			if err == nil {
				o.size, o.etag = aws.ToInt64(out.ContentLength), aws.ToString(out.ETag)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	at := &objectAt{ctx: ctx, client: o.client, bucket: o.bucket, key: o.key, etag: o.etag, size: o.size, retry: s.retry, onRead: onRead}
	return st.ReadAt(ctx, at, o.size, o.origin(), emit)
}
