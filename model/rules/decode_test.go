package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

const sgJSON = `{
    "SecurityGroups": [
        {
            "Description": "web servers",
            "GroupName": "web",
            "IpPermissions": [
                {"FromPort": 443, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "v6"}], "PrefixListIds": [], "ToPort": 443, "UserIdGroupPairs": []},
                {"FromPort": -1, "IpProtocol": "icmp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "ToPort": -1, "UserIdGroupPairs": []},
                {"FromPort": 22, "IpProtocol": "tcp", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [{"PrefixListId": "pl-0corp0000000000001"}], "ToPort": 22,
                 "UserIdGroupPairs": [{"GroupId": "sg-0bast555555555555", "UserId": "123456789012", "Description": "bastion"}]}
            ],
            "OwnerId": "123456789012",
            "GroupId": "sg-0web1111111111111",
            "IpPermissionsEgress": [
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
            ],
            "VpcId": "vpc-0a1b2c3d4e5f60718"
        }
    ]
}`

const aclJSON = `{
    "NetworkAcls": [
        {
            "Associations": [{"NetworkAclAssociationId": "aclassoc-1", "NetworkAclId": "acl-0f1e2d3c4b5a69788", "SubnetId": "subnet-0a11b22c33d44e551"}],
            "Entries": [
                {"CidrBlock": "0.0.0.0/0", "Egress": true, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767},
                {"Egress": true, "Ipv6CidrBlock": "::/0", "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32768},
                {"CidrBlock": "0.0.0.0/0", "Egress": false, "PortRange": {"From": 443, "To": 443}, "Protocol": "6", "RuleAction": "allow", "RuleNumber": 100},
                {"CidrBlock": "0.0.0.0/0", "Egress": false, "IcmpTypeCode": {"Code": -1, "Type": 8}, "Protocol": "1", "RuleAction": "allow", "RuleNumber": 90},
                {"CidrBlock": "0.0.0.0/0", "Egress": false, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767}
            ],
            "IsDefault": false,
            "NetworkAclId": "acl-0f1e2d3c4b5a69788",
            "Tags": [{"Key": "Name", "Value": "public-nacl"}],
            "VpcId": "vpc-0a1b2c3d4e5f60718",
            "OwnerId": "123456789012"
        }
    ]
}`

const eniJSON = `{
    "NetworkInterfaces": [
        {
            "Association": {"IpOwnerId": "amazon", "PublicDnsName": "ec2-54-210-10-10.compute-1.amazonaws.com", "PublicIp": "54.210.10.10"},
            "Attachment": {"AttachTime": "2024-01-01T00:00:00+00:00", "AttachmentId": "eni-attach-1", "DeleteOnTermination": true, "DeviceIndex": 0, "InstanceId": "i-0aaa1111111111111", "InstanceOwnerId": "123456789012", "Status": "attached"},
            "AvailabilityZone": "us-east-1a",
            "Description": "",
            "Groups": [{"GroupName": "web", "GroupId": "sg-0web1111111111111"}],
            "InterfaceType": "interface",
            "Ipv6Addresses": [{"Ipv6Address": "2600:1f18:4a1c:7e01::10"}],
            "MacAddress": "0a:1b:2c:3d:4e:5f",
            "NetworkInterfaceId": "eni-0aaa1111111111111",
            "OwnerId": "123456789012",
            "PrivateIpAddress": "10.0.1.10",
            "PrivateIpAddresses": [{"Association": {"PublicIp": "54.210.10.10"}, "Primary": true, "PrivateIpAddress": "10.0.1.10"}, {"Primary": false, "PrivateIpAddress": "10.0.1.11"}],
            "RequesterManaged": false,
            "SourceDestCheck": true,
            "Status": "in-use",
            "SubnetId": "subnet-0a11b22c33d44e551",
            "TagSet": [{"Key": "Name", "Value": "web-1"}],
            "VpcId": "vpc-0a1b2c3d4e5f60718"
        }
    ]
}`

