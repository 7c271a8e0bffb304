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

// reclaimEvery is how many chunks are parsed between two moments when
// none is in flight and the store's interner may reclaim what the ring no
// longer holds (it cannot while records parsed ahead are not appended).
// At a megabyte a chunk, a capture of ids seen once holds at most this
// many chunks' strings beyond the ring's, not the whole file's.
var reclaimEvery = 16

// reclaimAt is how many strings must wait to be reclaimed before the
// loader pauses for it: a capture of a few hundred interfaces never waits
// for as many and loads without pausing; one of ids seen once reaches it
// within a few chunks.
var reclaimAt = 1 << 14

// Load reads the reader's inputs into store with workers goroutines
// parsing at once; records enter the ring in input order, as one reader
// would append them. It returns when everything is read or ctx ends, with
// the errors of inputs that could not be read. override is --format (nil:
// per-line rules).
func Load(ctx context.Context, r *Reader, store *model.Store, override *model.Format, workers int) []error {
	workers = max(workers, 1)
	r.opt.Ordered = true
	release := store.HoldNames() // records parsed ahead use strings the ring may not hold yet
	defer func() { release() }()
	read := make(chan struct{})
	var errs []error
	raw := make(chan *query.Chunk, 2*workers)
	go func() {
		defer close(read)
		errs = r.Run(ctx, raw)
	}()
	window := loadWindow * workers
	slots := make(chan struct{}, window)
	free := make(chan *model.Decoded, window+workers)
	var mu sync.Mutex
	appended := sync.NewCond(&mu)
	pending := map[int]*model.Decoded{}
	next, appending := 0, false
	done := 0 // chunks appended to the ring (next counts those taken to append)
	// The workers get chunks through a gate that, every reclaimEvery
	// chunks, waits until all before are appended and lets the interner
	// reclaim: no record parsed ahead exists at that moment.
	chunks := make(chan *query.Chunk, 2*workers)
	go func() {
		defer close(chunks)
		for c := range raw {
			if c.Seq > 0 && c.Seq%reclaimEvery == 0 && store.NamesWaiting() >= reclaimAt {
				mu.Lock()
				for done < c.Seq { // every chunk before was handed out, so each is appended
					appended.Wait()
				}
				mu.Unlock()
				release()
				release = store.HoldNames()
			}
			chunks <- c
		}
	}()
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
			done++
			appended.Broadcast()
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
