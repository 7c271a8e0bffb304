package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// statsInterval bounds how often the stats table is recomputed while
// records arrive: a few times a second is live enough and keeps the
// scans (which hold the store's read lock) rare.
const statsInterval = 400 * time.Millisecond

// statsMaxCell is the widest a column grows; longer values are cut.
const statsMaxCell = 48

// statsPane shows the result of the filter bar's query when it has a
// stats command, recomputed live in the background as records arrive.
// Rows sort by any column; enter filters the flows to the row's group.
type statsPane struct {
	sh     *Shared
	keys   triageKeys
	width  int
	height int

	text   string // the filter text prog was compiled from
	prog   *query.Program
	live   *query.Live
	errMsg string

	res     *query.Result
	rows    []int // indexes into res.Rows in display order
	widths  []int // natural widths fitted to the pane (fitColumns)
	natural []int // each column's widest cell, capped at statsMaxCell
	numeric []bool
	sortCol int // -1: the query's own order
	desc    bool
	list    listCursor

	rc recount // paced by at least statsInterval while only records arrive

	line []byte
	out  strings.Builder

	remote *remoteRun // the query's run on AWS (key R), nil when none
}

func newStatsPane(sh *Shared) Pane {
	return &statsPane{sh: sh, keys: newTriageKeys(&sh.Keys), sortCol: -1, rc: recount{pace: throttle{minGap: statsInterval}}}
}

func (p *statsPane) Title() string { return "stats" }
func (p *statsPane) Init() tea.Cmd { return nil }

func (p *statsPane) SetSize(width, height int) {
	p.width, p.height = width, height
	p.list.clamp(len(p.rows), p.bodyHeight())
	p.fitColumns()
}

func (p *statsPane) ShortHelp() []key.Binding {
	if p.res == nil {
		return nil // nothing to sort or drill into yet
	}
	if p.sh.Remote != nil {
		return []key.Binding{p.keys.Drill, p.remoteKey(), p.keys.Sort, p.keys.Reverse}
	}
	return []key.Binding{p.keys.Drill, p.keys.Sort, p.keys.Reverse}
}

func (p *statsPane) FullHelp() [][]key.Binding {
	k := &p.keys
	if p.sh.Remote != nil {
		return [][]key.Binding{k.moveHelp(), {k.Drill, k.Sort, k.Reverse, p.remoteKey()}}
	}
	return [][]key.Binding{k.moveHelp(), {k.Drill, k.Sort, k.Reverse}}
}

type statsDoneMsg struct {
	pane  *statsPane
	epoch uint64
	res   *query.Result
	cost  time.Duration
}

// sync recompiles when the filter bar's text changed.
func (p *statsPane) sync() {
	text := p.sh.FilterText
	if text == p.text && (p.prog != nil || p.errMsg != "" || text == "") {
		return
	}
	p.text = text
	p.cancelRemote()
	p.rc.changed()
	p.prog, p.live, p.res, p.errMsg, p.rows = nil, nil, nil, "", nil
	p.sortCol, p.list = -1, listCursor{}
	if strings.TrimSpace(text) == "" {
		return
	}
	q, err := query.Parse(text)
	if err != nil {
		if query.LooksLikeQuery(text) {
			p.errMsg = err.Error()
		}
		return
	}
	if !q.HasStats() {
		return
	}
	prog, err := query.Compile(q, p.sh.Store.Names(), query.Options{Intern: true, Owner: p.sh.Owners})
	if err != nil {
		p.errMsg = err.Error()
		return
	}
	p.prog, p.live = prog, prog.NewLive()
}

// refresh starts a background recount unless one is running or one ran
// less than statsInterval ago (see recount); a change meanwhile triggers
// another. A new query is counted at once.
func (p *statsPane) refresh() tea.Cmd {
	if p.prog == nil {
		return nil
	}
	if start, retry := p.rc.begin(p, false); !start {
		return retry
	}
	live, store, epoch := p.live, p.sh.Store, p.rc.epoch
	return func() tea.Msg {
		start := time.Now()
		store.Read(func(v model.View) { live.Update(v) })
		return statsDoneMsg{pane: p, epoch: epoch, res: live.Result(), cost: time.Since(start)}
	}
}