func TestDecode(t *testing.T) {
	s, keys, err := Decode([]byte(sgJSON), "sg.json")
	if err != nil || len(keys) != 1 || keys[0] != KeyGroups {
		t.Fatalf("Decode = %v %v", keys, err)
	}
	g := s.Groups["sg-0web1111111111111"]
	if g == nil || g.Name != "web" || len(g.Ingress) != 3 || len(g.Egress) != 1 {
		t.Fatalf("group = %+v", g)
	}
	if got := PermissionText(&g.Ingress[0]); got != "tcp 443" || len(g.Ingress[0].Peers) != 2 || g.Ingress[0].Peers[1].Prefix.String() != "::/0" {
		t.Errorf("ingress[0] = %s %+v", got, g.Ingress[0])
	}
	if got := PermissionText(&g.Ingress[1]); got != "icmp all types" {
		t.Errorf("ingress[1] = %s", got)
	}
	if ps := g.Ingress[2].Peers; len(ps) != 2 || ps[0].Kind != PeerPrefixList || ps[1].Kind != PeerGroup || ps[1].ID != "sg-0bast555555555555" {
		t.Errorf("ingress[2] peers = %+v", ps)
	}
	if e := g.Egress[0]; e.Protocol != -1 || e.From != -1 || PermissionText(&e) != "all traffic" {
		t.Errorf("egress = %+v", e)
	}

	s, _, err = Decode([]byte(aclJSON), "acl.json")
	if err != nil {
		t.Fatal(err)
	}
	acl, ok := s.ACLFor("subnet-0a11b22c33d44e551")
	if !ok || acl.Name != "public-nacl" || len(acl.Inbound) != 3 || len(acl.Outbound) != 2 {
		t.Fatalf("acl = %+v", acl)
	}
	if in := acl.Inbound; in[0].Rule != 90 || in[1].Rule != 100 || in[2].RuleLabel() != "*" || !in[0].HasICMP || in[0].ICMPType != 8 || EntryText(&in[0]) != "icmp type 8" {
		t.Errorf("inbound not in rule order: %+v", in)
	}
	if out := acl.Outbound; out[1].Rule != 32768 || out[1].CIDR.String() != "::/0" {
		t.Errorf("outbound = %+v", out)
	}

	s, _, err = Decode([]byte(eniJSON), "eni.json")
	if err != nil {
		t.Fatal(err)
	}
	i := s.Interfaces["eni-0aaa1111111111111"]
	if i == nil || i.Name() != "web-1" || i.InstanceID != "i-0aaa1111111111111" || len(i.Private) != 3 || len(i.Public) != 1 || i.Groups[0] != "sg-0web1111111111111" {
		t.Fatalf("interface = %+v", i)
	}
	if o, ok := s.Owner(addr("10.0.1.11")); !ok || o != i {
		t.Error("secondary address has no owner")
	}
	if !s.InGroup("sg-0web1111111111111", addr("2600:1f18:4a1c:7e01::10")) {
		t.Error("IPv6 address not a member of its group")
	}
}

func TestDecodeAppendedDocuments(t *testing.T) {
	// `aws ec2 describe-… >> rules.json` appends one document per command.
	s, keys, err := Decode([]byte(sgJSON+"\n"+aclJSON+"\n"+eniJSON+"\n"), "rules.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || len(s.Groups) != 1 || len(s.ACLs) != 1 || len(s.Interfaces) != 1 {
		t.Errorf("keys %v: %d groups, %d acls, %d interfaces", keys, len(s.Groups), len(s.ACLs), len(s.Interfaces))
	}
	_, _, err = Decode([]byte(sgJSON+`{"Reservations": []}`), "rules.json")
	if err == nil || !strings.Contains(err.Error(), "rules.json (document 2): top-level keys Reservations") {
		t.Errorf("second document not named: %v", err)
	}
	if _, _, err := Decode(nil, "empty.json"); err == nil || !strings.Contains(err.Error(), "empty.json: empty file") {
		t.Errorf("empty file: %v", err)
	}
}

