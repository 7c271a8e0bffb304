package ui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// flowsPane is the table of records, newest first. It keeps no copy of the
// data: each frame reads the visible rows from the store by sequence
// number, so a frame costs the same over a thousand records or a million.
//
// Position vocabulary: a "pos" counts the rows the pane can show from the
// oldest (0) to the newest; row 0 on screen is the newest, so the pane
// draws positions top, top-1, … downwards.
type flowsPane struct {
	sh     *Shared
	width  int
	height int
	cols   columns
	header string

	follow    bool   // keep the newest record at the top, under the cursor
	paused    bool   // the display is frozen at pauseAt; ingest continues
	pauseAt   uint64 // records with seq ≥ pauseAt are not shown while paused
	topSeq    uint64 // record on the first row when not following
	cursorSeq uint64 // record under the cursor when not following

	withDate  bool                       // the buffer spans more than one day
	mixedDays bool                       // rows on screen once fell on different days
	showRules bool                       // the rules' verdict column (v)
	ruleSnaps map[string]*rules.Snapshot // by interface; nil value: looking up
	ruleCells map[uint64]string          // the verdict column, by record

	marks    map[uint64]struct{}
	verdicts map[string]string // styled action cells, by text

	line []byte // scratch for one row
	cell []byte // scratch for one cell
	out  strings.Builder
}

func newFlowsPane(sh *Shared) Pane {
	return &flowsPane{sh: sh, follow: true, marks: map[uint64]struct{}{}}
}

func (p *flowsPane) Title() string { return "flows" }
func (p *flowsPane) Init() tea.Cmd { return nil }

func (p *flowsPane) SetSize(width, height int) {
	p.width, p.height = width, height
	p.layout()
}

// layout sizes the columns for the width, the days the buffer spans and
// the rules column.
func (p *flowsPane) layout() {
	p.cols = layoutColumns(p.width, p.withDate, p.showRules, p.sh.Owners != nil)
	p.verdicts = map[string]string{}
	p.header = p.sh.Styles.Header.Render(string(p.appendHeader(nil)))
}

// spansDays reports whether the oldest and newest buffered records fall
// on different days in the zone shown: the time column then needs dates.
func (p *flowsPane) spansDays(v model.View) bool {
	n := v.Len()
	if n < 2 {
		return false
	}
	first, _ := v.At(0)
	last, _ := v.At(n - 1)
	if !first.Has(model.FieldStart) || !last.Has(model.FieldStart) {
		return false
	}
	var days daySpan
	days.add(first.Start, p.sh.Zone())
	return days.add(last.Start, p.sh.Zone())
}

// daySpan notes times one by one and tells when they stop falling on
// one day.
type daySpan struct {
	y, d int
	m    time.Month
	seen bool
}

// add notes the time of unix seconds sec in zone and reports whether the
// times noted so far fall on different days.
func (s *daySpan) add(sec uint32, zone *time.Location) bool {
	y, m, d := time.Unix(int64(sec), 0).In(zone).Date()
	if !s.seen {
		s.y, s.m, s.d, s.seen = y, m, d, true
		return false
	}
	return y != s.y || m != s.m || d != s.d
}

// visibleSpanDays reports whether the rows on screen fall on different
// days in the zone shown. Records arrive out of order, so the buffer's
// first and last records (spansDays) can share a day that a row between
// them does not.
func (p *flowsPane) visibleSpanDays(v model.View, l rowList, top, h int) bool {
	zone := p.sh.Zone()
	var days daySpan
	for r := 0; r < h && top-r >= 0; r++ {
		i, ok := v.Index(l.seqAt(top - r))
		if !ok {
			continue
		}
		f, _ := v.At(i)
		if f.Has(model.FieldStart) && days.add(f.Start, zone) {
			return true
		}
	}
	return false
}

func (p *flowsPane) ShortHelp() []key.Binding {
	k := p.sh.Keys
	return p.withRules([]key.Binding{k.Open, k.Follow, k.Pause, k.Mark, k.Copy})
}

func (p *flowsPane) FullHelp() [][]key.Binding {
	k := p.sh.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Newest, k.Oldest},
		p.withRules([]key.Binding{k.Open, k.Follow, k.Pause, k.Copy, k.Mark, k.NextMark, k.PrevMark})}
}

