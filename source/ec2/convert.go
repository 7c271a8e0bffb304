package ec2

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flowtail/flowtail/model/rules"
)

func (f *fetcher) interfaces(ctx context.Context, filterName string, ids []string) error {
	for _, chunk := range chunks(ids) {
		p := awsec2.NewDescribeNetworkInterfacesPaginator(f.l.client, &awsec2.DescribeNetworkInterfacesInput{Filters: filter(filterName, chunk)})
		for p.HasMorePages() {
			var out *awsec2.DescribeNetworkInterfacesOutput
			err := f.call(ctx, func(ctx context.Context) (err error) { out, err = p.NextPage(ctx); return err })
			if err != nil {
				return err
			}
			for _, ni := range out.NetworkInterfaces {
				i, err := convertInterface(ni)
				if err != nil {
					return err
				}
				f.add.AddInterface(i)
			}
		}
	}
	return nil
}

func convertInterface(ni types.NetworkInterface) (*rules.Interface, error) {
	i := &rules.Interface{
		ID: aws.ToString(ni.NetworkInterfaceId), SubnetID: aws.ToString(ni.SubnetId), VPCID: aws.ToString(ni.VpcId),
		Type: string(ni.InterfaceType), Description: aws.ToString(ni.Description), RequesterManaged: aws.ToBool(ni.RequesterManaged),
	}
	if ni.Attachment != nil {
		i.InstanceID = aws.ToString(ni.Attachment.InstanceId)
	}
	addr := func(list *[]netip.Addr, s *string) error {
		if s == nil || *s == "" {
			return nil
		}
		a, err := netip.ParseAddr(*s)
		if err != nil {
			return fmt.Errorf("ec2: interface %s: address %q: %w", i.ID, *s, err)
		}
		for _, have := range *list {
			if have == a {
				return nil
			}
		}
		*list = append(*list, a)
		return nil
	}
	if err := addr(&i.Private, ni.PrivateIpAddress); err != nil {
		return nil, err
	}
	for _, p := range ni.PrivateIpAddresses {
		if err := addr(&i.Private, p.PrivateIpAddress); err != nil {
			return nil, err
		}
		if p.Association != nil {
			if err := addr(&i.Public, p.Association.PublicIp); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range ni.Ipv6Addresses {
		if err := addr(&i.Private, p.Ipv6Address); err != nil {
			return nil, err
		}
	}
	if ni.Association != nil {
		if err := addr(&i.Public, ni.Association.PublicIp); err != nil {
			return nil, err
		}
	}
	for _, g := range ni.Groups {
		i.Groups = append(i.Groups, aws.ToString(g.GroupId))
	}
	if len(ni.TagSet) > 0 {
		i.Tags = map[string]string{}
		for _, t := range ni.TagSet {
			i.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return i, nil
}

func (f *fetcher) groups(ctx context.Context, ids []string) error {
	for _, chunk := range chunks(ids) {
		p := awsec2.NewDescribeSecurityGroupsPaginator(f.l.client, &awsec2.DescribeSecurityGroupsInput{Filters: filter("group-id", chunk)})
		for p.HasMorePages() {
			var out *awsec2.DescribeSecurityGroupsOutput
			err := f.call(ctx, func(ctx context.Context) (err error) { out, err = p.NextPage(ctx); return err })
			if err != nil {
				return err
			}
			for _, sg := range out.SecurityGroups {
				g := &rules.SecurityGroup{ID: aws.ToString(sg.GroupId), Name: aws.ToString(sg.GroupName),
					Description: aws.ToString(sg.Description), VPCID: aws.ToString(sg.VpcId), OwnerID: aws.ToString(sg.OwnerId)}
				if g.Ingress, err = convertPermissions(g.ID, sg.IpPermissions); err != nil {
					return err
				}
				if g.Egress, err = convertPermissions(g.ID, sg.IpPermissionsEgress); err != nil {
					return err
				}
				f.add.AddGroup(g)
			}
		}
	}
	return nil
}

func convertPermissions(group string, ps []types.IpPermission) ([]rules.Permission, error) {
	out := make([]rules.Permission, 0, len(ps))
	for _, ip := range ps {
		proto, err := rules.ParseProtocol(aws.ToString(ip.IpProtocol))
		if err != nil {
			return nil, fmt.Errorf("ec2: security group %s: %w", group, err)
		}
		p := rules.Permission{Protocol: proto, From: -1, To: -1}
		if ip.FromPort != nil {
			p.From = int(*ip.FromPort)
		}
		if ip.ToPort != nil {
			p.To = int(*ip.ToPort)
		}
		for _, r := range ip.IpRanges {
			pre, err := netip.ParsePrefix(aws.ToString(r.CidrIp))
			if err != nil {
				return nil, fmt.Errorf("ec2: security group %s: %w", group, err)
			}
			p.Peers = append(p.Peers, rules.Peer{Kind: rules.PeerCIDR, Prefix: pre.Masked(), Description: aws.ToString(r.Description)})
		}
		for _, r := range ip.Ipv6Ranges {
			pre, err := netip.ParsePrefix(aws.ToString(r.CidrIpv6))
			if err != nil {
				return nil, fmt.Errorf("ec2: security group %s: %w", group, err)
			}
			p.Peers = append(p.Peers, rules.Peer{Kind: rules.PeerCIDR, Prefix: pre.Masked(), Description: aws.ToString(r.Description)})
		}
		for _, r := range ip.PrefixListIds {
			p.Peers = append(p.Peers, rules.Peer{Kind: rules.PeerPrefixList, ID: aws.ToString(r.PrefixListId), Description: aws.ToString(r.Description)})
		}
		for _, r := range ip.UserIdGroupPairs {
			p.Peers = append(p.Peers, rules.Peer{Kind: rules.PeerGroup, ID: aws.ToString(r.GroupId), Description: aws.ToString(r.Description)})
		}
		out = append(out, p)
	}
	return out, nil
}

func (f *fetcher) acls(ctx context.Context, subnets []string) error {
	for _, chunk := range chunks(subnets) {
		p := awsec2.NewDescribeNetworkAclsPaginator(f.l.client, &awsec2.DescribeNetworkAclsInput{Filters: filter("association.subnet-id", chunk)})
		for p.HasMorePages() {
			var out *awsec2.DescribeNetworkAclsOutput
			err := f.call(ctx, func(ctx context.Context) (err error) { out, err = p.NextPage(ctx); return err })
			if err != nil {
				return err
			}
			for _, na := range out.NetworkAcls {
				a, err := convertACL(na)
				if err != nil {
					return err
				}
				f.add.AddACL(a)
			}
		}
	}
	return nil
}

func convertACL(na types.NetworkAcl) (*rules.NetworkACL, error) {
	a := &rules.NetworkACL{ID: aws.ToString(na.NetworkAclId), VPCID: aws.ToString(na.VpcId), IsDefault: aws.ToBool(na.IsDefault)}
	for _, t := range na.Tags {
		if aws.ToString(t.Key) == "Name" {
			a.Name = aws.ToString(t.Value)
		}
	}
	for _, as := range na.Associations {
		a.Subnets = append(a.Subnets, aws.ToString(as.SubnetId))
	}
	for _, en := range na.Entries {
		rule := int(aws.ToInt32(en.RuleNumber))
		proto, err := rules.ParseProtocol(aws.ToString(en.Protocol))
		if err != nil {
			return nil, fmt.Errorf("ec2: network ACL %s rule %d: %w", a.ID, rule, err)
		}
		e := rules.ACLEntry{Rule: rule, Protocol: proto, Allow: en.RuleAction == types.RuleActionAllow, Egress: aws.ToBool(en.Egress)}
		cidr := aws.ToString(en.CidrBlock)
		if cidr == "" {
			cidr = aws.ToString(en.Ipv6CidrBlock)
		}
		pre, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, fmt.Errorf("ec2: network ACL %s rule %d: %w", a.ID, rule, err)
		}
		e.CIDR = pre.Masked()
		if en.PortRange != nil {
			e.HasPorts, e.PortFrom, e.PortTo = true, int(aws.ToInt32(en.PortRange.From)), int(aws.ToInt32(en.PortRange.To))
		}
		if en.IcmpTypeCode != nil {
			e.HasICMP, e.ICMPType, e.ICMPCode = true, int(aws.ToInt32(en.IcmpTypeCode.Type)), int(aws.ToInt32(en.IcmpTypeCode.Code))
		}
		if e.Egress {
			a.Outbound = append(a.Outbound, e)
		} else {
			a.Inbound = append(a.Inbound, e)
		}
	}
	return a, nil
}

func (f *fetcher) subnets(ctx context.Context, ids []string) error {
	for _, chunk := range chunks(ids) {
		p := awsec2.NewDescribeSubnetsPaginator(f.l.client, &awsec2.DescribeSubnetsInput{Filters: filter("subnet-id", chunk)})
		for p.HasMorePages() {
			var out *awsec2.DescribeSubnetsOutput
			err := f.call(ctx, func(ctx context.Context) (err error) { out, err = p.NextPage(ctx); return err })
			if err != nil {
				return err
			}
			for _, sn := range out.Subnets {
				s := &rules.Subnet{ID: aws.ToString(sn.SubnetId), VPCID: aws.ToString(sn.VpcId)}
				if c := aws.ToString(sn.CidrBlock); c != "" {
					pre, err := netip.ParsePrefix(c)
					if err != nil {
						return fmt.Errorf("ec2: subnet %s: %w", s.ID, err)
					}
					s.CIDRs = append(s.CIDRs, pre)
				}
				for _, as := range sn.Ipv6CidrBlockAssociationSet {
					if aws.ToString(as.Ipv6CidrBlock) == "" {
						continue
					}
					pre, err := netip.ParsePrefix(aws.ToString(as.Ipv6CidrBlock))
					if err != nil {
						return fmt.Errorf("ec2: subnet %s: %w", s.ID, err)
					}
					s.CIDRs = append(s.CIDRs, pre)
				}
				f.add.AddSubnet(s)
			}
		}
	}
	return nil
}

func (f *fetcher) prefixLists(ctx context.Context, ids []string) error {
	for _, chunk := range chunks(ids) {
		p := awsec2.NewDescribeManagedPrefixListsPaginator(f.l.client, &awsec2.DescribeManagedPrefixListsInput{Filters: filter("prefix-list-id", chunk)})
		for p.HasMorePages() {
			var out *awsec2.DescribeManagedPrefixListsOutput
			err := f.call(ctx, func(ctx context.Context) (err error) { out, err = p.NextPage(ctx); return err })
			if err != nil {
				return err
			}
			for _, pl := range out.PrefixLists {
				f.add.AddPrefixList(&rules.PrefixList{ID: aws.ToString(pl.PrefixListId), Name: aws.ToString(pl.PrefixListName), Family: aws.ToString(pl.AddressFamily)})
			}
		}
	}
	return nil
}

func (f *fetcher) entries(ctx context.Context, id string) error {
	pl := &rules.PrefixList{ID: id, Entries: true}
	p := awsec2.NewGetManagedPrefixListEntriesPaginator(f.l.client, &awsec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id)})
	for p.HasMorePages() {
		var out *awsec2.GetManagedPrefixListEntriesOutput
		err := f.call(ctx, func(ctx context.Context) (err error) { out, err = p.NextPage(ctx); return err })
		if err != nil {
			return err
		}
		for _, e := range out.Entries {
			pre, err := netip.ParsePrefix(aws.ToString(e.Cidr))
			if err != nil {
				return fmt.Errorf("ec2: prefix list %s: %w", id, err)
			}
			pl.CIDRs = append(pl.CIDRs, pre.Masked())
		}
	}
	f.add.AddPrefixList(pl)
	return nil
}
