package cloudwatch_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source/cloudwatch"
)

// BenchmarkLiveIngest20k streams 20,000 events/s through the fake's Live
// Tail into a bounded store; each b.N is one second. The fake's per-update
// cap is lifted to measure the pipeline: the real service samples above
// 500 events/s, and then the same events arrive through gap repairs.
func BenchmarkLiveIngest20k(b *testing.B) { benchIngest(b, 20_000, 1_000_000, false) }

// BenchmarkLiveLatency450 follows 450 events/s, under the service's 500
// events per update, so no update is sampled: the latency a user sees.
func BenchmarkLiveLatency450(b *testing.B) { benchIngest(b, 450, 0, false) }

// BenchmarkPollIngest2k polls a 5-second trailing window every 2 seconds
// at 2,000 events/s: the latency of poll mode.
func BenchmarkPollIngest2k(b *testing.B) { benchIngest(b, 2_000, 0, true) }

// BenchmarkPollIngest20k is poll mode at 20,000 events/s: every pass
// re-reads the whole window, 100,000 events, through FilterLogEvents.
func BenchmarkPollIngest20k(b *testing.B) { benchIngest(b, 20_000, 0, true) }

func benchIngest(b *testing.B, rate, perUpdate int, poll bool) {
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv := awstest.New(b)
	srv.SetLiveTail(time.Second, perUpdate, 0)
	srv.CreateLogGroup(group)
	store := model.NewStore(200_000)
	ing := model.NewIngester(store, nil)
	cfg := cloudwatch.Config{Client: cloudwatch.NewClient(srv.AWSConfig()), Groups: []string{group},
		Since: time.Now().Add(-time.Minute), Lookback: 5 * time.Second, PollInterval: 2 * time.Second, Poll: poll}
	src := cloudwatch.New(cfg)

	var mu sync.Mutex
	var lat []int64 // ms from visibility in the fake to delivery
	delivered := 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- src.Run(ctx, func(bt model.Batch) {
			now := time.Now().UnixMilli()
			mu.Lock()
			for i := range bt.Events {
				lat = append(lat, now-bt.Events[i].Ingestion)
			}
			delivered += len(bt.Events)
			mu.Unlock()
			ing.Ingest(bt)
		})
	}()
	time.Sleep(200 * time.Millisecond)

	rng := rand.New(rand.NewPCG(7, 8))
	put := 0
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var heapMid, heapEnd uint64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for sec := 0; sec < b.N; sec++ {
		for k := range 20 {
			now := <-tick.C
			evs := make([]awstest.Event, rate*(k+1)/20-rate*k/20)
			for i := range evs {
				eni := fmt.Sprintf("eni-%02d", rng.IntN(20))
				ts := now.Add(-time.Duration(rng.IntN(2000)) * time.Millisecond)
				evs[i] = awstest.Event{Stream: eni, Time: ts, Visible: now, Message: line(eni, put, ts)}
				put++
			}
			srv.Put(group, evs...)
		}
		srv.Forget(time.Now().Add(-20 * time.Second))
		if sec == b.N*2/3 {
			heapMid = heapNow()
		}
	}
	elapsed := time.Since(start)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		d := delivered
		mu.Unlock()
		if d >= put || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	heapEnd = heapNow()
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	if delivered != put {
		b.Errorf("delivered %d of %d events", delivered, put)
	}
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1]), "max-ms")
	}
	b.ReportMetric(float64(delivered)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(heapMid)/(1<<20), "heap-mid-MB")
	b.ReportMetric(float64(heapEnd)/(1<<20), "heap-end-MB")
	b.ReportMetric(float64(src.Status().Duplicates), "dups-suppressed")
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
