package ui

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// runGolden drives the real program at a fixed size with the ASCII colour
// profile (no colours, attributes kept: the NO_COLOR look), presses keys,
// waits until the model satisfies until (when set: keys whose effect
// arrives through a command), and compares the final screen with
// testdata/<name>.golden (`go test -update` rewrites it).
func runGolden(t *testing.T, w, h int, until func(*rootModel) bool, keys ...string) {
	t.Helper()
	onlyFlowsPane(t)
	m := newRoot(fixtureConfig(fixtureStore(t)))
	var ready atomic.Bool
	// The filter sees the model on the program's own goroutine before
	// each message, so reading it there is safe.
	watch := func(tm tea.Model, msg tea.Msg) tea.Msg {
		if r, ok := tm.(*rootModel); ok && until != nil && until(r) {
			ready.Store(true)
		}
		return msg
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII), tea.WithFilter(watch)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("ACTION")) },
		teatest.WithDuration(5*time.Second))
	for _, k := range keys {
		tm.Send(keyPress(k))
	}
	for deadline := time.Now().Add(5 * time.Second); until != nil && !ready.Load(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the screen never reached the state under test")
		}
		tm.Send(pokeMsg{})
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*rootModel)
	golden.RequireEqual(t, []byte(final.View().Content))
}

// pokeMsg makes the program look at its model again.
type pokeMsg struct{}

func inDetail(r *rootModel) bool { return r.mode == modeDetail }

func filtered(r *rootModel) bool { return r.sh.Matches != nil && !r.scanPending }

func TestGoldenFlows(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			runGolden(t, size[0], size[1], nil, "j", "j")
		})
	}
}

func TestGoldenDetail(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			runGolden(t, size[0], size[1], inDetail, "enter")
		})
	}
}

func TestGoldenDetailIPv6(t *testing.T) {
	runGolden(t, 120, 40, inDetail, "j", "j", "enter")
}

func TestGoldenFiltered(t *testing.T) {
	runGolden(t, 80, 24, filtered, "/", "r", "e", "j", "enter")
}

// onlyFlowsPane keeps these screens about the flows pane and the detail
// view, whatever other panes are registered.
func onlyFlowsPane(t *testing.T) {
	saved := registered
	t.Cleanup(func() { registered = saved })
	registered = nil
	for _, p := range saved {
		if p.slot == 1 {
			registered = append(registered, p)
		}
	}
}
