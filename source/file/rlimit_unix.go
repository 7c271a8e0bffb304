//go:build unix

package file

import "syscall"

// defaultMaxOpen leaves three quarters of the descriptor limit to the rest
// of the program (sockets, the log file, other sources).
func defaultMaxOpen() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 64
	}
	return int(min(max(rl.Cur/4, 4), 512))
}
