package ui

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/aggregate"
	"github.com/flowtail/flowtail/model/rules"
)

// detailModel shows every field of one record: the present ones with their
// values decoded, the absent ones marked absent, then the tcp-flags
// reading. It is a mode of the root model; esc returns to the pane.
type detailModel struct {
	sh     *Shared
	seq    uint64
	width  int
	height int
	lines  []string // built on open, resize and zone change
	offset int
	// malformed shows the kept malformed lines instead of a record.
	malformed bool
	// rules of the record's interface, once looked up (nil: none yet).
	snap     *rules.Snapshot
	rulesErr error
}

// lookup fetches the rules of the record's interface for its verdict.
func (d *detailModel) lookup() tea.Cmd {
	if d.malformed || d.sh.Rules == nil {
		return nil
	}
	var iface string
	d.sh.Store.Read(func(v model.View) {
		if i, ok := v.Index(d.seq); ok {
			f, x := v.At(i)
			if id, ok := model.StrID(f, x, model.FieldInterfaceID); ok {
				iface = v.Names().Name(id)
			}
		}
	})
	return lookupRules(d.sh.Rules, iface)
}

// peersCountedMsg says the live aggregate now counts peers.
type peersCountedMsg struct{}

// countPeers has the live aggregate count peers, off the UI goroutine,
// for the interface summary (nil when it already does).
func (d *detailModel) countPeers() tea.Cmd {
	store := d.sh.Store
	if d.malformed || liveAggregate(store).CountsPeers() {
		return nil
	}
	return func() tea.Msg {
		liveAggregate(store).CountPeers(store)
		return peersCountedMsg{}
	}
}

// verdictLines are the rules' verdict on the record and the rule that
// decided it.
func (d *detailModel) verdictLines(v model.View, i, width int) []string {
	st := &d.sh.Styles
	if d.sh.Rules == nil {
		return nil
	}
	out := []string{"", st.Section.Render("RULES")}
	if f, x := v.At(i); !hasInterface(f, x) {
		return append(out, wrapStyled(st.Dim, rules.NoInterfaceReason(rules.FromFlow(f, x, v.Names())), width)...)
	}
	if d.snap == nil {
		if d.rulesErr != nil {
			return append(out, wrapStyled(st.Error, Sanitize(d.rulesErr.Error()), width)...)
		}
		return append(out, st.Pending.Render("looking up the rules of this interface…"))
	}
	vd := verdictOf(d.snap, v, i)
	summary, style := rulesVerdictLine(&vd, st)
	for _, l := range wrapParts(strings.Split(summary, " · "), " · ", width) {
		out = append(out, style.Render(l))
	}
	if r := decidingRule(&vd); r != "" {
		out = append(out, wrapStyled(st.Value, "deciding rule: "+r, width)...)
	}
	out = append(out, capLines(wrapWords(Sanitize(vd.Reason), width), 3)...)
	return append(out, st.Dim.Render("r shows every rule of the interface"))
}

// newMalformedView is the same scrolling page over the malformed lines
// the store keeps, newest first.
func newMalformedView(sh *Shared, width, height int) detailModel {
	d := detailModel{sh: sh, malformed: true}
	d.setSize(width, height)
	return d
}

func newDetail(sh *Shared, seq uint64, width, height int) detailModel {
	d := detailModel{sh: sh, seq: seq}
	d.setSize(width, height)
	return d
}

func (d *detailModel) setSize(width, height int) {
	d.width, d.height = width, height
	d.rebuild()
}

