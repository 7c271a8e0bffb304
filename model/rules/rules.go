// Package rules holds the security groups, network ACLs, interfaces and
// prefix lists of a VPC and evaluates a flow against them, so a logged
// ACCEPT or REJECT can be explained by the rule that decided it. It does no
// I/O beyond decoding bytes it is handed.
package rules

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
)

// Interface is one elastic network interface as DescribeNetworkInterfaces
// reports it.
type Interface struct {
	ID               string
	SubnetID         string
	VPCID            string
	Type             string // interface, natGateway, vpc_endpoint, ...
	Description      string
	InstanceID       string
	RequesterManaged bool
	Private          []netip.Addr // private IPv4 (primary first) and IPv6
	Public           []netip.Addr
	Groups           []string // security group ids
	Tags             map[string]string
}

// Name is the Name tag, or "" when it has none.
func (i *Interface) Name() string { return i.Tags["Name"] }

// PeerKind says what a security group rule's source or destination is.
type PeerKind uint8

const (
	PeerCIDR       PeerKind = iota // an IPv4 or IPv6 CIDR
	PeerPrefixList                 // a managed prefix list pl-…
	PeerGroup                      // a security group sg-…
)

// Peer is one source (inbound) or destination (outbound) of a rule.
type Peer struct {
	Kind        PeerKind
	Prefix      netip.Prefix // PeerCIDR
	ID          string       // PeerPrefixList, PeerGroup
	Description string
}

func (p Peer) String() string {
	if p.Kind == PeerCIDR {
		return p.Prefix.String()
	}
	return p.ID
}

// Permission is one IpPermission: a protocol and port range open to peers.
type Permission struct {
	// Protocol is the IANA number; -1 means all protocols.
	Protocol int
	// From and To are the port range for TCP and UDP, or the ICMP type and
	// code for ICMP/ICMPv6 (-1 = all). Both are -1 when not given.
	From, To int
	Peers    []Peer
}

// SecurityGroup is one group with its inbound and outbound permissions.
type SecurityGroup struct {
	ID          string
	Name        string
	Description string
	VPCID       string
	OwnerID     string
	Ingress     []Permission
	Egress      []Permission
	// FromRules marks a group built from describe-security-group-rules,
	// which lacks names; a full describe-security-groups entry wins over it.
	FromRules bool
}

// ACLEntry is one numbered network ACL rule.
type ACLEntry struct {
	Rule     int // 1..32766, or 32767 / 32768 for the final "*" rule
	Protocol int // IANA number, -1 = all
	Allow    bool
	Egress   bool
	CIDR     netip.Prefix
	// Ports is the destination port range (TCP/UDP); HasPorts false = any.
	HasPorts         bool
	PortFrom, PortTo int
	// ICMP type and code, -1 = all; HasICMP false = any.
	HasICMP            bool
	ICMPType, ICMPCode int
}

// Default reports whether this is the final "*" rule that AWS adds.
func (e *ACLEntry) Default() bool { return e.Rule >= 32767 }

// RuleLabel is the rule number as the console shows it ("*" for the final rule).
func (e *ACLEntry) RuleLabel() string {
	if e.Default() {
		return "*"
	}
	return itoa(e.Rule)
}

// NetworkACL is one network ACL with its entries sorted by rule number.
type NetworkACL struct {
	ID        string
	VPCID     string
	Name      string
	IsDefault bool
	Subnets   []string
	Inbound   []ACLEntry
	Outbound  []ACLEntry
}

// PrefixList is a managed prefix list and its CIDRs.
type PrefixList struct {
	ID      string
	Name    string
	Family  string // IPv4 / IPv6
	CIDRs   []netip.Prefix
	Entries bool // the CIDRs were loaded (DescribeManagedPrefixLists alone lists none)
}

// Subnet is the part of DescribeSubnets the engine uses: traffic that stays
// inside one subnet does not cross its network ACL.
type Subnet struct {
	ID    string
	VPCID string
	CIDRs []netip.Prefix
}

// Snapshot is everything known about a VPC's rules at one time. Build it
// with the Add methods; after that it is read-only and safe to share.
type Snapshot struct {
	Interfaces  map[string]*Interface
	Groups      map[string]*SecurityGroup
	ACLs        map[string]*NetworkACL
	PrefixLists map[string]*PrefixList
	Subnets     map[string]*Subnet

	subnetACL map[string]string         // subnet id → acl id
	owner     map[netip.Addr]*Interface // private address → interface
	members   map[string]map[netip.Addr]bool
}

// NewSnapshot returns an empty snapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{
		Interfaces:  map[string]*Interface{},
		Groups:      map[string]*SecurityGroup{},
		ACLs:        map[string]*NetworkACL{},
		PrefixLists: map[string]*PrefixList{},
		Subnets:     map[string]*Subnet{},
		subnetACL:   map[string]string{},
		owner:       map[netip.Addr]*Interface{},
		members:     map[string]map[netip.Addr]bool{},
	}
}

