package s3

import "time"

// SetDeadlines shortens the call deadline and the retry budget for a
// test, and puts them back when restore is called.
func SetDeadlines(call, budget time.Duration) (restore func()) {
	c, b := callTimeout, retryBudget
	callTimeout, retryBudget = call, budget
	return func() { callTimeout, retryBudget = c, b }
}

// SetIdle shortens how long a body may send nothing, for a test.
func SetIdle(d time.Duration) (restore func()) {
	old := idleTimeout
	idleTimeout = d
	return func() { idleTimeout = old }
}