func (d *detailModel) rebuild() {
	d.lines = nil
	if d.malformed {
		d.lines = malformedLines(d.sh, d.width)
		for i, l := range d.lines {
			d.lines[i] = fitCells(l, d.width)
		}
		d.offset = min(d.offset, max(len(d.lines)-d.height, 0))
		return
	}
	// The interface's summary comes from the live per-interface aggregate
	// (kept incrementally; a snapshot costs the number of interfaces), taken
	// before the record is read: Take holds the store's lock itself.
	snap := aggregate.Take(d.sh.Store, liveAggregate(d.sh.Store), aggregate.Options{TopPorts: 3})
	d.sh.Store.Read(func(v model.View) {
		i, ok := v.Index(d.seq)
		if !ok {
			d.lines = []string{d.sh.Styles.Warn.Render(fmt.Sprintf(" record #%d has left the buffer (it holds the newest %d records)", d.seq, v.Len()))}
			return
		}
		f, x := v.At(i)
		// Wide terminals get the fields on the left and the readings on
		// the right; narrow ones get them one after the other.
		leftW, rightW := d.width, d.width
		if d.width >= 110 {
			leftW = d.width * 11 / 20
			rightW = d.width - leftW - 1
		}
		head, fields := detailFields(d.sh, f, x, v.Names(), d.seq, leftW)
		var verdict []string
		if leftW == d.width { // under the head, with the fields' margin
			verdict = d.verdictLines(v, i, d.width-1)
			for k := range verdict {
				verdict[k] = " " + verdict[k]
			}
		} else {
			verdict = d.verdictLines(v, i, rightW)
		}
		notes := detailNotes(d.sh, f, x, rightW)
		notes = append(notes, ownerLines(d.sh, f, x, v.Names(), rightW)...)
		notes = append(notes, tgwNotes(&d.sh.Styles, f, x, v.Names(), rightW)...)
		notes = append(notes, reverseLines(d.sh, v, i, rightW)...)
		notes = append(notes, ifaceLines(d.sh, f, snap, rightW)...)
		notes = append(notes, absentLines(d.sh, f, x, rightW)...)
		d.lines = head
		if leftW == d.width { // narrow: the verdict first, it is what is asked
			if len(verdict) > 0 {
				d.lines = append(append(d.lines, verdict[1:]...), "") // no blank line under the head
			}
		} else {
			notes = append(verdict, notes...)
		}
		if leftW == d.width {
			d.lines = append(append(d.lines, fields...), notes...)
		} else {
			for k := 0; k < max(len(fields), len(notes)); k++ {
				var l, r string
				if k < len(fields) {
					l = fields[k]
				}
				if k < len(notes) {
					r = notes[k]
				}
				l = fitCells(l, leftW)
				d.lines = append(d.lines, l+strings.Repeat(" ", leftW-ansi.StringWidth(l)+1)+r)
			}
		}
	})
	for i, l := range d.lines {
		d.lines[i] = fitCells(l, d.width)
	}
	d.offset = min(d.offset, max(len(d.lines)-d.height, 0))
}

func (d detailModel) update(msg tea.KeyPressMsg) (detailModel, tea.Cmd) {
	k := d.sh.Keys
	page := max(d.height-1, 1)
	switch {
	case key.Matches(msg, k.Down):
		d.offset++
	case key.Matches(msg, k.Up):
		d.offset--
	case key.Matches(msg, k.PageDown):
		d.offset += page
	case key.Matches(msg, k.PageUp):
		d.offset -= page
	case key.Matches(msg, k.Newest):
		d.offset = 0
	case key.Matches(msg, k.Oldest):
		d.offset = len(d.lines)
	case key.Matches(msg, k.Copy) && !d.malformed:
		return d, copyRecord(d.sh, d.seq, false)
	case key.Matches(msg, k.CopyPairs) && !d.malformed:
		return d, copyRecord(d.sh, d.seq, true)
	}
	d.offset = max(0, min(d.offset, len(d.lines)-d.height))
	return d, nil
}

func (d detailModel) view() string {
	var b strings.Builder
	end := min(d.offset+d.height, len(d.lines))
	for i := d.offset; i < end; i++ {
		if i > d.offset {
			b.WriteByte('\n')
		}
		b.WriteString(d.lines[i])
	}
	for i := end - d.offset; i < d.height; i++ {
		b.WriteByte('\n')
	}
	return b.String()
}

// fieldValue renders one present field for people: numbers with their
// meaning (protocol names, services, times), strings sanitised.
func fieldValue(sh *Shared, f *model.Flow, x *model.Ext, names *model.Interner, id model.FieldID) string {
	switch id.Kind() {
	case model.KindAddr:
		return model.Addr(f, x, id).String()
	case model.KindEnum:
		if id == model.FieldAction {
			return f.Action().String()
		}
		return f.Status().String()
	case model.KindInt:
		n, _ := model.Int(f, x, id)
		s := strconv.FormatUint(n, 10)
		switch id {
		case model.FieldProtocol:
			if _, ok := model.ProtoName(uint8(n)); ok {
				s += " (" + ProtoName(uint8(n)) + ")"
			}
		case model.FieldSrcPort, model.FieldDstPort:
			if svc, ok := model.PortService(uint16(n)); ok && hasPorts(f) {
				s += " (" + svc + ")"
			}
		case model.FieldStart, model.FieldEnd:
			s += "  " + string(appendTime(nil, uint32(n), true, sh.Zone(), "2006-01-02 15:04:05 MST"))
		case model.FieldPackets, model.FieldBytes:
			if n >= 1000 {
				s = string(appendThousands(nil, n))
			}
		case model.FieldTCPFlags:
			s += "  " + model.FlagNames(uint8(n))
		case model.FieldTrafficPath:
			s += trafficPathText(n)
		}
		return s
	}
	id32, _ := model.StrID(f, x, id)
	return Sanitize(names.Name(id32))
}

