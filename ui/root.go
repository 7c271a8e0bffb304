package ui

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
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
	modePalette
)

type tickMsg time.Time

// rootModel routes messages: size first, then global keys, then the mode
// or the active pane; it batches the commands they return.
type rootModel struct {
	cfg     Config
	sh      *Shared
	compile FilterCompiler

	specs  []paneSpec // the panes' slots and titles, in tab order
	panes  []Pane
	active int
	mode   mode

	width, height int

	filter      filterBar
	filterGen   *atomic.Uint64 // bumped on every applied filter; stale scans see it
	scanning    bool
	scanPending bool // a filter was applied and its first scan has not returned

	export exportPrompt

	// frame is the last drawn screen, reused until something changes;
	// lastSig is what the status bar showed from the sources and clock.
	frame     string
	lastSig   string
	tabs      cachedChrome
	keysLine  cachedChrome
	keysShown []key.Binding

	// back is where esc in the flows returns after drill-downs: the
	// filter and pane each one was made from.
	back []backStep

	detail    detailModel
	help      help.Model
	helpTop   int // the help's first line shown, when it is taller than the pane
	helpLines int // the help's height when last drawn
	status    statusModel

	mouse       mouseState
	palette     *palette
	paletteFrom mode
}

type backStep struct {
	text   string
	active int
}

// allPanes are the panes in tab order; digits 1–5 reach them.
func allPanes() []paneSpec {
	return []paneSpec{
		{1, "flows", newFlowsPane},
		{2, "interfaces", newInterfacesPane},
		{3, "flags", newFlagsPane},
		{4, "rules", newRulesPane},
		{5, "stats", newStatsPane},
	}
}

func newRoot(cfg Config) *rootModel {
	sh := &Shared{Store: cfg.Store, Keys: DefaultKeymap(), Now: cfg.Now, Loc: cfg.Local, Rules: cfg.Rules, Remote: cfg.Remote, Owners: cfg.Owners, OwnersNote: cfg.OwnersNote, InterfaceName: cfg.InterfaceName}
	if sh.Now == nil {
		sh.Now = time.Now
	}
	if sh.Loc == nil {
		sh.Loc = time.Local
	}
	sh.Styles = NewStyles(cfg.Theme.resolve(Theme{Dark: true}))
	if cfg.Keys != nil {
		sh.Keys = *cfg.Keys
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 200 * time.Millisecond
	}
	m := &rootModel{cfg: cfg, sh: sh, compile: cfg.Compile, filterGen: new(atomic.Uint64)}
	if m.compile == nil {
		m.compile = sh.filterCompiler()
	}
	for _, spec := range allPanes() {
		if cfg.slots == nil || slices.Contains(cfg.slots, spec.slot) {
			m.specs = append(m.specs, spec)
			m.panes = append(m.panes, spec.build(sh))
		}
	}
	sh.Selected = func() (uint64, bool) {
		if fp := m.activeFlows(); fp != nil {
			return fp.CursorSeq()
		}
		return 0, false
	}
	m.filter = newFilterBar(sh, m.compile, cfg.HistoryFile)
	m.export = newExportPrompt(sh)
	m.help = help.New()
	m.applyStyles()
	m.status = newStatus(cfg, sh)
	return m
}

func (m *rootModel) applyStyles() {
	m.filter.setStyles(&m.sh.Styles)
	m.export.setStyles(&m.sh.Styles)
	m.help.Styles = m.sh.Styles.Help
	for _, p := range m.panes {
		p.SetSize(m.paneSize())
	}
}

