package source

import (
	"testing"
	"time"
)

func TestBackoffDoublesWithinTheLimitAndJitters(t *testing.T) {
	base, limit := 100*time.Millisecond, time.Second
	for _, tc := range []struct {
		attempt int
		full    time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {4, 800 * time.Millisecond}, {5, time.Second}, {80, time.Second}} {
		for range 50 {
			if d := Backoff(base, limit, tc.attempt); d < tc.full/2 || d > tc.full {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", tc.attempt, d, tc.full/2, tc.full)
			}
		}
	}
}