func TestDecodePrefixLists(t *testing.T) {
	s := NewSnapshot()
	lists, _, err := Decode([]byte(`{"PrefixLists": [{"PrefixListId": "pl-0corp0000000000001", "AddressFamily": "IPv4", "State": "create-complete", "PrefixListName": "corp-vpn", "MaxEntries": 10, "Version": 1, "OwnerId": "123456789012"}]}`), "lists.json")
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := Decode([]byte(`{"Entries": [{"Cidr": "198.51.100.0/24", "Description": "corp"}]}`), "dir/pl-0corp0000000000001.json")
	if err != nil {
		t.Fatal(err)
	}
	// Either order gives the named list with its entries.
	s.Merge(entries)
	s.Merge(lists)
	pl := s.PrefixLists["pl-0corp0000000000001"]
	if pl == nil || pl.Name != "corp-vpn" || !pl.Entries || len(pl.CIDRs) != 1 || pl.CIDRs[0].String() != "198.51.100.0/24" {
		t.Errorf("prefix list = %+v", pl)
	}
	if _, _, err := Decode([]byte(`{"Entries": []}`), "entries.json"); err == nil || !strings.Contains(err.Error(), "file named after the list") {
		t.Errorf("entries without an id: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"not json", `{"SecurityGroups": [`, "invalid JSON"},
		{"other shape", `{"Reservations": [], "NextToken": "x"}`, "top-level keys NextToken, Reservations"},
		{"array", `[1,2]`, "invalid JSON"},
		{"empty", `{}`, "empty object"},
		{"bad cidr", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "IpRanges": [{"CidrIp": "10.0.0/8"}]}]}]}`, `sg-1 inbound: rule 1: CidrIp "10.0.0/8"`},
		{"bad protocol", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [{"RuleNumber": 5, "Protocol": "gre", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"}]}]}`, `acl-1 rule 5: protocol "gre"`},
		{"bad action", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [{"RuleNumber": 5, "Protocol": "6", "RuleAction": "maybe", "CidrBlock": "0.0.0.0/0"}]}]}`, `neither allow nor deny`},
		{"wrong type", `{"NetworkInterfaces": {"a": 1}}`, "cannot unmarshal"},
		{"no id", `{"NetworkInterfaces": [{"SubnetId": "subnet-1"}]}`, "no NetworkInterfaceId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Decode([]byte(c.doc), "f.json")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "f.json") {
				t.Errorf("err = %v, want it to name f.json and contain %q", err, c.want)
			}
		})
	}
	if _, _, err := Decode([]byte(`{"Reservations": []}`), "x.json"); !errors.Is(err, ErrNotRules) {
		t.Errorf("unknown shape is not ErrNotRules: %v", err)
	}
}

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]int{"-1": -1, "all": -1, "tcp": 6, "UDP": 17, "icmp": 1, "icmpv6": 58, "58": 58, "47": 47} {
		if got, err := ParseProtocol(in); err != nil || got != want {
			t.Errorf("ParseProtocol(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "256", "-2", "sctp"} {
		if _, err := ParseProtocol(in); err == nil {
			t.Errorf("ParseProtocol(%q) accepted", in)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{sgJSON, aclJSON, eniJSON, groupRulesJSON, `{"Entries": [{"Cidr": "1.2.3.0/24"}]}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _, err := Decode(b, "pl-1.json")
		if err != nil {
			return
		}
		// Whatever decoded must be evaluable without a panic.
		for id := range s.Interfaces {
			s.Explain(Packet{Interface: id, Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"), Proto: 6, SrcPort: 1, DstPort: 2,
				ICMPType: -1, ICMPCode: -1, Status: model.StatusOK, Logged: model.ActionAccept})
		}
	})
}

