package s3

import (
	"context"
	"sync"
	"time"

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
			rd := new(file.Reader)
			w := newWindow(unix(s.cfg.Since), p.until(), s.cfg.Format)
			for o := range p.jobs {
				p.read(ctx, rd, w, o, emit)
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

func (p *pool) read(ctx context.Context, rd *file.Reader, w *window, o object, emit func(model.Batch)) {
	s := p.src
	body := &objectBody{ctx: ctx, client: o.client, bucket: o.bucket, key: o.key, size: -1, retry: s.retry,
		onRead: func(n int) { s.prog.bytes.Add(int64(n)) }}
	defer body.Close()
	w.reset()
	err := rd.ReadAll(body, o.origin(), func(b model.Batch) {
		if d := w.filter(&b); d > 0 {
			s.prog.dropped.Add(int64(d))
		}
		if len(b.Events) == 0 {
			return
		}
		s.prog.lines.Add(int64(len(b.Events)))
		emit(b)
	}, ctx.Err)
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
