package ui

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// runGolden drives the real program at a fixed size with the ASCII colour
// profile (no colours, attributes kept: the NO_COLOR look), presses keys,
// waits until the output shows until (when set), and compares the final screen with
// testdata/<name>.golden (`go test -update` rewrites it).
func runGolden(t *testing.T, w, h int, until string, keys ...string) {
	t.Helper()
	onlyFlowsPane(t)
	m := newRoot(fixtureConfig(fixtureStore(t)))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("ACTION")) },
		teatest.WithDuration(5*time.Second))
	for _, k := range keys {
		tm.Send(keyPress(k))
	}
	if until != "" { // keys whose effect arrives through a command
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(until)) },
			teatest.WithDuration(5*time.Second))
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*rootModel)
	golden.RequireEqual(t, []byte(final.View().Content))
}

func TestGoldenFlows(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			runGolden(t, size[0], size[1], "", "j", "j")
		})
	}
}

func TestGoldenDetail(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			runGolden(t, size[0], size[1], "record #8", "enter")
		})
	}
}

func TestGoldenDetailIPv6(t *testing.T) {
	runGolden(t, 120, 40, "record #6", "j", "j", "enter")
}

func TestGoldenFiltered(t *testing.T) {
	runGolden(t, 80, 24, "filter: rej (2)", "/", "r", "e", "j", "enter")
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
