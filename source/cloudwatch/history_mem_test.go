package cloudwatch

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
)

// A one-shot history read remembers event identities only around the page
// it is on, not for the whole history, and still delivers each event once.
func TestHistoryReadDedupMemoryBounded(t *testing.T) {
	const n = 60_000
	srv := awstest.New(t)
	srv.SetPageSize(2000)
	now := time.Now()
	start := now.Add(-n * 100 * time.Millisecond)
	for i := 0; i < n; i += 1000 {
		var evs []awstest.Event
		for k := i; k < i+1000; k++ {
			ts := start.Add(time.Duration(k) * 100 * time.Millisecond)
			evs = append(evs, awstest.Event{Stream: "eni-1", Time: ts, Message: fmt.Sprintf("2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 %d 6 1 40 1 2 ACCEPT OK", k)})
		}
		srv.Put("/g", evs...)
	}
	src := New(Config{Client: NewClient(srv.AWSConfig()), Groups: []string{"/g"}, Since: start.Add(-time.Minute), Until: now.Add(time.Minute)})
	seen, most := map[string]int{}, 0
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	err := src.Run(context.Background(), func(b model.Batch) {
		for _, ev := range b.Events {
			seen[string(ev.Line)]++
		}
		most = max(most, src.seen.entries) // emit runs under the source's lock
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(src)
	t.Logf("%d events: at most %d identities remembered, %d at the end", n, most, src.seen.entries)
	if len(seen) != n {
		t.Fatalf("%d distinct events delivered, want %d", len(seen), n)
	}
	for l, c := range seen {
		if c != 1 {
			t.Fatalf("%q delivered %d times", l, c)
		}
	}
	if most > 3*2000*2 {
		t.Errorf("%d identities remembered at once for pages of 2000", most)
	}
}
