//go:build unix

package file

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time. On a machine shared with
// other work, records per CPU second says more than records per wall
// second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
