package awstest

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/flowtail/flowtail/model/rules"
)

// response is the envelope every answer here shares:
// <ActionResponse xmlns=…><requestId/><set><item/>…</set><nextToken/></ActionResponse>.
type response[T any] struct {
	XMLName   xml.Name
	NS        string `xml:"xmlns,attr"`
	RequestID string `xml:"requestId"`
	Set       itemSet[T]
	NextToken string `xml:"nextToken,omitempty"`
}

// itemSet is an EC2 query list: <name><item>…</item>…</name>.
type itemSet[T any] struct {
	XMLName xml.Name
	Items   []T `xml:"item"`
}

// newResponse answers action with one page of items in the list element
// set; next is the token of the following page ("" on the last).
func newResponse[T any](e *EC2, action, set string, items []T, next string) response[T] {
	return response[T]{
		XMLName:   xml.Name{Local: action + "Response"},
		NS:        ec2Namespace,
		RequestID: e.requestID(),
		Set:       itemSet[T]{XMLName: xml.Name{Local: set}, Items: items},
		NextToken: next,
	}
}

type xTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func xTags(m map[string]string) []xTag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]xTag, len(keys))
	for i, k := range keys {
		out[i] = xTag{k, m[k]}
	}
	return out
}

type xPrivateIP struct {
	PrivateIPAddress string `xml:"privateIpAddress"`
	Primary          bool   `xml:"primary"`
	PublicIP         string `xml:"association>publicIp,omitempty"`
}

type xInterface struct {
	ID               string       `xml:"networkInterfaceId"`
	SubnetID         string       `xml:"subnetId"`
	VPCID            string       `xml:"vpcId"`
	Description      string       `xml:"description"`
	OwnerID          string       `xml:"ownerId"`
	RequesterManaged bool         `xml:"requesterManaged"`
	Status           string       `xml:"status"`
	PrivateIP        string       `xml:"privateIpAddress,omitempty"`
	InterfaceType    string       `xml:"interfaceType"`
	InstanceID       string       `xml:"attachment>instanceId,omitempty"`
	PublicIP         string       `xml:"association>publicIp,omitempty"`
	Groups           []xGroupID   `xml:"groupSet>item"`
	PrivateIPs       []xPrivateIP `xml:"privateIpAddressesSet>item"`
	IPv6             []xIPv6      `xml:"ipv6AddressesSet>item"`
	Tags             []xTag       `xml:"tagSet>item"`
}

// xIPv6 is an item of ipv6AddressesSet or ipv6CidrBlockAssociationSet.
type xIPv6 struct {
	Addr string `xml:"ipv6Address,omitempty"`
	CIDR string `xml:"ipv6CidrBlock,omitempty"`
}

type xGroupID struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName,omitempty"`
}

func (e *EC2) describeInterfaces(s *rules.Snapshot, q url.Values, pageSize int) any {
	ids, next := matchingPage(s.Interfaces, q, pageSize, "NetworkInterfaceId", "network-interface-id", func(i *rules.Interface) map[string][]string {
		return map[string][]string{"subnet-id": {i.SubnetID}, "vpc-id": {i.VPCID}, "group-id": i.Groups}
	})
	var set []xInterface
	for _, id := range ids {
		i := s.Interfaces[id]
		x := xInterface{ID: i.ID, SubnetID: i.SubnetID, VPCID: i.VPCID, Description: i.Description, OwnerID: Account,
			RequesterManaged: i.RequesterManaged, Status: "in-use", InterfaceType: i.Type, InstanceID: i.InstanceID, Tags: xTags(i.Tags)}
		for _, g := range i.Groups {
			name := ""
			if sg, ok := s.Groups[g]; ok {
				name = sg.Name
			}
			x.Groups = append(x.Groups, xGroupID{g, name})
		}
		for _, a := range i.Private {
			if a.Is6() {
				x.IPv6 = append(x.IPv6, xIPv6{Addr: a.String()})
				continue
			}
			pip := xPrivateIP{PrivateIPAddress: a.String(), Primary: x.PrivateIP == ""}
			if x.PrivateIP == "" {
				x.PrivateIP = a.String()
				if len(i.Public) > 0 {
					pip.PublicIP = i.Public[0].String()
					x.PublicIP = pip.PublicIP
				}
			}
			x.PrivateIPs = append(x.PrivateIPs, pip)
		}
		set = append(set, x)
	}
	return newResponse(e, "DescribeNetworkInterfaces", "networkInterfaceSet", set, next)
}

