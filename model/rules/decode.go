package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ErrNotRules means a document is valid JSON but none of the shapes that
// `aws ec2 describe-*` prints.
var ErrNotRules = errors.New("not the output of aws ec2 describe-network-interfaces, describe-security-groups, describe-security-group-rules, describe-network-acls, describe-subnets, describe-managed-prefix-lists or get-managed-prefix-list-entries")

// The top-level keys by which a document is recognised.
const (
	KeyInterfaces  = "NetworkInterfaces"
	KeyGroups      = "SecurityGroups"
	KeyACLs        = "NetworkAcls"
	KeyPrefixLists = "PrefixLists"
	KeyEntries     = "Entries"
	KeySubnets     = "Subnets"
	KeyGroupRules  = "SecurityGroupRules"
)

type jsonTag struct{ Key, Value string }

type jsonInterface struct {
	NetworkInterfaceId string
	SubnetId           string
	VpcId              string
	InterfaceType      string
	Description        string
	RequesterManaged   bool
	PrivateIpAddress   string
	PrivateIpAddresses []struct {
		PrivateIpAddress string
		Primary          bool
		Association      *struct{ PublicIp string }
	}
	Ipv6Addresses []struct{ Ipv6Address string }
	Association   *struct{ PublicIp string }
	Attachment    *struct{ InstanceId string }
	Groups        []struct{ GroupId, GroupName string }
	TagSet        []jsonTag
}

type jsonPermission struct {
	IpProtocol string
	FromPort   *int
	ToPort     *int
	IpRanges   []struct{ CidrIp, Description string }
	Ipv6Ranges []struct{ CidrIpv6, Description string }
	PrefixList []struct{ PrefixListId, Description string }    `json:"PrefixListIds"`
	GroupPairs []struct{ GroupId, UserId, Description string } `json:"UserIdGroupPairs"`
}

type jsonGroup struct {
	GroupId             string
	GroupName           string
	Description         string
	OwnerId             string
	VpcId               string
	IpPermissions       []jsonPermission
	IpPermissionsEgress []jsonPermission
}

type jsonACL struct {
	NetworkAclId string
	VpcId        string
	IsDefault    bool
	Tags         []jsonTag
	Associations []struct{ NetworkAclId, SubnetId string }
	Entries      []struct {
		RuleNumber    int
		Protocol      string
		RuleAction    string
		Egress        bool
		CidrBlock     string
		Ipv6CidrBlock string
		PortRange     *struct{ From, To int }
		IcmpTypeCode  *struct{ Type, Code int }
	}
}

type jsonPrefixList struct {
	PrefixListId   string
	PrefixListName string
	AddressFamily  string
	// Entries is not part of DescribeManagedPrefixLists; it is accepted so
	// a list and its entries can be saved in one file.
	Entries []jsonEntry
}

type jsonEntry struct{ Cidr, Description string }

type jsonSubnet struct {
	SubnetId                    string
	VpcId                       string
	CidrBlock                   string
	Ipv6CidrBlockAssociationSet []struct{ Ipv6CidrBlock string }
}

type jsonDoc struct {
	NetworkInterfaces  []jsonInterface
	SecurityGroups     []jsonGroup
	NetworkAcls        []jsonACL
	PrefixLists        []jsonPrefixList
	Entries            []jsonEntry
	Subnets            []jsonSubnet
	SecurityGroupRules []jsonGroupRule
}

// jsonGroupRule is one rule of describe-security-group-rules, the flat
// alternative to the permissions inside describe-security-groups.
type jsonGroupRule struct {
	GroupId             string
	IsEgress            bool
	IpProtocol          string
	FromPort            *int
	ToPort              *int
	CidrIpv4            string
	CidrIpv6            string
	PrefixListId        string
	ReferencedGroupInfo *struct{ GroupId string }
	Description         string
}

var prefixListInName = regexp.MustCompile(`pl-[0-9a-zA-Z]+`)

// Decode reads the JSON printed by `aws ec2 describe-*` commands (one
// document, or several appended to one file) and returns what it holds
// and the top-level keys it was recognised by. name is the file name:
// get-managed-prefix-list-entries prints no list id, so its output is
// accepted only when the file name contains the pl-… id.
func Decode(data []byte, name string) (*Snapshot, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	s := NewSnapshot()
	var found []string
	for n := 1; ; n++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			if n == 1 {
				return nil, nil, fmt.Errorf("rules: %s: empty file: %w", name, ErrNotRules)
			}
			return s, found, nil
		}
		label := name
		if n > 1 {
			label = fmt.Sprintf("%s (document %d)", name, n)
		}
		if err != nil {
			return nil, found, fmt.Errorf("rules: %s: invalid JSON: %w", label, err)
		}
		one, keys, err := decodeDocument(raw, label, name)
		if err != nil {
			return nil, found, err
		}
		s.Merge(one)
		for _, k := range keys {
			if !slices.Contains(found, k) {
				found = append(found, k)
			}
		}
	}
}

