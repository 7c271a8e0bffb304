package rules

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func cidr(s string) Peer           { return Peer{Kind: PeerCIDR, Prefix: pfx(s)} }
func group(id string) Peer         { return Peer{Kind: PeerGroup, ID: id} }
func prefixList(id string) Peer    { return Peer{Kind: PeerPrefixList, ID: id} }
func all(peers ...Peer) Permission { return Permission{Protocol: -1, From: -1, To: -1, Peers: peers} }
func tcp(from, to int, peers ...Peer) Permission {
	return Permission{Protocol: 6, From: from, To: to, Peers: peers}
}
func icmp(typ, code int, peers ...Peer) Permission {
	return Permission{Protocol: 1, From: typ, To: code, Peers: peers}
}

func entry(rule int, allow bool, proto int, c string, from, to int) ACLEntry {
	e := ACLEntry{Rule: rule, Allow: allow, Protocol: proto, CIDR: pfx(c)}
	if proto == 6 || proto == 17 {
		e.HasPorts, e.PortFrom, e.PortTo = true, from, to
	}
	if proto == 1 || proto == 58 {
		e.HasICMP, e.ICMPType, e.ICMPCode = true, from, to
	}
	return e
}

func star() []ACLEntry {
	return []ACLEntry{entry(32767, false, -1, "0.0.0.0/0", 0, 0), entry(32768, false, -1, "::/0", 0, 0)}
}

// demoSnapshot is modelled on the --demo topology (see the demo rules JSON),
// built by hand so the engine's tests do not depend on the decoder. Unlike the
// demo, its public NACL allows SSH only from the VPC (120) and denies it from
// anywhere else at 150, so an explicit deny before a later allow has cases here.
func demoSnapshot() *Snapshot {
	s := NewSnapshot()
	s.AddACL(&NetworkACL{ID: "acl-public", Name: "public-nacl", Subnets: []string{"subnet-public"},
		Inbound: append([]ACLEntry{
			entry(100, true, 6, "0.0.0.0/0", 443, 443),
			entry(110, true, 6, "0.0.0.0/0", 80, 80),
			entry(120, true, 6, "10.0.0.0/16", 22, 22),
			entry(130, true, 6, "0.0.0.0/0", 1024, 65535),
			entry(140, true, 1, "0.0.0.0/0", -1, -1),
			entry(150, false, 6, "0.0.0.0/0", 22, 22),
			entry(200, true, 6, "::/0", 443, 443),
		}, star()...),
		Outbound: append([]ACLEntry{
			entry(100, true, 6, "0.0.0.0/0", 1024, 65535),
			entry(110, true, 6, "0.0.0.0/0", 443, 443),
			entry(120, true, 6, "10.0.2.0/24", 8080, 8080),
			entry(130, true, 6, "::/0", 1024, 65535),
		}, star()...),
	})
	s.AddACL(&NetworkACL{ID: "acl-app", Subnets: []string{"subnet-app"},
		Inbound: append([]ACLEntry{entry(100, true, -1, "10.0.0.0/16", 0, 0)}, star()...),
		Outbound: append([]ACLEntry{
			entry(100, true, -1, "10.0.0.0/16", 0, 0),
			entry(110, true, 6, "0.0.0.0/0", 443, 443),
			entry(120, true, 6, "0.0.0.0/0", 1024, 65535),
		}, star()...),
	})
	s.AddACL(&NetworkACL{ID: "acl-db", Name: "db-nacl", Subnets: []string{"subnet-db"},
		Inbound:  append([]ACLEntry{entry(100, true, 6, "10.0.2.0/24", 5432, 5432)}, star()...),
		Outbound: append([]ACLEntry{entry(100, true, 6, "10.0.2.0/24", 32768, 61000)}, star()...),
	})
	s.AddGroup(&SecurityGroup{ID: "sg-web", Name: "web",
		Ingress: []Permission{tcp(443, 443, cidr("0.0.0.0/0")), tcp(80, 80, cidr("0.0.0.0/0")), tcp(443, 443, cidr("::/0")),
			icmp(-1, -1, cidr("0.0.0.0/0")), tcp(22, 22, group("sg-bastion"))},
		Egress: []Permission{all(cidr("0.0.0.0/0"), cidr("::/0"))},
	})
	s.AddGroup(&SecurityGroup{ID: "sg-app", Name: "app",
		Ingress: []Permission{tcp(8080, 8080, group("sg-web"))},
		Egress:  []Permission{all(cidr("0.0.0.0/0"))},
	})
	s.AddGroup(&SecurityGroup{ID: "sg-db", Name: "db", Ingress: []Permission{tcp(5432, 5432, group("sg-app"))}})
	s.AddGroup(&SecurityGroup{ID: "sg-bastion", Name: "bastion",
		Ingress: []Permission{tcp(22, 22, prefixList("pl-corp"))},
		Egress:  []Permission{all(cidr("0.0.0.0/0"))},
	})
	s.AddPrefixList(&PrefixList{ID: "pl-corp", Name: "corp-vpn", CIDRs: []netip.Prefix{pfx("198.51.100.0/24")}, Entries: true})
	s.AddInterface(&Interface{ID: "eni-web", SubnetID: "subnet-public", Groups: []string{"sg-web"},
		Private: []netip.Addr{addr("10.0.1.10"), addr("2600:1f18:4a1c:7e01::10")}, Public: []netip.Addr{addr("54.210.10.10")}})
	s.AddInterface(&Interface{ID: "eni-app", SubnetID: "subnet-app", Groups: []string{"sg-app"}, Private: []netip.Addr{addr("10.0.2.20")}})
	s.AddInterface(&Interface{ID: "eni-db", SubnetID: "subnet-db", Groups: []string{"sg-db"}, Private: []netip.Addr{addr("10.0.3.30")}})
	s.AddInterface(&Interface{ID: "eni-nat", SubnetID: "subnet-public", Type: "natGateway", RequesterManaged: true, Private: []netip.Addr{addr("10.0.1.100")}})
	s.AddInterface(&Interface{ID: "eni-bastion", SubnetID: "subnet-public", Groups: []string{"sg-bastion"}, Private: []netip.Addr{addr("10.0.1.50")}})
	return s
}

