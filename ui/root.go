package ui

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// The smallest terminal the TUI draws in; below it, it says what it needs.
const (
	minWidth  = 60
	minHeight = 12
)

// mode is what has the keyboard: the active pane, the filter bar, the
// detail view or the help screen.
type mode uint8

const (
	modeNormal mode = iota
	modeFilter
	modeDetail
	modeHelp
	modeExport
)

type tickMsg time.Time

// rootModel routes messages: size first, then global keys, then the mode
// or the active pane; it batches the commands they return.
type rootModel struct {
	cfg     Config
	sh      *Shared
	compile FilterCompiler

	panes  []Pane
	active int
	mode   mode

	width, height int

	input       textinput.Model
	hist        *history
	inputState  FilterState
	inputErr    error
	filterGen   *atomic.Uint64 // bumped on every applied filter; stale scans see it
	scanning    bool
	scanPending bool // a filter was applied and its first scan has not returned

	exportInput textinput.Model
	exportSel   exportSelection
	exportHint  bool // the line has room for the formats after the name

	// frame is the last drawn screen, reused until something changes;
	// lastSig is what the status bar showed from the sources and clock.
	frame     string
	lastSig   string
	tabs      cachedChrome
	keysLine  cachedChrome
	keysShown []key.Binding

	detail detailModel
	help   help.Model
	status statusModel
}

func newRoot(cfg Config) *rootModel {
	sh := &Shared{Store: cfg.Store, Keys: DefaultKeymap(), Now: cfg.Now, Loc: cfg.Local, Rules: cfg.Rules, Remote: cfg.Remote}
	if sh.Now == nil {
		sh.Now = time.Now
	}
	if sh.Loc == nil {
		sh.Loc = time.Local
	}
	sh.Styles = NewStyles(Theme{Dark: true})
	if cfg.Tick <= 0 {
		cfg.Tick = 200 * time.Millisecond
	}
	m := &rootModel{cfg: cfg, sh: sh, compile: cfg.Compile, filterGen: new(atomic.Uint64)}
	if m.compile == nil {
		m.compile = PlainTextFilter
	}
	for _, spec := range registered {
		m.panes = append(m.panes, spec.build(sh))
	}
	sh.Selected = func() (uint64, bool) {
		if fp := m.activeFlows(); fp != nil {
			return fp.CursorSeq()
		}
		return 0, false
	}
	m.hist = loadHistory(cfg.HistoryFile)
	m.input = textinput.New()
	m.input.Prompt = "/"
	m.input.Placeholder = "query (action = \"REJECT\") or words"
	m.exportInput = textinput.New()
	m.exportInput.Prompt = "save to: "
	m.help = help.New()
	m.applyStyles()
	m.status = newStatus(cfg, sh)
	return m
}

func (m *rootModel) applyStyles() {
	m.input.SetStyles(m.sh.Styles.Input)
	m.exportInput.SetStyles(m.sh.Styles.Input)
	m.help.Styles = m.sh.Styles.Help
	for _, p := range m.panes {
		p.SetSize(m.paneSize())
	}
}

func (m *rootModel) tick() tea.Cmd {
	return tea.Tick(m.cfg.Tick, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *rootModel) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick(), tea.RequestBackgroundColor}
	for _, p := range m.panes {
		cmds = append(cmds, p.Init())
	}
	return tea.Batch(cmds...)
}

// paneSize is the area a pane draws in: all but the tab bar, the status
// bar and the footer.
func (m *rootModel) paneSize() (int, int) { return m.width, max(m.height-3, 1) }

