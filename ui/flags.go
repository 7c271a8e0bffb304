package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/aggregate"
	"github.com/flowtail/flowtail/model/conversation"
)

// flagsPane explains tcp-flags: the selected flow's bits, the flag
// combinations of the current filter with counts and what each means in
// an investigation, and the conversations the records pair into (`c`
// lists them).
type flagsPane struct {
	sh     *Shared
	keys   triageKeys
	width  int
	height int
	header string // rendered on resize, not per frame

	combos     []comboRow
	comboLines map[int]string // drawn rows, by index

	// Drawn once per change, not per frame.
	summaryDrawn string
	selKey       selKey
	selDrawn     string

	summary conversation.Summary // conversations by class (the list is in conv)
	total   int
	ready   bool

	list listCursor // over combos

	showConvs bool
	conv      convList

	rc recount

	line []byte
	out  strings.Builder
}

// comboRow is one line of the combinations table: a tcp-flags value, or
// the records that have none.
type comboRow struct {
	value  uint8
	absent bool
	count  uint64
}

func newFlagsPane(sh *Shared) Pane {
	liveAggregate(sh.Store)
	return &flagsPane{sh: sh, keys: newTriageKeys(&sh.Keys), rc: recount{stale: true}}
}

func (p *flagsPane) Title() string { return "flags" }
func (p *flagsPane) Init() tea.Cmd { return nil }

func (p *flagsPane) SetSize(width, height int) {
	p.width, p.height = width, height
	p.header = p.sh.Styles.Header.Render(fitWidth("    VALUE FLAGS           RECORDS  SHARE  READING", width))
	clear(p.comboLines)
	p.summaryDrawn, p.selDrawn = "", ""
	p.conv.setSize(width, height)
}

func (p *flagsPane) ShortHelp() []key.Binding {
	if p.showConvs {
		return []key.Binding{p.keys.Back, p.keys.Drill} // the way back first: it is kept when space runs out
	}
	return []key.Binding{p.keys.Drill, p.keys.Convs}
}

func (p *flagsPane) FullHelp() [][]key.Binding {
	k := &p.keys
	return [][]key.Binding{k.moveHelp(), {k.Drill, k.Convs, k.Back}}
}

// flagsDoneMsg carries the counts and conversations of one recount.
type flagsDoneMsg struct {
	pane   *flagsPane
	epoch  uint64
	counts aggregate.FlagCounts
	convs  []conversation.Conversation
	sum    conversation.Summary
	total  int
	cost   time.Duration
}

// refresh recounts in the background. Pairing conversations is a pass
// over the buffer, so while nothing but new records changed it is paced
// by its own cost (see throttle); small buffers refresh every tick.
func (p *flagsPane) refresh(force bool) tea.Cmd {
	if start, retry := p.rc.begin(p, force); !start {
		return retry
	}
	store := p.sh.Store
	seqs, all := filteredSeqs(p.sh)
	epoch := p.rc.epoch
	return func() tea.Msg {
		start := time.Now()
		var counts aggregate.FlagCounts
		if all {
			// Unfiltered, both are kept as records enter and leave the ring.
			a, live := liveAggregate(store), liveConversations(store)
			msg := flagsDoneMsg{pane: p, epoch: epoch}
			store.Read(func(model.View) {
				msg.counts, msg.sum, msg.total = a.Flags(), live.Summary(), live.Len()
				msg.convs = live.Top(maxListed)
			})
			msg.cost = time.Since(start)
			return msg
		}
		pr := conversation.NewPairer()
		eachRecord(store, seqs, all, func(_ uint64, f *model.Flow, x *model.Ext) {
			if !all {
				if f.Has(model.FieldTCPFlags) {
					counts.ByValue[f.Flags]++
				} else {
					counts.Absent++
				}
			}
			pr.Add(f, x)
		})
		all := pr.Conversations()
		msg := flagsDoneMsg{pane: p, epoch: epoch, counts: counts, sum: conversation.Summarize(all), total: len(all)}
		if len(all) > maxListed { // keep the worst, let the rest be collected
			all = slices.Clone(all[:maxListed])
		}
		msg.convs, msg.cost = all, time.Since(start)
		return msg
	}
}

func (p *flagsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case RefreshMsg:
		return p, p.refresh(!p.ready)
	case retryMsg:
		if !p.rc.pace.woke(msg, p) {
			return p, nil
		}
		return p, p.refresh(!p.ready)
	case FilterMsg:
		p.rc.changed()
		p.ready = false
		return p, nil
	case flagsDoneMsg:
		if msg.pane != p {
			return p, nil
		}
		current, again := p.rc.done(msg.epoch, msg.cost)
		if current {
			p.setData(msg.counts, msg.convs, msg.sum, msg.total)
		}
		if again {
			return p, p.refresh(!current)
		}
		return p, nil
	case tea.KeyPressMsg:
		if p.showConvs {
			return p, p.convKey(msg)
		}
		return p, p.key(msg)
	}
	return p, nil
}