// pkt builds a record: iface src:sport -> dst:dport proto, logged action.
func pkt(iface, src string, sport int, dst string, dport int, proto int, logged model.Action) Packet {
	return Packet{Interface: iface, Src: addr(src), Dst: addr(dst), SrcPort: sport, DstPort: dport, Proto: proto,
		ICMPType: -1, ICMPCode: -1, Logged: logged, Status: model.StatusOK}
}

func withFlags(p Packet, f uint8) Packet { p.Flags, p.HasFlags = f, true; return p }

type want struct {
	dir        Direction
	expected   model.Action
	consistent string // "yes", "no", "unknown"
	decidedBy  string
	naclRule   string // "" = not evaluated
	naclAllow  bool
	sgAllowed  bool
	sgGroup    string
	sgRule     string
	response   bool
	evidence   Evidence
	reason     []string // substrings of the reason
}

func check(t *testing.T, s *Snapshot, p Packet, w want) Verdict {
	t.Helper()
	v := s.Explain(p)
	if v.Direction != w.dir {
		t.Errorf("direction = %v, want %v", v.Direction, w.dir)
	}
	if v.Expected != w.expected {
		t.Errorf("expected = %v, want %v (reason %q)", v.Expected, w.expected, v.Reason)
	}
	c, ok := v.Consistent()
	got := "unknown"
	if ok && c {
		got = "yes"
	} else if ok {
		got = "no"
	}
	if w.consistent != "" && got != w.consistent {
		t.Errorf("consistent = %s, want %s", got, w.consistent)
	}
	if v.DecidedBy != w.decidedBy {
		t.Errorf("decided by = %q, want %q", v.DecidedBy, w.decidedBy)
	}
	if w.naclRule != "" {
		if !v.NACL.Evaluated || v.NACL.Rule() != w.naclRule || v.NACL.Allow != w.naclAllow {
			t.Errorf("nacl = evaluated %v rule %s allow %v, want rule %s allow %v", v.NACL.Evaluated, v.NACL.Rule(), v.NACL.Allow, w.naclRule, w.naclAllow)
		}
	}
	if v.SG.Allowed != w.sgAllowed {
		t.Errorf("sg allowed = %v, want %v", v.SG.Allowed, w.sgAllowed)
	}
	if w.sgGroup != "" && (v.SG.Group == nil || v.SG.Group.ID != w.sgGroup) {
		t.Errorf("sg group = %+v, want %s", v.SG.Group, w.sgGroup)
	}
	if w.sgRule != "" && v.SG.Rule(v.Direction) != w.sgRule {
		t.Errorf("sg rule = %q, want %q", v.SG.Rule(v.Direction), w.sgRule)
	}
	if v.SG.Response != w.response || v.SG.Evidence != w.evidence {
		t.Errorf("response = %v (%v), want %v (%v)", v.SG.Response, v.SG.Evidence, w.response, w.evidence)
	}
	for _, sub := range w.reason {
		if !strings.Contains(v.Reason, sub) {
			t.Errorf("reason %q lacks %q", v.Reason, sub)
		}
	}
	return v
}