func (m *rootModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tickMsg); ok {
		// Most ticks change nothing: keep the last frame.
		cmd, changed := m.onTick()
		if sig := m.status.signature(); changed || sig != m.lastSig {
			m.lastSig, m.frame = sig, ""
		}
		return m, tea.Batch(cmd, m.tick())
	}
	m.frame = "" // any other message may change what is drawn
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.sizeFilterBar()
		m.sizeExportBar()
		for _, p := range m.panes {
			p.SetSize(m.paneSize())
		}
		if m.mode == modeDetail {
			m.detail.setSize(m.paneSize())
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.setTheme(Theme{Dark: msg.IsDark(), NoColor: m.sh.Styles.Theme.NoColor})
		return m, nil
	case tea.ColorProfileMsg:
		m.setTheme(Theme{Dark: m.sh.Styles.Theme.Dark, NoColor: msg.Profile <= colorprofile.ASCII})
		return m, nil
	case filterDoneMsg:
		return m, m.onFilterDone(msg)
	case openDetailMsg:
		m.detail = newDetail(m.sh, msg.seq, m.width, max(m.height-3, 1))
		m.mode = modeDetail
		return m, nil
	case flashMsg:
		m.status.flash(msg.text, msg.err)
		return m, nil
	case exportDoneMsg:
		if msg.err != nil {
			m.status.flash(msg.err.Error(), true)
		} else {
			m.status.flash(fmt.Sprintf("wrote %s records to %s (%s)", thousands(uint64(msg.n)), msg.path, msg.kind), false)
		}
		return m, nil
	case applyFilterMsg: // a triage pane drilled down: show the flows it selected
		for i, spec := range registered {
			if spec.slot == 1 {
				m.active = i
			}
		}
		return m, m.applyFilter(combineFilter(m.sh, m.compile, msg))
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	}
	// Anything else belongs to the panes (their own async results).
	var cmds []tea.Cmd
	for i, p := range m.panes {
		var cmd tea.Cmd
		m.panes[i], cmd = p.Update(msg)
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

func (m *rootModel) setTheme(t Theme) {
	if t == m.sh.Styles.Theme {
		return
	}
	m.sh.Styles = NewStyles(t)
	m.applyStyles()
	if m.mode == modeDetail {
		m.detail.rebuild()
	}
}

func (m *rootModel) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.sh.Keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	switch m.mode {
	case modeFilter:
		return m.filterKey(msg)
	case modeExport:
		return m.exportKey(msg)
	case modeHelp:
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Back), key.Matches(msg, k.Help):
			m.mode = modeNormal
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
		return nil
	case key.Matches(msg, k.TimeZone):
		m.sh.Local = !m.sh.Local
		if m.mode == modeDetail {
			m.detail.rebuild()
		}
		return nil
	case key.Matches(msg, k.Export):
		m.exportSel = currentSelection(m.sh, m.activeFlows())
		m.exportInput.SetValue(fmt.Sprintf("flowtail-%s-%s.csv", m.exportSel.what, m.sh.Now().UTC().Format("20060102-150405")))
		m.exportInput.CursorEnd()
		m.sizeExportBar()
		m.mode = modeExport
		k.setTyping(true)
		return m.exportInput.Focus()
	case key.Matches(msg, k.Malformed):
		m.detail = newMalformedView(m.sh, m.width, max(m.height-3, 1))
		m.mode = modeDetail
		return nil
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.hist.reset()
		m.input.SetValue(m.sh.FilterText)
		m.input.CursorEnd()
		m.checkInput()
		k.setTyping(true)
		return m.input.Focus()
	}
	if m.mode == modeDetail {
		if key.Matches(msg, k.Back) {
			m.mode = modeNormal
			return nil
		}
		var cmd tea.Cmd
		m.detail, cmd = m.detail.update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.NextPane):
		m.active = (m.active + 1) % len(m.panes)
		return m.refreshActive() // a pane only hears refreshes while shown
	case key.Matches(msg, k.PrevPane):
		m.active = (m.active + len(m.panes) - 1) % len(m.panes)
		return m.refreshActive()
	case key.Matches(msg, k.GotoPane), key.Matches(msg, k.Rules):
		slot := 4 // r: the rules pane explains the selected flow
		if key.Matches(msg, k.GotoPane) {
			slot = int(msg.String()[0] - '0')
		}
		for i, spec := range registered {
			if spec.slot == slot {
				m.active = i
			}
		}
		return m.refreshActive()
	}
	if len(m.panes) == 0 {
		return nil
	}
	var cmd tea.Cmd
	m.panes[m.active], cmd = m.panes[m.active].Update(msg)
	return cmd
}

// filterKey handles the filter bar: esc leaves it unchanged, enter applies
// the text when it compiles, everything else is typing.
func (m *rootModel) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.sh.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.leaveFilter()
		return nil
	case key.Matches(msg, k.Apply):
		flt, st, err := m.compile(m.input.Value(), m.sh.Store.Names())
		m.inputState, m.inputErr = st, err
		if err != nil {
			return nil
		}
		m.hist.add(m.input.Value())
		m.leaveFilter()
		return m.applyFilter(m.input.Value(), flt)
	case key.Matches(msg, k.History):
		var text string
		var ok bool
		if msg.String() == "up" {
			text, ok = m.hist.prev(m.input.Value())
		} else {
			text, ok = m.hist.next()
		}
		if ok {
			m.input.SetValue(text)
			m.input.CursorEnd()
			m.checkInput()
		}
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.checkInput()
	return cmd
}