func (m *rootModel) tick() tea.Cmd {
	return tea.Tick(m.cfg.Tick, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *rootModel) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick(), tea.RequestBackgroundColor, m.waitIngested()}
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
	if _, ok := msg.(ingestedMsg); ok {
		m.sh.Ended = true
		cmd, _ := m.poll()
		m.lastSig, m.frame = m.status.signature(), ""
		return m, cmd
	}
	m.frame = "" // any other message may change what is drawn
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.filter.setWidth(msg.Width)
		m.export.setWidth(msg.Width)
		if m.palette != nil {
			m.palette.setWidth(msg.Width)
		}
		for _, p := range m.panes {
			p.SetSize(m.paneSize())
		}
		if m.mode == modeDetail {
			m.detail.setSize(m.paneSize())
		}
		return m, nil
	case tea.ResumeMsg: // back from ctrl+z or SIGTSTP: the shell drew over the screen
		return m, tea.ClearScreen
	case tea.BackgroundColorMsg:
		m.setTheme(Theme{Dark: msg.IsDark(), NoColor: m.sh.Styles.Theme.NoColor})
		return m, nil
	case tea.ColorProfileMsg:
		m.setTheme(Theme{Dark: m.sh.Styles.Theme.Dark, NoColor: msg.Profile <= colorprofile.ASCII})
		return m, nil
	case filterDoneMsg:
		return m, m.onFilterDone(msg)
	case barCountMsg:
		if m.filter.count.done(msg) {
			m.filter.size()
		}
		return m, nil
	case openDetailMsg:
		m.detail = newDetail(m.sh, msg.seq, m.width, max(m.height-3, 1))
		m.mode = modeDetail
		return m, tea.Batch(m.detail.lookup(), m.detail.countPeers())
	case peersCountedMsg:
		if m.mode == modeDetail {
			m.detail.rebuild()
		}
		return m, nil
	case rulesLookupMsg:
		if m.mode == modeDetail && !m.detail.malformed {
			m.detail.snap, m.detail.rulesErr = msg.snap, msg.err
			m.detail.rebuild()
		}
		// The flows pane's verdict column caches the rules too.
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
	case explainMsg:
		if msg.text != "" {
			m.status.flash(msg.text, true)
			return m, nil
		}
		m.sh.Explain = msg.target
		m.gotoSlot(4)
		return m, m.refreshActive()
	case applyFilterMsg: // a triage pane drilled down: show the flows it selected
		m.back = append(m.back, backStep{text: m.sh.FilterText, active: m.active})
		m.gotoSlot(1)
		return m, m.applyFilter(combineFilter(m.sh, m.compile, msg))
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.MouseWheelMsg, tea.MouseClickMsg:
		return m, m.onMouse(msg)
	case tea.PasteMsg: // pasted text goes where the user types
		switch m.mode {
		case modeFilter:
			return m, m.filter.paste(msg)
		case modeExport:
			return m, m.export.paste(msg)
		case modePalette:
			return m, m.palette.paste(msg)
		}
		return m, nil
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
	if t = m.cfg.Theme.resolve(t); t == m.sh.Styles.Theme {
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
	if key.Matches(msg, k.Suspend) {
		return tea.Suspend
	}
	switch m.mode {
	case modePalette:
		return m.paletteKey(msg)
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
		default:
			m.scrollHelp(msg)
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.mode, m.helpTop = modeHelp, 0
		return nil
	case key.Matches(msg, k.Palette):
		return m.openPalette()
	case key.Matches(msg, k.TimeZone):
		m.sh.Local = !m.sh.Local
		if m.mode == modeDetail {
			m.detail.rebuild()
		}
		return nil
	case key.Matches(msg, k.Export):
		m.mode = modeExport
		k.setTyping(true)
		return m.export.open(m.activeFlows())
	case key.Matches(msg, k.Malformed):
		m.detail = newMalformedView(m.sh, m.width, max(m.height-3, 1))
		m.mode = modeDetail
		return nil
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		k.setTyping(true)
		return m.filter.open()
	}
	if m.mode == modeDetail {
		if key.Matches(msg, k.Back) {
			m.mode = modeNormal
			return nil
		}
		if key.Matches(msg, k.Rules) && !m.detail.malformed {
			m.mode = modeNormal
			return explain(explainTarget{seq: m.detail.seq, hasSeq: true})
		}
		var cmd tea.Cmd
		m.detail, cmd = m.detail.update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.NextPane):
		m.setActive((m.active + 1) % len(m.panes))
		return m.refreshActive() // a pane only hears refreshes while shown
	case key.Matches(msg, k.PrevPane):
		m.setActive((m.active + len(m.panes) - 1) % len(m.panes))
		return m.refreshActive()
	case key.Matches(msg, k.GotoPane):
		m.gotoSlot(slices.Index(k.GotoPane.Keys(), msg.String()) + 1) // the keys may be remapped
		return m.refreshActive()
	case key.Matches(msg, k.Back) && m.activeFlowsShown() && len(m.back) > 0:
		return m.goBack()
	case key.Matches(msg, k.Rules):
		if cmd, ok := m.rowExplainer(); ok {
			return cmd
		}
		if _, shown := m.panes[m.active].(*rulesPane); !shown {
			m.status.flash(k.Rules.Help().Key+" shows rules for a flow, conversation (c), stats group or interface row", false)
		}
		return nil
	case key.Matches(msg, k.Follow), key.Matches(msg, k.Pause):
		// The flows pane's follow and pause hold in every pane: pausing
		// freezes what every pane shows while ingest continues.
		if fp := m.activeFlows(); fp != nil && !m.activeFlowsShown() {
			fp.Update(msg)
			return m.refreshActive()
		}
	}
	if len(m.panes) == 0 {
		return nil
	}
	if b, ok := m.flowsOnly(msg); ok {
		hint := b.Help().Key + " " + b.Help().Desc + " acts on the rows of the flows pane"
		if keys := m.sh.Keys.GotoPane.Keys(); len(keys) > 0 { // remappable: the flows pane is slot 1
			hint += ": " + keys[0] + " shows it"
		}
		m.status.flash(hint, false)
		return nil
	}
	var cmd tea.Cmd
	m.panes[m.active], cmd = m.panes[m.active].Update(msg)
	return cmd
}

// flowsOnly is the binding msg presses when it is one of the flows pane's
// row actions (marks, copies) and another pane is shown: no other pane
// has rows they act on, and the palette offers them everywhere.
func (m *rootModel) flowsOnly(msg tea.KeyPressMsg) (key.Binding, bool) {
	if m.activeFlowsShown() || m.activeFlows() == nil {
		return key.Binding{}, false
	}
	k := &m.sh.Keys
	for _, b := range []key.Binding{k.Mark, k.NextMark, k.PrevMark, k.Copy, k.CopyPairs} {
		if key.Matches(msg, b) {
			return b, true
		}
	}
	return key.Binding{}, false
}

