package ui

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/aggregate"
	"github.com/flowtail/flowtail/model/rules"
)

// interfacesPane is one row per interface in the buffer (or in the current
// filter's matches): traffic, verdicts, peers, ports, last seen and a
// sparkline, over a time strip of accepts and rejects. Its data comes
// from the incremental aggregate, or from a background recount of the
// filter's matches; a frame only draws the rows on screen.
type interfacesPane struct {
	sh     *Shared
	keys   triageKeys
	width  int
	height int
	cols   []ifaceColumn
	header string // rendered on resize and sort, not per frame
	dated  bool   // LAST SEEN shows dates: the interfaces were last seen on different days

	// Drawn when data or size change, not per frame: a frame costs the
	// rows on screen whatever the time range or the buffer size.
	lines      map[uint32]rowLines // each interface's row, drawn
	sparkWidth int
	strip      string // the accepts/rejects strip
	stripLocal bool   // the zone the strip was drawn in

	sortBy    int  // index into ifaceColumns
	ascending bool // S flips it
	snap      aggregate.Snapshot
	rows      []int  // indexes into snap.Interfaces, in display order
	cursorID  uint32 // interface under the cursor
	list      listCursor

	// What EC2 or the offline rules say about interfaces, looked up one
	// at a time for the interface under the cursor.
	info      map[string]string
	infoAsked string // the lookup in flight ("" when none)

	rc    recount
	ready bool // a snapshot has arrived

	line []byte
	out  strings.Builder
}

func newInterfacesPane(sh *Shared) Pane {
	liveAggregate(sh.Store)
	return &interfacesPane{sh: sh, keys: newTriageKeys(&sh.Keys), sortBy: ifaceSortDefault, rc: recount{stale: true}}
}

func (p *interfacesPane) Title() string { return "interfaces" }
func (p *interfacesPane) Init() tea.Cmd { return nil }

func (p *interfacesPane) SetSize(width, height int) {
	p.width, p.height = width, height
	p.cols = layoutIfaceColumns(width, p.sh.InterfaceName != nil, p.dated)
	p.header = ""
	p.drawCached()
	p.rc.stale = true
}

// explainRow shows the rules of the interface under the cursor, without
// a flow.
func (p *interfacesPane) explainRow() (tea.Cmd, bool) {
	if len(p.rows) == 0 {
		return nil, false
	}
	name := p.snap.Interfaces[p.rows[p.list.cursor]].Name
	if name == "" {
		return nil, false
	}
	return explain(explainTarget{iface: name}), true
}

// cursorInfo is what is known of the cursor's interface.
func (p *interfacesPane) cursorInfo() string {
	info := p.ifaceInfo()
	if cov := coverage(p.sh); cov != "" {
		if info == "" {
			return "counts cover " + cov
		}
		return "counts cover " + cov + " · " + info
	}
	return info
}

func (p *interfacesPane) ifaceInfo() string {
	if len(p.rows) == 0 || p.sh.Rules == nil {
		return ""
	}
	name := p.snap.Interfaces[p.rows[p.list.cursor]].Name
	if t, ok := p.info[name]; ok {
		return Sanitize(t)
	}
	if name == "" {
		return "records without interface-id"
	}
	return Sanitize(name) + ": looking up…"
}

// lastSeenDays reports whether the interfaces were last seen on
// different days in zone.
func lastSeenDays(its []aggregate.Interface, zone *time.Location) bool {
	var days daySpan
	for i := range its {
		if its[i].LastSeen != 0 && days.add(its[i].LastSeen, zone) {
			return true
		}
	}
	return false
}

// rowLines is one row drawn plain (highlighted whole under the cursor)
// and styled.
type rowLines struct{ plain, styled string }

