package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/flowtail/flowtail/model/query"
)

// filterBar is the footer line `/` opens: the text, checked as typed
// (valid, incomplete, invalid and where), with ↑/↓ through the history.
// It owns the keyboard while open; the root applies what it returns.
type filterBar struct {
	sh      *Shared
	compile FilterCompiler
	input   textinput.Model
	hist    *history
	state   FilterState
	err     error
	count   barCount // records the words typed so far select
	width   int
}

func newFilterBar(sh *Shared, compile FilterCompiler, historyFile string) filterBar {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "query (action = \"REJECT\") or words"
	return filterBar{sh: sh, compile: compile, input: in, hist: loadHistory(historyFile)}
}

func (f *filterBar) setStyles(st *Styles) { f.input.SetStyles(st.Input) }

func (f *filterBar) setWidth(w int) {
	f.width = w
	f.size()
}

// open starts editing the applied filter's text.
func (f *filterBar) open() tea.Cmd {
	f.hist.reset()
	setInput(&f.input, f.sh.FilterText)
	f.input.CursorEnd()
	count := f.check()
	return tea.Batch(f.input.Focus(), count)
}

// appliedFilter is what enter gives the root to apply.
type appliedFilter struct {
	text   string
	filter Filter
}

// update handles a key: esc closes the bar leaving the applied filter as
// it was, enter returns the text to apply when it compiles, everything
// else is typing.
func (f *filterBar) update(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool, apply *appliedFilter) {
	k := &f.sh.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		f.input.Blur()
		return nil, true, nil
	case key.Matches(msg, k.Apply):
		if text, ok := expandBuiltin(f.input.Value()); ok { // a shipped query by name
			f.input.SetValue(text)
		}
		flt, st, err := f.compile(f.input.Value(), f.sh.Store.Names())
		f.state, f.err = st, err
		if err != nil {
			return nil, false, nil
		}
		f.hist.add(f.input.Value())
		f.input.Blur()
		return nil, true, &appliedFilter{text: f.input.Value(), filter: flt}
	case key.Matches(msg, k.History):
		var text string
		var ok bool
		if msg.String() == "up" {
			text, ok = f.hist.prev(f.input.Value())
		} else {
			text, ok = f.hist.next()
		}
		if ok {
			setInput(&f.input, text)
			f.input.CursorEnd()
			return f.check(), false, nil
		}
		return nil, false, nil
	}
	msg = typedText(msg)
	f.input, cmd = f.input.Update(msg)
	return tea.Batch(cmd, f.check()), false, nil
}

// paste inserts pasted text (one line: a filter has no newlines). A
// control, invisible character or invalid byte in it is written as the
// query language's escape (\u{202e}, \xff), which a quoted string reads
// back exactly: dropped, eni-<U+202E>evil would filter for eni-evil, a
// different interface, with nothing on screen to tell.
func (f *filterBar) paste(msg tea.PasteMsg) tea.Cmd {
	msg.Content = strings.TrimSpace(escapeUnsafe(msg.Content))
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	return tea.Batch(cmd, f.check())
}

// escapeUnsafe writes s on one line (newlines, returns and tabs become
// spaces) with every other unsafe rune and invalid byte as an escape.
func escapeUnsafe(s string) string {
	return query.EscapeUnsafe(pasteSpaces.Replace(s))
}

var pasteSpaces = strings.NewReplacer("\n", " ", "\r", " ", "\t", " ")

// oneLine joins pasted lines with spaces and makes the rest safe as
// Sanitize does (the input drops the U+FFFD that leaves for a control).
func oneLine(s string) string { return strings.TrimSpace(Sanitize(s)) }

// check compiles the text as typed to show valid / incomplete / invalid
// live, and how bare words read; compiling is cheap, matching is not, so
// the words' count runs in the background and nothing is filtered until
// enter.
func (f *filterBar) check() tea.Cmd {
	var flt Filter
	flt, f.state, f.err = f.compile(f.input.Value(), f.sh.Store.Names())
	if f.state.Reading == "" {
		flt = nil // query text: the bar says valid or not
	}
	cmd := f.count.start(f.sh.Store, f.input.Value(), flt)
	f.size()
	return cmd
}

// mark is what the bar says after the text in room cells: valid, what is
// missing, or what is wrong and where (messages may quote the text, which
// can come from the history file).
func (f *filterBar) mark(room int) string {
	st := &f.sh.Styles
	switch f.state.Kind {
	case FilterInvalid:
		return st.Invalid.Render(fmt.Sprintf(" ✗ col %d: %s", f.state.Pos, Sanitize(f.state.Message)))
	case FilterIncomplete:
		return st.Pending.Render(" … " + Sanitize(f.state.Message))
	}
	if f.state.Reading != "" {
		return st.Valid.Render(f.count.readingMark(Sanitize(f.state.Reading), room))
	}
	return st.Valid.Render(" ✓ enter applies, esc cancels")
}

// size gives the text the room the mark leaves, but at least half the
// line: a long message is cut rather than the text hidden. On a wide
// terminal the mark stays next to the text rather than at a far edge.
func (f *filterBar) size() {
	room := f.width - cellWidth(f.input.Prompt) - 1 - lipgloss.Width(f.mark(f.width))
	want := max(cellWidth(f.input.Value()), cellWidth(f.input.Placeholder)) + 1
	f.input.SetWidth(max(min(want, max(room, f.width/2)), 10))
	f.input.SetCursor(f.input.Position()) // re-scroll the text to the new width
}

func (f *filterBar) view() string {
	text := f.input.View()
	return fitCells(text+f.mark(f.width-lipgloss.Width(text)), f.width)
}