// goBack undoes the last drill-down: its filter, and the pane it was made
// from (the stats aggregate, the interfaces table).
func (m *rootModel) goBack() tea.Cmd {
	step := m.back[len(m.back)-1]
	m.back = m.back[:len(m.back)-1]
	var flt Filter
	if step.text != "" {
		var err error
		if flt, _, err = m.compile(step.text, m.sh.Store.Names()); err != nil {
			flt = nil
		}
	}
	if step.active < len(m.panes) {
		m.setActive(step.active)
	}
	return m.applyFilter(step.text, flt)
}

// gotoSlot shows the pane of a slot (1 flows … 5 stats) when it exists.
func (m *rootModel) gotoSlot(slot int) {
	for i, spec := range m.specs {
		if spec.slot == slot {
			m.setActive(i)
		}
	}
}

// setActive shows pane i. The rules pane opened from the flows pane, or
// without a choice made with r, explains the record under the flows cursor
// at that moment, and keeps it while it is shown.
func (m *rootModel) setActive(i int) {
	fromFlows := m.activeFlowsShown()
	m.active = i
	if _, ok := m.panes[i].(*rulesPane); ok && (fromFlows || !m.sh.Explain.valid()) && m.sh.Selected != nil {
		if seq, ok := m.sh.Selected(); ok {
			m.sh.Explain = explainTarget{seq: seq, hasSeq: true}
		}
	}
}

// rowExplainer is r on the active pane's row: the command that explains
// it, ok false where the row stands for no flow.
func (m *rootModel) rowExplainer() (tea.Cmd, bool) {
	if len(m.panes) == 0 {
		return nil, false
	}
	if e, ok := m.panes[m.active].(explainer); ok {
		return e.explainRow()
	}
	return nil, false
}

// filterKey hands keys to the filter bar until it closes, and applies
// what it returns.
func (m *rootModel) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, done, apply := m.filter.update(msg)
	if done {
		m.mode = modeNormal
		m.sh.Keys.setTyping(false)
	}
	if apply != nil {
		m.back = m.back[:0] // a filter typed anew starts a new trail
		return m.applyFilter(apply.text, apply.filter)
	}
	return cmd
}

// exportKey hands keys to the export prompt until it closes.
func (m *rootModel) exportKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, done, started := m.export.update(msg)
	if done {
		m.mode = modeNormal
		m.sh.Keys.setTyping(false)
	}
	if started != "" {
		m.status.flash(started, false)
	}
	return cmd
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
	return m.poll()
}

// ingestedMsg says the sources have delivered everything they will.
type ingestedMsg struct{}

// waitIngested reports the end of ingest at once rather than at the next
// tick, so a capture read to its end is shown complete as soon as it is.
func (m *rootModel) waitIngested() tea.Cmd {
	ch := m.cfg.Ingested
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		<-ch
		return ingestedMsg{}
	}
}

// poll is onTick's look at the store, also run when ingest ends.
func (m *rootModel) poll() (cmd tea.Cmd, changed bool) {
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
	if fp := m.activeFlows(); fp == nil || !fp.paused || m.activeFlowsShown() {
		cmds = append(cmds, m.refreshActive()) // p freezes every pane, not only the flows
	}
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
	v.MouseMode = m.mouseMode()
	v.WindowTitle = "flowtail"
	return v
}

func (m *rootModel) render() string {
	if m.width == 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		return tooSmall(m.width, m.height)
	}
	var b strings.Builder
	b.WriteString(m.tabBar())
	b.WriteByte('\n')
	switch {
	case m.mode == modeHelp:
		b.WriteString(m.helpView())
	case m.mode == modeDetail:
		b.WriteString(m.detail.view())
	case m.mode == modePalette:
		b.WriteString(m.paletteView())
	case len(m.panes) > 0:
		b.WriteString(m.panes[m.active].View())
	}
	b.WriteByte('\n')
	b.WriteString(m.status.view(m.width, m.activeFlows(), m.scanPending))
	b.WriteByte('\n')
	b.WriteString(m.footer())
	return b.String()
}

// tooSmall says what size the TUI needs, wrapped to the window however
// small it is: the longest of its wordings that fits whole, so the size
// needed is always there.
func tooSmall(w, h int) string {
	need := fmt.Sprintf("%d×%d", minWidth, minHeight)
	wordings := []string{
		fmt.Sprintf("flowtail needs a terminal of at least %s; this one is %d×%d. Enlarge the window.", need, w, h),
		fmt.Sprintf("flowtail needs %s, this is %d×%d", need, w, h),
		"needs " + need,
		need,
	}
	var lines []string
	for _, msg := range wordings {
		lines = wrapWords(msg, min(w, 44))
		if len(lines) <= h && fits(lines, w) {
			break
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, strings.Join(lines, "\n"))
}

func fits(lines []string, w int) bool {
	for _, l := range lines {
		if cellWidth(l) > w {
			return false
		}
	}
	return true
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
