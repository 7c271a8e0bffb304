package ui

import (
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/conversation"
)

// convList is the conversations view inside the flags pane: one row per
// request/response pair, worst class first, the cursor row explained
// below the table.
type convList struct {
	width, height int
	convs         []conversation.Conversation
	total         int // conversations paired; convs holds the worst of them
	list          listCursor
	header        string           // rendered once per size
	drawn         map[int]rowLines // rows drawn since the list or size changed
	line          []byte
	out           strings.Builder
}

func (c *convList) setSize(w, h int) {
	c.width, c.height, c.header = w, h, ""
	clear(c.drawn)
	c.list.clamp(len(c.convs), c.rows())
}

// set replaces the list, keeping the cursor on the same conversation when
// it is still there.
func (c *convList) set(convs []conversation.Conversation, total int) {
	c.total = total
	var keep *conversation.Conversation
	if c.list.cursor < len(c.convs) {
		keep = &c.convs[c.list.cursor]
	}
	cur := 0
	if keep != nil {
		for i := range convs {
			if sameConversation(keep, &convs[i]) {
				cur = i
				break
			}
		}
	}
	c.convs, c.list.cursor = convs, cur
	clear(c.drawn)
	c.list.clamp(len(c.convs), c.rows())
}

func sameConversation(a, b *conversation.Conversation) bool {
	return a.Iface == b.Iface && a.Proto == b.Proto && endpoints(a) == endpoints(b)
}

type convEnds struct {
	client, server string
}

func endpoints(c *conversation.Conversation) convEnds {
	ports := !isICMP(int(c.Proto))
	s := &c.Request
	if !s.Seen() {
		r := &c.Response
		return convEnds{string(appendEndpoint(nil, r.Dst(), r.DstPort, ports)), string(appendEndpoint(nil, r.Src(), r.SrcPort, ports))}
	}
	return convEnds{string(appendEndpoint(nil, s.Src(), s.SrcPort, ports)), string(appendEndpoint(nil, s.Dst(), s.DstPort, ports))}
}

// Layout: title, header, rows, a blank line and three lines explaining
// the cursor row (its class in up to two, so "(inference …)" is never
// cut off, then how the client was chosen).
func (c *convList) rows() int { return max(c.height-6, 1) }

func (p *flagsPane) convKey(km tea.KeyPressMsg) tea.Cmd {
	c := &p.conv
	switch {
	case key.Matches(km, p.keys.Back):
		p.showConvs = false
	case c.list.move(km, &p.keys, len(c.convs), c.rows()):
	case key.Matches(km, p.keys.Drill):
		if c.list.cursor >= len(c.convs) {
			return nil
		}
		return conversationDrill(p.sh, &c.convs[c.list.cursor])
	}
	return nil
}

// explainRow explains a conversation's newest request and reply, each
// with its verdict; the flag combinations stand for no single flow.
func (p *flagsPane) explainRow() (tea.Cmd, bool) {
	c := &p.conv
	if !p.showConvs || c.list.cursor >= len(c.convs) {
		return nil, false
	}
	cv := &c.convs[c.list.cursor]
	s := &cv.Request
	if !s.Seen() {
		s = &cv.Response
	}
	flt := conversationFilter{iface: cv.Iface, proto: cv.Proto, a: s.Src(), b: s.Dst(), pa: s.SrcPort, pb: s.DstPort}
	req := &cv.Request
	isRequest := func(f *model.Flow, x *model.Ext) bool {
		return req.Seen() && f.SrcAddr(x) == req.Src() && f.SrcPort == req.SrcPort
	}
	return explainNewest(p.sh.Store, flt, isRequest, "conversation"), true
}

// conversationDrill filters the flows pane to both directions of one
// conversation.
func conversationDrill(sh *Shared, cv *conversation.Conversation) tea.Cmd {
	s := &cv.Request
	if !s.Seen() {
		s = &cv.Response
	}
	ports := !isICMP(int(cv.Proto))
	dir := func(src netip.Addr, sp uint16, dst netip.Addr, dp uint16) string {
		t := fieldIs("srcAddr", src.String())
		if ports {
			t += " and srcPort = " + strconv.Itoa(int(sp))
		}
		t += " and " + fieldIs("dstAddr", dst.String())
		if ports {
			t += " and dstPort = " + strconv.Itoa(int(dp))
		}
		return "(" + t + ")"
	}
	text := fieldIs("interfaceId", sh.Store.Names().Name(cv.Iface)) + " and protocol = " + strconv.Itoa(int(cv.Proto)) +
		" and (" + dir(s.Src(), s.SrcPort, s.Dst(), s.DstPort) + " or " + dir(s.Dst(), s.DstPort, s.Src(), s.SrcPort) + ")"
	return drillFilter(text, conversationFilter{iface: cv.Iface, proto: cv.Proto, a: s.Src(), b: s.Dst(), pa: s.SrcPort, pb: s.DstPort})
}

// Column widths of the conversations table; the endpoints share the rest.
const (
	convClassW  = 16
	convProtoW  = 5
	convFlagsW  = 7
	convActionW = 13
	convBytesW  = 6
)