// trafficPaths is AWS's meaning of the traffic-path codes.
var trafficPaths = map[uint64]string{1: "through another resource in the same VPC", 2: "through an internet gateway or gateway VPC endpoint",
	3: "through a virtual private gateway", 4: "through an intra-region VPC peering connection",
	5: "through an inter-region VPC peering connection", 6: "through a local gateway",
	7: "through a gateway VPC endpoint (Nitro)", 8: "through an internet gateway (Nitro)"}

// trafficPathText is the meaning of a traffic-path code, in brackets.
func trafficPathText(n uint64) string {
	if p, ok := trafficPaths[n]; ok {
		return " (" + p + ")"
	}
	return ""
}

// detailFields is the heading and one line per field, in AWS order.
// Fields up to the newest version the record shows are listed one by one,
// absent ones marked; absent fields of later versions are named on one
// line so the screen is not mostly "absent".
func detailFields(sh *Shared, f *model.Flow, x *model.Ext, names *model.Interner, seq uint64, width int) (head, out []string) {
	st := &sh.Styles
	iface := "-"
	if id, ok := model.StrID(f, x, model.FieldInterfaceID); ok {
		iface = Sanitize(names.Name(id))
	} else if place := tgwPlace(f, x, names, 80); place != "" {
		iface = place
	}
	head = []string{st.Section.Render(fmt.Sprintf(" record #%d", seq)) + st.Dim.Render(" on "+iface+"   esc back · y copy · t UTC/local"), ""}

	ver := int(f.Version)
	fields := kindFields(f, x)
	for _, id := range fields {
		if model.Present(f, x, id) && id.Version() > ver {
			ver = id.Version()
		}
	}
	const labelW = 22
	for _, id := range fields {
		if !model.Present(f, x, id) {
			if id.Version() > ver || id.Version() == 0 {
				continue // named together in the notes
			}
			out = append(out, " "+st.Label.Render(padMin(id.Name()+" ", labelW))+st.Absent.Render("absent"))
			continue
		}
		out = appendField(out, st, id.Name(), fieldValue(sh, f, x, names, id), "", labelW, width)
	}
	rf := model.FormatOf(f)
	for _, id := range rf.Unknown() {
		if !model.Present(f, x, id) {
			continue
		}
		out = appendField(out, st, Sanitize(rf.Name(id)), fieldValue(sh, f, x, names, id), "  (field not known to flowtail)", labelW, width)
	}
	return head, out
}

// appendField adds one field's lines: the label, then the value, wrapped
// under itself when it is longer than its column (an ECS ARN, a container
// id: the detail view is where a value is read whole), then a note.
func appendField(out []string, st *Styles, label, value, note string, labelW, width int) []string {
	lead := " " + st.Label.Render(padMin(label+" ", labelW))
	room := width - 1 - max(labelW, cellWidth(label)+1)
	if room < 8 || cellWidth(value) <= room {
		return append(out, lead+st.Value.Render(value)+st.Dim.Render(note))
	}
	indent := strings.Repeat(" ", width-room)
	for i, part := range wrapWords(value, room) {
		if i > 0 {
			lead = indent
		}
		out = append(out, lead+st.Value.Render(part))
	}
	if note != "" {
		out[len(out)-1] += st.Dim.Render(note)
	}
	return out
}

