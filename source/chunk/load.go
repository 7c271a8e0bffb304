package chunk

import (
	"context"
	"sync"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// loadWindow bounds, per worker, the chunks parsed ahead of the one the
// ring waits for.
const loadWindow = 4

// Load reads the reader's inputs into store with workers goroutines
// parsing at once; records enter the ring in input order, as one reader
// would append them. It returns when everything is read or ctx ends, with
// the errors of inputs that could not be read. override is --format (nil:
// per-line rules).
func Load(ctx context.Context, r *Reader, store *model.Store, override *model.Format, workers int) []error {
	workers = max(workers, 1)
	r.opt.Ordered = true
	release := store.HoldNames() // records parsed ahead use strings the ring may not hold yet
	defer release()
	chunks := make(chan *query.Chunk, 2*workers)
	var errs []error
	read := make(chan struct{})
	go func() {
		defer close(read)
		errs = r.Run(ctx, chunks)
	}()
	window := loadWindow * workers
	slots := make(chan struct{}, window)
	free := make(chan *model.Decoded, window+workers)
	var mu sync.Mutex
	pending := map[int]*model.Decoded{}
	next, appending := 0, false
	complete := func(seq int, d *model.Decoded) {
		mu.Lock()
		pending[seq] = d
		if appending {
			mu.Unlock()
			return
		}
		appending = true
		for {
			d, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			mu.Unlock()
			store.AppendDecoded(d)
			select {
			case free <- d:
			default:
			}
			<-slots
			mu.Lock()
		}
		appending = false
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec := model.NewDecoder(store.Names(), override)
			for {
				slots <- struct{}{}
				c, ok := <-chunks
				if !ok {
					return
				}
				var d *model.Decoded
				select {
				case d = <-free:
				default:
					d = new(model.Decoded)
				}
				dec.DecodeLines(d, c.Data, c.Origin, c.Stream, c.FirstLine, c.Format)
				r.Release(c)
				complete(c.Seq, d)
			}
		}()
	}
	wg.Wait()
	<-read
	return errs
}