type xPermission struct {
	Protocol    string      `xml:"ipProtocol"`
	FromPort    *int        `xml:"fromPort,omitempty"`
	ToPort      *int        `xml:"toPort,omitempty"`
	Groups      []xPair     `xml:"groups>item"`
	IPRanges    []xRange    `xml:"ipRanges>item"`
	IPv6Ranges  []xRange6   `xml:"ipv6Ranges>item"`
	PrefixLists []xPrefixID `xml:"prefixListIds>item"`
}

type xPair struct {
	UserID      string `xml:"userId"`
	GroupID     string `xml:"groupId"`
	Description string `xml:"description,omitempty"`
}

type xRange struct {
	CIDR        string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type xRange6 struct {
	CIDR        string `xml:"cidrIpv6"`
	Description string `xml:"description,omitempty"`
}

type xPrefixID struct {
	ID          string `xml:"prefixListId"`
	Description string `xml:"description,omitempty"`
}

type xGroup struct {
	OwnerID     string        `xml:"ownerId"`
	GroupID     string        `xml:"groupId"`
	GroupName   string        `xml:"groupName"`
	Description string        `xml:"groupDescription"`
	VPCID       string        `xml:"vpcId"`
	Ingress     []xPermission `xml:"ipPermissions>item"`
	Egress      []xPermission `xml:"ipPermissionsEgress>item"`
}

func xPermissions(ps []rules.Permission) []xPermission {
	out := make([]xPermission, 0, len(ps))
	for _, p := range ps {
		x := xPermission{Protocol: rules.ProtocolText(p.Protocol)}
		if p.Protocol != -1 {
			from, to := p.From, p.To
			x.FromPort, x.ToPort = &from, &to
		}
		for _, peer := range p.Peers {
			switch peer.Kind {
			case rules.PeerCIDR:
				if peer.Prefix.Addr().Is4() {
					x.IPRanges = append(x.IPRanges, xRange{peer.Prefix.String(), peer.Description})
				} else {
					x.IPv6Ranges = append(x.IPv6Ranges, xRange6{peer.Prefix.String(), peer.Description})
				}
			case rules.PeerPrefixList:
				x.PrefixLists = append(x.PrefixLists, xPrefixID{peer.ID, peer.Description})
			case rules.PeerGroup:
				x.Groups = append(x.Groups, xPair{Account, peer.ID, peer.Description})
			}
		}
		out = append(out, x)
	}
	return out
}

func (e *EC2) describeGroups(s *rules.Snapshot, q url.Values, pageSize int) any {
	ids, next := matchingPage(s.Groups, q, pageSize, "GroupId", "group-id", func(g *rules.SecurityGroup) map[string][]string {
		return map[string][]string{"vpc-id": {g.VPCID}, "group-name": {g.Name}}
	})
	var set []xGroup
	for _, id := range ids {
		g := s.Groups[id]
		set = append(set, xGroup{OwnerID: Account, GroupID: g.ID, GroupName: g.Name, Description: g.Description,
			VPCID: g.VPCID, Ingress: xPermissions(g.Ingress), Egress: xPermissions(g.Egress)})
	}
	return newResponse(e, "DescribeSecurityGroups", "securityGroupInfo", set, next)
}

type xEntry struct {
	RuleNumber int            `xml:"ruleNumber"`
	Protocol   string         `xml:"protocol"`
	RuleAction string         `xml:"ruleAction"`
	Egress     bool           `xml:"egress"`
	CIDR       string         `xml:"cidrBlock,omitempty"`
	CIDR6      string         `xml:"ipv6CidrBlock,omitempty"`
	ICMP       *xICMPTypeCode `xml:"icmpTypeCode,omitempty"`
	Ports      *xPortRange    `xml:"portRange,omitempty"`
}

type xICMPTypeCode struct {
	Code int `xml:"code"`
	Type int `xml:"type"`
}

type xPortRange struct {
	From int `xml:"from"`
	To   int `xml:"to"`
}

type xACL struct {
	ID           string   `xml:"networkAclId"`
	VPCID        string   `xml:"vpcId"`
	Default      bool     `xml:"default"`
	OwnerID      string   `xml:"ownerId"`
	Entries      []xEntry `xml:"entrySet>item"`
	Associations []xAssoc `xml:"associationSet>item"`
	Tags         []xTag   `xml:"tagSet>item"`
}

type xAssoc struct {
	AssocID  string `xml:"networkAclAssociationId"`
	ACLID    string `xml:"networkAclId"`
	SubnetID string `xml:"subnetId"`
}

func (e *EC2) describeACLs(s *rules.Snapshot, q url.Values, pageSize int) any {
	ids, next := matchingPage(s.ACLs, q, pageSize, "NetworkAclId", "network-acl-id", func(a *rules.NetworkACL) map[string][]string {
		return map[string][]string{"vpc-id": {a.VPCID}, "association.subnet-id": a.Subnets}
	})
	var set []xACL
	for _, id := range ids {
		a := s.ACLs[id]
		x := xACL{ID: a.ID, VPCID: a.VPCID, Default: a.IsDefault, OwnerID: Account}
		if a.Name != "" {
			x.Tags = []xTag{{"Name", a.Name}}
		}
		for n, sub := range a.Subnets {
			x.Associations = append(x.Associations, xAssoc{fmt.Sprintf("aclassoc-%s-%d", strings.TrimPrefix(a.ID, "acl-"), n), a.ID, sub})
		}
		for _, list := range [][]rules.ACLEntry{a.Outbound, a.Inbound} {
			for _, en := range list {
				xe := xEntry{RuleNumber: en.Rule, Protocol: strconv.Itoa(en.Protocol), RuleAction: "deny", Egress: en.Egress}
				if en.Allow {
					xe.RuleAction = "allow"
				}
				if en.CIDR.Addr().Is4() {
					xe.CIDR = en.CIDR.String()
				} else {
					xe.CIDR6 = en.CIDR.String()
				}
				if en.HasPorts {
					xe.Ports = &xPortRange{en.PortFrom, en.PortTo}
				}
				if en.HasICMP {
					xe.ICMP = &xICMPTypeCode{en.ICMPCode, en.ICMPType}
				}
				x.Entries = append(x.Entries, xe)
			}
		}
		set = append(set, x)
	}
	return newResponse(e, "DescribeNetworkAcls", "networkAclSet", set, next)
}

func (e *EC2) describeSubnets(s *rules.Snapshot, q url.Values, pageSize int) any {
	ids, next := matchingPage(s.Subnets, q, pageSize, "SubnetId", "subnet-id", func(sub *rules.Subnet) map[string][]string {
		return map[string][]string{"vpc-id": {sub.VPCID}}
	})
	type xSubnet struct {
		ID    string  `xml:"subnetId"`
		VPCID string  `xml:"vpcId"`
		State string  `xml:"state"`
		CIDR  string  `xml:"cidrBlock,omitempty"`
		CIDR6 []xIPv6 `xml:"ipv6CidrBlockAssociationSet>item"`
	}
	var set []xSubnet
	for _, id := range ids {
		sub := s.Subnets[id]
		x := xSubnet{ID: sub.ID, VPCID: sub.VPCID, State: "available"}
		for _, c := range sub.CIDRs {
			if c.Addr().Is4() && x.CIDR == "" {
				x.CIDR = c.String()
			} else if c.Addr().Is6() {
				x.CIDR6 = append(x.CIDR6, xIPv6{CIDR: c.String()})
			}
		}
		set = append(set, x)
	}
	return newResponse(e, "DescribeSubnets", "subnetSet", set, next)
}

func (e *EC2) describePrefixLists(s *rules.Snapshot, q url.Values, pageSize int) any {
	ids, next := matchingPage(s.PrefixLists, q, pageSize, "PrefixListId", "prefix-list-id", func(p *rules.PrefixList) map[string][]string {
		return map[string][]string{"prefix-list-name": {p.Name}}
	})
	type xList struct {
		ID      string `xml:"prefixListId"`
		Family  string `xml:"addressFamily"`
		State   string `xml:"state"`
		ARN     string `xml:"prefixListArn"`
		Name    string `xml:"prefixListName"`
		Max     int    `xml:"maxEntries"`
		Version int    `xml:"version"`
		OwnerID string `xml:"ownerId"`
	}
	var set []xList
	for _, id := range ids {
		p := s.PrefixLists[id]
		set = append(set, xList{ID: p.ID, Family: p.Family, State: "create-complete",
			ARN: fmt.Sprintf("arn:aws:ec2:%s:%s:prefix-list/%s", Region, Account, p.ID), Name: p.Name, Max: 10, Version: 1, OwnerID: Account})
	}
	return newResponse(e, "DescribeManagedPrefixLists", "prefixListSet", set, next)
}

func (e *EC2) prefixListEntries(p *rules.PrefixList, q url.Values, pageSize int) any {
	cidrs := make([]string, len(p.CIDRs))
	for i, c := range p.CIDRs {
		cidrs[i] = c.String()
	}
	cidrs, next := page(cidrs, q, pageSize)
	type xEntryOut struct {
		CIDR string `xml:"cidr"`
	}
	set := make([]xEntryOut, len(cidrs))
	for i, c := range cidrs {
		set[i] = xEntryOut{c}
	}
	return newResponse(e, "GetManagedPrefixListEntries", "entrySet", set, next)
}
