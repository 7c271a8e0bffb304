package rules

import (
	"strings"

	"github.com/flowtail/flowtail/model"
)

// PermissionText is a security group permission without its peers, as a
// person reads it: "tcp 443", "udp 1024-65535", "icmp type 8", "all traffic".
func PermissionText(p *Permission) string {
	return protoRange(p.Protocol, p.From, p.To, p.From != -1 || p.To != -1, p.From, p.To)
}

// EntryText is a network ACL entry without its number and CIDR.
func EntryText(e *ACLEntry) string {
	switch e.Protocol {
	case 1, 58:
		return protoRange(e.Protocol, e.PortFrom, e.PortTo, e.HasICMP, e.ICMPType, e.ICMPCode)
	}
	return protoRange(e.Protocol, e.PortFrom, e.PortTo, e.HasPorts, e.PortFrom, e.PortTo)
}

func protoRange(proto, from, to int, has bool, typ, code int) string {
	if proto == -1 {
		return "all traffic"
	}
	name, ok := ruleProtocolName(proto)
	if !ok {
		return "protocol " + itoa(proto)
	}
	if proto == 1 || proto == 58 {
		if !has || typ == -1 {
			return name + " all types"
		}
		if code == -1 {
			return name + " type " + itoa(typ)
		}
		return name + " type " + itoa(typ) + " code " + itoa(code)
	}
	if !has || (from <= 0 && to >= 65535) || (from == -1 && to == -1) {
		return name + " all ports"
	}
	if from == to {
		return name + " " + itoa(from)
	}
	return name + " " + itoa(from) + "-" + itoa(to)
}

// GroupLabel is "sg-… (name)".
func GroupLabel(g *SecurityGroup) string {
	if g.Name == "" {
		return g.ID
	}
	return g.ID + " (" + g.Name + ")"
}

// ACLLabel is "acl-… (name)".
func ACLLabel(a *NetworkACL) string {
	if a.Name == "" {
		return a.ID
	}
	return a.ID + " (" + a.Name + ")"
}

func (s *Snapshot) groupList(i *Interface) string {
	parts := make([]string, 0, len(i.Groups))
	for _, id := range i.Groups {
		if g, ok := s.Groups[id]; ok {
			parts = append(parts, GroupLabel(g))
		} else {
			parts = append(parts, id)
		}
	}
	return strings.Join(parts, ", ")
}