// drawCached renders the sparklines and the time strip for the current
// data and width.
func (p *interfacesPane) drawCached() {
	if dated := lastSeenDays(p.snap.Interfaces, p.sh.Zone()); dated != p.dated {
		p.dated = dated
		p.cols = layoutIfaceColumns(p.width, p.sh.InterfaceName != nil, dated)
		p.header = ""
	}
	p.sparkWidth = 0
	for _, c := range p.cols {
		if c.flex {
			p.sparkWidth = c.width
		}
	}
	if p.lines == nil {
		p.lines = map[uint32]rowLines{}
	}
	clear(p.lines)
	for i := range p.snap.Interfaces {
		it := &p.snap.Interfaces[i]
		plain, styled := p.rowText(it, string(appendSpark(nil, it.Spark, p.sparkWidth)))
		p.lines[it.ID] = rowLines{plain, styled}
	}
	p.strip = histogramStrip(p.sh, p.snap.Histogram, p.width)
	p.stripLocal = p.sh.Local
}

func (p *interfacesPane) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Drill, p.keys.Sort, p.keys.Reverse}
}

func (p *interfacesPane) FullHelp() [][]key.Binding {
	k := &p.keys
	return [][]key.Binding{k.moveHelp(), {k.Drill, k.Sort, k.Reverse}}
}

// ifacesDoneMsg carries a recount (filtered) or a snapshot (unfiltered).
type ifacesDoneMsg struct {
	pane  *interfacesPane
	epoch uint64
	snap  aggregate.Snapshot
	cost  time.Duration
}

// histogramColumns is the time resolution asked of the aggregate: enough
// for the widest strip; sparklines resample it.
func (p *interfacesPane) histogramColumns() int { return max(p.width-20, 8) }

// refresh starts a background snapshot (or recount of the filter's
// matches) unless one is running; a change meanwhile triggers another.
func (p *interfacesPane) refresh() tea.Cmd {
	if start, retry := p.rc.begin(p, false); !start {
		return retry
	}
	store, sh := p.sh.Store, p.sh
	opts := aggregate.Options{TopPorts: 3, Columns: p.histogramColumns()}
	seqs, all := filteredSeqs(sh)
	epoch := p.rc.epoch
	return func() tea.Msg {
		start := time.Now()
		var snap aggregate.Snapshot
		if all {
			live := liveAggregate(store)
			// Peers are counted from the first time this pane is shown,
			// not while a capture loads (see aggregate.Peers).
			live.CountPeers(store)
			snap = aggregate.Take(store, live, opts)
		} else {
			a := aggregate.New()
			eachRecord(store, seqs, false, func(_ uint64, f *model.Flow, x *model.Ext) { a.Added(f, x) })
			snap = a.Snapshot(store.Names(), opts)
		}
		return ifacesDoneMsg{pane: p, epoch: epoch, snap: snap, cost: time.Since(start)}
	}
}

func (p *interfacesPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case RefreshMsg:
		return p, p.refresh()
	case retryMsg:
		if !p.rc.pace.woke(msg, p) {
			return p, nil
		}
		return p, p.refresh()
	case FilterMsg:
		p.rc.changed()
		return p, nil
	case ifacesDoneMsg:
		if msg.pane != p {
			return p, nil
		}
		current, again := p.rc.done(msg.epoch, msg.cost)
		if current {
			p.snap, p.ready = msg.snap, true
			p.order()
			p.drawCached()
		}
		if again {
			return p, tea.Batch(p.refresh(), p.lookupCursor())
		}
		return p, p.lookupCursor()
	case ifaceInfoMsg:
		if msg.pane != p {
			return p, nil
		}
		if p.info == nil {
			p.info = map[string]string{}
		}
		p.info[msg.iface] = msg.text
		p.infoAsked = ""
		return p, p.lookupCursor()
	case tea.KeyPressMsg:
		cmd := p.key(msg)
		return p, tea.Batch(cmd, p.lookupCursor())
	}
	return p, nil
}

// order sorts the rows by the sort column and keeps the cursor on the
// same interface.
func (p *interfacesPane) order() {
	p.rows = p.rows[:0]
	for i := range p.snap.Interfaces {
		p.rows = append(p.rows, i)
	}
	less := ifaceColumns[p.sortBy].less
	its := p.snap.Interfaces
	slices.SortStableFunc(p.rows, func(a, b int) int {
		c := less(&its[a], &its[b])
		if !p.ascending {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(its[a].Name, its[b].Name))
	})
	p.list.cursor = 0
	for r, i := range p.rows {
		if its[i].ID == p.cursorID {
			p.list.cursor = r
		}
	}
	p.clamp()
}

