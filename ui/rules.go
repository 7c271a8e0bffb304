package ui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// RuleSource supplies the security groups, network ACLs and interfaces the
// rules pane evaluates the selected flow with. Lookup may block on the
// network (EC2): the pane calls it from a command, never while drawing.
type RuleSource interface {
	// Lookup returns the rules known for an interface, fetching them first
	// if needed. The snapshot holds whatever could be loaded even when the
	// error (what could not, and what to do) is not nil.
	Lookup(ctx context.Context, iface string) (*rules.Snapshot, error)
	// Refresh forgets cached rules and fetches them again (the R key).
	Refresh(ctx context.Context, iface string) (*rules.Snapshot, error)
}

// rulesPane shows, for the flow under the flows pane's cursor, the
// security groups of its interface and the network ACL of its subnet with
// the deciding rules highlighted, under a verdict line that explains the
// logged action.
type rulesPane struct {
	sh     *Shared
	keys   rulesKeys
	width  int
	height int

	target    explainTarget // what the user chose to explain
	seq       uint64
	hasSel    bool
	pkt       rules.Packet
	replyPkt  rules.Packet // a conversation's reply, when hasReply
	hasReply  bool
	ifaceOnly bool // an interface's rules without a flow
	gone      bool // the chosen record has left the buffer

	revSeq   uint64 // selection the reversed-record look-back was done for
	revKnown bool
	revSeen  bool

	iface   string // interface whose rules are loaded or loading
	snap    *rules.Snapshot
	err     error
	loading bool

	verdict rules.Verdict
	head    []string // verdict, reason and flow lines, styled
	body    []string // rules, styled, scrolled by top
	context []string // per body line: its list and direction, drawn above it when scrolled past them
	top     int
	focus   int  // last deciding line in body (-1: none)
	reveal  bool // scroll the deciding lines into view on the next rebuild

	verdicts verdictsView // the summary mode, key v (verdicts.go)
}

// rulesKeys scroll the lists with the triage tables' keys (G top, g end).
type rulesKeys struct {
	move    triageKeys
	Refresh key.Binding
}

func newRulesPane(sh *Shared) Pane {
	return &rulesPane{sh: sh, verdicts: newVerdictsView(sh), keys: rulesKeys{
		move:    newTriageKeys(&sh.Keys),
		Refresh: described(sh.Keys.Reload, "reload rules"),
	}}
}

func (p *rulesPane) Title() string { return "rules" }
func (p *rulesPane) Init() tea.Cmd { return nil }

func (p *rulesPane) SetSize(width, height int) {
	p.width, p.height = width, height
	p.verdicts.setSize(width, height)
	p.rebuild()
}

func (p *rulesPane) ShortHelp() []key.Binding {
	switch {
	case p.verdicts.on:
		return p.verdicts.shortHelp()
	case p.sh.Rules == nil:
		return nil
	case !p.hasSel:
		return []key.Binding{p.verdicts.keys.Toggle}
	}
	return []key.Binding{p.keys.Refresh, p.verdicts.keys.Toggle}
}

func (p *rulesPane) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.keys.move.moveHelp(), {p.keys.Refresh, p.verdicts.keys.Toggle, p.verdicts.keys.Drill}}
}

// rulesLoadedMsg carries the result of a lookup.
type rulesLoadedMsg struct {
	pane  *rulesPane
	iface string
	snap  *rules.Snapshot
	err   error
}

func (p *rulesPane) lookup(iface string, refresh bool) tea.Cmd {
	src := p.sh.Rules
	if src == nil || iface == "" {
		return nil
	}
	p.loading = true
	return func() tea.Msg {
		var s *rules.Snapshot
		var err error
		if refresh {
			s, err = src.Refresh(context.Background(), iface)
		} else {
			s, err = src.Lookup(context.Background(), iface)
		}
		return rulesLoadedMsg{pane: p, iface: iface, snap: s, err: err}
	}
}