func (s *Snapshot) reason(v *Verdict, p Packet, resp Evidence) string {
	var r string
	switch v.DecidedBy {
	case "nacl":
		r = s.naclDenial(v, p, resp)
	case "sg":
		r = s.sgDenial(v, p)
	case "none":
		r = s.allowed(v, p)
	default:
		r = "Could not decide: " + strings.Join(v.Missing, "; ")
		if v.NACL.Evaluated && v.NACL.Allow && v.NACL.ACL != nil {
			r += " (network ACL " + ACLLabel(v.NACL.ACL) + " " + dirWord(v.Direction) + " rule " + v.NACL.Rule() + " allows it)"
		}
		if v.SG.Evaluated && v.SG.Allowed && v.SG.Group != nil {
			r += " (security group " + GroupLabel(v.SG.Group) + " allows it)"
		}
		r += "."
	}
	switch c, ok := v.Consistent(); {
	case !ok || c:
	case v.Logged == model.ActionAccept:
		r = "Logged ACCEPT but the loaded rules deny it: " + lowerFirst(r) +
			" The rules may have changed since the record, or the connection was tracked from before a rule change."
	default:
		r = "Logged REJECT but the loaded rules allow it: " + lowerFirst(r) +
			" The rules may have changed since the record (an untracked connection, open to 0.0.0.0/0 both ways, is cut as soon as its rule goes), the packets may have arrived after the connection closed, or a control not loaded here denied them."
	}
	return r
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func dirWord(d Direction) string {
	if d == Egress {
		return "outbound"
	}
	return "inbound"
}

func trafficText(p Packet, d Direction) string {
	remote := peer(p, d)
	prep := " from "
	if d == Egress {
		prep = " to "
	}
	return protoName(p.Proto, p.DstPort) + prep + remote.String()
}

func (s *Snapshot) naclDenial(v *Verdict, p Packet, resp Evidence) string {
	acl := ACLLabel(v.NACL.ACL)
	dir := dirWord(v.Direction)
	traffic := trafficText(p, v.Direction)
	if v.NACL.Entry == nil || v.NACL.Entry.Default() {
		r := "Network ACL " + acl + " " + dir + " has no rule for " + traffic
		switch {
		case resp != EvidenceNone && (p.Proto == 6 || p.Proto == 17):
			whose := "the peer's"
			if v.Direction == Ingress {
				whose = "this interface's"
			}
			r += ": return traffic to " + whose + " ephemeral port is denied by rule *; network ACLs are stateless, so add an " +
				dir + " allow for " + protoName(p.Proto, -1) + " 1024-65535 " + prepFor(v.Direction) + " " + peer(p, v.Direction).String() + " or its subnet."
		case p.Proto == 1 || p.Proto == 58:
			r += ": it is denied by rule *; network ACLs are stateless, so ICMP replies need their own " + dir + " rule."
		default:
			r += ": it is denied by rule *; add an " + dir + " allow rule if this traffic is wanted."
		}
		return r + nearMissText(aclNearMisses(v.NACL.ACL, p, v.Direction, resp))
	}
	r := "Network ACL " + acl + " " + dir + " rule " + v.NACL.Rule() + " denies " + traffic
	var later []string
	if e := laterAllow(v.NACL.ACL, v.NACL.Entry, p, v.Direction); e != nil {
		later = append(later, "its rule "+e.RuleLabel()+" would allow it")
	}
	if v.SG.Evaluated && v.SG.Allowed && v.SG.Group != nil {
		later = append(later, "security group "+GroupLabel(v.SG.Group)+" would allow it")
	}
	if len(later) > 0 {
		r += " before it reaches an allow (" + strings.Join(later, "; ") + "); remove the deny or give the allow a lower rule number if this traffic is wanted."
	} else {
		r += "; change that rule if this traffic is wanted."
	}
	return r + nearMissText(aclNearMisses(v.NACL.ACL, p, v.Direction, resp))
}

func prepFor(d Direction) string {
	if d == Egress {
		return "to"
	}
	return "from"
}

// laterAllow finds an allow entry after the matched deny that would also
// match, the usual cause of "but I added an allow rule".
func laterAllow(acl *NetworkACL, deny *ACLEntry, p Packet, d Direction) *ACLEntry {
	entries := acl.Inbound
	if d == Egress {
		entries = acl.Outbound
	}
	remote := peer(p, d)
	for i := range entries {
		e := &entries[i]
		if e.Rule <= deny.Rule || !e.Allow {
			continue
		}
		if m, _ := matchEntry(e, p, remote); m == yes {
			return e
		}
	}
	return nil
}

func (s *Snapshot) sgDenial(v *Verdict, p Packet) string {
	dir := dirWord(v.Direction)
	groups := s.groupList(v.Interface)
	traffic := trafficText(p, v.Direction)
	var r string
	if v.Direction == Egress {
		r = "No outbound rule of security groups " + groups + " allows " + traffic +
			", and nothing shows it is the reply to an allowed inbound connection; add an outbound rule if this traffic is wanted."
	} else {
		r = "No " + dir + " rule of security groups " + groups + " allows " + traffic + "; add an inbound rule if this traffic is wanted."
	}
	r += nearMissText(s.sgNearMisses(v.Interface, p, v.Direction))
	for _, pr := range v.SG.Premises {
		r += " Premise: " + pr + "."
	}
	return r
}

// maxNearMisses bounds how many almost-matching rules a reason names.
const maxNearMisses = 2

func nearMissText(misses []string) string {
	if len(misses) == 0 {
		return ""
	}
	return " Near miss: " + strings.Join(misses, "; ") + "."
}

// aclNearMisses names the allow entries of the direction that almost
// matched: the right peer with a port just outside their range, or the
// right port from (to) another peer.
func aclNearMisses(acl *NetworkACL, p Packet, d Direction, resp Evidence) []string {
	if acl == nil {
		return nil
	}
	entries := acl.Inbound
	if d == Egress {
		entries = acl.Outbound
	}
	remote := peer(p, d)
	dir, prep := dirWord(d), prepFor(d)
	whose := "the destination port"
	if resp != EvidenceNone {
		whose = "the client's port"
	}
	var out []string
	for i := range entries {
		e := &entries[i]
		if !e.Allow || e.Default() || len(out) == maxNearMisses {
			continue
		}
		if e.Protocol != -1 && e.Protocol != p.Proto {
			continue
		}
		inPorts := !e.HasPorts || (e.Protocol != 6 && e.Protocol != 17) || p.DstPort >= e.PortFrom && p.DstPort <= e.PortTo
		rule := func() string {
			return dir + " rule " + e.RuleLabel() + " allows " + EntryText(e) + " " + prep + " " + e.CIDR.String()
		}
		switch {
		case e.CIDR.Contains(remote) && !inPorts && p.DstPort >= 0 && nearRange(p.DstPort, e.PortFrom, e.PortTo):
			out = append(out, rule()+"; "+whose+" "+itoa(p.DstPort)+" is "+side(p.DstPort, e.PortFrom))
		case !e.CIDR.Contains(remote) && inPorts && e.CIDR.Addr().Is4() == remote.Is4() && e.CIDR.Bits() > 0:
			out = append(out, rule()+", not "+prep+" "+remote.String())
		}
	}
	return out
}

// nearRange reports whether a port outside a range almost fits it: the
// range is a range (not one service port) and both are of one kind,
// service ports below 1024 or ephemeral ones above, so a scan of port 22
// is not called a near miss of the ephemeral range 1024-65535.
func nearRange(port, from, to int) bool {
	return from != to && (port >= 1024) == (from >= 1024)
}

// side says where a port lies from a range that does not hold it.
func side(port, from int) string {
	if port < from {
		return "below it"
	}
	return "above it"
}

// sgNearMisses names the permissions of the interface's groups that almost
// allowed the traffic: the right port for other peers, or the right peer
// on other ports.
func (s *Snapshot) sgNearMisses(i *Interface, p Packet, d Direction) []string {
	if i == nil {
		return nil
	}
	remote := peer(p, d)
	dir, prep := dirWord(d), prepFor(d)
	port := p.DstPort
	if p.Proto == 1 || p.Proto == 58 {
		port = -1
	}
	var out []string
	for _, gid := range i.Groups {
		g, ok := s.Groups[gid]
		if !ok {
			continue
		}
		perms := g.Ingress
		if d == Egress {
			perms = g.Egress
		}
		for k := range perms {
			perm := &perms[k]
			if len(out) == maxNearMisses || perm.Protocol == -1 || perm.Protocol != p.Proto {
				continue
			}
			portOK, _ := matchPermProto(perm, p, port)
			peerOK := false
			for _, pr := range perm.Peers {
				if m, _ := s.matchPeer(pr, remote, i); m == yes {
					peerOK = true
				}
			}
			peers := func() string {
				list := make([]string, len(perm.Peers))
				for k, pr := range perm.Peers {
					list[k] = pr.String()
				}
				return strings.Join(list, ", ")
			}
			rule := func() string { return GroupLabel(g) + " " + dir + " " + PermissionText(perm) }
			switch {
			case portOK == yes && !peerOK && len(perm.Peers) > 0:
				out = append(out, rule()+" is open "+prep+" "+peers()+" only, not "+prep+" "+remote.String())
			case portOK == no && peerOK && port >= 0 && perm.From >= 0 && nearRange(port, perm.From, perm.To):
				out = append(out, rule()+" "+prep+" "+peers()+"; port "+itoa(port)+" is "+side(port, perm.From))
			}
		}
	}
	return out
}

func (s *Snapshot) allowed(v *Verdict, p Packet) string {
	var parts []string
	naclPart := func() {
		switch {
		case v.NACL.Skipped != "":
			parts = append(parts, "the network ACL does not apply ("+v.NACL.Skipped+")")
		case v.NACL.ACL != nil:
			parts = append(parts, "network ACL "+ACLLabel(v.NACL.ACL)+" "+dirWord(v.Direction)+" rule "+v.NACL.Rule()+" allows it")
		}
	}
	sgPart := func() {
		switch {
		case v.SG.NotApplicable != "":
			parts = append(parts, v.SG.NotApplicable)
		case v.SG.Response:
			parts = append(parts, "security group "+GroupLabel(v.SG.Group)+" lets it through as the reply of a connection its "+
				v.SG.Rule(v.Direction)+" rule allowed (evidence: "+v.SG.Evidence.String()+")")
		case v.SG.Group != nil:
			parts = append(parts, "security group "+GroupLabel(v.SG.Group)+" allows it by "+v.SG.Rule(v.Direction))
		}
		if len(v.SG.Groups) > 1 && v.SG.Group != nil {
			parts[len(parts)-1] += " (groups considered: " + s.groupList(v.Interface) + ")"
		}
	}
	if v.Direction == Egress {
		sgPart()
		naclPart()
	} else {
		naclPart()
		sgPart()
	}
	return "Allowed " + dirWord(v.Direction) + ": " + strings.Join(parts, ", and ") + "."
}