const groupRulesJSON = `{
    "SecurityGroupRules": [
        {"SecurityGroupRuleId": "sgr-01", "GroupId": "sg-0db33333333333333", "GroupOwnerId": "123456789012", "IsEgress": false,
         "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "ReferencedGroupInfo": {"GroupId": "sg-0app2222222222222", "UserId": "123456789012"}, "Tags": []},
        {"SecurityGroupRuleId": "sgr-02", "GroupId": "sg-0web1111111111111", "GroupOwnerId": "123456789012", "IsEgress": false,
         "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv6": "::/0", "Tags": []},
        {"SecurityGroupRuleId": "sgr-03", "GroupId": "sg-0web1111111111111", "GroupOwnerId": "123456789012", "IsEgress": true,
         "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0", "Tags": []},
        {"SecurityGroupRuleId": "sgr-04", "GroupId": "sg-0bast555555555555", "GroupOwnerId": "123456789012", "IsEgress": false,
         "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListId": "pl-0corp0000000000001", "Tags": []}
    ]
}`

func TestDecodeSecurityGroupRules(t *testing.T) {
	s, keys, err := Decode([]byte(groupRulesJSON), "sg-rules.json")
	if err != nil || len(keys) != 1 || keys[0] != KeyGroupRules {
		t.Fatalf("%v %v", keys, err)
	}
	web := s.Groups["sg-0web1111111111111"]
	if web == nil || len(web.Ingress) != 1 || len(web.Egress) != 1 || PermissionText(&web.Egress[0]) != "all traffic" ||
		web.Ingress[0].Peers[0].Prefix.String() != "::/0" {
		t.Fatalf("web = %+v", web)
	}
	if p := s.Groups["sg-0db33333333333333"].Ingress[0].Peers[0]; p.Kind != PeerGroup || p.ID != "sg-0app2222222222222" {
		t.Errorf("group reference = %+v", p)
	}
	if p := s.Groups["sg-0bast555555555555"].Ingress[0].Peers[0]; p.Kind != PeerPrefixList {
		t.Errorf("prefix list = %+v", p)
	}
	// A full describe-security-groups entry wins whatever the file order.
	full, _, err := Decode([]byte(sgJSON), "sg.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range [][]*Snapshot{{s, full}, {full, s}} {
		m := NewSnapshot()
		m.Merge(order[0])
		m.Merge(order[1])
		if g := m.Groups["sg-0web1111111111111"]; g.Name != "web" || len(g.Ingress) != 3 {
			t.Errorf("merged web group = %+v", g)
		}
	}
	// Rules of one group over two documents add up.
	two, _, err := Decode([]byte(groupRulesJSON+groupRulesJSON), "twice.json")
	if err != nil || len(two.Groups["sg-0web1111111111111"].Ingress) != 2 {
		t.Errorf("rules over two documents: %v %+v", err, two.Groups["sg-0web1111111111111"])
	}
	if _, _, err := Decode([]byte(`{"SecurityGroupRules": [{"GroupId": "sg-1", "IpProtocol": "tcp", "FromPort": 1, "ToPort": 1}]}`), "x.json"); err == nil ||
		!strings.Contains(err.Error(), "names no CIDR, prefix list or group") {
		t.Errorf("rule without a peer: %v", err)
	}
}

func TestProtocolTextReadsBack(t *testing.T) {
	for p := -1; p <= 255; p++ {
		if got, err := ParseProtocol(ProtocolText(p)); err != nil || got != p {
			t.Fatalf("ParseProtocol(ProtocolText(%d) = %q) = %d, %v", p, ProtocolText(p), got, err)
		}
	}
	if got := ProtocolText(58); got != "icmpv6" {
		t.Errorf("ProtocolText(58) = %q, want icmpv6", got)
	}
}