// withRules adds the verdict column's key once there are rules to use.
func (p *flowsPane) withRules(keys []key.Binding) []key.Binding {
	if p.sh.Rules != nil {
		keys = append(keys, p.sh.Keys.Verdicts)
	}
	return keys
}

// rowList is what the pane can show right now: every record up to the
// pause point, or only the filter's matches.
type rowList struct {
	oldest uint64   // seq of pos 0 when unfiltered
	n      int      // number of rows
	seqs   []uint64 // the matches, when filtered
}

func (l rowList) seqAt(pos int) uint64 {
	if l.seqs != nil {
		return l.seqs[pos]
	}
	return l.oldest + uint64(pos)
}

// posOf is the pos of the newest row with seq ≤ seq (-1 when none).
func (l rowList) posOf(seq uint64) int {
	if l.seqs != nil {
		return sort.Search(len(l.seqs), func(i int) bool { return l.seqs[i] > seq }) - 1
	}
	if seq < l.oldest {
		return -1
	}
	return int(min(seq-l.oldest, uint64(l.n-1)))
}

// rows builds the list from the store's oldest and next sequence numbers.
func (p *flowsPane) rows(oldest, next uint64) rowList {
	bound := next
	if p.paused {
		bound = min(bound, p.pauseAt)
	}
	if p.sh.Filter == nil || p.sh.Matches == nil {
		if bound < oldest {
			return rowList{oldest: oldest}
		}
		return rowList{oldest: oldest, n: int(bound - oldest)}
	}
	s := p.sh.Matches.Seqs
	lo := sort.Search(len(s), func(i int) bool { return s[i] >= oldest })
	hi := sort.Search(len(s), func(i int) bool { return s[i] >= bound })
	if hi < lo {
		hi = lo
	}
	return rowList{seqs: s[lo:hi:hi], n: hi - lo}
}

func (p *flowsPane) currentRows() rowList {
	c := p.sh.Store.Counters()
	return p.rows(c.Evicted, c.Seen)
}

// bodyHeight is the number of table rows (the header takes one line).
func (p *flowsPane) bodyHeight() int { return max(p.height-1, 1) }

// positions returns the pos of the top row and of the cursor, keeping the
// cursor on screen.
func (p *flowsPane) positions(l rowList) (top, cur int) {
	if l.n == 0 {
		return -1, -1
	}
	if p.follow {
		return l.n - 1, l.n - 1
	}
	top, cur = max(l.posOf(p.topSeq), 0), max(l.posOf(p.cursorSeq), 0)
	h := p.bodyHeight()
	if cur > top {
		top = cur
	}
	if cur < top-h+1 {
		top = cur + h - 1
	}
	return min(top, l.n-1), cur
}

// moveTo puts the cursor on pos (clamped), scrolling as little as needed.
func (p *flowsPane) moveTo(l rowList, top, pos int) {
	if l.n == 0 {
		return
	}
	pos = max(0, min(pos, l.n-1))
	h := p.bodyHeight()
	if pos > top {
		top = pos
	}
	if pos < top-h+1 {
		top = pos + h - 1
	}
	top = min(top, l.n-1)
	p.follow = false
	p.cursorSeq, p.topSeq = l.seqAt(pos), l.seqAt(top)
}

// explainRow explains the record under the cursor.
func (p *flowsPane) explainRow() (tea.Cmd, bool) {
	seq, ok := p.CursorSeq()
	if !ok {
		return nil, false
	}
	return explain(explainTarget{seq: seq, hasSeq: true}), true
}

// CursorSeq is the record under the cursor (ok false when there is none).
func (p *flowsPane) CursorSeq() (uint64, bool) {
	l := p.currentRows()
	_, cur := p.positions(l)
	if cur < 0 {
		return 0, false
	}
	return l.seqAt(cur), true
}

func (p *flowsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case rulesLookupMsg:
		if p.ruleSnaps != nil {
			if msg.snap == nil {
				msg.snap = rules.NewSnapshot() // looked up, nothing known: "?"
			}
			p.ruleSnaps[msg.iface] = msg.snap
			clear(p.ruleCells)
		}
		return p, nil
	case RefreshMsg, FilterMsg:
		return p, p.lookupShown()
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p, nil
	}
	p2, cmd := p.key(km)
	return p2, tea.Batch(cmd, p.lookupShown())
}

