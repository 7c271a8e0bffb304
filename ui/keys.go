package ui

import "charm.land/bubbles/v2/key"

// Keymap is every key the TUI answers to, with its help text. Keys follow
// the tailers and TUIs users already know (less, k9s, lnav, lazygit).
// While the filter bar has focus, setTyping switches off every binding a
// printable key could trigger, so typing "q" in a filter never quits.
type Keymap struct {
	// Global.
	Quit      key.Binding
	ForceQuit key.Binding
	Suspend   key.Binding
	Help      key.Binding
	NextPane  key.Binding
	PrevPane  key.Binding
	GotoPane  key.Binding
	Filter    key.Binding
	TimeZone  key.Binding
	Rules     key.Binding // the rules pane for the selected flow
	Malformed key.Binding // the lines that were not records
	Palette   key.Binding // actions and triage queries by fuzzy search

	// Moving through rows.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Oldest   key.Binding
	Newest   key.Binding

	// Flows pane.
	Follow    key.Binding
	Pause     key.Binding
	Open      key.Binding
	Copy      key.Binding
	CopyPairs key.Binding
	Verdicts  key.Binding // the rules' verdict column
	Mark      key.Binding
	NextMark  key.Binding
	PrevMark  key.Binding
	Export    key.Binding

	// Triage panes (interfaces, flags, rules, stats).
	Sort          key.Binding // by the next column
	ReverseSort   key.Binding
	Conversations key.Binding // the flags pane's request/reply pairs
	Reload        key.Binding // reload rules, recount verdicts, run a stats query on AWS

	// Filter bar, detail and help modes.
	Apply   key.Binding
	Cancel  key.Binding
	Back    key.Binding
	History key.Binding // up/down in the filter bar
}

// DefaultKeymap returns the standard bindings.
func DefaultKeymap() Keymap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Keymap{
		Quit:      b("q", "quit", "q"),
		ForceQuit: b("ctrl+c", "quit now", "ctrl+c"),
		Suspend:   b("ctrl+z", "suspend", "ctrl+z"),
		Help:      b("?", "help", "?"),
		NextPane:  b("tab", "next pane", "tab"),
		PrevPane:  b("shift+tab", "previous pane", "shift+tab"),
		GotoPane:  b("1-5", "go to pane", "1", "2", "3", "4", "5"),
		Filter:    b("/", "filter", "/"),
		TimeZone:  b("t", "UTC/local time", "t"),
		Rules:     b("r", "rules", "r"),
		Malformed: b("e", "malformed lines", "e"),
		Palette:   b("ctrl+p/:", "command palette", "ctrl+p", ":"),

		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f", "space"),
		Oldest:   b("g", "oldest", "g", "end"),
		Newest:   b("G", "newest + follow", "G", "home"),

		Follow:    b("f", "follow", "f"),
		Pause:     b("p", "pause display", "p"),
		Open:      b("enter", "details", "enter"),
		Copy:      b("y", "copy line", "y"),
		CopyPairs: b("Y", "copy as key=value", "Y"),
		Verdicts:  b("v", "rules verdict column", "v"),
		Mark:      b("m", "mark row", "m"),
		NextMark:  b("n", "next mark", "n"),
		PrevMark:  b("N", "previous mark", "N"),
		Export:    b("ctrl+s", "export view", "ctrl+s"),

		Sort:          b("s", "sort by next column", "s"),
		ReverseSort:   b("S", "reverse sort", "S"),
		Conversations: b("c", "conversations", "c"),
		Reload:        b("R", "reload rules, recount, run on AWS", "R"),

		Apply:  b("enter", "apply", "enter"),
		Cancel: b("esc", "cancel", "esc"),
		Back:   b("esc", "back", "esc"),

		History: b("↑/↓", "filter history", "up", "down"),
	}
}

// all lists every binding, for switching them and for the help test.
func (k *Keymap) all() []*key.Binding {
	return []*key.Binding{
		&k.Quit, &k.ForceQuit, &k.Suspend, &k.Help, &k.NextPane, &k.PrevPane, &k.GotoPane, &k.Filter, &k.TimeZone, &k.Rules, &k.Malformed, &k.Palette,
		&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Oldest, &k.Newest,
		&k.Follow, &k.Pause, &k.Open, &k.Copy, &k.CopyPairs, &k.Verdicts, &k.Mark, &k.NextMark, &k.PrevMark, &k.Export,
		&k.Sort, &k.ReverseSort, &k.Conversations, &k.Reload,
		&k.Apply, &k.Cancel, &k.Back, &k.History,
	}
}

// setTyping switches the bindings for text entry: only ctrl+c, enter and
// esc stay live, everything else is text.
func (k *Keymap) setTyping(typing bool) {
	for _, b := range k.all() {
		b.SetEnabled(!typing)
	}
	k.ForceQuit.SetEnabled(true)
	k.Suspend.SetEnabled(true)
	k.Apply.SetEnabled(typing)
	k.Cancel.SetEnabled(typing)
	k.History.SetEnabled(typing)
}

// ShortHelp is the footer in normal mode.
func (k Keymap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Filter, k.Open, k.Follow, k.Pause, k.Quit}
}

// FullHelp is the global column of the `?` screen; the active pane's own
// columns come before it.
func (k Keymap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Palette, k.Filter, k.Export, k.TimeZone, k.Malformed, k.NextPane, k.PrevPane, k.GotoPane, k.Help, k.Quit, k.ForceQuit, k.Suspend},
	}
}
