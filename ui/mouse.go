package ui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// doubleClick is how soon a second click on the same row opens it.
const doubleClick = 400 * time.Millisecond

// wheelRows is how many rows one notch of the wheel scrolls.
const wheelRows = 3

// clickable is a pane whose rows a click can select: line is the line of
// the pane's view (0 is its first line); false when no row is drawn there.
type clickable interface {
	clickLine(line int) bool
}

// mouseState remembers the last click, to tell a double click.
type mouseState struct {
	at   time.Time
	x, y int
}

// mouseMode is what the root asks the terminal for.
func (m *rootModel) mouseMode() tea.MouseMode {
	if m.cfg.Mouse {
		return tea.MouseModeCellMotion
	}
	return tea.MouseModeNone
}

// onMouse handles the wheel and clicks: the wheel scrolls the active list
// or the detail view, a click on a tab switches to it, a click on a row
// selects it and a double click opens it. Modes that take typing ignore
// the mouse.
func (m *rootModel) onMouse(msg tea.Msg) tea.Cmd {
	if !m.cfg.Mouse || m.width == 0 {
		return nil
	}
	k := &m.sh.Keys
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		if m.mode != modeNormal && m.mode != modeDetail {
			return nil // up and down would recall filter history
		}
		b := k.Down
		switch msg.Button {
		case tea.MouseWheelUp:
			b = k.Up
		case tea.MouseWheelDown:
		default:
			return nil
		}
		var cmds []tea.Cmd
		for range wheelRows {
			cmds = append(cmds, m.pressBinding(b))
		}
		return tea.Batch(cmds...)
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft {
			return nil
		}
		now := m.sh.Now()
		double := now.Sub(m.mouse.at) < doubleClick && msg.X == m.mouse.x && msg.Y == m.mouse.y
		m.mouse = mouseState{at: now, x: msg.X, y: msg.Y}
		if double {
			m.mouse = mouseState{} // a third click starts over
		}
		return m.click(msg.X, msg.Y, double)
	}
	return nil
}

func (m *rootModel) click(x, y int, double bool) tea.Cmd {
	if m.mode != modeNormal && m.mode != modeDetail {
		return nil
	}
	if y == 0 {
		if i, ok := m.tabAt(x); ok {
			m.mode = modeNormal
			m.setActive(i)
			return m.refreshActive()
		}
		return nil
	}
	if m.mode != modeNormal || len(m.panes) == 0 {
		return nil
	}
	_, h := m.paneSize()
	if y > h {
		return nil
	}
	c, ok := m.panes[m.active].(clickable)
	if !ok || !c.clickLine(y-1) {
		return nil
	}
	if double {
		return m.pressBinding(m.sh.Keys.Open)
	}
	return nil
}

// tabAt is the pane whose tab covers column x of the tab bar, laid out as
// buildTabBar writes it.
func (m *rootModel) tabAt(x int) (int, bool) {
	pos := ansi.StringWidth(" flowtail ")
	for i, spec := range m.specs {
		w := ansi.StringWidth(fmt.Sprintf(" %d %s ", spec.slot, spec.title))
		if x >= pos && x < pos+w {
			return i, true
		}
		pos += w
	}
	return 0, false
}

// pressBinding acts as if the first key of b was pressed.
func (m *rootModel) pressBinding(b key.Binding) tea.Cmd {
	keys := b.Keys()
	if len(keys) == 0 {
		return nil
	}
	return m.onKey(keyFor(keys[0]))
}

// keyFor is the key press a key name (as bindings write them) stands for.
func keyFor(name string) tea.KeyPressMsg {
	if k, ok := keyNames[name]; ok {
		return tea.KeyPressMsg(k)
	}
	var mod tea.KeyMod
	for {
		switch {
		case len(name) > 5 && name[:5] == "ctrl+":
			mod |= tea.ModCtrl
			name = name[5:]
			continue
		case len(name) > 4 && name[:4] == "alt+":
			mod |= tea.ModAlt
			name = name[4:]
			continue
		case len(name) > 6 && name[:6] == "shift+":
			mod |= tea.ModShift
			name = name[6:]
			continue
		}
		break
	}
	if k, ok := keyNames[name]; ok {
		k.Mod |= mod
		return tea.KeyPressMsg(k)
	}
	r := []rune(name)
	if mod == 0 {
		return tea.KeyPressMsg{Code: r[0], Text: name}
	}
	return tea.KeyPressMsg{Code: r[0], Mod: mod}
}

var keyNames = map[string]tea.Key{
	"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown}, "left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight},
	"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "space": {Code: tea.KeySpace, Text: " "},
	"pgup": {Code: tea.KeyPgUp}, "pgdown": {Code: tea.KeyPgDown}, "home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
	"backspace": {Code: tea.KeyBackspace}, "delete": {Code: tea.KeyDelete},
	"f1": {Code: tea.KeyF1}, "f2": {Code: tea.KeyF2}, "f3": {Code: tea.KeyF3}, "f4": {Code: tea.KeyF4}, "f5": {Code: tea.KeyF5},
}

// clickLine selects the record drawn on line of the flows pane (line 0 is
// the header; newest records first).
func (p *flowsPane) clickLine(line int) bool {
	if line < 1 || line > p.bodyHeight() {
		return false
	}
	l := p.currentRows()
	top, _ := p.positions(l)
	pos := top - (line - 1)
	if top < 0 || pos < 0 {
		return false
	}
	p.moveTo(l, top, pos)
	return true
}

// clickLine selects the interface drawn on line of the interfaces pane
// (line 0 is the header).
func (p *interfacesPane) clickLine(line int) bool {
	r := p.list.top + line - 1
	if line < 1 || line > p.bodyHeight() || r >= len(p.rows) {
		return false
	}
	p.list.cursor = r
	p.clamp()
	return true
}

// clickLine selects the row of the stats table drawn on line (line 0 is
// the header); a double click then drills down as enter does.
func (p *statsPane) clickLine(line int) bool {
	r := p.list.top + line - 1
	if p.res == nil || line < 1 || line > p.bodyHeight() || r >= len(p.rows) {
		return false
	}
	p.list.cursor = r
	p.list.clamp(len(p.rows), p.bodyHeight())
	return true
}

// clickLine selects the tcp-flags combination, or in the conversations
// view the conversation, drawn on line of the flags pane.
func (p *flagsPane) clickLine(line int) bool {
	if p.showConvs {
		return p.conv.clickLine(line)
	}
	first := flagsSelectedLines + 2 // the selected flow, the title, the header
	r := p.list.top + line - first
	if line < first || line-first >= p.tableRows() || r >= len(p.combos) {
		return false
	}
	p.list.cursor = r
	return true
}

// clickLine selects the conversation drawn on line (under the title and
// the header).
func (c *convList) clickLine(line int) bool {
	r := c.list.top + line - 2
	if line < 2 || line-2 >= c.rows() || r >= len(c.convs) {
		return false
	}
	c.list.cursor = r
	return true
}

// clickLine selects a row of the verdicts view; the rule lists of one
// flow have no rows to select.
func (p *rulesPane) clickLine(line int) bool {
	v := &p.verdicts
	r := v.list.top + line - 2
	if !v.on || v.note != "" || line < 2 || line-2 >= v.bodyRows() || r >= len(v.rows) {
		return false
	}
	v.list.cursor = r
	return true
}