// detailNotes is what the fields mean together: the tcp-flags reading,
// address translation, and the fields the record's format lacks.
func detailNotes(sh *Shared, f *model.Flow, x *model.Ext, width int) []string {
	st := &sh.Styles
	out := []string{" " + st.Section.Render("tcp-flags")}
	if f.Has(model.FieldTCPFlags) {
		reading, documented := model.FlagReading(f.Flags)
		src := "inference"
		if documented {
			src = "documented by AWS"
		}
		out = append(out, fmt.Sprintf("   %d = %s", f.Flags, model.FlagNames(f.Flags)))
		out = append(out, wrap("   "+reading, width)...)
		out = append(out, wrapStyled(st.Dim, "   ("+src+"; flags are OR-ed over the aggregation interval)", width)...)
	} else {
		out = append(out, wrapStyled(st.Absent, "   absent (tcp-flags is a version 3 field; this record's format does not carry it)", width)...)
	}
	return append(out, addrNotes(st, f, x, width)...)
}

// absentLines names the fields of later versions the record lacks.
func absentLines(sh *Shared, f *model.Flow, x *model.Ext, width int) []string {
	st := &sh.Styles
	var out []string
	ver := int(f.Version)
	for _, id := range model.KnownFields() {
		if model.Present(f, x, id) && id.Version() > ver {
			ver = id.Version()
		}
	}
	var later []string
	for _, id := range kindFields(f, x) {
		if !model.Present(f, x, id) && (id.Version() > ver || id.Version() == 0) {
			later = append(later, id.Name())
		}
	}
	if len(later) > 0 {
		out = append(out, "")
		out = append(out, wrapList(st, " absent (not in this record's format):", later, width)...)
	}
	return out
}

// addrNotes explains pkt-srcaddr/pkt-dstaddr when they differ from the
// interface addresses (NAT gateway, load balancer, transit gateway).
func addrNotes(st *Styles, f *model.Flow, x *model.Ext, width int) []string {
	var out []string
	note := func(pkt, iface netip.Addr, what string) {
		if pkt.IsValid() && iface.IsValid() && pkt != iface {
			out = append(out, wrapStyled(st.Warn, fmt.Sprintf(" pkt-%s %s differs from %s %s: the packet was addressed through an intermediary (NAT gateway, load balancer, transit gateway)", what, pkt, what, iface), width)...)
		}
	}
	if x != nil {
		note(x.PktSrcAddr(), f.SrcAddr(x), "srcaddr")
		note(x.PktDstAddr(), f.DstAddr(x), "dstaddr")
	}
	return out
}

// wrapList writes a comma-separated list in lines of at most width cells.
func wrapList(st *Styles, lead string, items []string, width int) []string {
	lines := []string{st.Absent.Render(lead)}
	indent := strings.Repeat(" ", 3)
	cur := indent
	for i, it := range items {
		sep := ", "
		if i == len(items)-1 {
			sep = ""
		}
		if cellWidth(cur)+cellWidth(it)+cellWidth(sep) > width && cur != indent {
			lines = append(lines, st.Absent.Render(cur))
			cur = indent
		}
		cur += it + sep
	}
	return append(lines, st.Absent.Render(cur))
}

// wrap breaks text at spaces to fit width, indenting continuation lines.
func wrap(s string, width int) []string { return wrapIndent(s, width, 5) }

// wrapStyled wraps plain text, then styles each line, so no line break
// falls inside an escape sequence.
func wrapStyled(style lipgloss.Style, s string, width int) []string {
	lines := wrap(s, width)
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}

// pairWindow bounds the search for the reverse record: the reply of a flow
// is logged in the same or a neighbouring aggregation interval, so it sits
// near it in the ring, and opening a record never scans the whole buffer.
const pairWindow = 20000

// findReverse returns the index of the nearest record on the same
// interface with source and destination (and ports) swapped.
func findReverse(v model.View, i int) (int, bool) {
	f, x := v.At(i)
	if !f.Has(model.FieldSrcAddr) || !f.Has(model.FieldDstAddr) {
		return 0, false
	}
	src, dst := f.SrcAddr(x), f.DstAddr(x)
	is := func(k int) bool {
		g, gx := v.At(k)
		return g.Iface == f.Iface && g.Proto == f.Proto && g.SrcPort == f.DstPort && g.DstPort == f.SrcPort &&
			g.SrcAddr(gx) == dst && g.DstAddr(gx) == src
	}
	for d := 1; d <= pairWindow; d++ {
		if k := i + d; k < v.Len() && is(k) {
			return k, true
		}
		if k := i - d; k >= 0 && is(k) {
			return k, true
		}
		if i+d >= v.Len() && i-d < 0 {
			break
		}
	}
	return 0, false
}

