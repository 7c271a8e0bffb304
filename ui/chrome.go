package ui

// The root's chrome: the tab bar, the footer (filter bar, export prompt,
// messages, progress or the keys that matter) and the help screen.

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// chromeKey names what the tab bar and the key footer depend on; they are
// rebuilt only when it changes.
type chromeKey struct {
	width, active int
	theme         Theme
}

func (m *rootModel) tabBar() string {
	k := chromeKey{width: m.width, active: m.active, theme: m.sh.Styles.Theme}
	if m.tabs.key != k || m.tabs.text == "" {
		m.tabs.key, m.tabs.text = k, fitCells(m.buildTabBar(), m.width)
	}
	return m.tabs.text
}

type cachedChrome struct {
	key  chromeKey
	text string
}

func (m *rootModel) buildTabBar() string {
	st := &m.sh.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render(" flowtail "))
	for i, spec := range m.specs {
		label := fmt.Sprintf(" %d %s ", spec.slot, spec.title)
		if i == m.active {
			b.WriteString(st.TabOn.Render(label))
		} else {
			b.WriteString(st.Tab.Render(label))
		}
	}
	left := b.String()
	right := strings.Join(m.cfg.Sources, ", ")
	room := m.width - lipgloss.Width(left) - 2
	if room < 8 || right == "" {
		return left
	}
	right = Sanitize(right)
	if cellWidth(right) > room {
		right = truncRight(right, room)
	}
	return left + strings.Repeat(" ", m.width-lipgloss.Width(left)-cellWidth(right)-1) + st.Dim.Render(right) + " "
}

// footer is the filter bar while typing, else the keys that matter now.
func (m *rootModel) footer() string {
	st := &m.sh.Styles
	if m.mode == modeFilter {
		return m.filter.view()
	}
	if m.mode == modeExport {
		return m.export.view()
	}
	if m.mode == modePalette {
		return m.paletteFooter()
	}
	if msg, isErr := m.status.flashText(); msg != "" {
		if isErr {
			return st.Error.Render(truncRight(" "+msg, m.width))
		}
		return st.Warn.Render(fitWidth(" "+msg, m.width))
	}
	if e := m.status.healthError(); e != "" {
		return st.Error.Render(fitWidth(" "+e, m.width))
	}
	if p := m.status.progressText(); p != "" {
		return st.Pending.Render(fitWidth(" "+p, m.width))
	}
	keys := m.footerKeys()
	// The rendered line is reused while the same keys are shown: panes
	// change their keys with their own state (a sub-list, a drill-down).
	ck := chromeKey{width: m.width, theme: m.sh.Styles.Theme}
	same := m.keysLine.key == ck && m.keysLine.text != "" && len(keys) == len(m.keysShown)
	for i := 0; same && i < len(keys); i++ {
		same = keys[i].Help() == m.keysShown[i].Help() && keys[i].Enabled() == m.keysShown[i].Enabled()
	}
	if !same {
		// help.ShortHelpView can overrun by one item when not even its
		// ellipsis fits, so the line is cut to the width as well.
		m.keysLine.key, m.keysLine.text = ck, fitCells(m.help.ShortHelpView(fitKeys(keys, m.width)), m.width)
		m.keysShown = append(m.keysShown[:0], keys...)
	}
	return m.keysLine.text
}

// footerKeys are the keys that matter in this mode.
func (m *rootModel) footerKeys() []key.Binding {
	k := m.sh.Keys
	var keys []key.Binding
	switch m.mode {
	case modeDetail:
		keys = []key.Binding{k.Back, k.Up, k.Down, k.Copy, k.Rules, k.TimeZone, k.Quit}
		if m.detail.malformed { // y copies and r explains records only
			keys = slices.Delete(keys, 3, 5)
		}
	case modeHelp:
		keys = []key.Binding{k.Back, k.Quit}
		if _, h := m.paneSize(); m.helpLines > h { // taller than the pane: it scrolls
			keys = []key.Binding{k.Back, k.Up, k.Down, k.PageDown, k.Quit}
		}
	default:
		keys = []key.Binding{k.Help, k.Filter}
		if _, ok := m.rowExplainer(); ok { // only where the row stands for a flow
			keys = append(keys, k.Rules)
		}
		if m.activeFlowsShown() && len(m.back) > 0 {
			keys = append(keys, k.Back)
		}
		if len(m.panes) > 0 {
			keys = append(keys, m.panes[m.active].ShortHelp()...)
		}
		keys = append(keys, k.TimeZone, k.Quit)
	}
	return keys
}