func (p *interfacesPane) bodyHeight() int { return max(p.height-1-histogramHeight-p.infoHeight(), 1) }

// infoHeight is the line describing the cursor's interface, shown when
// rules (EC2 or --rules) are available or the buffer has wrapped.
func (p *interfacesPane) infoHeight() int {
	if p.sh.Rules == nil && p.sh.Store.Counters().Evicted == 0 {
		return 0
	}
	return 1
}

// ifaceInfoMsg carries what the rules source knows of one interface.
type ifaceInfoMsg struct {
	pane  *interfacesPane
	iface string
	text  string
}

// lookupCursor asks the rules source about the interface under the
// cursor, once per interface, one lookup at a time.
func (p *interfacesPane) lookupCursor() tea.Cmd {
	src := p.sh.Rules
	if src == nil || p.infoAsked != "" || len(p.rows) == 0 {
		return nil
	}
	name := p.snap.Interfaces[p.rows[p.list.cursor]].Name
	if _, done := p.info[name]; done || name == "" {
		return nil
	}
	p.infoAsked = name
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		snap, err := src.Lookup(ctx, name)
		return ifaceInfoMsg{pane: p, iface: name, text: describeInterface(snap, name, err)}
	}
}

// describeInterface is one line on an interface: type, Name tag,
// description, instance.
func describeInterface(snap *rules.Snapshot, name string, err error) string {
	var it *rules.Interface
	if snap != nil {
		it = snap.Interfaces[name]
	}
	if it == nil {
		if err != nil {
			return name + ": not described (" + err.Error() + ")"
		}
		return name + ": not in the rules data"
	}
	parts := []string{name}
	if it.Type != "" {
		parts = append(parts, interfaceTypeName(it.Type))
	}
	if n := it.Name(); n != "" {
		parts = append(parts, "Name "+strconv.Quote(n))
	}
	if it.Description != "" {
		parts = append(parts, strconv.Quote(it.Description))
	}
	if it.InstanceID != "" {
		parts = append(parts, it.InstanceID)
	}
	if len(it.Private) > 0 {
		parts = append(parts, it.Private[0].String())
	}
	return strings.Join(parts, " · ")
}

// interfaceTypeName spells EC2's InterfaceType values for people.
func interfaceTypeName(t string) string {
	switch t {
	case "interface":
		return "network interface"
	case "natGateway", "nat_gateway":
		return "NAT gateway"
	case "network_load_balancer", "load_balancer":
		return "load balancer"
	case "gateway_load_balancer", "gateway_load_balancer_endpoint":
		return "gateway load balancer"
	case "lambda":
		return "Lambda"
	case "vpc_endpoint", "interface_endpoint":
		return "VPC endpoint"
	case "transit_gateway":
		return "transit gateway"
	case "efa":
		return "EFA"
	}
	return t
}

// clamp keeps the cursor in the table and remembers its interface, so a
// new snapshot or sort order keeps it on the same one.
func (p *interfacesPane) clamp() {
	p.list.clamp(len(p.rows), p.bodyHeight())
	if len(p.rows) > 0 {
		p.cursorID = p.snap.Interfaces[p.rows[p.list.cursor]].ID
	}
}

func (p *interfacesPane) key(km tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.list.move(km, &p.keys, len(p.rows), p.bodyHeight()):
		p.clamp()
	case key.Matches(km, p.keys.Sort):
		p.nextSort()
		p.header = ""
		p.order()
	case key.Matches(km, p.keys.Reverse):
		p.ascending = !p.ascending
		p.header = ""
		p.order()
	case key.Matches(km, p.keys.Drill):
		if len(p.rows) == 0 {
			return nil
		}
		it := &p.snap.Interfaces[p.rows[p.list.cursor]]
		if it.Name == "" {
			return Flash("these records carry no interface-id to filter on", true)
		}
		if strings.HasPrefix(it.Name, "tgw-attach-") { // Transit Gateway records group by attachment
			return drillFilter(fieldIs("tgwAttachmentId", it.Name)+" and not ispresent(interfaceId)", attachmentFilter{it.ID})
		}
		return drillFilter(fieldIs("interfaceId", it.Name), ifaceFilter{it.ID})
	}
	return nil
}

