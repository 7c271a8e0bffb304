package model

import "net/netip"

// Owner is who an address belongs to: an AWS service, from the address
// ranges AWS publishes, or one of the account's own network interfaces.
type Owner struct {
	// Name is what the owner field of a query compares: the AWS service
	// ("S3", "EC2", "AMAZON") or the interface's kind ("NAT gateway",
	// "load balancer", "Lambda", "VPC endpoint", "interface").
	Name string
	// Detail narrows it: the service's Region, or the interface's name or
	// description and id.
	Detail string
	// Public: the address is in AWS's published ranges.
	Public bool
}

// String is the owner as one short phrase.
func (o Owner) String() string {
	if o.Detail == "" {
		return o.Name
	}
	return o.Name + " " + o.Detail
}

// OwnerLookup says who owns an address; ok is false when nothing is known.
// It is called from several goroutines at once.
type OwnerLookup func(a netip.Addr) (o Owner, ok bool)