// fitKeys drops keys from the end of the footer, but never the last one
// (quit or back), until the rest fit in width: every pane then shows how
// to leave, and `?` (first) lists what was dropped.
func fitKeys(keys []key.Binding, width int) []key.Binding {
	const sep = 3 // " • "
	total := -sep
	for _, k := range keys {
		if k.Enabled() {
			total += sep + keyHelpWidth(k)
		}
	}
	out := slices.Clone(keys)
	for total > width && len(out) > 2 {
		drop := out[len(out)-2]
		out = slices.Delete(out, len(out)-2, len(out)-1)
		if drop.Enabled() {
			total -= sep + keyHelpWidth(drop)
		}
	}
	return out
}

func keyHelpWidth(k key.Binding) int {
	h := k.Help()
	return cellWidth(h.Key) + 1 + cellWidth(h.Desc)
}

// helpView is the full keymap: the active pane's keys, then the global
// ones.
func (m *rootModel) helpView() string {
	_, h := m.paneSize()
	st := &m.sh.Styles
	k := m.sh.Keys
	hm := m.help
	hm.ShowAll = true
	var groups [][]key.Binding
	title := " keys"
	if len(m.panes) > 0 {
		p := m.panes[m.active]
		groups = append(groups, p.FullHelp()...)
		title += " · " + p.Title() + " pane"
		var extra []key.Binding
		if _, ok := m.rowExplainer(); ok {
			extra = append(extra, k.Rules)
		}
		if !m.activeFlowsShown() { // the flows' follow and pause hold everywhere
			extra = append(extra, k.Follow, k.Pause)
		}
		switch {
		case len(extra) == 0:
		case len(groups) == 0:
			groups = append(groups, extra)
		default: // under the pane's last column: the global one must fit beside
			last := len(groups) - 1
			groups[last] = append(slices.Clone(groups[last]), extra...)
		}
	}
	groups = append(groups, m.sh.Keys.FullHelp()...)
	// Columns side by side while they fit the width (the margin included),
	// then the rest in bands under them, rather than cut with "…".
	hm.SetWidth(0)
	var bands []string
	for from := 0; from < len(groups); {
		to := from + 1
		for to < len(groups) && lipgloss.Width(hm.FullHelpView(groups[from:to+1])) <= m.width-1 {
			to++
		}
		bands = append(bands, strings.ReplaceAll(hm.FullHelpView(groups[from:to]), "\n", "\n ")) // the margin every screen has
		from = to
	}
	keys := strings.Join(bands, "\n\n ")
	notes := "Times are UTC unless `t` switched to local time. The filter takes a Logs " +
		"Insights query (action = \"REJECT\" and dstport = 22, … | stats …) or words, " +
		"matched fuzzily; ↑/↓ recall earlier filters. y copies a record's log line, " +
		"Y its key=value form. esc or ? closes this help."
	if m.activeFlowsShown() { // the other tables are not in time order: G is their first row
		notes = "Newest first: G returns to the top and follows, g jumps to the oldest. " + notes
	}
	var noteLines []string
	for _, l := range wrapWords(notes, min(m.width-2, 76)) {
		noteLines = append(noteLines, " "+l)
	}
	body := st.Section.Render(title) + "\n\n " + keys + "\n\n" + st.Dim.Render(strings.Join(noteLines, "\n"))
	lines := strings.Split(body, "\n")
	m.helpLines = len(lines)
	top := max(0, min(m.helpTop, len(lines)-h))
	lines = lines[top:]
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = fitCells(l, m.width)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// scrollHelp moves the help by a line or a page when it is taller than
// the pane (the smallest terminals).
func (m *rootModel) scrollHelp(msg tea.KeyPressMsg) {
	_, h := m.paneSize()
	k := &m.sh.Keys
	switch {
	case key.Matches(msg, k.Down):
		m.helpTop++
	case key.Matches(msg, k.Up):
		m.helpTop--
	case key.Matches(msg, k.PageDown):
		m.helpTop += max(h-1, 1)
	case key.Matches(msg, k.PageUp):
		m.helpTop -= max(h-1, 1)
	case key.Matches(msg, k.Newest): // as in the detail view: G is the top
		m.helpTop = 0
	case key.Matches(msg, k.Oldest):
		m.helpTop = m.helpLines
	}
	m.helpTop = max(0, min(m.helpTop, m.helpLines-h))
}