// nextSort moves to the next sortable column on screen; a new column
// starts largest first (names A–Z).
func (p *interfacesPane) nextSort() {
	visible := map[string]bool{}
	for _, c := range p.cols {
		visible[c.title] = true
	}
	for i := 1; i <= len(ifaceColumns); i++ {
		n := (p.sortBy + i) % len(ifaceColumns)
		if c := ifaceColumns[n]; c.less != nil && visible[c.title] {
			p.sortBy = n
			p.ascending = n == 0
			return
		}
	}
}

func (p *interfacesPane) View() string {
	st := &p.sh.Styles
	p.out.Reset()
	if p.header == "" {
		p.header = st.Header.Render(string(p.appendHeader(p.line[:0])))
	}
	p.out.WriteString(p.header)
	h := p.bodyHeight()
	drawn := 0
	if p.stripLocal != p.sh.Local { // last seen and the strip follow the zone
		p.drawCached()
	}
	for r := p.list.top; r < len(p.rows) && drawn < h; r++ {
		p.out.WriteByte('\n')
		l := p.lines[p.snap.Interfaces[p.rows[r]].ID]
		if r == p.list.cursor {
			p.out.WriteString(st.Cursor.Render(l.plain))
		} else {
			p.out.WriteString(l.styled)
		}
		drawn++
	}
	finishRows(&p.out, st, drawn, h, emptyNote(p.sh, p.ready))
	if p.infoHeight() > 0 {
		p.out.WriteByte('\n')
		p.out.WriteString(st.Dim.Render(fitWidth(" "+p.cursorInfo(), p.width)))
	}
	p.out.WriteByte('\n')
	p.out.WriteString(p.strip)
	return p.out.String()
}

func (p *interfacesPane) appendHeader(b []byte) []byte {
	sorted := ifaceColumns[p.sortBy].title
	for _, c := range p.cols {
		b = append(b, ' ')
		title := c.title
		if title == sorted {
			arrow := "▼"
			if p.ascending {
				arrow = "▲"
			}
			if len(title)+1 > c.width { // titles are ASCII: the arrow must show, the title gives way
				title = title[:max(c.width-1, 0)]
			}
			title += arrow
		}
		if c.right {
			b = padLeft(b, title, c.width)
		} else {
			b = padRight(b, title, c.width)
		}
	}
	return b
}

// rowText builds one interface's row: plain (for the cursor highlight)
// and styled (REJECT count in the reject style).
func (p *interfacesPane) rowText(it *aggregate.Interface, spark string) (plain, styled string) {
	st := &p.sh.Styles
	b := p.line[:0]
	var cell []byte
	rejStart, rejEnd := -1, -1
	for _, c := range p.cols {
		b = append(b, ' ')
		if c.flex {
			b = append(b, spark...)
			continue
		}
		if c.title == "LAST SEEN" && p.dated {
			cell = appendTime(cell[:0], it.LastSeen, it.LastSeen != 0, p.sh.Zone(), lastSeenDated)
		} else {
			cell = c.cell(cell[:0], p.sh, it)
		}
		if c.title == "REJECT" && it.Rejects > 0 {
			rejStart = len(b)
		}
		switch {
		case c.right:
			b = padLeft(b, string(cell), c.width)
		case c.title == "INTERFACE":
			b = padTail(b, string(cell), c.width)
		default:
			b = padRight(b, string(cell), c.width)
		}
		if rejStart >= 0 && rejEnd < 0 {
			rejEnd = len(b)
		}
	}
	p.line = b
	plain = string(b)
	if rejStart < 0 {
		return plain, plain
	}
	return plain, plain[:rejStart] + st.Reject.Render(plain[rejStart:rejEnd]) + plain[rejEnd:]
}