func TestExplainDemoTopology(t *testing.T) {
	s := demoSnapshot()
	A, R := model.ActionAccept, model.ActionReject
	cases := []struct {
		name string
		p    Packet
		w    want
	}{
		{"https in", withFlags(pkt("eni-web", "203.0.113.50", 40000, "10.0.1.10", 443, 6, A), 2), want{
			dir: Ingress, expected: A, consistent: "yes", decidedBy: "none", naclRule: "100", naclAllow: true,
			sgAllowed: true, sgGroup: "sg-web", sgRule: "inbound tcp 443 from 0.0.0.0/0",
			reason: []string{"Allowed inbound", "acl-public (public-nacl) inbound rule 100", "sg-web (web)"}}},
		{"https reply out", withFlags(pkt("eni-web", "10.0.1.10", 443, "203.0.113.50", 40000, 6, A), 18), want{
			dir: Egress, expected: A, consistent: "yes", decidedBy: "none", naclRule: "100", naclAllow: true,
			sgAllowed: true, sgGroup: "sg-web", sgRule: "outbound all traffic to 0.0.0.0/0"}},
		// AWS-documented ping: the reply is rejected by the NACL, not the group.
		{"ping in", pkt("eni-web", "203.0.113.12", 0, "10.0.1.10", 0, 1, A), want{
			dir: Ingress, expected: A, consistent: "yes", decidedBy: "none", naclRule: "140", naclAllow: true,
			sgAllowed: true, sgRule: "inbound icmp all types from 0.0.0.0/0"}},
		{"ping reply", pkt("eni-web", "10.0.1.10", 0, "203.0.113.12", 0, 1, R), want{
			dir: Egress, expected: R, consistent: "yes", decidedBy: "nacl", naclRule: "*", sgAllowed: true,
			reason: []string{"outbound has no rule for ICMP to 203.0.113.12", "stateless"}}},
		// Ephemeral-port return-path mistake at the db interface.
		{"db reply to low ephemeral port", pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 20001, 6, R), want{
			dir: Egress, expected: R, consistent: "yes", decidedBy: "nacl", naclRule: "*",
			sgAllowed: true, sgGroup: "sg-db", response: true, evidence: EvidencePorts,
			reason: []string{"acl-db (db-nacl) outbound has no rule for TCP 20001 to 10.0.2.20", "return traffic", "denied by rule *", "1024-65535"}}},
		{"db reply to linux ephemeral port", pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 40001, 6, A), want{
			dir: Egress, expected: A, consistent: "yes", decidedBy: "none", naclRule: "100", naclAllow: true,
			sgAllowed: true, sgGroup: "sg-db", sgRule: "inbound tcp 5432 from sg-app", response: true, evidence: EvidencePorts,
			reason: []string{"reply of a connection"}}},
		// Stateful response with no outbound rules at all, evidenced by SYN-ACK.
		{"db syn-ack with no outbound rules", withFlags(pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 40001, 6, A), 18), want{
			dir: Egress, expected: A, decidedBy: "none", naclRule: "100", naclAllow: true,
			sgAllowed: true, response: true, evidence: EvidenceFlags, reason: []string{"tcp-flags SYN-ACK"}}},
		{"db opens a connection with no outbound rules", withFlags(pkt("eni-db", "10.0.3.30", 40001, "10.0.2.20", 5432, 6, R), 2), want{
			dir: Egress, expected: R, consistent: "yes", decidedBy: "sg",
			reason: []string{"No outbound rule of security groups sg-db (db) allows TCP 5432 to 10.0.2.20"}}},
		// Group references.
		{"app to db by group reference", pkt("eni-db", "10.0.2.20", 40001, "10.0.3.30", 5432, 6, A), want{
			dir: Ingress, expected: A, decidedBy: "none", naclRule: "100", naclAllow: true,
			sgAllowed: true, sgGroup: "sg-db", sgRule: "inbound tcp 5432 from sg-app"}},
		{"web to db is not in sg-app", pkt("eni-db", "10.0.1.10", 40001, "10.0.3.30", 5432, 6, R), want{
			dir: Ingress, expected: R, consistent: "yes", decidedBy: "nacl", naclRule: "*"}},
		// Same subnet: the NACL is not crossed.
		{"bastion ssh to web by group reference", pkt("eni-web", "10.0.1.50", 50000, "10.0.1.10", 22, 6, A), want{
			dir: Ingress, expected: A, decidedBy: "none",
			sgAllowed: true, sgRule: "inbound tcp 22 from sg-bastion", reason: []string{"network ACL does not apply"}}},
		{"app ssh to web: known interface outside the group", pkt("eni-web", "10.0.2.20", 50000, "10.0.1.10", 22, 6, R), want{
			dir: Ingress, expected: R, consistent: "yes", decidedBy: "sg", naclRule: "120", naclAllow: true,
			reason: []string{"No inbound rule of security groups sg-web (web) allows TCP 22 from 10.0.2.20"}}},
		// Explicit deny before a later allow (here the later allow is the group's).
		{"corp ssh to bastion hits deny 150", pkt("eni-bastion", "198.51.100.7", 50000, "10.0.1.50", 22, 6, R), want{
			dir: Ingress, expected: R, consistent: "yes", decidedBy: "nacl", naclRule: "150", sgAllowed: true,
			reason: []string{"inbound rule 150 denies TCP 22 from 198.51.100.7", "security group sg-bastion (bastion) would allow it"}}},
		{"ssh scan to web", withFlags(pkt("eni-web", "45.155.205.3", 50000, "10.0.1.10", 22, 6, R), 2), want{
			dir: Ingress, expected: R, consistent: "yes", decidedBy: "nacl", naclRule: "150"}},
		// IPv6 and the 32768 rule.
		{"ipv6 https in", pkt("eni-web", "2001:db8:85a3::8a2e:370:7334", 50000, "2600:1f18:4a1c:7e01::10", 443, 6, A), want{
			dir: Ingress, expected: A, decidedBy: "none", naclRule: "200", naclAllow: true, sgAllowed: true, sgRule: "inbound tcp 443 from ::/0"}},
		{"ipv6 http in hits 32768", pkt("eni-web", "2001:db8:85a3::8a2e:370:7334", 50000, "2600:1f18:4a1c:7e01::10", 80, 6, R), want{
			dir: Ingress, expected: R, consistent: "yes", decidedBy: "nacl", naclRule: "*"}},
		// NAT gateway: packet-level addresses, no security groups.
		{"nat gateway forwards to the internet", func() Packet {
			p := pkt("eni-nat", "10.0.2.20", 40000, "10.0.1.100", 443, 6, A)
			p.PktSrc, p.PktDst = addr("10.0.2.20"), addr("52.94.133.131")
			return p
		}(), want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "100", naclAllow: true, sgAllowed: true,
			reason: []string{"has no security groups (natGateway)"}}},
		// Logged action disagrees with the rules.
		{"logged accept but rules deny", pkt("eni-web", "45.155.205.3", 50000, "10.0.1.10", 22, 6, A), want{
			dir: Ingress, expected: R, consistent: "no", decidedBy: "nacl", naclRule: "150",
			reason: []string{"Logged ACCEPT but the loaded rules deny it", "rules may have changed"}}},
		{"logged reject but rules allow", pkt("eni-web", "203.0.113.50", 40000, "10.0.1.10", 443, 6, R), want{
			dir: Ingress, expected: A, consistent: "no", decidedBy: "none", naclRule: "100", naclAllow: true, sgAllowed: true,
			reason: []string{"Logged REJECT but the loaded rules allow it", "after the connection closed"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, s, c.p, c.w) })
	}
}