func (c *convList) view(sh *Shared, ready bool) string {
	st := &sh.Styles
	c.out.Reset()
	title := " CONVERSATIONS"
	scope := "  " + scopeLabel(sh)
	c.out.WriteString(st.Section.Render(title))
	count := thousands(uint64(c.total))
	if c.total > len(c.convs) {
		count = "the worst " + thousands(uint64(len(c.convs))) + " of " + count
	}
	c.out.WriteString(st.Dim.Render(fitWidth(scope+"  ("+count+")", max(c.width-len(title), 0)))) // esc is in the footer
	c.out.WriteByte('\n')
	showBytes := c.width >= 100
	ends := c.width - (1 + convClassW + 1 + convProtoW + 1 + convFlagsW + 1 + convActionW + 1)
	if showBytes {
		ends -= convBytesW + 1
	}
	ends = max(ends, 10) // below 66 columns the endpoints lose their middle
	showIface := ends >= 60
	ifaceW := 0
	if showIface {
		ifaceW = 21
		ends -= ifaceW + 1
	}
	b := c.line[:0]
	if c.header == "" {
		c.header = st.Header.Render(string(c.appendHeader(b, showIface, ifaceW, ends, showBytes)))
	}
	c.out.WriteString(c.header)
	h := c.rows()
	drawn := 0
	names := sh.Store.Names()
	for r := c.list.top; r < len(c.convs) && drawn < h; r++ {
		cv := &c.convs[r]
		l, ok := c.drawn[r]
		if !ok {
			b = b[:0]
			b = append(b, ' ')
			b = padRight(b, cv.Class.String(), convClassW)
			b = append(b, ' ')
			if showIface {
				b = padTail(b, Sanitize(names.Name(cv.Iface)), ifaceW)
				b = append(b, ' ')
			}
			e := endpoints(cv)
			b = padRight(b, fitPair(e.client, " → ", e.server, ends), ends)
			b = append(b, ' ')
			b = padRight(b, ProtoName(cv.Proto), convProtoW)
			b = append(b, ' ')
			b = padRight(b, sideFlags(&cv.Request)+"/"+sideFlags(&cv.Response), convFlagsW)
			b = append(b, ' ')
			b = padRight(b, shortAction(&cv.Request)+"/"+shortAction(&cv.Response), convActionW)
			if showBytes {
				b = append(b, ' ')
				b = padLeft(b, humanSum(cv.Bytes()), convBytesW)
			}
			l.plain = string(b)
			l.styled = l.plain
			if cv.Class == conversation.ReplyRejected || cv.Class == conversation.RejectedRequest {
				l.styled = st.Reject.Render(l.plain)
			}
			if c.drawn == nil {
				c.drawn = map[int]rowLines{}
			}
			c.drawn[r] = l
		}
		c.out.WriteByte('\n')
		if r == c.list.cursor {
			c.out.WriteString(st.Cursor.Render(l.plain))
		} else {
			c.out.WriteString(l.styled)
		}
		drawn++
	}
	c.line = b
	note := " pairing…"
	if ready {
		note = " no conversations: no records with both addresses"
	}
	finishRows(&c.out, st, drawn, h, note)
	c.out.WriteString("\n")
	if c.list.cursor < len(c.convs) {
		cv := &c.convs[c.list.cursor]
		explain := capLines(wrapWords(cv.Class.Explain(), c.width-1), 2)
		for i := range 2 {
			c.out.WriteByte('\n')
			if i < len(explain) {
				c.out.WriteString(" " + explain[i])
			}
		}
		c.out.WriteByte('\n')
		c.out.WriteString(st.Dim.Render(fitWidth(" client chosen by "+clientBy(cv.ClientBy)+"; request "+
			sideText(&cv.Request)+"; reply "+sideText(&cv.Response), c.width)))
	} else {
		c.out.WriteString("\n\n\n")
	}
	return c.out.String()
}

func clientBy(by conversation.ClientBy) string {
	switch by {
	case conversation.ByFlags:
		return "SYN / SYN-ACK"
	case conversation.ByPort:
		return "the lower (service) port"
	}
	return "which direction was logged first"
}

func sideFlags(s *conversation.Side) string {
	if !s.HasFlags {
		return "-"
	}
	return model.FlagShort(s.Flags)
}

func shortAction(s *conversation.Side) string {
	switch {
	case !s.Seen():
		return "none"
	case s.Accepts > 0 && s.Rejects > 0:
		return "both"
	case s.Rejects > 0:
		return "REJECT"
	}
	return "ACCEPT"
}

func sideText(s *conversation.Side) string {
	if !s.Seen() {
		return "not logged"
	}
	packets := plural(s.Packets, "packet")
	if s.PacketsOver {
		packets = humanSum(s.Packets, true) + " packets"
	}
	return plural(uint64(s.Records), "record") + ", " + packets + ", " + s.Action()
}

func (c *convList) appendHeader(b []byte, showIface bool, ifaceW, ends int, showBytes bool) []byte {
	b = append(b, ' ')
	b = padRight(b, "CLASS", convClassW)
	b = append(b, ' ')
	if showIface {
		b = padRight(b, "INTERFACE", ifaceW)
		b = append(b, ' ')
	}
	b = padRight(b, "CLIENT → SERVER", ends)
	b = append(b, ' ')
	b = padRight(b, "PROTO", convProtoW)
	b = append(b, ' ')
	b = padRight(b, "FLAGS", convFlagsW)
	b = append(b, ' ')
	b = padRight(b, "REQ/REPLY", convActionW)
	if showBytes {
		b = append(b, ' ')
		b = padLeft(b, "BYTES", convBytesW)
	}
	return b
}

// liveConvs holds one live pairing per store, attached the first time the
// unfiltered conversations are asked for (so ingest pays for it only once
// someone looks).
var liveConvs struct {
	sync.Mutex
	byStore map[*model.Store]*conversation.Live
}

// liveConversations is the store's live pairing, attached on first use.
func liveConversations(s *model.Store) *conversation.Live {
	liveConvs.Lock()
	defer liveConvs.Unlock()
	if liveConvs.byStore == nil {
		liveConvs.byStore = map[*model.Store]*conversation.Live{}
	}
	l := liveConvs.byStore[s]
	if l == nil {
		l = conversation.NewLive(s)
		s.Observe(l)
		liveConvs.byStore[s] = l
	}
	return l
}
