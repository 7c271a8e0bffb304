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

	"github.com/flowtail/flowtail/model"
)

// runGolden plays keys on the flows pane alone (see playGolden) at w×h;
// until, when set, is the state the last key leads to.
func runGolden(t *testing.T, w, h int, until func(*rootModel) bool, keys ...string) {
	t.Helper()
	onlyPanes(t, 1)
	steps := make([]step, len(keys))
	for i, k := range keys {
		steps[i].key = k
	}
	if len(steps) > 0 {
		steps[len(steps)-1].until = until
	}
	playGolden(t, fixtureStore(t), w, h, steps...)
}

// step is a key and, for keys whose effect arrives through a background
// command, the model state to wait for before the next key.
type step struct {
	key   string
	until func(*rootModel) bool
}

// playGolden drives the real program (teatest) over s at w×h with the
// ASCII colour profile (attributes kept, no colours: the NO_COLOR look),
// runs the steps and compares the final screen with the test's golden
// file (`go test -update` rewrites it).
func playGolden(t *testing.T, s *model.Store, w, h int, steps ...step) {
	t.Helper()
	m := newRoot(fixtureConfig(s))
	var until atomic.Pointer[func(*rootModel) bool]
	var ready atomic.Bool
	// The filter sees the model on the program's own goroutine before
	// each message, so reading it there is safe.
	watch := func(tm tea.Model, msg tea.Msg) tea.Msg {
		if f := until.Load(); f != nil && (*f)(tm.(*rootModel)) {
			ready.Store(true)
		}
		return msg
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII), tea.WithFilter(watch)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("ACTION")) },
		teatest.WithDuration(5*time.Second))
	for _, st := range steps {
		if st.until != nil {
			ready.Store(false)
			until.Store(&st.until)
		}
		tm.Send(keyPress(st.key))
		for deadline := time.Now().Add(5 * time.Second); st.until != nil && !ready.Load(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after %q the screen never reached the state under test", st.key)
			}
			tm.Send(pokeMsg{})
		}
		until.Store(nil)
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