// lookupShown starts the rules lookups the verdict column needs for the
// rows on screen.
func (p *flowsPane) lookupShown() tea.Cmd {
	if !p.showRules {
		return nil
	}
	var want []string
	p.sh.Store.Read(func(v model.View) {
		l := p.rows(v.Seq(0), v.Seq(v.Len()))
		top, _ := p.positions(l)
		for r := 0; r < p.bodyHeight() && top-r >= 0; r++ {
			i, ok := v.Index(l.seqAt(top - r))
			if !ok {
				continue
			}
			f, x := v.At(i)
			if id, ok := model.StrID(f, x, model.FieldInterfaceID); ok {
				name := v.Names().Name(id)
				if _, known := p.ruleSnaps[name]; !known {
					p.ruleSnaps[name] = nil
					want = append(want, name)
				}
			}
		}
	})
	var cmds []tea.Cmd
	for _, name := range want {
		cmds = append(cmds, lookupRules(p.sh.Rules, name))
	}
	return tea.Batch(cmds...)
}

// rulesCell is the verdict column for record i: what the rules expect
// ("allow", "deny"), "?" when they cannot decide, "…" while looking up,
// and "!" after it when the logged action disagrees.
func (p *flowsPane) rulesCell(v model.View, i int, seq uint64) string {
	if c, ok := p.ruleCells[seq]; ok {
		return c
	}
	f, x := v.At(i)
	id, ok := model.StrID(f, x, model.FieldInterfaceID)
	if !ok {
		return "-"
	}
	snap := p.ruleSnaps[v.Names().Name(id)]
	if snap == nil {
		return "…"
	}
	vd := verdictOf(snap, v, i)
	c := "?"
	switch vd.Expected {
	case model.ActionAccept:
		c = "allow"
	case model.ActionReject:
		c = "deny"
	}
	if ok, known := vd.Consistent(); known && !ok {
		c += "!"
	}
	if len(p.ruleCells) > 4096 { // a cache of what is on screen, not of the buffer
		clear(p.ruleCells)
	}
	p.ruleCells[seq] = c
	return c
}

func (p *flowsPane) key(km tea.KeyPressMsg) (Pane, tea.Cmd) {
	k := p.sh.Keys
	l := p.currentRows()
	top, cur := p.positions(l)
	page := p.bodyHeight()
	switch {
	case key.Matches(km, k.Up):
		p.moveTo(l, top, cur+1)
	case key.Matches(km, k.Down):
		p.moveTo(l, top, cur-1)
	case key.Matches(km, k.PageUp):
		p.moveTo(l, top+page, cur+page)
	case key.Matches(km, k.PageDown):
		p.moveTo(l, top-page, cur-page)
	case key.Matches(km, k.Oldest):
		p.moveTo(l, top, 0)
	case key.Matches(km, k.Newest):
		p.follow = true
	case key.Matches(km, k.Follow):
		if p.follow {
			p.moveTo(l, top, cur)
		} else {
			p.follow = true
		}
	case key.Matches(km, k.Verdicts):
		if p.sh.Rules != nil {
			p.showRules = !p.showRules
			if p.ruleSnaps == nil {
				p.ruleSnaps, p.ruleCells = map[string]*rules.Snapshot{}, map[uint64]string{}
			}
			p.layout()
		}
	case key.Matches(km, k.Pause):
		p.paused = !p.paused
		if p.paused {
			p.pauseAt = p.sh.Store.Counters().Seen
		}
	case key.Matches(km, k.Open):
		if cur >= 0 {
			return p, OpenDetail(l.seqAt(cur))
		}
	case key.Matches(km, k.Mark):
		if cur >= 0 {
			seq := l.seqAt(cur)
			if _, on := p.marks[seq]; on {
				delete(p.marks, seq)
			} else {
				p.marks[seq] = struct{}{}
			}
		}
	case key.Matches(km, k.NextMark):
		return p, p.jumpMark(l, top, cur, false)
	case key.Matches(km, k.PrevMark):
		return p, p.jumpMark(l, top, cur, true)
	case key.Matches(km, k.Copy), key.Matches(km, k.CopyPairs):
		if cur >= 0 {
			return p, copyRecord(p.sh, l.seqAt(cur), key.Matches(km, k.CopyPairs))
		}
	}
	return p, nil
}