// decodeDocument reads one top-level object; label names it in errors.
func decodeDocument(data []byte, label, name string) (*Snapshot, []string, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, nil, fmt.Errorf("rules: %s: invalid JSON: %w", label, err)
	}
	var found []string
	for _, k := range []string{KeyInterfaces, KeyGroups, KeyACLs, KeyPrefixLists, KeyEntries, KeySubnets, KeyGroupRules} {
		if _, ok := keys[k]; ok {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, nil, fmt.Errorf("rules: %s: empty object: %w", label, ErrNotRules)
		}
		return nil, nil, fmt.Errorf("rules: %s: top-level keys %s: %w", label, strings.Join(names, ", "), ErrNotRules)
	}
	var doc jsonDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, found, fmt.Errorf("rules: %s: %w", label, err)
	}
	s := NewSnapshot()
	for i := range doc.NetworkInterfaces {
		iface, err := doc.NetworkInterfaces[i].convert()
		if err != nil {
			return nil, found, fmt.Errorf("rules: %s: %w", label, err)
		}
		s.AddInterface(iface)
	}
	for i := range doc.SecurityGroups {
		g, err := doc.SecurityGroups[i].convert()
		if err != nil {
			return nil, found, fmt.Errorf("rules: %s: %w", label, err)
		}
		s.AddGroup(g)
	}
	for i := range doc.NetworkAcls {
		a, err := doc.NetworkAcls[i].convert()
		if err != nil {
			return nil, found, fmt.Errorf("rules: %s: %w", label, err)
		}
		s.AddACL(a)
	}
	for _, jp := range doc.PrefixLists {
		p := &PrefixList{ID: jp.PrefixListId, Name: jp.PrefixListName, Family: jp.AddressFamily}
		if p.ID == "" {
			return nil, found, fmt.Errorf("rules: %s: a prefix list has no PrefixListId", label)
		}
		if jp.Entries != nil {
			cidrs, err := entryCIDRs(jp.Entries)
			if err != nil {
				return nil, found, fmt.Errorf("rules: %s: prefix list %s: %w", label, p.ID, err)
			}
			p.CIDRs, p.Entries = cidrs, true
		}
		s.AddPrefixList(p)
	}
	if _, ok := keys[KeyEntries]; ok {
		id := prefixListInName.FindString(name)
		if id == "" {
			return nil, found, fmt.Errorf("rules: %s: prefix list entries without a list id: save get-managed-prefix-list-entries output in a file named after the list, e.g. pl-0123456789abcdef0.json", label)
		}
		cidrs, err := entryCIDRs(doc.Entries)
		if err != nil {
			return nil, found, fmt.Errorf("rules: %s: prefix list %s: %w", label, id, err)
		}
		s.AddPrefixList(&PrefixList{ID: id, CIDRs: cidrs, Entries: true})
	}
	if len(doc.SecurityGroupRules) > 0 {
		groups, err := convertGroupRules(doc.SecurityGroupRules)
		if err != nil {
			return nil, found, fmt.Errorf("rules: %s: %w", label, err)
		}
		for _, g := range groups {
			s.AddGroup(g)
		}
	}
	for _, js := range doc.Subnets {
		sub := &Subnet{ID: js.SubnetId, VPCID: js.VpcId}
		if js.CidrBlock != "" {
			p, err := netip.ParsePrefix(js.CidrBlock)
			if err != nil {
				return nil, found, fmt.Errorf("rules: %s: subnet %s: CidrBlock %q: %w", label, js.SubnetId, js.CidrBlock, err)
			}
			sub.CIDRs = append(sub.CIDRs, p)
		}
		for _, a := range js.Ipv6CidrBlockAssociationSet {
			p, err := netip.ParsePrefix(a.Ipv6CidrBlock)
			if err != nil {
				return nil, found, fmt.Errorf("rules: %s: subnet %s: Ipv6CidrBlock %q: %w", label, js.SubnetId, a.Ipv6CidrBlock, err)
			}
			sub.CIDRs = append(sub.CIDRs, p)
		}
		s.AddSubnet(sub)
	}
	return s, found, nil
}

