package ui

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// timeAfter is how long the driver waits for a command: a timer (a tick,
// a throttle, a cursor blink) is not waited out; any other command is
// background work whose result the test needs, however loaded the machine.
func timeAfter(timer bool) <-chan time.Time {
	if timer {
		return time.After(50 * time.Millisecond)
	}
	return time.After(10 * time.Second)
}

// isTimer reports whether cmd is a timer, by the function that built it.
func isTimer(cmd tea.Cmd) bool {
	name := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
	for _, timer := range []string{"bubbletea/v2.Tick.", "bubbletea/v2.Every.", "cursor.(*Model).Blink"} {
		if strings.Contains(name, timer) {
			return true
		}
	}
	return false
}

// isTerminalRequest reports the unexported request messages bubbletea
// answers from the terminal (background colour, clipboard writes).
func isTerminalRequest(msg any) bool {
	switch fmt.Sprintf("%T", msg) {
	case "tea.backgroundColorMsg", "tea.setClipboardMsg", "tea.setPrimaryClipboardMsg":
		return true
	}
	return false
}