// maxListed bounds the conversations kept for the list: they come worst
// first, so the problems are all there, and a million-record buffer does
// not keep hundreds of megabytes of established pairs alive.
const maxListed = 10_000

func (p *flagsPane) setData(counts aggregate.FlagCounts, convs []conversation.Conversation, sum conversation.Summary, total int) {
	p.ready = true
	p.summary, p.total = sum, total
	clear(p.comboLines)
	p.summaryDrawn = ""
	keep, had := comboRow{}, p.list.cursor < len(p.combos)
	if had {
		keep = p.combos[p.list.cursor]
	}
	p.combos = p.combos[:0]
	for _, c := range counts.Combos() {
		p.combos = append(p.combos, comboRow{value: c.Value, count: c.Count})
	}
	if counts.Absent > 0 {
		p.combos = append(p.combos, comboRow{absent: true, count: counts.Absent})
	}
	p.list.cursor = 0
	for i, c := range p.combos {
		if had && c.value == keep.value && c.absent == keep.absent {
			p.list.cursor = i
		}
	}
	p.conv.set(convs, total)
	p.list.clamp(len(p.combos), p.tableRows())
}

// Layout: the selected flow (4 lines), the combinations table (heading,
// header, rows), the conversations summary (a heading and the class
// counts, which wrap to a second line on a narrow terminal).
const (
	flagsSelectedLines = 4
	flagsClassLines    = 2 // at most: six counts need two lines at 60 columns
)

func (p *flagsPane) tableRows() int {
	return max(p.height-flagsSelectedLines-2-1-len(p.classLines()), 1)
}

// classLines are the conversation counts by class, wrapped to the width.
func (p *flagsPane) classLines() []string {
	if !p.ready {
		return []string{""}
	}
	var parts []string
	for _, c := range conversation.Classes() {
		parts = append(parts, thousands(uint64(p.summary.Count(c)))+" "+c.String())
	}
	lines := capLines(wrapParts(parts, " · ", max(p.width-1, 1)), flagsClassLines)
	for i, l := range lines {
		lines[i] = fitWidth(" "+l, p.width)
	}
	return lines
}

func (p *flagsPane) key(km tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.list.move(km, &p.keys, len(p.combos), p.tableRows()):
	case key.Matches(km, p.keys.Convs):
		p.showConvs = true
	case key.Matches(km, p.keys.Drill):
		if p.list.cursor >= len(p.combos) {
			return nil
		}
		c := p.combos[p.list.cursor]
		if c.absent {
			return drillFilter("not ispresent(tcpFlags)", flagsFilter{absent: true})
		}
		return drillFilter("tcpFlags = "+strconv.Itoa(int(c.value)), flagsFilter{value: c.value})
	}
	return nil
}

func (p *flagsPane) View() string {
	if p.showConvs {
		return p.conv.view(p.sh, p.ready)
	}
	st := &p.sh.Styles
	p.out.Reset()
	p.out.WriteString(p.selectedText())

	scope := scopeLabel(p.sh)
	p.out.WriteString(st.Section.Render(" FLAG COMBINATIONS"))
	p.out.WriteString(st.Dim.Render(fitWidth("  "+scope, max(p.width-18, 0))))
	p.out.WriteByte('\n')
	p.out.WriteString(p.header)
	h := p.tableRows()
	drawn := 0
	var total uint64
	for _, c := range p.combos {
		total += c.count
	}
	for r := p.list.top; r < len(p.combos) && drawn < h; r++ {
		p.out.WriteByte('\n')
		l, ok := p.comboLines[r]
		if !ok {
			l = p.comboLine(p.combos[r], total)
			if p.comboLines == nil {
				p.comboLines = map[int]string{}
			}
			p.comboLines[r] = l
		}
		if r == p.list.cursor {
			p.out.WriteString(p.sh.Styles.Cursor.Render(" ▸" + l[2:]))
		} else {
			p.out.WriteString(l)
		}
		drawn++
	}
	finishRows(&p.out, st, drawn, h, emptyNote(p.sh, p.ready))
	p.out.WriteByte('\n')
	if p.summaryDrawn == "" {
		p.summaryDrawn = p.summaryText()
	}
	p.out.WriteString(p.summaryDrawn)
	return p.out.String()
}

// comboLine draws one combination: value, names, count, share, reading.
// Lines are kept until the data or the size change.
func (p *flagsPane) comboLine(c comboRow, total uint64) string {
	b := append(p.line[:0], "   "...)
	var reading string
	if c.absent {
		b = padLeft(b, "-", 6)
		b = append(b, ' ')
		b = padRight(b, "(no tcp-flags)", 14)
		reading = "format without tcp-flags (a v3 field), or \"-\" (not computable)"
	} else {
		b = padLeft(b, strconv.Itoa(int(c.value)), 6)
		b = append(b, ' ')
		b = padRight(b, model.FlagNames(c.value), 14)
		r, documented := model.FlagReading(c.value)
		reading = r
		if !documented {
			reading = "(inference) " + r
		}
	}
	b = append(b, ' ')
	b = padLeft(b, string(appendThousands(nil, c.count)), 9)
	b = append(b, ' ')
	share := 0.0
	if total > 0 {
		share = 100 * float64(c.count) / float64(total)
	}
	b = padLeft(b, strconv.FormatFloat(share, 'f', 1, 64)+"%", 6)
	b = append(b, "  "...)
	if room := p.width - cellWidth(string(b)); room > 0 {
		b = padRight(b, reading, room)
	}
	p.line = b
	return string(b)
}

