package ui

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"github.com/flowtail/flowtail/model/query"
)

// paletteKind says what choosing an entry does.
type paletteKind uint8

const (
	paletteAction paletteKind = iota // press the action's key
	paletteQuery                     // a built-in triage query
	paletteSaved                     // a query from the config file
)

func (k paletteKind) String() string {
	switch k {
	case paletteQuery:
		return "query"
	case paletteSaved:
		return "saved"
	}
	return "action"
}

type paletteItem struct {
	kind   paletteKind
	title  string
	hint   string      // the key, or the query text
	bind   key.Binding // paletteAction
	triage Triage      // paletteQuery, paletteSaved
}

// palette is the command palette (ctrl+p or :): a fuzzy search
// (sahilm/fuzzy) over the actions, the built-in triage queries and the
// config file's saved queries. Choosing a query applies it as the filter;
// one with stats opens in the stats pane.
type palette struct {
	input   textinput.Model
	items   []paletteItem
	titles  []string
	shown   []fuzzy.Match
	cursor  int
	top     int
	asking  *Triage // the triage whose prompt is being answered
	problem string
	width   int
}

func newPalette(sh *Shared, saved []Triage) *palette {
	p := &palette{input: textinput.New()}
	p.input.Prompt = "› "
	p.input.SetStyles(sh.Styles.Input)
	// Names, queries and prompts are drawn; saved ones come from the config
	// file, so they are kept under Sanitize (the query run is the one given).
	for _, t := range triageQueries() {
		p.items = append(p.items, paletteItem{kind: paletteQuery, title: Sanitize(t.Name), hint: Sanitize(t.Query), triage: t})
	}
	for _, t := range saved {
		p.items = append(p.items, paletteItem{kind: paletteSaved, title: Sanitize(t.Name), hint: Sanitize(t.Query), triage: t})
	}
	k := &sh.Keys
	for _, b := range []key.Binding{k.Filter, k.Export, k.Follow, k.Pause, k.Mark, k.NextMark, k.PrevMark, k.Copy,
		k.Open, k.Newest, k.Oldest, k.TimeZone, k.Rules, k.Malformed, k.NextPane, k.PrevPane, k.Help, k.Quit} {
		if len(b.Keys()) > 0 {
			p.items = append(p.items, paletteItem{kind: paletteAction, title: b.Help().Desc, hint: b.Help().Key, bind: b})
		}
	}
	for _, it := range p.items {
		p.titles = append(p.titles, it.title)
	}
	p.filter()
	return p
}

// filter ranks the entries against the typed text; no text lists them
// all in their order.
func (p *palette) filter() {
	text := strings.TrimSpace(p.input.Value())
	if text == "" {
		p.shown = p.shown[:0]
		for i, t := range p.titles {
			p.shown = append(p.shown, fuzzy.Match{Str: t, Index: i})
		}
	} else {
		p.shown = fuzzy.Find(text, p.titles)
	}
	p.cursor, p.top = 0, 0
}

// chosen is what the palette asks the root to do.
type chosen struct {
	action *key.Binding
	query  string
}

// update handles one key; done reports that the palette closes, with
// what was chosen (nothing on esc).
func (p *palette) update(msg tea.KeyPressMsg, k *Keymap, height int) (c chosen, done bool, cmd tea.Cmd) {
	switch msg.String() {
	case "esc":
		if p.asking != nil { // back to the list
			p.asking, p.problem = nil, ""
			p.input.SetValue("")
			p.input.Placeholder = ""
			p.setWidth(p.width)
			p.filter()
			return c, false, nil
		}
		return c, true, nil
	case "up", "ctrl+k":
		p.move(-1, height)
		return c, false, nil
	case "down", "ctrl+j":
		p.move(1, height)
		return c, false, nil
	case "enter":
		return p.choose()
	}
	msg = typedText(msg)
	p.input, cmd = p.input.Update(msg)
	if p.asking == nil {
		p.filter()
	}
	p.problem = ""
	return c, false, cmd
}

// paste inserts pasted text as typed text: a search, or the answer to a
// prompt (an address copied from elsewhere).
func (p *palette) paste(msg tea.PasteMsg) tea.Cmd {
	msg.Content = oneLine(msg.Content)
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.asking == nil {
		p.filter()
	}
	p.problem = ""
	return cmd
}

// setWidth gives the text the line's room after what leads it, so a long
// text scrolls under the cursor and a prompt's placeholder shows whole.
func (p *palette) setWidth(w int) {
	p.width = w
	lead := cellWidth(" ctrl+p ")
	if p.asking != nil {
		lead = cellWidth(" " + Sanitize(p.asking.Name) + ": ")
	}
	p.input.SetWidth(max(w-lead-cellWidth(p.input.Prompt)-1, 1))
}

func (p *palette) move(d, height int) {
	if p.asking != nil || len(p.shown) == 0 {
		return
	}
	lc := listCursor{cursor: p.cursor + d, top: p.top}
	lc.clamp(len(p.shown), max(height-2, 1))
	p.cursor, p.top = lc.cursor, lc.top
}

