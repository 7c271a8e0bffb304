package ui

import (
	"fmt"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// triageStore is the shared fixture plus AWS's tcp-flags examples and the
// documented ping whose reply a network ACL rejects.
func triageStore(t *testing.T) *model.Store {
	s := fixtureStore(t)
	appendLines(t, s, model.MustParseFormat(flagsFormat),
		"3 eni-0f1 52.213.180.42 10.0.0.62 43416 5001 6 8 568 1700000100 1700000160 ACCEPT 2 OK",
		"3 eni-0f1 10.0.0.62 52.213.180.42 5001 43416 6 7 376 1700000100 1700000160 ACCEPT 18 OK",
		"3 eni-0f1 52.213.180.42 10.0.0.62 43638 5001 6 17 1260 1700000160 1700000220 ACCEPT 3 OK",
		"3 eni-0f1 10.0.0.62 52.213.180.42 5001 43638 6 14 967 1700000160 1700000220 ACCEPT 19 OK",
		"3 eni-0f1 198.51.100.7 10.0.0.62 40001 5432 6 1 60 1700000200 1700000260 ACCEPT 2 OK",
		"3 eni-0f1 10.0.0.62 198.51.100.7 5432 40001 6 1 40 1700000200 1700000260 ACCEPT 4 OK")
	appendLines(t, s, model.DefaultFormat,
		"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1700000230 1700000290 ACCEPT OK",
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1700000240 1700000290 REJECT OK")
	return s
}

// interfacesLoaded and flagsLoaded say the active pane shows its data.
func interfacesLoaded(m *rootModel) bool {
	p, ok := m.panes[m.active].(*interfacesPane)
	return ok && len(p.rows) > 0
}

func flagsLoaded(m *rootModel) bool {
	p, ok := m.panes[m.active].(*flagsPane)
	return ok && p.ready
}

// goldenPane plays the steps (see playGolden) at 80×24 and 120×40 into
// testdata/<test>/<size>.golden. Only the flows, interfaces and flags
// panes are registered, so the screens do not change when other panes
// are added.
func goldenPane(t *testing.T, steps ...step) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			onlyPanes(t, 1, 2, 3)
			playGolden(t, triageStore(t), size[0], size[1], steps...)
		})
	}
}

// onlyPanes shows only the panes of the given slots in the configurations
// fixtureConfig builds for one test.
func onlyPanes(t *testing.T, slots ...int) {
	saved := testSlots
	t.Cleanup(func() { testSlots = saved })
	testSlots = slots
}

func TestGoldenInterfaces(t *testing.T) {
	goldenPane(t, step{"2", interfacesLoaded}, step{key: "j"})
}