func (p *rulesPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, p.verdicts.keys.Toggle) {
		p.verdicts.on = !p.verdicts.on
		if p.verdicts.on {
			return p, p.verdicts.start()
		}
		return p, nil
	}
	switch msg.(type) {
	case verdictsMsg, verdictsDueMsg:
		cmd, _ := p.verdicts.update(msg)
		return p, cmd
	}
	if p.verdicts.on {
		if cmd, handled := p.verdicts.update(msg); handled {
			return p, cmd
		}
	}
	switch msg := msg.(type) {
	case RefreshMsg, FilterMsg:
		return p, p.select_()
	case rulesLoadedMsg:
		if msg.pane != p {
			return p, nil
		}
		p.loading = false
		if msg.iface == p.pkt.Interface {
			p.snap, p.err, p.iface = msg.snap, msg.err, msg.iface
		}
		p.rebuild()
		if p.pkt.Interface != p.iface {
			return p, p.lookup(p.pkt.Interface, false)
		}
		return p, nil
	case tea.KeyPressMsg:
		k := &p.keys.move
		switch {
		case key.Matches(msg, p.keys.Refresh):
			if p.pkt.Interface != "" && !p.loading {
				p.rebuild()
				return p, tea.Batch(p.lookup(p.pkt.Interface, true), Flash("reloading rules for "+Sanitize(p.pkt.Interface), false))
			}
		case key.Matches(msg, k.Up):
			p.scroll(-1)
		case key.Matches(msg, k.Down):
			p.scroll(1)
		case key.Matches(msg, k.PageUp):
			p.scroll(-p.bodyRows())
		case key.Matches(msg, k.PageDown):
			p.scroll(p.bodyRows())
		case key.Matches(msg, k.Bottom):
			p.scroll(len(p.body))
		case key.Matches(msg, k.Top):
			p.top = 0
		}
	}
	return p, nil
}

// select_ reads the records of the target the user chose (Shared.Explain)
// and starts a lookup when their interface is not the one loaded. The
// target changes only when the user picks another row: follow mode and
// new records never move it.
func (p *rulesPane) select_() tea.Cmd {
	t := p.sh.Explain
	seq, ok := t.seq, t.hasSeq
	if !ok && t.hasReply { // a conversation whose request left the buffer
		seq, ok = t.reply, true
	}
	p.hasReply, p.ifaceOnly, p.gone = false, false, false
	if ok {
		p.sh.Store.Read(func(v model.View) {
			i, found := v.Index(seq)
			if !found {
				ok, p.gone = false, true
				return
			}
			f, x := v.At(i)
			p.pkt = rules.FromFlow(f, x, v.Names())
			// Records before i never change, so the look-back runs once per selection.
			if !p.revKnown || p.revSeq != seq {
				p.revSeq, p.revKnown, p.revSeen = seq, true, model.ReverseBefore(v, i)
			}
			p.pkt.ReverseSeen = p.revSeen
			if t.hasSeq && t.hasReply {
				if j, in := v.Index(t.reply); in {
					rf, rx := v.At(j)
					p.replyPkt = rules.FromFlow(rf, rx, v.Names())
					p.replyPkt.ReverseSeen = true // its request is buffered
					p.hasReply = true
				}
			}
		})
	}
	if !ok {
		p.pkt = rules.Packet{}
		if t.iface != "" {
			p.pkt.Interface, p.ifaceOnly, ok = t.iface, true, true
		}
	}
	changed := ok != p.hasSel || seq != p.seq || t != p.target
	p.seq, p.hasSel, p.target = seq, ok, t
	if changed {
		p.top, p.reveal = 0, true
	}
	p.rebuild()
	if ok && p.pkt.Interface != p.iface && !p.loading {
		return p.lookup(p.pkt.Interface, false)
	}
	return nil
}

func (p *rulesPane) bodyRows() int { return max(p.height-len(p.head), 1) }

// scroll moves the rules by n lines, no further than showing the last one
// (under its list's name when that is scrolled past).
func (p *rulesPane) scroll(n int) {
	last := len(p.body) - p.bodyRows()
	if p.stickyAt(last) != "" {
		last++
	}
	p.top = max(min(p.top+n, last), 0)
}

// stickyAt is the line naming the list and direction that the body line
// at top belongs to, when scrolling has hidden them ("" when not).
func (p *rulesPane) stickyAt(top int) string {
	if top <= 0 || top >= len(p.context) {
		return ""
	}
	return p.context[top]
}

