package rules

import (
	"net/netip"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// Evidence is what showed that a record is the reply of a tracked
// connection rather than a new one.
type Evidence uint8

const (
	EvidenceNone    Evidence = iota
	EvidenceFlags            // tcp-flags carry SYN-ACK (18): the reply to a SYN
	EvidenceReverse          // the reversed record was seen
	EvidencePorts            // a service port on this side, an ephemeral port on the other
)

func (e Evidence) String() string {
	switch e {
	case EvidenceFlags:
		return "tcp-flags SYN-ACK (18)"
	case EvidenceReverse:
		return "the reversed record was seen"
	case EvidencePorts:
		return "port pair (service port here, ephemeral port on the peer)"
	}
	return "none"
}

// NACLResult is the network ACL's part of a verdict.
type NACLResult struct {
	Evaluated bool   // the ACL and a matching entry were found
	Skipped   string // why the ACL does not apply (traffic stays in the subnet)
	ACL       *NetworkACL
	Entry     *ACLEntry // nil with Evaluated when no entry matched (implicit deny)
	Allow     bool
}

// Rule is the matched rule number as a label ("100", "*").
func (n *NACLResult) Rule() string {
	if n.Entry == nil {
		return "*"
	}
	return n.Entry.RuleLabel()
}

// SGResult is the security groups' part of a verdict.
type SGResult struct {
	Evaluated     bool
	NotApplicable string // the interface has no security groups (NAT gateway)
	Allowed       bool
	Group         *SecurityGroup // the group whose rule allowed it
	Perm          *Permission
	Peer          Peer
	Response      bool     // allowed as the reply of a connection allowed the other way
	Evidence      Evidence // what showed it is a reply
	// Groups are the ids of every security group evaluated (the
	// interface's groups).
	Groups []string
	// Premises are the assumptions a decision rests on, e.g. that an
	// address no loaded interface holds is in none of the referenced
	// groups.
	Premises []string
}

// Rule describes the permission that allowed the traffic, e.g.
// "inbound tcp 443 from 0.0.0.0/0".
func (s *SGResult) Rule(d Direction) string {
	if s.Perm == nil {
		return ""
	}
	dir, prep := "inbound", "from"
	if d == Egress {
		dir, prep = "outbound", "to"
	}
	if s.Response {
		// The permission is the one that allowed the request, the other way.
		dir, prep = "outbound", "to"
		if d == Egress {
			dir, prep = "inbound", "from"
		}
	}
	return dir + " " + PermissionText(s.Perm) + " " + prep + " " + s.Peer.String()
}

// Verdict explains one record.
type Verdict struct {
	Interface *Interface
	Direction Direction
	NACL      NACLResult
	SG        SGResult
	// Expected is the action the rules give; ActionNone when it could not
	// be decided from the data loaded.
	Expected  model.Action
	Logged    model.Action
	DecidedBy string   // "nacl", "sg", "bpa", "none" (allowed), "" (undecided)
	Missing   []string // what data was lacking, e.g. "security group sg-1 not loaded"
	Reason    string
}

// Decided reports whether the rules gave an answer.
func (v *Verdict) Decided() bool { return v.Expected != model.ActionNone }

// Consistent reports whether the logged action is the expected one; ok is
// false when either is unknown.
func (v *Verdict) Consistent() (consistent, ok bool) {
	if v.Expected == model.ActionNone || v.Logged == model.ActionNone {
		return false, false
	}
	return v.Expected == v.Logged, true
}

type tri uint8

const (
	no tri = iota
	yes
	unknown
)

// Explain evaluates one record against the snapshot.
func (s *Snapshot) Explain(p Packet) Verdict { return s.explain(p, true) }

// Decide is Explain without writing the reason, for counting verdicts
// (KeyOf needs no reason): a third of the time and allocations.
func (s *Snapshot) Decide(p Packet) Verdict { return s.explain(p, false) }

func (s *Snapshot) explain(p Packet, reason bool) Verdict {
	v := Verdict{Logged: p.Logged}
	if p.Status == model.StatusNoData || p.Status == model.StatusSkipData || !p.Src.IsValid() || !p.Dst.IsValid() {
		v.Reason = "No traffic to evaluate: the record carries no addresses (" + p.Status.String() + ")."
		return v
	}
	iface, haveIface := s.Interfaces[p.Interface]
	if haveIface {
		v.Interface = iface
	}
	v.Direction = p.Direction
	if v.Direction == DirUnknown && haveIface {
		v.Direction = directionAt(iface, p)
	}
	switch {
	case p.Interface == "" && (p.TransitGateway || p.Subnet == ""):
		if p.TransitGateway {
			v.Missing = append(v.Missing, "a Transit Gateway record names no interface")
		} else {
			v.Missing = append(v.Missing, "the record has no interface-id or subnet-id")
		}
		v.Reason = NoInterfaceReason(p)
		return v
	case p.Interface == "":
		// the record's subnet-id still finds the network ACL
		v.Missing = append(v.Missing, "the record has no interface-id, so its security groups are unknown")
	case !haveIface:
		v.Missing = append(v.Missing, "interface "+p.Interface+" not loaded")
	}
	if v.Direction == DirUnknown {
		if haveIface {
			v.Missing = append(v.Missing, "neither address of the record belongs to interface "+p.Interface+" and the record has no flow-direction")
		} else {
			v.Missing = append(v.Missing, "the record has no flow-direction")
		}
		v.Reason = "Could not decide: " + strings.Join(v.Missing, "; ") + "."
		return v
	}
	if p.RejectReason == "BPA" {
		v.Expected, v.DecidedBy = model.ActionReject, "bpa"
		v.Reason = "Rejected by VPC Block Public Access (reject-reason BPA), not by a security group or network ACL; add a BPA exclusion if this traffic is wanted."
		return v
	}

	subnet := p.Subnet
	if haveIface && iface.SubnetID != "" {
		subnet = iface.SubnetID
	}
	s.evalNACL(&v, p, subnet)
	resp := responseEvidence(p)
	if haveIface {
		s.evalSG(&v, p, iface, resp)
	}
	s.decide(&v, p, resp)
	if reason {
		v.Reason = s.reason(&v, p, resp)
	}
	return v
}

// NoInterfaceReason says why a record without interface-id is not checked
// against any rules: security groups belong to an interface and the
// network ACL to its subnet. A Transit Gateway record names an attachment
// instead and carries no action: it says what crossed the gateway or was
// lost there, not what a security group or network ACL decided.
func NoInterfaceReason(p Packet) string {
	if p.TransitGateway {
		return "Could not decide: a Transit Gateway record names no interface and logs no action (it records what crossed the transit gateway or was lost there, in packets-lost-*), so there are no security groups or network ACL to check it against."
	}
	return "Could not decide: the record has no interface-id (its format does not carry it), so there are no security groups or network ACL to check it against."
}

// directionAt infers the direction from the interface's own addresses.
func directionAt(i *Interface, p Packet) Direction {
	src, dst := owns(i, p.Src), owns(i, p.Dst)
	switch {
	case src && !dst:
		return Egress
	case dst && !src:
		return Ingress
	}
	return DirUnknown
}

func owns(i *Interface, a netip.Addr) bool {
	a = a.Unmap()
	for _, b := range i.Private {
		if a == b {
			return true
		}
	}
	for _, b := range i.Public {
		if a == b {
			return true
		}
	}
	return false
}

// peer is the remote address the rules of this direction compare.
func peer(p Packet, d Direction) netip.Addr {
	if d == Ingress {
		return p.src()
	}
	return p.dst()
}

func (s *Snapshot) evalNACL(v *Verdict, p Packet, subnet string) {
	if subnet == "" {
		v.Missing = append(v.Missing, "the subnet of interface "+p.Interface+" is unknown")
		return
	}
	acl, ok := s.ACLFor(subnet)
	if !ok || acl == nil {
		v.Missing = append(v.Missing, "network ACL of subnet "+subnet+" not loaded")
		return
	}
	v.NACL.ACL = acl
	remote := peer(p, v.Direction)
	inside := false
	if sub, ok := s.Subnets[subnet]; ok {
		for _, c := range sub.CIDRs {
			inside = inside || c.Contains(remote)
		}
	}
	// Without DescribeSubnets, a peer interface known to be in the same
	// subnet says as much.
	if o, ok := s.Owner(remote); ok && o.SubnetID == subnet {
		inside = true
	}
	if inside {
		v.NACL.Skipped = "traffic stays inside subnet " + subnet
		v.NACL.Evaluated, v.NACL.Allow = true, true
		return
	}
	entries := acl.Inbound
	if v.Direction == Egress {
		entries = acl.Outbound
	}
	for i := range entries {
		e := &entries[i]
		m, why := matchEntry(e, p, remote)
		switch m {
		case yes:
			v.NACL.Evaluated, v.NACL.Entry, v.NACL.Allow = true, e, e.Allow
			return
		case unknown:
			v.Missing = append(v.Missing, "network ACL "+acl.ID+" rule "+e.RuleLabel()+": "+why)
			return
		}
	}
	// No entry matched, not even a "*" rule: the ACL denies by default.
	v.NACL.Evaluated = true
}

func matchEntry(e *ACLEntry, p Packet, remote netip.Addr) (tri, string) {
	if !e.CIDR.Contains(remote) {
		return no, ""
	}
	if m, why, decided := matchProtocol(e.Protocol, p); decided {
		return m, why
	}
	switch e.Protocol {
	case 6, 17:
		if !e.HasPorts {
			return yes, ""
		}
		return matchPortRange(p.DstPort, e.PortFrom, e.PortTo, "the record has no destination port")
	case 1, 58:
		if !e.HasICMP {
			return yes, ""
		}
		return matchICMP(e.ICMPType, e.ICMPCode, p)
	}
	return yes, ""
}

// matchProtocol is the first test of a NACL entry and of a security-group
// rule alike: decided is false only when the rule names the record's own
// protocol, and its ports or ICMP type are still to be checked.
func matchProtocol(ruleProto int, p Packet) (m tri, why string, decided bool) {
	switch {
	case ruleProto == -1:
		return yes, "", true
	case p.Proto < 0:
		return unknown, "the record has no protocol", true
	case ruleProto != p.Proto:
		return no, "", true
	}
	return no, "", false
}

// matchPortRange tests a record's port (negative when the record lacks it,
// then noPort says so) against a rule's inclusive range.
func matchPortRange(port, from, to int, noPort string) (tri, string) {
	if port < 0 {
		return unknown, noPort
	}
	if port >= from && port <= to {
		return yes, ""
	}
	return no, ""
}

func matchICMP(typ, code int, p Packet) (tri, string) {
	if typ == -1 {
		return yes, ""
	}
	if p.ICMPType < 0 {
		return unknown, "it allows only ICMP type " + itoa(typ) + " and flow-log records do not carry the ICMP type"
	}
	if p.ICMPType != typ {
		return no, ""
	}
	if code == -1 {
		return yes, ""
	}
	if p.ICMPCode < 0 {
		return unknown, "it allows only ICMP code " + itoa(code) + " and the record does not carry the ICMP code"
	}
	if p.ICMPCode != code {
		return no, ""
	}
	return yes, ""
}

// responseEvidence says what, in the record itself, shows it is the reply
// of a connection opened the other way.
func responseEvidence(p Packet) Evidence {
	if p.HasFlags && p.Flags&(model.FlagSYN|model.FlagACK) == model.FlagSYN|model.FlagACK {
		return EvidenceFlags
	}
	if p.HasFlags && p.Flags&(model.FlagSYN|model.FlagACK) == model.FlagSYN {
		return EvidenceNone // a SYN opens a connection: not a reply
	}
	if p.ReverseSeen {
		return EvidenceReverse
	}
	if p.Proto != 6 && p.Proto != 17 {
		return EvidenceNone
	}
	if p.SrcPort < 0 || p.DstPort < 0 {
		return EvidenceNone
	}
	// A reply comes from the service port and goes to the client's
	// ephemeral port, whichever way it crosses this interface.
	if p.DstPort >= 1024 && p.SrcPort < p.DstPort {
		return EvidencePorts
	}
	return EvidenceNone
}

// sgMatch is the outcome of evaluating one direction of the groups.
type sgMatch struct {
	result   tri
	group    *SecurityGroup
	perm     *Permission
	peer     Peer
	missing  []string
	premises []string
}

// groupsAllow evaluates the union of the interface's groups in one direction
// for traffic to port (or ICMP) from/to remote.
func (s *Snapshot) groupsAllow(i *Interface, egress bool, remote netip.Addr, p Packet, port int) sgMatch {
	var out sgMatch
	for _, gid := range i.Groups {
		g, ok := s.Groups[gid]
		if !ok {
			out.missing = appendOnce(out.missing, "security group "+gid+" not loaded")
			continue
		}
		perms := g.Ingress
		if egress {
			perms = g.Egress
		}
		for k := range perms {
			perm := &perms[k]
			m, why := matchPermProto(perm, p, port)
			if m == no {
				continue
			}
			for _, pr := range perm.Peers {
				pm, pwhy := s.matchPeer(pr, remote, i)
				if pm == no {
					if pwhy != "" {
						out.premises = appendOnce(out.premises, pwhy)
					}
					continue
				}
				if m == yes && pm == yes {
					return sgMatch{result: yes, group: g, perm: perm, peer: pr}
				}
				if m == unknown {
					out.missing = appendOnce(out.missing, "security group "+g.ID+" rule "+PermissionText(perm)+": "+why)
				} else {
					out.missing = appendOnce(out.missing, pwhy)
				}
			}
		}
	}
	if len(out.missing) > 0 {
		out.result = unknown
	}
	return out
}

func appendOnce(list []string, s string) []string {
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}

func matchPermProto(perm *Permission, p Packet, port int) (tri, string) {
	if m, why, decided := matchProtocol(perm.Protocol, p); decided {
		return m, why
	}
	switch perm.Protocol {
	case 6, 17:
		if perm.From == -1 && perm.To == -1 {
			return yes, ""
		}
		return matchPortRange(port, perm.From, perm.To, "the record has no port")
	case 1, 58:
		return matchICMP(perm.From, perm.To, p)
	}
	return yes, ""
}

// matchPeer tests a rule's peer against the remote address. A "no" may
// come with the premise it rests on (why, for a group reference decided
// from the loaded interfaces).
func (s *Snapshot) matchPeer(pr Peer, remote netip.Addr, at *Interface) (tri, string) {
	switch pr.Kind {
	case PeerCIDR:
		if pr.Prefix.Contains(remote) {
			return yes, ""
		}
		return no, ""
	case PeerPrefixList:
		pl, ok := s.PrefixLists[pr.ID]
		if !ok {
			return unknown, "prefix list " + pr.ID + " not loaded"
		}
		if !pl.Entries {
			return unknown, "entries of prefix list " + pr.ID + " not loaded"
		}
		for _, c := range pl.CIDRs {
			if c.Contains(remote) {
				return yes, ""
			}
		}
		return no, ""
	case PeerGroup:
		if s.InGroup(pr.ID, remote) {
			return yes, ""
		}
		if _, ok := s.Owner(remote); ok {
			return no, "" // a known interface, not in the group
		}
		if remote.Is4() && !remote.IsPrivate() && !shared.Contains(remote) {
			return no, "" // group references match private addresses only
		}
		// Members of a group are interfaces of its VPC: once interface
		// data for that VPC is loaded, an address none of them holds is
		// in no group there. The premise goes into the reason.
		vpc := at.VPCID
		if g, ok := s.Groups[pr.ID]; ok && g.VPCID != "" {
			vpc = g.VPCID
		}
		n := s.interfacesIn(vpc)
		where := ""
		if vpc != "" {
			where = " of " + vpc
		}
		if n == 0 {
			return unknown, "no interface data" + where + " is loaded, so whether " + remote.String() + " is in " + pr.ID + " is unknown"
		}
		return no, remote.String() + " is not an address of any of the " + plural(n, "loaded interface") + where +
			", so it is in none of the groups the rules reference"
	}
	return no, ""
}

// interfacesIn counts the loaded interfaces of a VPC ("" counts those
// whose VPC is not known).
func (s *Snapshot) interfacesIn(vpc string) int {
	n := 0
	for _, i := range s.Interfaces {
		if i.VPCID == vpc {
			n++
		}
	}
	return n
}

// shared is the carrier-grade NAT range, private in practice.
var shared = netip.MustParsePrefix("100.64.0.0/10")

func (s *Snapshot) evalSG(v *Verdict, p Packet, iface *Interface, resp Evidence) {
	if len(iface.Groups) == 0 {
		v.SG.NotApplicable = "interface " + iface.ID + " has no security groups"
		if iface.Type != "" && iface.Type != "interface" {
			v.SG.NotApplicable += " (" + iface.Type + ")"
		}
		v.SG.Evaluated, v.SG.Allowed = true, true
		return
	}
	egress := v.Direction == Egress
	remote := peer(p, v.Direction)
	v.SG.Groups = iface.Groups
	port := p.DstPort
	if p.Proto == 1 || p.Proto == 58 {
		port = -1
	}
	m := s.groupsAllow(iface, egress, remote, p, port)
	if m.result == yes {
		v.SG = SGResult{Evaluated: true, Allowed: true, Group: m.group, Perm: m.perm, Peer: m.peer, Groups: iface.Groups}
		return
	}
	// Not allowed by this direction's rules: a reply of a connection the
	// groups allowed the other way passes anyway (groups are stateful).
	if resp != EvidenceNone {
		rport := p.SrcPort
		if p.Proto == 1 || p.Proto == 58 {
			rport = -1
		}
		r := s.groupsAllow(iface, !egress, remote, p, rport)
		if r.result == yes {
			v.SG = SGResult{Evaluated: true, Allowed: true, Group: r.group, Perm: r.perm, Peer: r.peer, Response: true, Evidence: resp, Groups: iface.Groups}
			return
		}
		m.premises = append(m.premises, r.premises...)
	}
	if m.result == unknown {
		v.Missing = append(v.Missing, m.missing...)
		return
	}
	v.SG.Evaluated = true
	for _, pr := range m.premises {
		v.SG.Premises = appendOnce(v.SG.Premises, pr)
	}
}

// decide combines the two controls in evaluation order.
func (s *Snapshot) decide(v *Verdict, p Packet, resp Evidence) {
	type control struct {
		name    string
		known   bool
		allowed bool
	}
	nacl := control{"nacl", v.NACL.Evaluated, v.NACL.Allow}
	sg := control{"sg", v.SG.Evaluated, v.SG.Allowed}
	order := []control{nacl, sg}
	if v.Direction == Egress {
		order = []control{sg, nacl}
	}
	undecided := false
	for _, c := range order {
		if c.known && !c.allowed {
			v.Expected, v.DecidedBy = model.ActionReject, c.name
			break
		}
		if !c.known {
			undecided = true
		}
	}
	if v.Expected == model.ActionNone && !undecided {
		v.Expected, v.DecidedBy = model.ActionAccept, "none"
	}
}