func (p *palette) choose() (chosen, bool, tea.Cmd) {
	if p.asking != nil {
		text, err := p.asking.Text(p.input.Value())
		if err != nil {
			p.problem = err.Error()
			return chosen{}, false, nil
		}
		return chosen{query: text}, true, nil
	}
	if len(p.shown) == 0 {
		return chosen{}, false, nil
	}
	it := p.items[p.shown[p.cursor].Index]
	if it.kind == paletteAction {
		return chosen{action: &it.bind}, true, nil
	}
	if it.triage.Prompt != "" {
		t := it.triage
		p.asking = &t
		p.input.SetValue("")
		p.input.Placeholder = Sanitize(t.Prompt)
		p.setWidth(p.width)
		return chosen{}, false, nil
	}
	return chosen{query: it.triage.Query}, true, nil
}

// A name wider than its column is cut, so the kinds and queries of every
// row start in the same columns.
const (
	paletteTitleWidth = 38
	paletteKindWidth  = len("action")
)

// view draws the palette in width×height.
func (p *palette) view(st *Styles, width, height int) string {
	var b strings.Builder
	if p.asking != nil {
		b.WriteString(fitCells(st.Section.Render(" "+Sanitize(p.asking.Name)+": ")+p.input.View(), width))
		b.WriteByte('\n')
		msg := st.Dim.Render(" enter runs " + Sanitize(p.asking.Query))
		if p.problem != "" {
			msg = st.Error.Render(" " + p.problem)
		}
		b.WriteString(fitCells(msg, width))
		for range max(height-2, 0) {
			b.WriteByte('\n')
		}
		return b.String()
	}
	b.WriteString(fitCells(st.Section.Render(" ctrl+p ")+p.input.View(), width))
	rows := max(height-1, 1)
	drawn := 0
	for i := p.top; i < len(p.shown) && drawn < rows; i++ {
		it := p.items[p.shown[i].Index]
		title := truncRight(it.title, paletteTitleWidth)
		matchable := len(title) // the bytes of the name that are drawn
		if title != it.title {
			matchable -= len("…")
		}
		line := " " + padMin(title, paletteTitleWidth) + "  " + padMin(it.kind.String(), paletteKindWidth) + "  " + it.hint
		line = fitWidth(line, width)
		b.WriteByte('\n')
		if i == p.cursor {
			b.WriteString(st.Cursor.Render(fit(line, width)))
		} else {
			b.WriteString(highlight(st, line, p.shown[i].MatchedIndexes, matchable))
		}
		drawn++
	}
	if len(p.shown) == 0 {
		b.WriteByte('\n')
		b.WriteString(st.Dim.Render(" nothing matches"))
		drawn++
	}
	for ; drawn < rows; drawn++ {
		b.WriteByte('\n')
	}
	return b.String()
}

// highlight marks the characters of the title the search matched (the
// title starts at byte 1 of the line); matches past the first matchable
// bytes of the title are not drawn (the title was cut there).
func highlight(st *Styles, line string, idx []int, matchable int) string {
	if len(idx) == 0 {
		return line
	}
	var b strings.Builder
	at := 0
	for _, i := range idx {
		if i >= matchable {
			continue
		}
		i++ // the leading space
		if i >= len(line) || i < at {
			continue
		}
		b.WriteString(line[at:i])
		_, size := utf8.DecodeRuneInString(line[i:])
		b.WriteString(st.Section.Render(line[i : i+size])) // bold: visible without colour too
		at = i + size
	}
	b.WriteString(line[at:])
	return b.String()
}

// hasStats reports whether a query text counts rather than selects.
func hasStats(text string) bool {
	q, err := query.Parse(text)
	return err == nil && q.HasStats()
}

// openPalette shows the palette over the active pane; while it is open
// every printable key is search text.
func (m *rootModel) openPalette() tea.Cmd {
	m.palette = newPalette(m.sh, m.cfg.Queries)
	m.palette.setWidth(m.width)
	m.paletteFrom = m.mode
	m.mode = modePalette
	m.sh.Keys.setTyping(true)
	return m.palette.input.Focus()
}

func (m *rootModel) paletteKey(msg tea.KeyPressMsg) tea.Cmd {
	_, h := m.paneSize()
	c, done, cmd := m.palette.update(msg, &m.sh.Keys, h)
	if !done {
		return cmd
	}
	m.sh.Keys.setTyping(false)
	m.mode = m.paletteFrom
	if m.mode != modeDetail {
		m.mode = modeNormal
	}
	switch {
	case c.action != nil:
		return m.pressBinding(*c.action)
	case c.query != "":
		return m.runTriage(c.query)
	}
	return nil
}

// runTriage applies a query as the filter, as if typed in the filter bar;
// one with stats is shown in the stats pane.
func (m *rootModel) runTriage(text string) tea.Cmd {
	flt, _, err := m.compile(text, m.sh.Store.Names())
	if err != nil {
		m.status.flash(err.Error(), true)
		return nil
	}
	m.filter.hist.add(text)
	m.mode = modeNormal
	m.back = m.back[:0] // a new question starts a new trail
	slot := 1
	if hasStats(text) {
		slot = 5
	}
	m.gotoSlot(slot)
	return tea.Batch(m.applyFilter(text, flt), m.refreshActive())
}

func (m *rootModel) paletteFooter() string {
	st := &m.sh.Styles
	text := " enter run • ↑/↓ choose • esc close"
	if m.palette.asking != nil {
		text = " enter run • esc back to the list"
	}
	return st.Dim.Render(fitWidth(text, m.width))
}

func (m *rootModel) paletteView() string {
	w, h := m.paneSize()
	return m.palette.view(&m.sh.Styles, w, h)
}
