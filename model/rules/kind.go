package rules

import "strings"

// Kind names what an interface serves, from its InterfaceType and, for the
// types that EC2 reports as plain "interface" (application load balancers,
// older Lambda and NAT interfaces), from the description AWS gives it.
func (i *Interface) Kind() string {
	switch i.Type {
	case "natGateway", "nat_gateway":
		return "NAT gateway"
	case "load_balancer", "network_load_balancer", "gateway_load_balancer":
		return "load balancer"
	case "gateway_load_balancer_endpoint", "vpc_endpoint":
		return "VPC endpoint"
	case "lambda":
		return "Lambda"
	case "transit_gateway":
		return "Transit Gateway"
	}
	d := i.Description
	switch {
	case strings.HasPrefix(d, "Interface for NAT Gateway "):
		return "NAT gateway"
	case strings.HasPrefix(d, "ELB "):
		return "load balancer"
	case strings.HasPrefix(d, "AWS Lambda VPC ENI"):
		return "Lambda"
	case strings.HasPrefix(d, "VPC Endpoint Interface "):
		return "VPC endpoint"
	case strings.HasPrefix(d, "Network Interface for Transit Gateway Attachment "):
		return "Transit Gateway"
	case i.InstanceID != "":
		return "instance"
	}
	return "interface"
}

// Label names the interface for a person: its Name tag, else its
// description, else the instance it is attached to, with its id.
func (i *Interface) Label() string {
	name := i.Name()
	if name == "" {
		name = i.Description
	}
	if name == "" {
		name = i.InstanceID
	}
	if name == "" {
		return i.ID
	}
	return name + " (" + i.ID + ")"
}
