package cli

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/awscall"
	"github.com/flowtail/flowtail/source/cloudwatch"
	"github.com/flowtail/flowtail/ui"
)

// onceCounter counts how often each record number reached the ring.
type onceCounter struct {
	mu   sync.Mutex
	seen []uint8
}

func (c *onceCounter) Added(f *model.Flow, _ *model.Ext) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := int(f.Packets)
	for n >= len(c.seen) {
		c.seen = append(c.seen, 0)
	}
	c.seen[n] = min(c.seen[n]+1, 255)
}

func (c *onceCounter) Evicted(*model.Flow, *model.Ext) {}

// TestSoakLiveTailWithFaults runs the TUI on a live tail of the fake
// CloudWatch endpoint (loopback only) while events keep arriving and the
// endpoint throttles, fails, hangs, resets and samples. Every event must
// reach the ring exactly once and the heap must stay flat. It runs for a
// few seconds in `go test ./...`; FLOWTAIL_SOAK=10m runs it for ten
// minutes (see the README).
func TestSoakLiveTailWithFaults(t *testing.T) {
	length := 4 * time.Second
	if v := os.Getenv("FLOWTAIL_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("FLOWTAIL_SOAK=%q: %v", v, err)
		}
		length = d
	}
	if testing.Short() {
		length = 2 * time.Second
	}
	srv := awstest.New(t)
	srv.SetLiveTail(200*time.Millisecond, 0, 0)
	srv.SetPageSize(50)
	srv.CreateLogGroup(testGroup) // before the tail starts: the group exists, it has no events yet
	deadlines := awscall.Deadlines{Connect: time.Second, FirstByte: 500 * time.Millisecond, Call: time.Second, StreamIdle: time.Second}
	cfg := srv.AWSConfig()
	cfg.HTTPClient = deadlines.HTTPClient()
	src := cloudwatch.New(cloudwatch.Config{Client: cloudwatch.NewClient(cfg), Groups: []string{testGroup}, Region: awstest.Region,
		Since: time.Now().Add(-time.Minute), Lookback: 20 * time.Second, PollInterval: 2 * time.Second,
		RepairDelay: 300 * time.Millisecond, BackoffBase: 50 * time.Millisecond, BackoffMax: 400 * time.Millisecond, Deadlines: deadlines})

	store := model.NewStore(2000)
	counter := &onceCounter{}
	store.Observe(counter)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srcs := []source.Source{src}
	health := newHealthBoard(srcs)
	ingested := make(chan struct{})
	go func() {
		defer close(ingested)
		ingestAll(ctx, srcs, store, nil, func(i int, err error) { health.fail(i, err) })
	}()
	pr, pw := io.Pipe()
	defer pw.Close()
	uiDone := make(chan error, 1)
	go func() {
		uiDone <- ui.Run(ctx, ui.Config{Store: store, Sources: []string{src.Name()}, Health: health.snapshot, Compile: ui.QueryFilter, Tick: 50 * time.Millisecond},
			tea.WithInput(pr), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40))
	}()

	// Events arrive steadily on several interfaces, some of them late;
	// faults are injected at random moments.
	rng := rand.New(rand.NewPCG(7, 9))
	faults := []struct {
		op   string
		kind awstest.FaultKind
	}{
		{"FilterLogEvents", awstest.Throttle}, {"FilterLogEvents", awstest.InternalError}, {"FilterLogEvents", awstest.Reset},
		{"FilterLogEvents", awstest.Hang}, {"FilterLogEvents", awstest.Malformed}, {"FilterLogEvents", awstest.EmptyPage},
		{"StartLiveTail", awstest.Throttle}, {"StartLiveTail", awstest.Sampled}, {"StartLiveTail", awstest.StreamReset},
		{"StartLiveTail", awstest.SessionTimeout}, {"StartLiveTail", awstest.StreamStall},
	}
	var heaps []uint64
	began := time.Now()
	sent := 0
	for tick := 0; time.Since(began) < length; tick++ {
		var evs []awstest.Event
		now := time.Now()
		for range 10 {
			eni := fmt.Sprintf("eni-0%016d", sent%5)
			late := time.Duration(rng.IntN(5)) * time.Second
			evs = append(evs, awstest.Event{Stream: eni, Time: now.Add(-late), Visible: now.Add(time.Duration(rng.IntN(400)) * time.Millisecond),
				Message: fmt.Sprintf("2 123456789010 %s 10.0.0.1 10.0.0.2 443 %d 6 %d 840 %d %d ACCEPT OK", eni, 1024+sent%60000, sent, now.Unix(), now.Unix()+60)})
			sent++
		}
		srv.Put(testGroup, evs...)
		if tick%10 == 5 {
			f := faults[rng.IntN(len(faults))]
			srv.Inject(f.op, f.kind, 1+rng.IntN(2))
		}
		if tick%20 == 0 {
			srv.Forget(now.Add(-time.Minute)) // the fake's own store must not grow either
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heaps = append(heaps, ms.HeapAlloc)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the tail catch up with the last events, faults spent.
	deadline := time.Now().Add(30 * time.Second)
	for {
		counter.mu.Lock()
		got := 0
		for _, c := range counter.seen {
			if c > 0 {
				got++
			}
		}
		counter.mu.Unlock()
		if got >= sent || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-uiDone; err != nil {
		t.Errorf("ui: %v", err)
	}
	<-ingested

	counter.mu.Lock()
	defer counter.mu.Unlock()
	var missing, twice []int
	for n := 0; n < sent; n++ {
		switch {
		case n >= len(counter.seen) || counter.seen[n] == 0:
			missing = append(missing, n)
		case counter.seen[n] > 1:
			twice = append(twice, n)
		}
	}
	if len(missing)+len(twice) > 0 || len(counter.seen) > sent {
		t.Fatalf("%d events sent over %s: %d missing %v, %d more than once %v (status %+v)",
			sent, length, len(missing), missing[:min(len(missing), 10)], len(twice), twice[:min(len(twice), 10)], src.Status())
	}
	// Memory follows the ring and the lookback window: the heap in the
	// second half of the run stays within a margin of the first.
	if len(heaps) >= 4 {
		first, last := heaps[len(heaps)/4], heaps[len(heaps)-1]
		t.Logf("%d events over %s: heap %d KiB at a quarter, %d KiB at the end; %d sessions", sent, length, first>>10, last>>10, srv.Calls("StartLiveTail"))
		if last > first+16<<20 {
			t.Errorf("heap grew from %d MiB to %d MiB", first>>20, last>>20)
		}
	}
}