func TestExplainFlowDirectionField(t *testing.T) {
	s := demoSnapshot()
	// flow-direction wins over the addresses (both belong to no interface here).
	p := pkt("eni-nat", "10.0.1.100", 40000, "52.94.133.131", 443, 6, model.ActionAccept)
	p.Direction = Egress
	check(t, s, p, want{dir: Egress, expected: model.ActionAccept, decidedBy: "none", naclRule: "110", naclAllow: true, sgAllowed: true})
}

func TestExplainNACLFeatures(t *testing.T) {
	s := NewSnapshot()
	s.AddACL(&NetworkACL{ID: "acl-1", Subnets: []string{"subnet-1"},
		Inbound: append([]ACLEntry{
			entry(100, false, 6, "0.0.0.0/0", 3389, 3389),
			entry(110, true, 1, "0.0.0.0/0", 8, 0), // echo request only
			entry(120, true, 17, "0.0.0.0/0", 53, 53),
			entry(200, true, 6, "0.0.0.0/0", 0, 65535),
			entry(300, true, -1, "10.9.0.0/16", 0, 0),
		}, star()...),
		Outbound: append([]ACLEntry{entry(100, true, -1, "0.0.0.0/0", 0, 0)}, star()...),
	})
	s.AddGroup(&SecurityGroup{ID: "sg-open", Ingress: []Permission{all(cidr("0.0.0.0/0"), cidr("::/0"))}, Egress: []Permission{all(cidr("0.0.0.0/0"))}})
	s.AddInterface(&Interface{ID: "eni-1", SubnetID: "subnet-1", Groups: []string{"sg-open"}, Private: []netip.Addr{addr("10.0.0.5")}})
	A, R := model.ActionAccept, model.ActionReject

	t.Run("explicit deny before a later allow", func(t *testing.T) {
		check(t, s, pkt("eni-1", "198.51.100.1", 50000, "10.0.0.5", 3389, 6, R), want{dir: Ingress, expected: R, consistent: "yes",
			decidedBy: "nacl", naclRule: "100", sgAllowed: true, sgRule: "inbound all traffic from 0.0.0.0/0",
			reason: []string{"rule 100 denies TCP 3389", "its rule 200 would allow it"}})
	})
	t.Run("reply to this interface's ephemeral port denied inbound", func(t *testing.T) {
		s2 := s.Clone()
		acl := *s2.ACLs["acl-1"]
		acl.Inbound = append([]ACLEntry{}, acl.Inbound[:3]...)
		acl.Inbound = append(acl.Inbound, star()...)
		s2.AddACL(&acl)
		check(t, s2, withFlags(pkt("eni-1", "198.51.100.1", 443, "10.0.0.5", 40000, 6, R), 18), want{dir: Ingress, expected: R,
			decidedBy: "nacl", naclRule: "*", sgAllowed: true, reason: []string{"return traffic to this interface's ephemeral port", "inbound allow for TCP 1024-65535 from 198.51.100.1"}})
	})
	t.Run("udp port range", func(t *testing.T) {
		check(t, s, pkt("eni-1", "198.51.100.1", 50000, "10.0.0.5", 53, 17, A), want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "120", naclAllow: true, sgAllowed: true})
		check(t, s, pkt("eni-1", "198.51.100.1", 50000, "10.0.0.5", 54, 17, R), want{dir: Ingress, expected: R, decidedBy: "nacl", naclRule: "*", sgAllowed: true})
	})
	t.Run("protocol -1 matches any protocol", func(t *testing.T) {
		check(t, s, pkt("eni-1", "10.9.1.1", -1, "10.0.0.5", -1, 47, A), want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "300", naclAllow: true, sgAllowed: true})
		check(t, s, pkt("eni-1", "198.51.100.1", -1, "10.0.0.5", -1, 47, R), want{dir: Ingress, expected: R, decidedBy: "nacl", naclRule: "*", sgAllowed: true,
			reason: []string{"has no rule for protocol 47 from 198.51.100.1"}})
	})
	t.Run("icmp type and code", func(t *testing.T) {
		echo := pkt("eni-1", "198.51.100.1", 0, "10.0.0.5", 0, 1, A)
		echo.ICMPType, echo.ICMPCode = 8, 0
		check(t, s, echo, want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "110", naclAllow: true, sgAllowed: true})
		unreach := pkt("eni-1", "198.51.100.1", 0, "10.0.0.5", 0, 1, R)
		unreach.ICMPType, unreach.ICMPCode = 3, 4
		check(t, s, unreach, want{dir: Ingress, expected: R, decidedBy: "nacl", naclRule: "*", sgAllowed: true})
		// Records do not carry the ICMP type: the engine says so instead of guessing.
		v := check(t, s, pkt("eni-1", "198.51.100.1", 0, "10.0.0.5", 0, 1, A), want{dir: Ingress, expected: model.ActionNone, sgAllowed: true,
			reason: []string{"Could not decide", "rule 110", "do not carry the ICMP type"}})
		if _, ok := v.Consistent(); ok {
			t.Error("an undecided verdict reports a consistency")
		}
	})
	t.Run("ipv6 falls to rule 32768", func(t *testing.T) {
		s.AddInterface(&Interface{ID: "eni-6", SubnetID: "subnet-1", Groups: []string{"sg-open"}, Private: []netip.Addr{addr("2600:1f18::5")}})
		v := check(t, s, pkt("eni-6", "2001:db8::1", 50000, "2600:1f18::5", 443, 6, R), want{dir: Ingress, expected: R, decidedBy: "nacl", naclRule: "*", sgAllowed: true})
		if v.NACL.Entry == nil || v.NACL.Entry.Rule != 32768 {
			t.Errorf("matched entry %+v, want rule 32768", v.NACL.Entry)
		}
		v = check(t, s, pkt("eni-1", "198.51.100.1", 50000, "10.0.0.5", 8443, 6, A), want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "200", naclAllow: true, sgAllowed: true})
		v = check(t, s, pkt("eni-1", "198.51.100.1", 0, "10.0.0.5", 0, 132, R), want{dir: Ingress, expected: R, decidedBy: "nacl", naclRule: "*", sgAllowed: true})
		if v.NACL.Entry == nil || v.NACL.Entry.Rule != 32767 {
			t.Errorf("matched entry %+v, want rule 32767", v.NACL.Entry)
		}
	})
	t.Run("a peer interface in the same subnet skips the NACL", func(t *testing.T) {
		s2 := s.Clone()
		s2.AddInterface(&Interface{ID: "eni-9", SubnetID: "subnet-1", Private: []netip.Addr{addr("10.0.0.9")}})
		check(t, s2, pkt("eni-1", "10.0.0.9", 50000, "10.0.0.5", 3389, 6, A), want{dir: Ingress, expected: A, decidedBy: "none", sgAllowed: true,
			sgRule: "inbound all traffic from 0.0.0.0/0", reason: []string{"does not apply (traffic stays inside subnet subnet-1)"}})
	})
	t.Run("traffic inside the subnet skips the NACL", func(t *testing.T) {
		s2 := s.Clone()
		s2.AddSubnet(&Subnet{ID: "subnet-1", CIDRs: []netip.Prefix{pfx("10.0.0.0/24")}})
		v := check(t, s2, pkt("eni-1", "10.0.0.9", 50000, "10.0.0.5", 3389, 6, A), want{dir: Ingress, expected: A, decidedBy: "none", sgAllowed: true,
			reason: []string{"does not apply (traffic stays inside subnet subnet-1)"}})
		if v.NACL.Skipped == "" {
			t.Error("NACL not skipped")
		}
	})
}