func (p *statsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if cmd, ok := p.remoteUpdate(msg); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case RefreshMsg, FilterMsg:
		p.sync()
		return p, p.refresh()
	case retryMsg:
		if !p.rc.pace.woke(msg, p) {
			return p, nil
		}
		return p, p.refresh()
	case statsDoneMsg:
		if msg.pane != p {
			return p, nil
		}
		current, again := p.rc.done(msg.epoch, msg.cost)
		if current && p.remote != nil {
			p.remote.local = msg.res // shown again when the remote answer is left
		} else if current {
			p.res = msg.res
			p.measure()
			p.order()
		}
		if again {
			return p, p.refresh()
		}
		return p, nil
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

// measure sizes the columns from the header and the first rows, once per
// result rather than per frame.
func (p *statsPane) measure() {
	cols := p.res.Columns
	p.widths = make([]int, len(cols))
	p.numeric = make([]bool, len(cols))
	for i, c := range cols {
		p.widths[i] = min(cellWidth(Sanitize(c))+1, statsMaxCell)
		p.numeric[i] = len(p.res.Rows) > 0
	}
	for r, row := range p.res.Rows {
		if r == 1000 {
			break
		}
		for i, v := range row {
			p.widths[i] = max(p.widths[i], min(cellWidth(Sanitize(v.String())), statsMaxCell))
			if v.Kind != query.Null && !v.IsNumber() {
				p.numeric[i] = false
			}
		}
	}
	p.natural = append(p.natural[:0], p.widths...)
	p.fitColumns()
}

// statsMinText is the narrowest a text column is made to let the others on
// screen.
const statsMinText = 8

// fitColumns narrows the widest text columns, one cell at a time, until
// every column fits the pane (a cell takes its width and a space either
// side): long group keys would otherwise push the counts, which are the
// answer, off the right edge. Numbers are never narrowed.
func (p *statsPane) fitColumns() {
	if len(p.natural) != len(p.widths) {
		return
	}
	copy(p.widths, p.natural)
	total := 0
	for _, w := range p.widths {
		total += w + 2
	}
	for total > p.width {
		widest := -1
		for i, w := range p.widths {
			if !p.numeric[i] && w > statsMinText && (widest < 0 || w > p.widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return
		}
		p.widths[widest]--
		total--
	}
}

// order sorts the rows by the chosen column (the query's order until a
// column is chosen).
func (p *statsPane) order() {
	p.rows = p.rows[:0]
	for i := range p.res.Rows {
		p.rows = append(p.rows, i)
	}
	if c := p.sortCol; c >= 0 && c < len(p.res.Columns) {
		rows := p.res.Rows
		slices.SortStableFunc(p.rows, func(a, b int) int {
			va, vb := rows[a][c], rows[b][c]
			if va.Kind == query.Null || vb.Kind == query.Null {
				return cmp.Compare(nullRank(va), nullRank(vb))
			}
			r := compareCells(va, vb)
			if p.desc {
				r = -r
			}
			return r
		})
	}
	p.list.clamp(len(p.rows), p.bodyHeight())
}

func nullRank(v query.Value) int {
	if v.Kind == query.Null {
		return 1
	}
	return 0
}

// compareCells orders two cells of one column.
func compareCells(a, b query.Value) int {
	switch {
	case a.IsNumber() && b.IsNumber():
		return query.CompareValues(a, b) // exactly: sums pass 2^64
	case a.Kind == query.Addr && b.Kind == query.Addr:
		return a.A.Compare(b.A)
	case a.Kind == query.Time && b.Kind == query.Time:
		return cmp.Compare(a.I, b.I)
	}
	return cmp.Compare(a.String(), b.String())
}

func (p *statsPane) bodyHeight() int { return max(p.height-2, 1) }

func (p *statsPane) key(km tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.list.move(km, &p.keys, len(p.rows), p.bodyHeight()):
	case key.Matches(km, p.keys.Sort):
		if p.res != nil && len(p.res.Columns) > 0 {
			p.sortCol = (p.sortCol + 1) % len(p.res.Columns)
			p.desc = p.numeric[p.sortCol] // counts read best largest first
			p.order()
		}
	case key.Matches(km, p.keys.Reverse):
		if p.sortCol >= 0 {
			p.desc = !p.desc
			p.order()
		}
	case key.Matches(km, p.keys.Drill) && p.remote != nil:
		return p.pullRemote() // the ring may not hold the row's records
	case key.Matches(km, p.keys.Drill):
		return p.drill()
	case key.Matches(km, p.remoteKey()):
		return p.startRemote()
	case key.Matches(km, p.sh.Keys.Back) && p.remote != nil:
		p.cancelRemote()
	}
	return nil
}

// drill filters the flows to the records of the group under the cursor:
// the query's own filters before stats, and the group's keys. It replaces
// the stats query in the filter bar; esc in the flows brings it back.
func (p *statsPane) drill() tea.Cmd {
	text, flt, err := p.groupFilter()
	if err != "" {
		return Flash(err, true)
	}
	if flt == nil {
		return nil
	}
	return func() tea.Msg { return applyFilterMsg{text: text, filter: flt, replace: true} }
}

// explainRow explains the newest record of the group under the cursor.
func (p *statsPane) explainRow() (tea.Cmd, bool) {
	_, flt, err := p.groupFilter()
	if err != "" || flt == nil {
		return nil, false
	}
	return explainNewest(p.sh.Store, flt, nil, "group"), true
}

// groupFilter is the filter selecting the records of the cursor's group.
func (p *statsPane) groupFilter() (string, Filter, string) {
	if p.res == nil || len(p.rows) == 0 || p.prog == nil {
		return "", nil, ""
	}
	keys := p.prog.GroupKeys()
	if len(keys) == 0 {
		return "", nil, "this stats query has no by keys to filter on"
	}
	text := drillText(keys, p.res.Rows[p.rows[p.list.cursor]])
	if pre := beforeStats(p.text); pre != "" {
		text = pre + " | filter " + text
	}
	flt, _, err := p.sh.filterCompiler()(text, p.sh.Store.Names())
	if err != nil || flt == nil {
		return "", nil, "cannot filter to this row: " + Sanitize(fmt.Sprint(err))
	}
	return text, flt, ""
}

// beforeStats is the part of a query that selects records: the commands
// before its first stats ("" when stats comes first).
func beforeStats(text string) string {
	q, err := query.Parse(text)
	if err != nil {
		return ""
	}
	for _, c := range q.Commands {
		if c.Name() == "stats" {
			r := []rune(text)
			pre := strings.TrimSpace(string(r[:max(min(c.Pos()-1, len(r)), 0)]))
			return strings.TrimSpace(strings.TrimSuffix(pre, "|"))
		}
	}
	return ""
}

// drillText writes the filter that selects one stats group.
func drillText(keys []query.GroupKeyInfo, row []query.Value) string {
	var parts []string
	for i, k := range keys {
		v := row[i]
		name := query.QuoteName(k.Field) // a format's own name may need backticks
		switch {
		case k.BinSec > 0:
			parts = append(parts, fmt.Sprintf("@timestamp >= %d and @timestamp < %d", v.I, v.I+uint64(k.BinSec)*1000))
		case v.Kind == query.Null:
			parts = append(parts, "not ispresent("+name+")")
		case v.IsNumber():
			parts = append(parts, name+" = "+v.String())
		default:
			parts = append(parts, fieldIs(name, v.String()))
		}
	}
	return strings.Join(parts, " and ")
}

func (p *statsPane) View() string {
	st := &p.sh.Styles
	p.out.Reset()
	h := p.bodyHeight()
	if p.res == nil {
		lines := p.hint()
		for i := 0; i < h+2; i++ {
			if i > 0 {
				p.out.WriteByte('\n')
			}
			if i < len(lines) {
				p.out.WriteString(st.Dim.Render(fit(lines[i], p.width)))
			}
		}
		return p.out.String()
	}
	p.out.WriteString(st.Header.Render(fit(string(p.appendRow(p.line[:0], nil)), p.width)))
	drawn := 0
	for r := p.list.top; r < len(p.rows) && drawn < h; r++ {
		p.out.WriteByte('\n')
		line := fit(string(p.appendRow(p.line[:0], p.res.Rows[p.rows[r]])), p.width)
		if r == p.list.cursor {
			line = st.Cursor.Render(line)
		}
		p.out.WriteString(line)
		drawn++
	}
	finishRows(&p.out, st, drawn, h, " no groups yet")
	p.out.WriteByte('\n')
	p.out.WriteString(st.Dim.Render(fit(p.summary(), p.width)))
	return p.out.String()
}

// summary is the line under the table, counted as the status bar counts.
func (p *statsPane) summary() string {
	if p.remote != nil {
		return p.remoteLine()
	}
	groups := " groups · "
	if len(p.res.Rows) == 1 {
		groups = " group · "
	}
	sum := " " + thousands(uint64(len(p.res.Rows))) + groups + thousands(p.res.Matched) + " of " + thousands(p.res.Scanned) + " records matched"
	if cov := coverage(p.sh); cov != "" {
		sum += " · " + cov
	}
	return sum
}

// hint says what the pane shows and how to get there.
func (p *statsPane) hint() []string {
	lines := []string{""}
	if p.errMsg != "" {
		lines = append(lines, " "+Sanitize(p.errMsg), "")
	}
	if p.prog == nil {
		lines = append(lines,
			" Type a query with stats in the filter bar (/), for example:",
			"",
			`   filter action = "REJECT" | stats count(*) as n by dstaddr | sort n desc`,
			`   stats sum(bytes) as bytes by srcaddr | sort bytes desc | limit 20`,
			`   stats count(*) by bin(1m), action`,
		)
		lines = append(lines, builtinHints()...)
	} else {
		lines = append(lines, " computing…")
	}
	if p.remote != nil {
		lines = append(lines, "", p.remoteLine())
	}
	return lines
}

// appendRow renders one row (the header when row is nil).
func (p *statsPane) appendRow(b []byte, row []query.Value) []byte {
	for i, w := range p.widths {
		b = append(b, ' ')
		var s string
		if row == nil {
			s = p.res.Columns[i]
			if i == p.sortCol {
				if p.desc {
					s += "▼"
				} else {
					s += "▲"
				}
			}
		} else {
			s = row[i].String()
		}
		s = Sanitize(s)
		if cellWidth(s) > w {
			s = truncRight(s, w)
		}
		if p.numeric[i] {
			b = padLeft(b, s, w+1)
		} else {
			b = padRight(b, s, w+1)
		}
	}
	return b
}

// remoteKey runs the pane's query on AWS: the keymap's reload key.
func (p *statsPane) remoteKey() key.Binding { return described(p.sh.Keys.Reload, "run on AWS") }
