package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// listCursor is the selected row and the first row shown of a table that
// draws rows top..top+h-1. The triage panes and the conversations list
// move it with the same keys (triageKeys) and the same rules: the cursor
// stays on a row and on screen, and the list never scrolls past its end.
type listCursor struct {
	cursor, top int
}

// move applies a moving key over n rows shown h at a time, reporting
// whether km was one; other keys leave the cursor alone.
func (c *listCursor) move(km tea.KeyPressMsg, k *triageKeys, n, h int) bool {
	switch {
	case key.Matches(km, k.Up):
		c.cursor--
	case key.Matches(km, k.Down):
		c.cursor++
	case key.Matches(km, k.PageUp):
		c.cursor -= h
	case key.Matches(km, k.PageDown):
		c.cursor += h
	case key.Matches(km, k.Top):
		c.cursor = 0
	case key.Matches(km, k.Bottom):
		c.cursor = n - 1
	default:
		return false
	}
	c.clamp(n, h)
	return true
}

// clamp keeps the cursor on one of n rows and within the h rows shown,
// scrolling as little as needed.
func (c *listCursor) clamp(n, h int) {
	c.cursor = max(0, min(c.cursor, n-1))
	if c.cursor < c.top {
		c.top = c.cursor
	}
	if c.cursor >= c.top+h {
		c.top = c.cursor - h + 1
	}
	c.top = max(0, min(c.top, n-h))
}

// finishRows ends a table body that wrote drawn of its h rows: a dim note
// on the first row when it wrote none, then blank rows up to h, so the
// lines below the table stay in place.
func finishRows(out *strings.Builder, st *Styles, drawn, h int, note string) {
	if drawn == 0 {
		out.WriteByte('\n')
		out.WriteString(st.Dim.Render(note))
		drawn = 1
	}
	for ; drawn < h; drawn++ {
		out.WriteByte('\n')
	}
}

// emptyNote says why a table over the records has no rows yet.
func emptyNote(sh *Shared, ready bool) string {
	switch {
	case !ready:
		return " counting…"
	case sh.Filter != nil:
		return " no records match the filter"
	}
	return waitingNote(sh)
}

// waitingNote is what a view without records says: waiting for them, or,
// once the input has ended without one, that there are none and where the
// lines went if they were malformed.
func waitingNote(sh *Shared) string {
	if !sh.Ended {
		return " waiting for records…"
	}
	c := sh.Store.Counters()
	if c.Seen > 0 {
		return " no records"
	}
	switch c.Malformed {
	case 0:
		return " no records in the input"
	case 1:
		return " no records in the input: 1 malformed line (e shows it)"
	}
	return " no records in the input: " + thousands(c.Malformed) + " malformed lines (e shows them)"
}

// moveHelp lists the moving keys for a table's full help.
func (k *triageKeys) moveHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}