func TestExplainSecurityGroupFeatures(t *testing.T) {
	s := NewSnapshot()
	s.AddACL(&NetworkACL{ID: "acl-open", Subnets: []string{"subnet-1"},
		Inbound:  append([]ACLEntry{entry(100, true, -1, "0.0.0.0/0", 0, 0), entry(101, true, -1, "::/0", 0, 0)}, star()...),
		Outbound: append([]ACLEntry{entry(100, true, -1, "0.0.0.0/0", 0, 0), entry(101, true, -1, "::/0", 0, 0)}, star()...),
	})
	s.AddGroup(&SecurityGroup{ID: "sg-a", Name: "a", Ingress: []Permission{tcp(443, 443, cidr("0.0.0.0/0"))}})
	s.AddGroup(&SecurityGroup{ID: "sg-b", Name: "b", Ingress: []Permission{
		tcp(5000, 5100, prefixList("pl-partners")),
		{Protocol: 17, From: -1, To: -1, Peers: []Peer{cidr("10.0.0.0/8")}},
		{Protocol: 58, From: 128, To: -1, Peers: []Peer{cidr("::/0")}},
		{Protocol: 47, From: -1, To: -1, Peers: []Peer{cidr("192.0.2.0/24")}},
		tcp(6000, 6000, prefixList("pl-missing")),
		tcp(7000, 7000, group("sg-peers")),
	}})
	s.AddPrefixList(&PrefixList{ID: "pl-partners", CIDRs: []netip.Prefix{pfx("203.0.113.0/24"), pfx("2001:db8:77::/48")}, Entries: true})
	s.AddInterface(&Interface{ID: "eni-1", SubnetID: "subnet-1", Groups: []string{"sg-a", "sg-b"},
		Private: []netip.Addr{addr("10.0.0.5"), addr("2600:1f18::5")}})
	s.AddInterface(&Interface{ID: "eni-peer", SubnetID: "subnet-1", Groups: []string{"sg-peers"}, Private: []netip.Addr{addr("10.0.0.77")}})
	A, R, N := model.ActionAccept, model.ActionReject, model.ActionNone

	cases := []struct {
		name string
		p    Packet
		w    want
	}{
		{"union: second group allows", pkt("eni-1", "203.0.113.9", 40000, "10.0.0.5", 5050, 6, A),
			want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "100", naclAllow: true, sgAllowed: true, sgGroup: "sg-b", sgRule: "inbound tcp 5000-5100 from pl-partners",
				reason: []string{"(groups considered: sg-a (a), sg-b (b))"}}},
		{"right peer, port just outside the range", pkt("eni-1", "203.0.113.9", 40000, "10.0.0.5", 5101, 6, R),
			want{dir: Ingress, expected: R, decidedBy: "sg", naclRule: "100", naclAllow: true,
				reason: []string{"Near miss: sg-b (b) inbound tcp 5000-5100 from pl-partners; port 5101 is above it."}}},
		{"prefix list ipv6", pkt("eni-1", "2001:db8:77::9", 40000, "2600:1f18::5", 5100, 6, A),
			want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "101", naclAllow: true, sgAllowed: true, sgGroup: "sg-b"}},
		{"prefix list does not contain", pkt("eni-1", "198.51.100.9", 40000, "10.0.0.5", 5050, 6, R),
			want{dir: Ingress, expected: R, decidedBy: "sg", naclRule: "100", naclAllow: true,
				reason: []string{"No inbound rule of security groups sg-a (a), sg-b (b) allows TCP 5050 from 198.51.100.9"}}},
		{"udp all ports", pkt("eni-1", "10.1.2.3", 40000, "10.0.0.5", 9999, 17, A),
			want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "100", naclAllow: true, sgAllowed: true, sgRule: "inbound udp all ports from 10.0.0.0/8"}},
		{"other protocol ignores ports", pkt("eni-1", "192.0.2.4", -1, "10.0.0.5", -1, 47, A),
			want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "100", naclAllow: true, sgAllowed: true, sgRule: "inbound protocol 47 from 192.0.2.0/24"}},
		{"icmpv6 type needs the record's type", pkt("eni-1", "2001:db8::1", 0, "2600:1f18::5", 0, 58, A),
			want{dir: Ingress, expected: N, naclRule: "101", naclAllow: true, reason: []string{"ICMP type 128"}}},
		{"icmpv6 echo with known type", func() Packet {
			p := pkt("eni-1", "2001:db8::1", 0, "2600:1f18::5", 0, 58, A)
			p.ICMPType, p.ICMPCode = 128, 0
			return p
		}(), want{dir: Ingress, expected: A, decidedBy: "none", naclRule: "101", naclAllow: true, sgAllowed: true, sgRule: "inbound icmpv6 type 128 from ::/0"}},
		{"missing prefix list is said, not guessed", pkt("eni-1", "198.51.100.9", 40000, "10.0.0.5", 6000, 6, A),
			want{dir: Ingress, expected: N, naclRule: "100", naclAllow: true, reason: []string{"Could not decide: prefix list pl-missing not loaded"}}},
		{"group reference to a known member", pkt("eni-1", "10.0.0.77", 40000, "10.0.0.5", 7000, 6, A),
			want{dir: Ingress, expected: A, decidedBy: "none", sgAllowed: true, sgRule: "inbound tcp 7000 from sg-peers"}},
		{"group reference to a private address no loaded interface holds", pkt("eni-1", "10.0.0.78", 40000, "10.0.0.5", 7000, 6, A),
			want{dir: Ingress, expected: R, decidedBy: "sg", naclRule: "100", naclAllow: true, reason: []string{
				"Premise: 10.0.0.78 is not an address of any of the 2 loaded interfaces, so it is in none of the groups the rules reference.",
				"Near miss: sg-b (b) inbound tcp 7000 is open from sg-peers only, not from 10.0.0.78."}}},
		{"group reference never matches a public address", pkt("eni-1", "8.8.8.8", 40000, "10.0.0.5", 7000, 6, R),
			want{dir: Ingress, expected: R, decidedBy: "sg", naclRule: "100", naclAllow: true}},
		{"no egress rules and no reply evidence", withFlags(pkt("eni-1", "10.0.0.5", 40000, "8.8.8.8", 53, 17, R), 0),
			want{dir: Egress, expected: R, decidedBy: "sg", reason: []string{"nothing shows it is the reply"}}},
		{"no egress rules, reply seen in the buffer", func() Packet {
			p := pkt("eni-1", "10.0.0.5", 443, "198.51.100.1", 700, 6, A)
			p.ReverseSeen = true
			return p
		}(), want{dir: Egress, expected: A, decidedBy: "none", naclRule: "100", naclAllow: true, sgAllowed: true, response: true,
			evidence: EvidenceReverse, sgRule: "inbound tcp 443 from 0.0.0.0/0", reason: []string{"the reversed record was seen"}}},
		{"a SYN is never a reply, even with the reversed record seen", func() Packet {
			p := withFlags(pkt("eni-1", "10.0.0.5", 5050, "203.0.113.9", 443, 6, R), 2)
			p.ReverseSeen = true
			return p
		}(), want{dir: Egress, expected: R, decidedBy: "sg"}},
		{"reply evidence but the request was never allowed", withFlags(pkt("eni-1", "10.0.0.5", 22, "198.51.100.1", 40000, 6, R), 18),
			want{dir: Egress, expected: R, decidedBy: "sg"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, s, c.p, c.w) })
	}

	t.Run("group not loaded", func(t *testing.T) {
		s2 := s.Clone()
		s2.AddInterface(&Interface{ID: "eni-2", SubnetID: "subnet-1", Groups: []string{"sg-gone"}, Private: []netip.Addr{addr("10.0.0.6")}})
		check(t, s2, pkt("eni-2", "203.0.113.9", 40000, "10.0.0.6", 443, 6, A),
			want{dir: Ingress, expected: N, naclRule: "100", naclAllow: true, reason: []string{"Could not decide: security group sg-gone not loaded", "rule 100 allows it"}})
	})
}