// jumpMark moves to the nearest marked row below (older) or above (newer).
// When it cannot move it says why: no marks, none further that way, or
// the marks are outside the filter.
func (p *flowsPane) jumpMark(l rowList, top, cur int, newer bool) tea.Cmd {
	if len(p.marks) == 0 {
		return Flash("no marked rows: m marks the row under the cursor", false)
	}
	if cur < 0 {
		return nil
	}
	here := l.seqAt(cur)
	best, found, shown := uint64(0), false, false
	for seq := range p.marks {
		pos := l.posOf(seq)
		if pos < 0 || l.seqAt(pos) != seq {
			continue // filtered out, or left the buffer
		}
		shown = true
		if newer && seq > here && (!found || seq < best) || !newer && seq < here && (!found || seq > best) {
			best, found = seq, true
		}
	}
	switch {
	case found:
		p.moveTo(l, top, l.posOf(best))
		return nil
	case !shown:
		return Flash("the marked rows are outside the filter or have left the buffer", false)
	case newer:
		return Flash("no marked row above", false)
	}
	return Flash("no marked row below", false)
}

// Waiting is how many records arrived since the display was paused.
func (p *flowsPane) Waiting() (uint64, bool) {
	if !p.paused {
		return 0, false
	}
	return p.sh.Store.Counters().Seen - p.pauseAt, true
}

func (p *flowsPane) View() string {
	p.out.Reset()
	h := p.bodyHeight()
	drawn := 0
	p.sh.Store.Read(func(v model.View) {
		l := p.rows(v.Seq(0), v.Seq(v.Len()))
		top, cur := p.positions(l)
		if !p.follow && l.n > 0 {
			p.topSeq, p.cursorSeq = l.seqAt(top), l.seqAt(cur)
		}
		if !p.mixedDays && p.visibleSpanDays(v, l, top, h) {
			p.mixedDays = true // kept: dates coming and going would shift the columns
		}
		if days := p.mixedDays || p.spansDays(v); days != p.withDate {
			p.withDate = days
			p.layout()
		}
		p.out.WriteString(p.header)
		names := v.Names()
		for r := 0; r < h && top-r >= 0; r++ {
			pos := top - r
			seq := l.seqAt(pos)
			i, ok := v.Index(seq)
			if !ok {
				continue
			}
			p.out.WriteByte('\n')
			p.drawRow(v, i, names, seq, pos == cur)
			drawn++
		}
	})
	finishRows(&p.out, &p.sh.Styles, drawn, h, p.emptyText())
	return p.out.String()
}

func (p *flowsPane) emptyText() string {
	if p.sh.Filter != nil && p.sh.Matches != nil && p.sh.Matches.Next == 0 && p.sh.Store.Len() > 0 {
		return " filtering…"
	}
	if p.sh.Filter != nil {
		return " no records match the filter"
	}
	return waitingNote(p.sh)
}

func (p *flowsPane) appendHeader(b []byte) []byte {
	c := p.cols
	b = append(b, ' ')
	b = padRight(b, "TIME", c.time)
	b = append(b, ' ')
	switch {
	case c.iface == 0:
	case c.iface < len("INTERFACE"):
		b = padRight(b, "IFACE", c.iface)
		b = append(b, ' ')
	default:
		b = padRight(b, "INTERFACE", c.iface)
		b = append(b, ' ')
	}
	b = padRight(b, "SOURCE", c.src)
	b = appendSpaces(b, len([]rune(c.arrow)))
	b = padRight(b, "DESTINATION", c.dst)
	b = append(b, ' ')
	b = padRight(b, "PROTO", c.proto)
	b = append(b, ' ')
	if c.pkts > 0 {
		b = padLeft(b, "PKTS", c.pkts)
		b = append(b, ' ')
	}
	b = padLeft(b, "BYTES", c.bytes)
	b = append(b, ' ')
	b = padRight(b, "ACTION", c.verdict)
	if c.rules > 0 {
		b = append(b, ' ')
		b = padRight(b, "RULES", c.rules)
	}
	if c.flags > 0 {
		b = append(b, ' ')
		b = padRight(b, "FLAG", c.flags)
	}
	if c.owner > 0 {
		b = append(b, ' ')
		b = padRight(b, "OWNER", c.owner)
	}
	return b
}