// exportKey handles the export prompt: enter writes the file in the
// background, esc cancels.
func (m *rootModel) exportKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.sh.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.leaveExport()
		return nil
	case key.Matches(msg, k.Apply):
		path := strings.TrimSpace(m.exportInput.Value())
		if path == "" {
			return nil
		}
		m.leaveExport()
		m.status.flash(fmt.Sprintf("writing %s records to %s…", thousands(uint64(m.exportSel.nCount)), path), false)
		return exportCmd(m.sh.Store, m.exportSel, path)
	}
	var cmd tea.Cmd
	m.exportInput, cmd = m.exportInput.Update(msg)
	m.sizeExportBar()
	return cmd
}

// exportFormats tells which names choose which format.
const exportFormats = " .csv .jsonl .txt"

func (m *rootModel) exportLead() string {
	return fmt.Sprintf(" %s %s records · ", thousands(uint64(m.exportSel.nCount)), m.exportSel.what)
}

// sizeExportBar gives the file name the room the count leaves; the list
// of formats is shown only when the whole name fits beside it.
func (m *rootModel) sizeExportBar() {
	room := m.width - cellWidth(m.exportLead()) - cellWidth(m.exportInput.Prompt) - 1
	name := cellWidth(m.exportInput.Value())
	m.exportHint = room-len(exportFormats) > name
	if m.exportHint {
		room -= len(exportFormats)
	}
	m.exportInput.SetWidth(max(min(room, name), 10))
	m.exportInput.SetCursor(m.exportInput.Position())
}

func (m *rootModel) leaveExport() {
	m.mode = modeNormal
	m.exportInput.Blur()
	m.sh.Keys.setTyping(false)
}

func (m *rootModel) leaveFilter() {
	m.mode = modeNormal
	m.input.Blur()
	m.sh.Keys.setTyping(false)
}

// checkInput compiles the text as typed to show valid / incomplete /
// invalid live; compiling is cheap, matching is not, so nothing is
// matched until enter.
func (m *rootModel) checkInput() {
	_, m.inputState, m.inputErr = m.compile(m.input.Value(), m.sh.Store.Names())
	m.sizeFilterBar()
}

// filterMark is what the filter bar says after the text: valid, what is
// missing, or what is wrong and where (messages may quote the text, which
// can come from the history file).
func (m *rootModel) filterMark() string {
	st := &m.sh.Styles
	switch m.inputState.Kind {
	case FilterInvalid:
		return st.Invalid.Render(fmt.Sprintf(" ✗ col %d: %s", m.inputState.Pos, Sanitize(m.inputState.Message)))
	case FilterIncomplete:
		return st.Pending.Render(" … " + Sanitize(m.inputState.Message))
	}
	return st.Valid.Render(" ✓ enter applies, esc cancels")
}

// sizeFilterBar gives the text the room the mark leaves, but at least half
// the line: a long message is cut rather than the text hidden. On a wide
// terminal the mark stays next to the text rather than at a far edge.
func (m *rootModel) sizeFilterBar() {
	room := m.width - cellWidth(m.input.Prompt) - 1 - lipgloss.Width(m.filterMark())
	want := max(cellWidth(m.input.Value()), cellWidth(m.input.Placeholder)) + 1
	m.input.SetWidth(max(min(want, max(room, m.width/2)), 10))
	m.input.SetCursor(m.input.Position()) // re-scroll the text to the new width
}

// applyFilter installs a filter and starts the scan of the whole buffer
// off the UI goroutine; results of older filters are dropped by gen.
func (m *rootModel) applyFilter(text string, flt Filter) tea.Cmd {
	gen := m.filterGen.Add(1)
	m.sh.FilterText = strings.TrimSpace(text)
	m.sh.Filter = flt
	m.sh.Matches = nil
	m.scanning = false
	m.scanPending = false
	if flt == nil {
		return m.broadcast(FilterMsg{})
	}
	m.sh.Matches = &MatchSet{}
	m.scanning, m.scanPending = true, true
	return tea.Batch(m.broadcast(FilterMsg{}), scanCmd(m.sh.Store, flt, gen, m.filterGen, 0, false))
}

func (m *rootModel) onFilterDone(msg filterDoneMsg) tea.Cmd {
	if msg.gen != m.filterGen.Load() || m.sh.Matches == nil {
		return nil // a result for a filter that has since changed
	}
	m.scanning = false
	if msg.extend {
		if msg.from != m.sh.Matches.Next {
			return nil // not a continuation of this set; the next tick rescans the gap
		}
		m.sh.Matches.Seqs = append(m.sh.Matches.Seqs, msg.seqs...)
	} else {
		m.sh.Matches.Seqs = msg.seqs
		m.scanPending = false
	}
	m.sh.Matches.Next = msg.next
	return m.refreshActive()
}