func TestExplainMissingData(t *testing.T) {
	s := demoSnapshot()
	A := model.ActionAccept
	t.Run("interface not loaded", func(t *testing.T) {
		check(t, s, pkt("eni-unknown", "1.2.3.4", 1, "10.0.1.10", 443, 6, A),
			want{expected: model.ActionNone, reason: []string{"interface eni-unknown not loaded", "no flow-direction"}})
	})
	t.Run("interface not loaded but the record names its subnet and direction", func(t *testing.T) {
		p := pkt("eni-unknown", "45.155.205.3", 40000, "10.0.1.77", 22, 6, model.ActionReject)
		p.Subnet, p.Direction = "subnet-public", Ingress
		// The NACL denies first on ingress, so the missing groups do not matter.
		check(t, s, p, want{dir: Ingress, expected: model.ActionReject, consistent: "yes", decidedBy: "nacl", naclRule: "150"})
		p.DstPort = 443
		check(t, s, p, want{dir: Ingress, expected: model.ActionNone, naclRule: "100", naclAllow: true, reason: []string{"interface eni-unknown not loaded"}})
	})
	t.Run("subnet acl not loaded", func(t *testing.T) {
		s2 := s.Clone()
		s2.AddInterface(&Interface{ID: "eni-x", SubnetID: "subnet-x", Groups: []string{"sg-web"}, Private: []netip.Addr{addr("10.0.9.9")}})
		check(t, s2, pkt("eni-x", "1.2.3.4", 40000, "10.0.9.9", 443, 6, A), want{dir: Ingress, expected: model.ActionNone, sgAllowed: true,
			reason: []string{"network ACL of subnet subnet-x not loaded"}})
	})
	t.Run("NODATA", func(t *testing.T) {
		v := s.Explain(Packet{Interface: "eni-web", Status: model.StatusNoData, Proto: -1})
		if v.Decided() || !strings.Contains(v.Reason, "NODATA") {
			t.Errorf("NODATA verdict = %+v", v)
		}
	})
	t.Run("neither address is the interface's", func(t *testing.T) {
		check(t, s, pkt("eni-web", "1.2.3.4", 1, "5.6.7.8", 443, 6, A), want{expected: model.ActionNone, reason: []string{"neither address"}})
	})
	t.Run("BPA", func(t *testing.T) {
		p := pkt("eni-web", "203.0.113.50", 40000, "10.0.1.10", 443, 6, model.ActionReject)
		p.RejectReason = "BPA"
		v := s.Explain(p)
		if v.DecidedBy != "bpa" || v.Expected != model.ActionReject || !strings.Contains(v.Reason, "Block Public Access") {
			t.Errorf("BPA verdict = %+v", v)
		}
	})
}

