package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// ruleLine is one line of the rule lists before styling.
type ruleLine struct {
	text string
	kind lineKind
}

type lineKind uint8

const (
	lineRule      lineKind = iota
	lineHeading            // a security group or network ACL
	lineAllow              // the deciding allow
	lineDeny               // the deciding deny
	lineNote               // dim remarks
	lineDirection          // inbound / outbound, drawn as a note
)

func (l ruleLine) deciding() bool { return l.kind == lineAllow || l.kind == lineDeny }

func (l ruleLine) render(st *Styles, w int) string {
	s := fit(l.text, w)
	switch l.kind {
	case lineHeading:
		return st.Section.Render(s)
	case lineAllow:
		return st.Cursor.Render(s)
	case lineDeny:
		return st.Cursor.Inherit(st.Reject).Render(s)
	case lineNote, lineDirection:
		return st.Dim.Render(s)
	}
	return s
}

func rulesVerdictLine(v *rules.Verdict, st *Styles) (string, lipgloss.Style) {
	style := st.Section
	switch {
	case !v.Decided():
		style = st.Warn
	case v.Expected == model.ActionReject:
		style = st.Reject
	default:
		style = st.Accept
	}
	if c, ok := v.Consistent(); ok && !c {
		style = st.Warn
	}
	return "VERDICT " + Sanitize(v.Line()), style
}

func rulesFlowText(p *rules.Packet, iface *rules.Interface) string {
	var b []byte
	b = append(b, Sanitize(p.Interface)...)
	if iface != nil && iface.Name() != "" {
		b = append(b, " ("...)
		b = append(b, Sanitize(iface.Name())...)
		b = append(b, ')')
	}
	b = append(b, "  "...)
	// ICMP logs ports as 0 and TCP flags only mean something for TCP: say
	// neither, as the flows pane does.
	ports := !isICMP(p.Proto) || p.SrcPort > 0 || p.DstPort > 0
	b = appendEndpoint(b, p.Src, uint16(max(p.SrcPort, 0)), ports && p.SrcPort >= 0)
	b = append(b, " → "...)
	b = appendEndpoint(b, p.Dst, uint16(max(p.DstPort, 0)), ports && p.DstPort >= 0)
	if p.Proto >= 0 {
		b = append(b, ' ')
		b = append(b, ProtoName(uint8(p.Proto))...)
	}
	if p.HasFlags && (p.Proto == 6 || p.Flags != 0) {
		b = append(b, " tcp-flags "...)
		b = append(b, model.FlagNames(p.Flags)...)
	}
	return string(b)
}

func (p *rulesPane) groupLines(v *rules.Verdict) []ruleLine {
	var out []ruleLine
	iface := v.Interface
	switch {
	case iface == nil:
		return []ruleLine{{"SECURITY GROUPS", lineHeading}, {"  interface " + Sanitize(p.pkt.Interface) + " not loaded", lineNote}}
	case len(iface.Groups) == 0:
		return []ruleLine{{"SECURITY GROUPS", lineHeading}, {"  none on this interface" + rulesTypeNote(iface), lineNote}}
	}
	for _, gid := range iface.Groups {
		g, ok := p.snap.Groups[gid]
		if !ok {
			out = append(out, ruleLine{"SECURITY GROUP " + Sanitize(gid), lineHeading}, ruleLine{"  not loaded", lineNote})
			continue
		}
		out = append(out, ruleLine{"SECURITY GROUP " + Sanitize(rules.GroupLabel(g)), lineHeading})
		for _, dir := range []struct {
			name  string
			perms []rules.Permission
			prep  string
		}{{"inbound", g.Ingress, "from"}, {"outbound", g.Egress, "to"}} {
			out = append(out, ruleLine{"  " + dir.name, lineDirection})
			if len(dir.perms) == 0 {
				note := "    (none)"
				if dir.name == "outbound" {
					note = "    (none: only replies leave, by connection tracking)"
				}
				out = append(out, ruleLine{note, lineNote})
			}
			for k := range dir.perms {
				perm := &dir.perms[k]
				for _, peer := range perm.Peers {
					l := ruleLine{text: "    " + padMin(rules.PermissionText(perm), 18) + " " + dir.prep + " " + Sanitize(peer.String())}
					if v.SG.Perm == perm && v.SG.Peer == peer {
						l.kind = lineAllow
						l.text = "  ▸ " + l.text[4:]
					}
					out = append(out, l)
					if l.kind == lineAllow && v.SG.Response {
						out = append(out, ruleLine{"      lets the reply through: " + v.SG.Evidence.String(), lineNote})
					}
				}
			}
		}
	}
	return out
}

func rulesTypeNote(i *rules.Interface) string {
	if i.Type != "" && i.Type != "interface" {
		return " (" + Sanitize(i.Type) + ")"
	}
	return ""
}

func (p *rulesPane) aclLines(v *rules.Verdict) []ruleLine {
	subnet := p.pkt.Subnet
	if v.Interface != nil && v.Interface.SubnetID != "" {
		subnet = v.Interface.SubnetID
	}
	acl, ok := p.snap.ACLFor(subnet)
	if !ok || acl == nil {
		what := "  network ACL of subnet " + Sanitize(subnet) + " not loaded"
		if subnet == "" {
			what = "  subnet unknown"
		}
		return []ruleLine{{"NETWORK ACL", lineHeading}, {what, lineNote}}
	}
	out := []ruleLine{{"NETWORK ACL " + Sanitize(rules.ACLLabel(acl)) + "  " + Sanitize(subnet), lineHeading}}
	if v.NACL.Skipped != "" {
		out = append(out, ruleLine{"  not crossed: " + v.NACL.Skipped, lineNote})
	}
	for _, dir := range []struct {
		name    string
		entries []rules.ACLEntry
		egress  bool
	}{{"inbound", acl.Inbound, false}, {"outbound", acl.Outbound, true}} {
		out = append(out, ruleLine{"  " + dir.name, lineDirection})
		for k := range dir.entries {
			e := &dir.entries[k]
			act := "deny "
			if e.Allow {
				act = "allow"
			}
			l := ruleLine{text: "    " + padMinLeft(e.RuleLabel(), 5) + " " + act + " " + padMin(rules.EntryText(e), 18) + " " + e.CIDR.String()}
			if v.NACL.Entry == e {
				l.text = "  ▸ " + l.text[4:]
				l.kind = lineAllow
				if !e.Allow {
					l.kind = lineDeny
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// capLines keeps at most n lines, marking the cut, so the verdict never
// pushes the rules off a small screen.
func capLines(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n]
	lines[n-1] = strings.TrimRight(lines[n-1], " ") + " …"
	return lines
}