// selKey identifies what the selected-flow lines were drawn for: a record
// does not change while it is buffered, so only its sequence number and
// whether it is still there matter.
type selKey struct {
	seq   uint64
	found bool
}

// selectedText explains the flow under the flows pane's cursor.
func (p *flagsPane) selectedText() string {
	var seq uint64
	ok := false
	if p.sh.Selected != nil {
		seq, ok = p.sh.Selected()
	}
	found := false
	if ok {
		p.sh.Store.Read(func(v model.View) { _, found = v.Index(seq) })
	}
	if k := (selKey{seq, found}); k != p.selKey || p.selDrawn == "" {
		p.selKey, p.selDrawn = k, p.selectedLines(seq, found)
	}
	return p.selDrawn
}

func (p *flagsPane) selectedLines(seq uint64, ok bool) string {
	st := &p.sh.Styles
	lines := make([]string, 0, flagsSelectedLines)
	head := st.Section.Render(" SELECTED FLOW ")
	found := false
	if ok {
		p.sh.Store.Read(func(v model.View) {
			i, in := v.Index(seq)
			if !in {
				return
			}
			found = true
			f, x := v.At(i)
			lines = append(lines, head+fitWidth(flowLabel(f, x, v.Names()), max(p.width-15, 0)))
			if !f.Has(model.FieldTCPFlags) {
				lines = append(lines, st.Dim.Render("   no tcp-flags on this record: the format lacks the v3 field, or it was \"-\""))
				return
			}
			lines = append(lines, fitWidth("   tcp-flags "+strconv.Itoa(int(f.Flags))+" = "+model.FlagNames(f.Flags)+"    "+flagBits(f.Flags), p.width))
			r, documented := model.FlagReading(f.Flags)
			src := "AWS-documented"
			if !documented {
				src = "inference, not AWS"
			}
			if reading := wrapWords(r, p.width-3); len(reading) == 1 {
				lines = append(lines, "   "+r)
				lines = append(lines, st.Dim.Render(fitWidth("   ("+src+"; flags OR-ed over the interval: no order within a record)", p.width)))
			} else { // narrow: the reading takes both lines, the source noted at its end
				for _, l := range capLines(wrapWords(r+" ("+src+")", p.width-3), 2) {
					lines = append(lines, "   "+l)
				}
			}
		})
	}
	if !found {
		hint := "none: move the cursor in the flows pane (1)"
		if p.sh.Store.Len() == 0 {
			hint = "none: no records yet"
		}
		lines = append(lines, head+st.Dim.Render(hint))
	}
	for len(lines) < flagsSelectedLines {
		lines = append(lines, "")
	}
	return strings.Join(lines[:flagsSelectedLines], "\n") + "\n"
}

// flagBits shows each of the six bits as on (●) or off (·).
func flagBits(v uint8) string {
	var b strings.Builder
	for i, fl := range model.FlagBits() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fl.Name)
		if v&fl.Bit != 0 {
			b.WriteString("●")
		} else {
			b.WriteString("·")
		}
	}
	return b.String()
}

// flowLabel is a record in one line: interface, endpoints, protocol, action.
func flowLabel(f *model.Flow, x *model.Ext, names *model.Interner) string {
	var b []byte
	if id, ok := model.StrID(f, x, model.FieldInterfaceID); ok {
		b = append(b, Sanitize(names.Name(id))...)
		b = append(b, "  "...)
	}
	ports := hasPorts(f)
	b = appendEndpoint(b, f.SrcAddr(x), f.SrcPort, ports)
	b = append(b, " → "...)
	b = appendEndpoint(b, f.DstAddr(x), f.DstPort, ports)
	if f.Has(model.FieldProtocol) {
		b = append(b, "  "...)
		b = append(b, ProtoName(f.Proto)...)
	}
	b = append(b, "  "...)
	b = append(b, verdict(f)...)
	return string(b)
}

// summaryText is the conversations line under the table.
func (p *flagsPane) summaryText() string {
	var out strings.Builder
	st := &p.sh.Styles
	out.WriteString(st.Section.Render(" CONVERSATIONS"))
	if !p.ready {
		out.WriteString(st.Dim.Render("  pairing…"))
		out.WriteByte('\n')
		return out.String()
	}
	out.WriteString(st.Dim.Render(" " + thousands(uint64(p.total)) + " paired by reversed 5-tuple  (c: list)"))
	for _, l := range p.classLines() {
		out.WriteByte('\n')
		if p.summary.Count(conversation.ReplyRejected) > 0 {
			l = st.Reject.Render(l)
		}
		out.WriteString(l)
	}
	return out.String()
}