func TestFromFlow(t *testing.T) {
	names := model.NewInterner()
	f, err := model.ParseFormat("version interface-id subnet-id srcaddr dstaddr srcport dstport protocol action log-status tcp-flags flow-direction pkt-dstaddr")
	if err != nil {
		t.Fatal(err)
	}
	p := model.NewParser(f, names)
	var fl model.Flow
	var x model.Ext
	if err := p.Parse([]byte("5 eni-nat subnet-public 10.0.2.20 10.0.1.100 40000 443 6 ACCEPT OK 18 ingress 52.94.133.131"), &fl, &x); err != nil {
		t.Fatal(err)
	}
	pk := FromFlow(&fl, &x, names)
	if pk.Interface != "eni-nat" || pk.Subnet != "subnet-public" || pk.Direction != Ingress || pk.Proto != 6 ||
		pk.SrcPort != 40000 || pk.DstPort != 443 || !pk.HasFlags || pk.Flags != 18 || pk.dst() != addr("52.94.133.131") ||
		pk.Logged != model.ActionAccept || pk.ICMPType != -1 {
		t.Errorf("FromFlow = %+v", pk)
	}
	v := demoSnapshot().Explain(pk)
	if v.Expected != model.ActionAccept || v.NACL.Rule() != "100" {
		t.Errorf("verdict = %+v", v)
	}
}

