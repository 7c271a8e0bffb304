package ui

import (
	"strings"
	"testing"
)

func TestEveryBindingHasHelp(t *testing.T) {
	k := DefaultKeymap()
	for i, b := range k.all() {
		h := b.Help()
		if len(b.Keys()) == 0 || h.Key == "" || h.Desc == "" {
			t.Errorf("binding %d (keys %v) lacks keys or help: %+v", i, b.Keys(), h)
		}
	}
}

func TestTypingDisablesPrintableBindings(t *testing.T) {
	k := DefaultKeymap()
	k.setTyping(true)
	for _, b := range k.all() {
		if !b.Enabled() {
			continue
		}
		for _, key := range b.Keys() {
			if len([]rune(key)) == 1 {
				t.Errorf("binding %q stays enabled while typing; typing %q would trigger it", b.Help().Desc, key)
			}
		}
	}
	if !k.ForceQuit.Enabled() || !k.Apply.Enabled() || !k.Cancel.Enabled() {
		t.Error("ctrl+c, enter and esc must stay live in the filter bar")
	}
	k.setTyping(false)
	if !k.Quit.Enabled() || k.Apply.Enabled() {
		t.Error("leaving the filter bar must restore the normal bindings")
	}
}

// However narrow, every pane's footer keeps `?` (first) and how to quit
// (last): the pane's own keys give way in between.
func TestFooterKeepsHelpAndQuitOnEveryPane(t *testing.T) {
	for _, w := range []int{60, 80} {
		d := newDriver(t, fixtureConfig(fixtureStore(t)), w, 24)
		for _, slot := range []string{"1", "2", "3", "4", "5"} {
			d.keys(slot)
			d.refresh()
			f := d.footerLine()
			if !strings.HasPrefix(f, "? help") || !strings.HasSuffix(strings.TrimRight(f, " "), "q quit") {
				t.Errorf("width %d, pane %s: footer %q", w, slot, f)
			}
		}
		d.keys("3", "c") // a sub-list says how to leave it
		if f := d.footerLine(); !strings.Contains(f, "esc back") {
			t.Errorf("width %d, conversations: footer %q", w, f)
		}
	}
}
