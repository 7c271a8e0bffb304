package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

// TestEachRecordVisitsEachOnce: the chunked background walk sees every
// buffered record exactly once across several read locks, and skips
// requested records that have been evicted.
func TestEachRecordVisitsEachOnce(t *testing.T) {
	n := 2*chunkRecords + 123
	s := model.NewStore(n)
	lines := make([]string, n+50)
	for i := range lines {
		lines[i] = fmt.Sprintf("2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 %d %d ACCEPT OK", 1700000000+i, 1700000000+i)
	}
	appendLines(t, s, model.DefaultFormat, lines...) // the first 50 are evicted
	var seen []uint64
	eachRecord(s, nil, true, func(seq uint64, f *model.Flow, _ *model.Ext) {
		if f.Start != 1700000000+uint32(seq) {
			t.Fatalf("record %d has start %d", seq, f.Start)
		}
		seen = append(seen, seq)
	})
	if len(seen) != n || seen[0] != 50 || seen[n-1] != uint64(n+49) {
		t.Fatalf("visited %d records from %d to %d, want %d from 50", len(seen), seen[0], seen[len(seen)-1], n)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] != seen[i-1]+1 {
			t.Fatalf("record %d visited after %d", seen[i], seen[i-1])
		}
	}
	var got []uint64
	eachRecord(s, []uint64{3, 49, 50, 51, uint64(n + 49), uint64(n + 50)}, false, func(seq uint64, _ *model.Flow, _ *model.Ext) {
		got = append(got, seq)
	})
	if len(got) != 3 || got[0] != 50 || got[1] != 51 || got[2] != uint64(n+49) {
		t.Errorf("visited %v, want only the buffered 50, 51 and %d", got, n+49)
	}
}

// TestThrottleHoldsCostlyRecountsAndRetries: after a recount that took
// long, the next waits four times its cost, and exactly one retry is
// scheduled so the last change still shows.
func TestThrottleHoldsCostlyRecountsAndRetries(t *testing.T) {
	var th throttle
	if held, _ := th.hold("p"); held {
		t.Fatal("a first recount must not wait")
	}
	th.started()
	th.lastCost = time.Second
	held, retry := th.hold("p")
	if !held || retry == nil {
		t.Fatalf("held=%v retry=%v after a one-second recount", held, retry != nil)
	}
	if held, again := th.hold("p"); !held || again != nil {
		t.Errorf("a second refresh while waiting should be held without another retry")
	}
	th.lastCost = time.Microsecond
	th.retrying = false
	if held, _ := th.hold("p"); held {
		t.Errorf("a cheap recount should not wait")
	}
}