// reverseLines describes the other direction of the conversation: the
// paired record, or why there may be none, and the stateless-ACL warning
// when the request was accepted and the reply rejected.
func reverseLines(sh *Shared, v model.View, i int, width int) []string {
	st := &sh.Styles
	f, _ := v.At(i)
	out := []string{"", " " + st.Section.Render("other direction")}
	k, ok := findReverse(v, i)
	if !ok {
		return append(out, wrapStyled(st.Dim, fmt.Sprintf("   no reverse record on this interface within %s records: no reply was seen, or it was logged elsewhere", thousands(pairWindow)), width)...)
	}
	g, gx := v.At(k)
	line := fmt.Sprintf("   record #%d: %s → %s  %s", v.Seq(k),
		string(appendEndpoint(nil, g.SrcAddr(gx), g.SrcPort, hasPorts(g))),
		string(appendEndpoint(nil, g.DstAddr(gx), g.DstPort, hasPorts(g))), verdict(g))
	if g.Has(model.FieldPackets) {
		line += fmt.Sprintf("  %d packets", g.Packets)
	}
	if g.Has(model.FieldTCPFlags) {
		line += "  flags " + model.FlagNames(g.Flags)
	}
	out = append(out, wrap(line, width)...)
	if f.Action() == model.ActionAccept && g.Action() == model.ActionReject {
		out = append(out, wrapStyled(st.Warn, "   request accepted, reply rejected: the classic stateless network ACL return-path gap (allow the ephemeral ports outbound)", width)...)
	}
	if f.Action() == model.ActionReject && g.Action() == model.ActionAccept {
		out = append(out, wrapStyled(st.Warn, "   this direction was rejected while the other was accepted: check the network ACL rules for this direction", width)...)
	}
	return out
}

// malformedLines lists the lines that were not records, newest first, with
// where they came from and why they were rejected. The raw text is
// sanitised: a malformed line is exactly where escape sequences hide.
func malformedLines(sh *Shared, width int) []string {
	st := &sh.Styles
	bad := sh.Store.MalformedLines()
	total := sh.Store.Counters().Malformed
	noun := " malformed lines"
	if total == 1 {
		noun = " malformed line"
	}
	out := []string{st.Section.Render(" "+thousands(total)+noun) +
		st.Dim.Render(fmt.Sprintf(" · skipped, nothing else lost · newest %s kept · esc back", thousands(model.MaxMalformedKept))), ""}
	if len(bad) == 0 {
		return append(out, st.Dim.Render(" none: every line was a record, a header or blank"))
	}
	for i := len(bad) - 1; i >= 0; i-- {
		b := bad[i]
		where := Sanitize(b.Where())
		out = append(out, " "+st.Label.Render(where)+"  "+st.Warn.Render(Sanitize(b.Err)))
		out = append(out, fitCells("   "+Sanitize(b.Line), width))
	}
	return out
}

// ifaceLines is the summary of the record's interface over the buffer.
func ifaceLines(sh *Shared, f *model.Flow, snap aggregate.Snapshot, width int) []string {
	if !f.Has(model.FieldInterfaceID) {
		return nil
	}
	st := &sh.Styles
	for _, it := range snap.Interfaces {
		if it.ID != f.Iface {
			continue
		}
		line := fmt.Sprintf("   %s, %s packets, %s bytes; %.1f%% rejected",
			plural(it.Flows, "flow"), humanSum(it.Packets, it.PacketsOver), humanSum(it.Bytes, it.BytesOver), it.RejectPct())
		if it.Peers >= 0 { // counted from the first detail view or interfaces pane
			line += "; " + plural(uint64(it.Peers), "peer")
		}
		if len(it.TopPorts) > 0 {
			line += "; top ports"
			for _, pc := range it.TopPorts {
				line += fmt.Sprintf(" %d", pc.Port)
			}
		}
		if it.LastSeen > 0 {
			line += "; last seen " + string(appendTime(nil, it.LastSeen, true, sh.Zone(), "15:04:05"))
		}
		out := []string{"", " " + st.Section.Render("this interface in the buffer")}
		return append(out, wrap(line, width)...)
	}
	return nil
}

func plural(n uint64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return thousands(n) + " " + what + "s"
}