// onTick polls the store: when its generation moved, new records are
// matched against the filter (in the background) and the active pane is
// told to refresh. Nothing is done per record.
func (m *rootModel) onTick() (cmd tea.Cmd, changed bool) {
	m.status.tick()
	gen := m.cfg.Store.Generation()
	if gen == m.status.lastGen {
		return nil, false
	}
	m.status.lastGen = gen
	var cmds []tea.Cmd
	if ms := m.sh.Matches; ms != nil && m.sh.Filter != nil {
		c := m.cfg.Store.Counters()
		ms.trim(c.Evicted)
		if !m.scanning && ms.Next < c.Seen {
			m.scanning = true
			cmds = append(cmds, scanCmd(m.sh.Store, m.sh.Filter, m.filterGen.Load(), m.filterGen, ms.Next, true))
		}
	}
	if m.mode == modeDetail {
		m.detail.rebuild()
	}
	cmds = append(cmds, m.refreshActive())
	return tea.Batch(cmds...), true
}

func (m *rootModel) refreshActive() tea.Cmd {
	if len(m.panes) == 0 {
		return nil
	}
	for i, p := range m.panes { // panes that stop work nobody watches
		if l, ok := p.(interface{ Left() }); ok && i != m.active {
			l.Left()
		}
	}
	var cmd tea.Cmd
	m.panes[m.active], cmd = m.panes[m.active].Update(RefreshMsg{Generation: m.status.lastGen})
	return cmd
}

func (m *rootModel) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i, p := range m.panes {
		var cmd tea.Cmd
		m.panes[i], cmd = p.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func (m *rootModel) View() tea.View {
	if m.frame == "" {
		m.frame = m.render()
	}
	v := tea.NewView(m.frame)
	v.AltScreen = true
	v.WindowTitle = "flowtail"
	return v
}

func (m *rootModel) render() string {
	if m.width == 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		msg := fmt.Sprintf("flowtail needs a terminal of at least %d×%d;\nthis one is %d×%d. Enlarge the window.", minWidth, minHeight, m.width, m.height)
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, msg)
	}
	var b strings.Builder
	b.WriteString(m.tabBar())
	b.WriteByte('\n')
	switch {
	case m.mode == modeHelp:
		b.WriteString(m.helpView())
	case m.mode == modeDetail:
		b.WriteString(m.detail.view())
	case len(m.panes) > 0:
		b.WriteString(m.panes[m.active].View())
	}
	b.WriteByte('\n')
	b.WriteString(m.status.view(m.width, m.activeFlows(), m.scanPending))
	b.WriteByte('\n')
	b.WriteString(m.footer())
	return b.String()
}

// activeFlowsShown reports whether the flows pane is the one on screen.
func (m *rootModel) activeFlowsShown() bool {
	if len(m.panes) == 0 {
		return false
	}
	_, ok := m.panes[m.active].(*flowsPane)
	return ok
}

func (m *rootModel) activeFlows() *flowsPane {
	for _, p := range m.panes {
		if fp, ok := p.(*flowsPane); ok {
			return fp
		}
	}
	return nil
}

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
	for i, spec := range registered {
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
		return fitCells(m.input.View()+m.filterMark(), m.width)
	}
	if m.mode == modeExport {
		line := st.Pending.Render(m.exportLead()) + m.exportInput.View()
		if m.exportHint {
			line += st.Dim.Render(exportFormats)
		}
		return fitCells(line, m.width)
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
		keys = []key.Binding{k.Back, k.Up, k.Down, k.Copy, k.TimeZone, k.Quit}
		if m.detail.malformed { // y copies records only
			keys = slices.Delete(keys, 3, 4)
		}
	case modeHelp:
		keys = []key.Binding{k.Back, k.Quit}
	default:
		keys = []key.Binding{k.Help, k.Filter}
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
	hm := m.help
	hm.ShowAll = true
	var groups [][]key.Binding
	title := " keys"
	if len(m.panes) > 0 {
		p := m.panes[m.active]
		groups = append(groups, p.FullHelp()...)
		title += " · " + p.Title() + " pane"
	}
	groups = append(groups, m.sh.Keys.FullHelp()...)
	keys := strings.ReplaceAll(hm.FullHelpView(groups), "\n", "\n ") // the margin every screen has
	notes := " Times are UTC unless `t` switched to local time. The filter takes a Logs\n" +
		" Insights query (action = \"REJECT\" and dstport = 22, … | stats …) or words,\n" +
		" matched fuzzily; ↑/↓ recall earlier filters. esc or ? closes this help."
	if m.activeFlowsShown() { // the other tables are not in time order: G is their first row
		notes = " Newest first: G returns to the top and follows, g jumps to the oldest.\n" + notes
	}
	body := st.Section.Render(title) + "\n\n " + keys + "\n\n" + st.Dim.Render(notes)
	lines := strings.Split(body, "\n")
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