// AddInterface adds or replaces an interface.
func (s *Snapshot) AddInterface(i *Interface) {
	if old, ok := s.Interfaces[i.ID]; ok {
		for _, a := range old.Private {
			delete(s.owner, a)
			for _, g := range old.Groups {
				delete(s.members[g], a)
			}
		}
	}
	s.Interfaces[i.ID] = i
	for _, a := range i.Private {
		s.owner[a] = i
		for _, g := range i.Groups {
			m := s.members[g]
			if m == nil {
				m = map[netip.Addr]bool{}
				s.members[g] = m
			}
			m[a] = true
		}
	}
}

// AddGroup adds or replaces a security group; one read from
// describe-security-group-rules does not replace a full one.
func (s *Snapshot) AddGroup(g *SecurityGroup) {
	if old, ok := s.Groups[g.ID]; ok && g.FromRules {
		if !old.FromRules {
			return
		}
		// Rules of one group split over several pages or files add up.
		merged := *g
		merged.Ingress = slices.Concat(old.Ingress, g.Ingress)
		merged.Egress = slices.Concat(old.Egress, g.Egress)
		g = &merged
	}
	s.Groups[g.ID] = g
}

// AddACL adds or replaces a network ACL, sorting its entries by rule number.
func (s *Snapshot) AddACL(a *NetworkACL) {
	sortEntries(a.Inbound)
	sortEntries(a.Outbound)
	if old, ok := s.ACLs[a.ID]; ok {
		for _, sub := range old.Subnets {
			if s.subnetACL[sub] == a.ID {
				delete(s.subnetACL, sub)
			}
		}
	}
	s.ACLs[a.ID] = a
	for _, sub := range a.Subnets {
		s.subnetACL[sub] = a.ID
	}
}

// AddPrefixList adds a prefix list, keeping entries already loaded when the
// new value has none (DescribeManagedPrefixLists names lists without CIDRs).
func (s *Snapshot) AddPrefixList(p *PrefixList) {
	if old, ok := s.PrefixLists[p.ID]; ok {
		if !p.Entries && old.Entries {
			p.CIDRs, p.Entries = old.CIDRs, true
		}
		if p.Name == "" {
			p.Name = old.Name
		}
		if p.Family == "" {
			p.Family = old.Family
		}
	}
	s.PrefixLists[p.ID] = p
}

// AddSubnet adds or replaces a subnet.
func (s *Snapshot) AddSubnet(sub *Subnet) { s.Subnets[sub.ID] = sub }

// Merge adds everything in o to s (o's values win).
func (s *Snapshot) Merge(o *Snapshot) {
	for _, i := range sortedValues(o.Interfaces) {
		s.AddInterface(i)
	}
	for _, g := range o.Groups {
		s.AddGroup(g)
	}
	for _, a := range sortedValues(o.ACLs) {
		s.AddACL(a)
	}
	for _, p := range o.PrefixLists {
		s.AddPrefixList(p)
	}
	for _, sub := range o.Subnets {
		s.AddSubnet(sub)
	}
}

// Clone returns a copy that can be extended without changing s. The
// objects themselves are shared: they are never modified once added.
func (s *Snapshot) Clone() *Snapshot {
	c := NewSnapshot()
	c.Merge(s)
	return c
}

// ACLFor returns the network ACL associated with a subnet.
func (s *Snapshot) ACLFor(subnet string) (*NetworkACL, bool) {
	id, ok := s.subnetACL[subnet]
	if !ok {
		return nil, false
	}
	return s.ACLs[id], true
}

// Owner returns the loaded interface that has addr as a private address.
func (s *Snapshot) Owner(addr netip.Addr) (*Interface, bool) {
	i, ok := s.owner[addr.Unmap()]
	return i, ok
}

// InGroup reports whether addr is a private address of a loaded interface
// in the security group.
func (s *Snapshot) InGroup(group string, addr netip.Addr) bool {
	return s.members[group][addr.Unmap()]
}

// Empty reports whether the snapshot holds nothing at all.
func (s *Snapshot) Empty() bool {
	return len(s.Interfaces) == 0 && len(s.Groups) == 0 && len(s.ACLs) == 0 && len(s.PrefixLists) == 0 && len(s.Subnets) == 0
}

// sortEntries orders entries by rule number. Already-sorted entries (an
// ACL copied from another snapshot) are not touched, so snapshots that
// share an ACL never write to it.
func sortEntries(es []ACLEntry) {
	less := func(i, j int) bool { return es[i].Rule < es[j].Rule }
	if !sort.SliceIsSorted(es, less) {
		sort.SliceStable(es, less)
	}
}

func sortedValues[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

var itoa = strconv.Itoa