func BenchmarkExplain(b *testing.B) {
	s := demoSnapshot()
	ps := []Packet{
		withFlags(pkt("eni-web", "203.0.113.50", 40000, "10.0.1.10", 443, 6, model.ActionAccept), 2),
		pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 20001, 6, model.ActionReject),
		pkt("eni-web", "10.0.1.10", 0, "203.0.113.12", 0, 1, model.ActionReject),
		pkt("eni-bastion", "198.51.100.7", 50000, "10.0.1.50", 22, 6, model.ActionReject),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v := s.Explain(ps[i%len(ps)])
		if v.Expected == model.ActionNone {
			b.Fatal(v.Reason)
		}
	}
}

// FuzzExplain throws arbitrary records at the demo topology: every verdict
// must be decided or say what is missing, and never panic.
func FuzzExplain(f *testing.F) {
	f.Add("eni-web", []byte{203, 0, 113, 12}, []byte{10, 0, 1, 10}, 0, 0, 1, uint8(0), true, uint8(1))
	f.Add("eni-db", []byte{10, 0, 3, 30}, []byte{10, 0, 2, 20}, 5432, 20001, 6, uint8(18), true, uint8(2))
	f.Add("eni-nat", []byte{0x26, 0, 0x1f, 0x18, 0x4a, 0x1c, 0x7e, 1, 0, 0, 0, 0, 0, 0, 0, 0x10}, []byte{10, 0, 1, 100}, -1, 70000, 300, uint8(255), false, uint8(0))
	s := demoSnapshot()
	f.Fuzz(func(t *testing.T, iface string, src, dst []byte, sport, dport, proto int, flags uint8, hasFlags bool, dir uint8) {
		a, ok1 := netip.AddrFromSlice(src)
		b, ok2 := netip.AddrFromSlice(dst)
		if !ok1 || !ok2 {
			return
		}
		p := Packet{Interface: iface, Src: a, Dst: b, SrcPort: sport, DstPort: dport, Proto: proto, Flags: flags, HasFlags: hasFlags,
			ICMPType: -1, ICMPCode: -1, Direction: Direction(dir % 3), Logged: model.ActionAccept, Status: model.StatusOK}
		v := s.Explain(p)
		if !v.Decided() && !strings.Contains(v.Reason, "Could not decide") {
			t.Fatalf("undecided verdict without saying why: %q", v.Reason)
		}
		if v.Reason == "" {
			t.Fatal("no reason")
		}
	})
}

// A record without interface-id: what is missing and why no rule can be
// checked, word for word, for a Transit Gateway record read from the
// TGW fixture, for a VPC record whose format lacks the interface and
// subnet, and for one that names its subnet (whose network ACL is still
// checked).
func TestExplainWithoutInterface(t *testing.T) {
	s := demoSnapshot()
	b, err := os.ReadFile("../../testdata/tgw/tgw-default.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	names := model.NewInterner()
	format, err := model.ParseFormat(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	var fl model.Flow
	var x model.Ext
	if err := model.NewParser(format, names).Parse([]byte(lines[1]), &fl, &x); err != nil {
		t.Fatal(err)
	}
	tgw := FromFlow(&fl, &x, names)
	if !tgw.TransitGateway || tgw.Interface != "" {
		t.Fatalf("the TGW record reads as %+v", tgw)
	}
	const tgwReason = "Could not decide: a Transit Gateway record names no interface and logs no action (it records what crossed the transit gateway or was lost there, in packets-lost-*), so there are no security groups or network ACL to check it against."
	const vpcReason = "Could not decide: the record has no interface-id (its format does not carry it), so there are no security groups or network ACL to check it against."
	noIface := pkt("", "45.155.205.3", 40000, "10.0.1.77", 443, 6, model.ActionAccept)
	noIface.Direction = Ingress
	withSubnet := noIface
	withSubnet.Subnet = "subnet-public"
	for _, c := range []struct {
		name            string
		p               Packet
		reason, missing string
	}{
		{"transit gateway", tgw, tgwReason, "a Transit Gateway record names no interface"},
		{"no interface-id or subnet-id", noIface, vpcReason, "the record has no interface-id or subnet-id"},
		{"subnet-id only", withSubnet,
			"Could not decide: the record has no interface-id, so its security groups are unknown (network ACL acl-public (public-nacl) inbound rule 100 allows it).",
			"the record has no interface-id, so its security groups are unknown"},
	} {
		v := s.Explain(c.p)
		if v.Reason != c.reason || len(v.Missing) != 1 || v.Missing[0] != c.missing || v.Decided() {
			t.Errorf("%s:\n reason %q\n   want %q\nmissing %q, want [%q]", c.name, v.Reason, c.reason, v.Missing, c.missing)
		}
		if c.p.Subnet == "" {
			if r := NoInterfaceReason(c.p); r != c.reason {
				t.Errorf("%s: NoInterfaceReason %q", c.name, r)
			}
		}
	}
}