func entryCIDRs(es []jsonEntry) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(es))
	for _, e := range es {
		p, err := netip.ParsePrefix(e.Cidr)
		if err != nil {
			return nil, fmt.Errorf("Cidr %q: %w", e.Cidr, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (j *jsonInterface) convert() (*Interface, error) {
	if j.NetworkInterfaceId == "" {
		return nil, errors.New("a network interface has no NetworkInterfaceId")
	}
	i := &Interface{
		ID: j.NetworkInterfaceId, SubnetID: j.SubnetId, VPCID: j.VpcId, Type: j.InterfaceType,
		Description: j.Description, RequesterManaged: j.RequesterManaged,
	}
	if j.Attachment != nil {
		i.InstanceID = j.Attachment.InstanceId
	}
	addPrivate := func(s string) error {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("interface %s: address %q: %w", i.ID, s, err)
		}
		for _, have := range i.Private {
			if have == a {
				return nil
			}
		}
		i.Private = append(i.Private, a)
		return nil
	}
	addPublic := func(s string) error {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("interface %s: public address %q: %w", i.ID, s, err)
		}
		for _, have := range i.Public {
			if have == a {
				return nil
			}
		}
		i.Public = append(i.Public, a)
		return nil
	}
	if j.PrivateIpAddress != "" {
		if err := addPrivate(j.PrivateIpAddress); err != nil {
			return nil, err
		}
	}
	for _, p := range j.PrivateIpAddresses {
		if err := addPrivate(p.PrivateIpAddress); err != nil {
			return nil, err
		}
		if p.Association != nil && p.Association.PublicIp != "" {
			if err := addPublic(p.Association.PublicIp); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range j.Ipv6Addresses {
		if err := addPrivate(p.Ipv6Address); err != nil {
			return nil, err
		}
	}
	if j.Association != nil && j.Association.PublicIp != "" {
		if err := addPublic(j.Association.PublicIp); err != nil {
			return nil, err
		}
	}
	for _, g := range j.Groups {
		i.Groups = append(i.Groups, g.GroupId)
	}
	i.Tags = tags(j.TagSet)
	return i, nil
}

func tags(ts []jsonTag) map[string]string {
	if len(ts) == 0 {
		return nil
	}
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return m
}

func (j *jsonGroup) convert() (*SecurityGroup, error) {
	if j.GroupId == "" {
		return nil, errors.New("a security group has no GroupId")
	}
	g := &SecurityGroup{ID: j.GroupId, Name: j.GroupName, Description: j.Description, VPCID: j.VpcId, OwnerID: j.OwnerId}
	var err error
	if g.Ingress, err = convertPermissions(j.IpPermissions); err != nil {
		return nil, fmt.Errorf("security group %s inbound: %w", g.ID, err)
	}
	if g.Egress, err = convertPermissions(j.IpPermissionsEgress); err != nil {
		return nil, fmt.Errorf("security group %s outbound: %w", g.ID, err)
	}
	return g, nil
}

// convertGroupRules gathers flat rules into groups, one permission per rule,
// in the order listed. The groups carry no name: describe-security-groups,
// when also loaded, wins over them.
func convertGroupRules(rs []jsonGroupRule) ([]*SecurityGroup, error) {
	var order []*SecurityGroup
	byID := map[string]*SecurityGroup{}
	for n, r := range rs {
		if r.GroupId == "" {
			return nil, fmt.Errorf("security group rule %d has no GroupId", n+1)
		}
		g, ok := byID[r.GroupId]
		if !ok {
			g = &SecurityGroup{ID: r.GroupId, FromRules: true}
			byID[r.GroupId] = g
			order = append(order, g)
		}
		proto, err := ParseProtocol(r.IpProtocol)
		if err != nil {
			return nil, fmt.Errorf("security group %s rule %d: %w", r.GroupId, n+1, err)
		}
		p := Permission{Protocol: proto, From: -1, To: -1}
		if r.FromPort != nil {
			p.From = *r.FromPort
		}
		if r.ToPort != nil {
			p.To = *r.ToPort
		}
		switch {
		case r.CidrIpv4 != "" || r.CidrIpv6 != "":
			c := r.CidrIpv4
			if c == "" {
				c = r.CidrIpv6
			}
			pre, err := netip.ParsePrefix(c)
			if err != nil {
				return nil, fmt.Errorf("security group %s rule %d: CIDR %q: %w", r.GroupId, n+1, c, err)
			}
			p.Peers = []Peer{{Kind: PeerCIDR, Prefix: pre.Masked(), Description: r.Description}}
		case r.PrefixListId != "":
			p.Peers = []Peer{{Kind: PeerPrefixList, ID: r.PrefixListId, Description: r.Description}}
		case r.ReferencedGroupInfo != nil && r.ReferencedGroupInfo.GroupId != "":
			p.Peers = []Peer{{Kind: PeerGroup, ID: r.ReferencedGroupInfo.GroupId, Description: r.Description}}
		default:
			return nil, fmt.Errorf("security group %s rule %d names no CIDR, prefix list or group", r.GroupId, n+1)
		}
		if r.IsEgress {
			g.Egress = append(g.Egress, p)
		} else {
			g.Ingress = append(g.Ingress, p)
		}
	}
	return order, nil
}

func convertPermissions(js []jsonPermission) ([]Permission, error) {
	out := make([]Permission, 0, len(js))
	for n, jp := range js {
		proto, err := ParseProtocol(jp.IpProtocol)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", n+1, err)
		}
		p := Permission{Protocol: proto, From: -1, To: -1}
		if jp.FromPort != nil {
			p.From = *jp.FromPort
		}
		if jp.ToPort != nil {
			p.To = *jp.ToPort
		}
		for _, r := range jp.IpRanges {
			pre, err := netip.ParsePrefix(r.CidrIp)
			if err != nil {
				return nil, fmt.Errorf("rule %d: CidrIp %q: %w", n+1, r.CidrIp, err)
			}
			p.Peers = append(p.Peers, Peer{Kind: PeerCIDR, Prefix: pre.Masked(), Description: r.Description})
		}
		for _, r := range jp.Ipv6Ranges {
			pre, err := netip.ParsePrefix(r.CidrIpv6)
			if err != nil {
				return nil, fmt.Errorf("rule %d: CidrIpv6 %q: %w", n+1, r.CidrIpv6, err)
			}
			p.Peers = append(p.Peers, Peer{Kind: PeerCIDR, Prefix: pre.Masked(), Description: r.Description})
		}
		for _, r := range jp.PrefixList {
			p.Peers = append(p.Peers, Peer{Kind: PeerPrefixList, ID: r.PrefixListId, Description: r.Description})
		}
		for _, r := range jp.GroupPairs {
			p.Peers = append(p.Peers, Peer{Kind: PeerGroup, ID: r.GroupId, Description: r.Description})
		}
		out = append(out, p)
	}
	return out, nil
}

func (j *jsonACL) convert() (*NetworkACL, error) {
	if j.NetworkAclId == "" {
		return nil, errors.New("a network ACL has no NetworkAclId")
	}
	a := &NetworkACL{ID: j.NetworkAclId, VPCID: j.VpcId, IsDefault: j.IsDefault, Name: tags(j.Tags)["Name"]}
	for _, as := range j.Associations {
		a.Subnets = append(a.Subnets, as.SubnetId)
	}
	for _, je := range j.Entries {
		proto, err := ParseProtocol(je.Protocol)
		if err != nil {
			return nil, fmt.Errorf("network ACL %s rule %d: %w", a.ID, je.RuleNumber, err)
		}
		e := ACLEntry{Rule: je.RuleNumber, Protocol: proto, Egress: je.Egress}
		switch strings.ToLower(je.RuleAction) {
		case "allow":
			e.Allow = true
		case "deny":
		default:
			return nil, fmt.Errorf("network ACL %s rule %d: RuleAction %q is neither allow nor deny", a.ID, je.RuleNumber, je.RuleAction)
		}
		cidr := je.CidrBlock
		if cidr == "" {
			cidr = je.Ipv6CidrBlock
		}
		pre, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, fmt.Errorf("network ACL %s rule %d: CIDR %q: %w", a.ID, je.RuleNumber, cidr, err)
		}
		e.CIDR = pre.Masked()
		if je.PortRange != nil {
			e.HasPorts, e.PortFrom, e.PortTo = true, je.PortRange.From, je.PortRange.To
		}
		if je.IcmpTypeCode != nil {
			e.HasICMP, e.ICMPType, e.ICMPCode = true, je.IcmpTypeCode.Type, je.IcmpTypeCode.Code
		}
		if e.Egress {
			a.Outbound = append(a.Outbound, e)
		} else {
			a.Inbound = append(a.Inbound, e)
		}
	}
	return a, nil
}

// ruleProtocols are the protocols EC2 rules name rather than number.
var ruleProtocols = [...]struct {
	num  int
	name string
}{{6, "tcp"}, {17, "udp"}, {1, "icmp"}, {58, "icmpv6"}}

func ruleProtocolName(p int) (string, bool) {
	for _, rp := range ruleProtocols {
		if rp.num == p {
			return rp.name, true
		}
	}
	return "", false
}

// ProtocolText is a protocol as EC2 writes it in a rule: a name (tcp, udp,
// icmp, icmpv6), else the number, -1 for all protocols. ParseProtocol
// reads it back.
func ProtocolText(p int) string {
	if name, ok := ruleProtocolName(p); ok {
		return name
	}
	return strconv.Itoa(p)
}

// ParseProtocol reads an IpProtocol or NACL Protocol value: a name (tcp,
// udp, icmp, icmpv6, all), a number, or -1 for all protocols.
func ParseProtocol(s string) (int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "all" {
		return -1, nil
	}
	for _, rp := range ruleProtocols {
		if rp.name == t {
			return rp.num, nil
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < -1 || n > 255 {
		return 0, fmt.Errorf("protocol %q is not a name, a number 0-255 or -1", s)
	}
	return n, nil
}
