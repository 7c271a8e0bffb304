package rules

import "testing"

func TestInterfaceKindAndLabel(t *testing.T) {
	for _, c := range []struct {
		i           Interface
		kind, label string
	}{
		{Interface{ID: "eni-1", Type: "nat_gateway", Description: "Interface for NAT Gateway nat-0abc"}, "NAT gateway", "Interface for NAT Gateway nat-0abc (eni-1)"},
		{Interface{ID: "eni-2", Type: "interface", Description: "Interface for NAT Gateway nat-0abc"}, "NAT gateway", "Interface for NAT Gateway nat-0abc (eni-2)"},
		{Interface{ID: "eni-3", Type: "interface", Description: "ELB app/web/50dc6c495c0c9188", RequesterManaged: true}, "load balancer", "ELB app/web/50dc6c495c0c9188 (eni-3)"},
		{Interface{ID: "eni-4", Type: "network_load_balancer", Description: "ELB net/nlb/1"}, "load balancer", "ELB net/nlb/1 (eni-4)"},
		{Interface{ID: "eni-5", Type: "lambda", Description: "AWS Lambda VPC ENI-fn-1"}, "Lambda", "AWS Lambda VPC ENI-fn-1 (eni-5)"},
		{Interface{ID: "eni-6", Type: "interface", Description: "AWS Lambda VPC ENI-fn-2"}, "Lambda", "AWS Lambda VPC ENI-fn-2 (eni-6)"},
		{Interface{ID: "eni-7", Type: "vpc_endpoint", Description: "VPC Endpoint Interface vpce-1"}, "VPC endpoint", "VPC Endpoint Interface vpce-1 (eni-7)"},
		{Interface{ID: "eni-8", Type: "interface", InstanceID: "i-9", Tags: map[string]string{"Name": "web-1"}}, "instance", "web-1 (eni-8)"},
		{Interface{ID: "eni-9", Type: "interface", InstanceID: "i-9"}, "instance", "i-9 (eni-9)"},
		{Interface{ID: "eni-10", Type: "interface"}, "interface", "eni-10"},
		{Interface{ID: "eni-11", Type: "transit_gateway"}, "Transit Gateway", "eni-11"},
	} {
		if k := c.i.Kind(); k != c.kind {
			t.Errorf("%s: kind %q, want %q", c.i.ID, k, c.kind)
		}
		if l := c.i.Label(); l != c.label {
			t.Errorf("%s: label %q, want %q", c.i.ID, l, c.label)
		}
	}
}
