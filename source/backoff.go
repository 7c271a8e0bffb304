package source

import (
	"math/rand/v2"
	"time"
)

// Backoff is the wait before retry number attempt (1 = the first retry):
// base doubled per attempt up to limit, with equal jitter (half fixed, half
// random) so many clients throttled together do not retry in step.
func Backoff(base, limit time.Duration, attempt int) time.Duration {
	d := base << min(max(attempt-1, 0), 16)
	if d > limit || d <= 0 {
		d = limit
	}
	return d/2 + rand.N(d/2+1)
}
