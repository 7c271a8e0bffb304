package awstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/flowtail/flowtail/model/rules"
)

// ec2Namespace is the XML namespace of EC2 query responses.
const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// EC2 is a wire-level fake of the EC2 query API operations the rule
// inspector calls (DescribeNetworkInterfaces, DescribeSecurityGroups,
// DescribeNetworkAcls, DescribeSubnets, DescribeManagedPrefixLists,
// GetManagedPrefixListEntries), serving the contents of a rules.Snapshot.
// Mount it on a Server (s.Mount(ec2)) or serve it on its own.
type EC2 struct {
	mu       sync.Mutex
	snap     *rules.Snapshot
	denied   map[string]bool // IAM action (ec2:DescribeNetworkAcls) -> denied
	throttle map[string]int  // operation -> calls left to throttle
	hang     map[string]int  // operation -> calls left that get no answer
	calls    map[string]int
	pageSize int
	seq      int
}

// NewEC2 returns a fake serving snap.
func NewEC2(snap *rules.Snapshot) *EC2 {
	return &EC2{snap: snap, denied: map[string]bool{}, throttle: map[string]int{}, hang: map[string]int{}, calls: map[string]int{}, pageSize: 1000}
}

// SetSnapshot replaces what the fake serves (rules changed in the account).
func (e *EC2) SetSnapshot(snap *rules.Snapshot) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.snap = snap
}

// SetPageSize makes Describe calls answer at most n items per page.
func (e *EC2) SetPageSize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pageSize = n
}

// Deny makes every call of op answer UnauthorizedOperation, naming the IAM
// action ec2:<op> as the service does.
func (e *EC2) Deny(op string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.denied[op] = true
}

// Allow undoes Deny.
func (e *EC2) Allow(op string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.denied, op)
}

// Throttle makes the next n calls of op answer RequestLimitExceeded.
func (e *EC2) Throttle(op string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttle[op] += n
}

// Hang makes the next n calls of op get no answer until the client gives
// up or the server closes.
func (e *EC2) Hang(op string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hang[op] += n
}

// Calls is how many requests reached op, faults included.
func (e *EC2) Calls(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[op]
}

func (e *EC2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.writeError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	op := r.PostForm.Get("Action")
	if r.Method != http.MethodPost || op == "" {
		e.writeError(w, http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action")
		return
	}
	if v := r.PostForm.Get("Version"); v != "2016-11-15" {
		e.writeError(w, http.StatusBadRequest, "InvalidParameterValue", "unsupported Version "+v)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		e.writeError(w, http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
		return
	}
	e.mu.Lock()
	e.calls[op]++
	denied := e.denied[op]
	throttled := e.throttle[op] > 0
	if throttled {
		e.throttle[op]--
	}
	hang := e.hang[op] > 0
	if hang {
		e.hang[op]--
	}
	snap, pageSize := e.snap, e.pageSize
	e.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	if throttled {
		e.writeError(w, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
		return
	}
	if denied {
		e.writeError(w, http.StatusForbidden, "UnauthorizedOperation", fmt.Sprintf(
			"You are not authorized to perform this operation. User: arn:aws:sts::%s:assumed-role/readonly/flowtail is not authorized to perform: ec2:%s because no identity-based policy allows the ec2:%s action. Encoded authorization failure message: AbCdEf0123",
			Account, op, op))
		return
	}
	q := r.PostForm
	var body any
	switch op {
	case "DescribeNetworkInterfaces":
		body = e.describeInterfaces(snap, q, pageSize)
	case "DescribeSecurityGroups":
		body = e.describeGroups(snap, q, pageSize)
	case "DescribeNetworkAcls":
		body = e.describeACLs(snap, q, pageSize)
	case "DescribeSubnets":
		body = e.describeSubnets(snap, q, pageSize)
	case "DescribeManagedPrefixLists":
		body = e.describePrefixLists(snap, q, pageSize)
	case "GetManagedPrefixListEntries":
		id := q.Get("PrefixListId")
		pl, ok := snap.PrefixLists[id]
		if !ok || !pl.Entries {
			e.writeError(w, http.StatusBadRequest, "InvalidPrefixListID.NotFound", fmt.Sprintf("The prefix list ID '%s' does not exist", id))
			return
		}
		body = e.prefixListEntries(pl, q, pageSize)
	default:
		e.writeError(w, http.StatusBadRequest, "InvalidAction", "The action "+op+" is not valid for this web service.")
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	_ = enc.Encode(body)
}

func (e *EC2) requestID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("7a62c49f-347e-4fc4-9331-%012d", e.seq)
}

func (e *EC2) writeError(w http.ResponseWriter, status int, code, msg string) {
	type xErr struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	type xResp struct {
		XMLName   xml.Name `xml:"Response"`
		Errors    []xErr   `xml:"Errors>Error"`
		RequestID string   `xml:"RequestID"`
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(xResp{Errors: []xErr{{code, msg}}, RequestID: e.requestID()})
}

// filters reads Filter.N.Name / Filter.N.Value.M and the ID.N list
// parameter named listKey into name -> accepted values.
func filters(q url.Values, listKey, listFilter string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for n := 1; ; n++ {
		name := q.Get(fmt.Sprintf("Filter.%d.Name", n))
		if name == "" {
			break
		}
		vals := map[string]bool{}
		for m := 1; ; m++ {
			v, ok := q[fmt.Sprintf("Filter.%d.Value.%d", n, m)]
			if !ok {
				break
			}
			vals[v[0]] = true
		}
		out[name] = vals
	}
	if listKey != "" {
		vals := map[string]bool{}
		for m := 1; ; m++ {
			v, ok := q[fmt.Sprintf("%s.%d", listKey, m)]
			if !ok {
				break
			}
			vals[v[0]] = true
		}
		if len(vals) > 0 {
			out[listFilter] = vals
		}
	}
	return out
}

// match reports whether any of an object's values for each filter is accepted.
func match(f map[string]map[string]bool, values map[string][]string) bool {
	for name, accepted := range f {
		ok := false
		for _, v := range values[name] {
			if accepted[v] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// page cuts ids (sorted) to one page after NextToken.
func page(ids []string, q url.Values, pageSize int) ([]string, string) {
	sort.Strings(ids)
	start := 0
	if tok := q.Get("NextToken"); tok != "" {
		start, _ = strconv.Atoi(tok)
	}
	if n, err := strconv.Atoi(q.Get("MaxResults")); err == nil && n > 0 && n < pageSize {
		pageSize = n
	}
	if start > len(ids) {
		start = len(ids)
	}
	end := min(start+pageSize, len(ids))
	next := ""
	if end < len(ids) {
		next = strconv.Itoa(end)
	}
	return ids[start:end], next
}

// matchingPage is the ids of the objects that pass the request's filters,
// cut to one page. Every object answers the filter idFilter (also fed by
// the idList.N parameters) with its own id; values gives its other
// filterable attributes.
func matchingPage[T any](objects map[string]T, q url.Values, pageSize int, idList, idFilter string, values func(T) map[string][]string) ([]string, string) {
	f := filters(q, idList, idFilter)
	var ids []string
	for id, o := range objects {
		v := values(o)
		v[idFilter] = []string{id}
		if match(f, v) {
			ids = append(ids, id)
		}
	}
	return page(ids, q, pageSize)
}

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
