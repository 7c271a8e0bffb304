package ui

import (
	"fmt"
	"time"
)

func timeAfter() <-chan time.Time { return time.After(50 * time.Millisecond) }

// isTerminalRequest reports the unexported request messages bubbletea
// answers from the terminal (background colour, clipboard writes).
func isTerminalRequest(msg any) bool {
	switch fmt.Sprintf("%T", msg) {
	case "tea.backgroundColorMsg", "tea.setClipboardMsg", "tea.setPrimaryClipboardMsg":
		return true
	}
	return false
}
