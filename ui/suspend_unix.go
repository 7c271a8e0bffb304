//go:build unix

package ui

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"
)

// suspendOnSignal turns a SIGTSTP from outside (kill -TSTP, a job control
// tool) into Bubble Tea's own suspend, which gives the terminal back before
// stopping and redraws after fg. Bubble Tea stops the process by sending
// SIGTSTP itself, so the signal is left to its default action until the
// program has resumed.
func suspendOnSignal(ctx context.Context, send func(tea.Msg), resumed <-chan struct{}) {
	sig := make(chan os.Signal, 1)
	for {
		signal.Notify(sig, syscall.SIGTSTP)
		select {
		case <-ctx.Done():
			signal.Stop(sig)
			return
		case <-sig:
		}
		signal.Reset(syscall.SIGTSTP)
		send(tea.SuspendMsg{})
		select {
		case <-ctx.Done():
			return
		case <-resumed:
		}
	}
}
