package ui

import (
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestDefaultKeymapHasNoCollisions(t *testing.T) {
	if _, err := RemapKeys(nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"quit", "force_quit", "next_pane", "page_down", "export"} {
		if !slices.Contains(ActionNames(), n) {
			t.Errorf("no action %q in %v", n, ActionNames())
		}
	}
}

func TestRemapKeys(t *testing.T) {
	k, err := RemapKeys(map[string][]string{"quit": {"x"}, "filter": {"ctrl+f", "/"}, "page_down": {"pgdown"}})
	if err != nil {
		t.Fatal(err)
	}
	press := func(s string) tea.KeyPressMsg {
		if s == "ctrl+f" {
			return tea.KeyPressMsg{Code: 'f', Mod: tea.ModCtrl}
		}
		return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
	}
	if !key.Matches(press("x"), k.Quit) || key.Matches(press("q"), k.Quit) {
		t.Error("quit is not on x alone")
	}
	if !key.Matches(press("ctrl+f"), k.Filter) || !key.Matches(press("/"), k.Filter) {
		t.Error("filter is not on ctrl+f and /")
	}
	if k.Quit.Help().Key != "x" || k.Filter.Help().Key != "ctrl+f//" || k.Quit.Help().Desc != "quit" {
		t.Errorf("help shows %q %q", k.Quit.Help(), k.Filter.Help())
	}
	for _, c := range []struct {
		remap map[string][]string
		want  string
	}{
		{map[string][]string{"qiut": {"x"}}, "qiut: no such action (actions: quit, force_quit"},
		{map[string][]string{"export": {"q"}}, `export: "q" is also the key of quit; give one of them another key`},
		{map[string][]string{"follow": {"j"}}, `follow: "j" is also the key of down`},
		{map[string][]string{"apply": {"esc"}}, `apply: "esc" is also the key of cancel`},
		{map[string][]string{"quit": {""}}, `quit: "" is not a key`},
		// ctrl+s exports in the panes and nothing uses it while typing:
		// an action of each may share a key.
		{map[string][]string{"history": {"ctrl+s"}}, ""},
	} {
		_, err := RemapKeys(c.remap)
		if (c.want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), c.want)) {
			t.Errorf("%v: %v, want %q", c.remap, err, c.want)
		}
	}
}

// The footer and the help screen show the remapped keys.
func TestRemappedKeysInHelpAndFooter(t *testing.T) {
	k, err := RemapKeys(map[string][]string{"quit": {"x"}, "help": {"f1"}})
	if err != nil {
		t.Fatal(err)
	}
	m := newRoot(Config{Store: fixtureStore(t), Keys: k})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	footer := ansi.Strip(m.render())
	if !strings.Contains(footer, "x quit") || !strings.Contains(footer, "f1 help") || strings.Contains(footer, "q quit") {
		t.Errorf("footer:\n%s", footer)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyF1})
	full := ansi.Strip(m.render())
	if !strings.Contains(full, "x") || !strings.Contains(full, "quit") || !strings.Contains(full, "f1") {
		t.Errorf("help screen:\n%s", full)
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'x', Text: "x"}); cmd == nil {
		t.Error("x does not quit")
	}
}

// The triage panes answer to the keymap too: remapped sort, reverse and
// moving keys work there, and the old keys no longer do.
func TestRemappedKeysInTriagePanes(t *testing.T) {
	k, err := RemapKeys(map[string][]string{"sort": {"o"}, "reverse_sort": {"O"}, "down": {"x"}, "conversations": {"C"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Keys = k
	d := newDriver(t, cfg, 120, 40)
	d.keys("2")
	p := d.m.panes[d.m.active].(*interfacesPane)
	by := p.sortBy
	d.keys("s")
	if p.sortBy != by {
		t.Error("s still sorts the interfaces after sort was moved to o")
	}
	d.keys("o")
	if p.sortBy == by {
		t.Error("o does not sort the interfaces")
	}
	if !strings.Contains(d.screen(), "o sort") {
		t.Errorf("the footer should name o for sorting:\n%s", d.screen())
	}
	at := p.list.cursor
	d.keys("x")
	if p.list.cursor == at {
		t.Error("x does not move down the interfaces")
	}
	d.keys("3", "C")
	if !strings.Contains(d.screen(), "CONVERSATIONS") {
		t.Errorf("C should open the conversations:\n%s", d.screen())
	}
}