// drawRow writes one table row into p.out. The action cell is coloured;
// the cursor row is drawn in one style so its highlight is unbroken.
func (p *flowsPane) drawRow(v model.View, i int, names *model.Interner, seq uint64, cursor bool) {
	f, x := v.At(i)
	c := p.cols
	b := p.line[:0]
	if _, marked := p.marks[seq]; marked {
		b = append(b, "•"...)
	} else {
		b = append(b, ' ')
	}
	p.cell = appendTime(p.cell[:0], f.Start, f.Has(model.FieldStart), p.sh.Zone(), c.timeLayout)
	b = padRight(b, bstr(p.cell), c.time)
	b = append(b, ' ')
	if c.iface > 0 {
		iface := "-"
		if id, ok := model.StrID(f, x, model.FieldInterfaceID); ok {
			iface = Sanitize(names.Name(id))
		} else if place := tgwPlace(f, x, names, c.iface); place != "" {
			iface = place
		}
		b = padTail(b, iface, c.iface)
		b = append(b, ' ')
	}
	ports := hasPorts(f)
	p.cell = appendEndpoint(p.cell[:0], f.SrcAddr(x), f.SrcPort, ports)
	b = padMiddle(b, bstr(p.cell), c.src)
	b = append(b, c.arrow...)
	p.cell = appendEndpoint(p.cell[:0], f.DstAddr(x), f.DstPort, ports)
	b = padMiddle(b, bstr(p.cell), c.dst)
	b = append(b, ' ')
	proto := "-"
	if f.Has(model.FieldProtocol) {
		proto = ProtoName(f.Proto)
	}
	b = padRight(b, proto, c.proto)
	b = append(b, ' ')
	if c.pkts > 0 {
		p.cell = p.cell[:0]
		if f.Has(model.FieldPackets) {
			p.cell = appendHuman(p.cell, uint64(f.Packets))
		} else {
			p.cell = append(p.cell, '-')
		}
		b = padLeft(b, bstr(p.cell), c.pkts)
		b = append(b, ' ')
	}
	p.cell = p.cell[:0]
	if f.Has(model.FieldBytes) {
		p.cell = appendHuman(p.cell, f.Bytes)
	} else {
		p.cell = append(p.cell, '-')
	}
	b = padLeft(b, bstr(p.cell), c.bytes)
	b = append(b, ' ')
	pre := len(b)
	act, style := tgwVerdict(f, x, verdict(f))
	b = padRight(b, act, c.verdict)
	post := len(b)
	if c.rules > 0 {
		b = append(b, ' ')
		b = padRight(b, p.rulesCell(v, i, seq), c.rules)
	}
	if c.flags > 0 {
		b = append(b, ' ')
		fl := ""
		if f.Has(model.FieldTCPFlags) {
			fl = model.FlagShort(f.Flags)
		}
		b = padRight(b, fl, c.flags)
	}
	if c.owner > 0 {
		b = append(b, ' ')
		b = padRight(b, peerOwner(p.sh, f, x, names), c.owner)
	}
	p.line = b
	if cursor {
		p.out.WriteString(p.sh.Styles.Cursor.Render(string(b)))
		return
	}
	p.out.Write(b[:pre])
	p.out.WriteString(p.verdictCell(style, act, b[pre:post]))
	p.out.Write(b[post:])
}

// verdictCell returns the styled action cell. The few distinct cells
// (ACCEPT, REJECT, NODATA, …) are styled once per size and theme and
// reused, so drawing a row calls no lipgloss renderer.
func (p *flowsPane) verdictCell(a model.Action, v string, padded []byte) string {
	if cell, ok := p.verdicts[v]; ok {
		return cell
	}
	st := &p.sh.Styles
	vs := st.Accept
	switch a {
	case model.ActionReject:
		vs = st.Reject
	case model.ActionNone:
		vs = st.NoData
	}
	cell := vs.Render(string(padded))
	p.verdicts[v] = cell
	return cell
}

// statusText is the pane's part of the status bar.
func (p *flowsPane) statusText() string {
	var parts []string
	if p.follow {
		parts = append(parts, "FOLLOW")
	}
	if n, ok := p.Waiting(); ok {
		parts = append(parts, "PAUSED +"+strconv.FormatUint(n, 10))
	}
	if len(p.marks) > 0 {
		parts = append(parts, strconv.Itoa(len(p.marks))+" marked")
	}
	return strings.Join(parts, " ")
}