func (p *rulesPane) View() string {
	if p.verdicts.on {
		return p.verdicts.view()
	}
	var b strings.Builder
	rows := 0
	for _, l := range p.head {
		if rows == p.height {
			break
		}
		if rows > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		rows++
	}
	if s := p.stickyAt(p.top); s != "" && rows < p.height {
		if rows > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
		rows++
	}
	for i := p.top; i < len(p.body) && rows < p.height; i++ {
		if rows > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.body[i])
		rows++
	}
	for ; rows < p.height; rows++ {
		if rows > 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// rebuild evaluates the selected record and renders every line once;
// View only picks the visible ones.
func (p *rulesPane) rebuild() {
	st := &p.sh.Styles
	w := max(p.width, 1)
	p.head, p.body, p.context, p.focus = p.head[:0], p.body[:0], p.context[:0], -1
	say := func(style lipgloss.Style, s string) { p.head = append(p.head, style.Render(fitWidth(s, w))) }
	switch {
	case !p.hasSel && p.gone:
		say(st.Section, " RULES")
		say(st.Dim, " The record chosen has left the buffer: pick another row and press r.")
		return
	case !p.hasSel:
		say(st.Section, " RULES")
		for _, l := range wrapWords("No flow selected: press r on a row of the flows, a conversation, a stats group or an interface.", w-1) {
			say(st.Dim, " "+l)
		}
		return
	case p.pkt.Interface == "":
		say(st.Section, " RULES")
		for _, l := range wrapWords(rules.NoInterfaceReason(p.pkt), w-1) {
			say(st.Dim, " "+l)
		}
		return
	case p.sh.Rules == nil:
		say(st.Section, " RULES")
		for _, l := range wrapWords("No rules loaded. Start flowtail with --rules DIR (the JSON of aws ec2 describe-network-interfaces, describe-security-groups, describe-network-acls), with --demo, or with AWS credentials for live EC2 lookups.", w-1) {
			say(st.Dim, " "+l)
		}
		return
	case p.snap == nil || p.iface != p.pkt.Interface:
		say(st.Section, " RULES")
		if p.loading {
			say(st.Pending, " Looking up the rules of "+Sanitize(p.pkt.Interface)+" …")
		}
		if p.err != nil && p.iface == p.pkt.Interface {
			for _, l := range wrapWords(Sanitize(p.err.Error()), w-1) {
				say(st.Error, " "+l)
			}
		}
		return
	}
	var v rules.Verdict
	if p.ifaceOnly {
		v.Interface = p.snap.Interfaces[p.pkt.Interface]
		say(st.Section, " RULES of interface "+Sanitize(p.pkt.Interface))
		say(st.Dim, " No flow: the security groups and network ACL this interface is under.")
	} else {
		v = p.snap.Explain(p.pkt)
		lead, reasonLines := "", 4
		if p.hasReply {
			lead, reasonLines = "REQUEST ", 2
		}
		p.sayVerdict(say, lead, &v, reasonLines, w)
		if p.hasReply {
			rv := p.snap.Explain(p.replyPkt)
			p.sayVerdict(say, "REPLY ", &rv, 2, w)
		}
	}
	p.verdict = v
	if p.err != nil {
		for _, l := range capLines(wrapWords(Sanitize(p.err.Error()), w-1), 2) {
			say(st.Error, " "+l)
		}
	}
	if !p.ifaceOnly {
		say(st.Dim, " "+rulesFlowText(&p.pkt, v.Interface))
	}
	p.head = append(p.head, "")

	sg := p.groupLines(&v)
	acl := p.aclLines(&v)
	if w >= 100 {
		half := (w - 3) / 2
		for i := 0; i < max(len(sg), len(acl)); i++ {
			var l, r ruleLine
			if i < len(sg) {
				l = sg[i]
			}
			if i < len(acl) {
				r = acl[i]
			}
			if l.deciding() || r.deciding() {
				p.focus = len(p.body)
			}
			p.body = append(p.body, l.render(st, half)+st.Dim.Render(" │ ")+r.render(st, w-3-half))
			p.context = append(p.context, "")
		}
	} else {
		var list, dir string
		for _, l := range append(append(sg, ruleLine{}), acl...) {
			if l.deciding() {
				p.focus = len(p.body)
			}
			ctx := ""
			switch l.kind {
			case lineHeading:
				// Without the subnet after the two spaces (see aclLines):
				// the direction must fit 80 columns.
				list, _, _ = strings.Cut(l.text, "  ")
				dir = ""
			case lineDirection:
				dir = strings.TrimSpace(l.text)
			default:
				if list != "" && l.text != "" {
					ctx = list
					if dir != "" {
						ctx += " · " + dir
					}
					ctx = st.Section.Render(fitWidth(ctx, w))
				}
			}
			p.body = append(p.body, l.render(st, w))
			p.context = append(p.context, ctx)
		}
	}
	// Show the deciding entries of a newly selected flow even when the
	// lists are longer than the pane (stacked at 80×24).
	if p.reveal && p.focus >= 0 {
		p.reveal = false
		if p.focus >= p.top+p.bodyRows() {
			p.top = p.focus - p.bodyRows() + 2 // the last row, under the list's name
		}
	}
	p.scroll(0)
}

// sayVerdict writes a verdict line, lead naming the direction of a
// conversation, and its reason in at most reasonLines lines.
func (p *rulesPane) sayVerdict(say func(lipgloss.Style, string), lead string, v *rules.Verdict, reasonLines, w int) {
	st := &p.sh.Styles
	summary, style := rulesVerdictLine(v, st)
	verdict := wrapParts(strings.Split(lead+summary, " · "), " · ", w-1) // "decided by …" must not be cut off
	for _, l := range verdict {
		say(style, " "+l)
	}
	// The verdict line names every control, so it may wrap: its extra
	// lines come out of the reason's (at least two), unless the pane is tall.
	if p.height < 30 {
		reasonLines = max(reasonLines+1-len(verdict), 2)
	}
	for _, l := range capLines(wrapWords(Sanitize(v.Reason), w-1), reasonLines) {
		say(st.Value, " "+l)
	}
}
