package rules

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestGroupReferencePremise: with interface data for the VPC loaded, an
// address no loaded interface holds is in none of the referenced groups,
// and the reason says that is what the verdict rests on; only without
// any interface data of the group's VPC is it undecided.
func TestGroupReferencePremise(t *testing.T) {
	s := NewSnapshot()
	s.AddACL(&NetworkACL{ID: "acl-open", VPCID: "vpc-1", Subnets: []string{"subnet-1"},
		Inbound:  append([]ACLEntry{entry(100, true, -1, "0.0.0.0/0", 0, 0)}, star()...),
		Outbound: append([]ACLEntry{entry(100, true, -1, "0.0.0.0/0", 0, 0)}, star()...),
	})
	s.AddGroup(&SecurityGroup{ID: "sg-db", VPCID: "vpc-1", Name: "db", Ingress: []Permission{
		tcp(5432, 5432, group("sg-app")), tcp(6379, 6379, group("sg-cache-peer")),
	}})
	s.AddGroup(&SecurityGroup{ID: "sg-app", VPCID: "vpc-1", Name: "app"})
	s.AddGroup(&SecurityGroup{ID: "sg-cache-peer", VPCID: "vpc-2", Name: "cache in a peered VPC"})
	s.AddInterface(&Interface{ID: "eni-db", VPCID: "vpc-1", SubnetID: "subnet-1", Groups: []string{"sg-db"}, Private: []netip.Addr{addr("10.0.3.30")}})
	for i := 1; i < 14; i++ {
		s.AddInterface(&Interface{ID: fmt.Sprintf("eni-%02d", i), VPCID: "vpc-1", SubnetID: "subnet-1", Groups: []string{"sg-app"},
			Private: []netip.Addr{addr(fmt.Sprintf("10.0.2.%d", i))}})
	}
	R := model.ActionReject
	check(t, s, pkt("eni-db", "10.0.1.99", 40000, "10.0.3.30", 5432, 6, R), want{dir: Ingress, expected: R, consistent: "yes", decidedBy: "sg",
		naclRule: "100", naclAllow: true, reason: []string{
			"Premise: 10.0.1.99 is not an address of any of the 14 loaded interfaces of vpc-1, so it is in none of the groups the rules reference."}})
	check(t, s, pkt("eni-db", "10.0.2.5", 40000, "10.0.3.30", 5432, 6, model.ActionAccept), want{dir: Ingress, expected: model.ActionAccept,
		decidedBy: "none", sgAllowed: true, sgRule: "inbound tcp 5432 from sg-app"})
	// sg-cache-peer lives in vpc-2, of which no interface is loaded.
	v := check(t, s, pkt("eni-db", "10.1.0.7", 40000, "10.0.3.30", 6379, 6, R), want{dir: Ingress, expected: model.ActionNone,
		naclRule: "100", naclAllow: true, reason: []string{"Could not decide: no interface data of vpc-2 is loaded, so whether 10.1.0.7 is in sg-cache-peer is unknown"}})
	if strings.Contains(v.Reason, "Premise") {
		t.Errorf("an undecided verdict states a premise: %q", v.Reason)
	}
}

// TestNearMisses: a deny names the rules that almost matched.
func TestNearMisses(t *testing.T) {
	s := demoSnapshot()
	R := model.ActionReject
	// The db's reply to the app's ephemeral port 20007: the db NACL only
	// lets replies out to 32768-61000.
	check(t, s, withFlags(pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 20007, 6, R), 18), want{dir: Egress, expected: R, consistent: "yes",
		decidedBy: "nacl", naclRule: "*", sgAllowed: true, response: true, evidence: EvidenceFlags, sgRule: "inbound tcp 5432 from sg-app",
		reason: []string{"Near miss: outbound rule 100 allows tcp 32768-61000 to 10.0.2.0/24; the client's port 20007 is below it."}})
	// SSH from the internet: the NACL allows port 22 from the VPC only.
	check(t, s, pkt("eni-web", "45.155.205.5", 40000, "10.0.1.10", 22, 6, R), want{dir: Ingress, expected: R, consistent: "yes",
		decidedBy: "nacl", naclRule: "150", reason: []string{"Near miss: inbound rule 120 allows tcp 22 from 10.0.0.0/16, not from 45.155.205.5."}})
	// The right port from the wrong source, at the security group.
	check(t, s, pkt("eni-bastion", "10.0.2.20", 40000, "10.0.1.50", 22, 6, R), want{dir: Ingress, expected: R, consistent: "yes",
		decidedBy: "sg", naclRule: "120", naclAllow: true,
		reason: []string{"Near miss: sg-bastion (bastion) inbound tcp 22 is open from pl-corp only, not from 10.0.2.20."}})
	// Nothing near: no near miss is made up.
	v := s.Explain(pkt("eni-web", "203.0.113.5", 40000, "10.0.1.10", 25, 6, R))
	if strings.Contains(v.Reason, "Near miss") {
		t.Errorf("port 25 has no near miss, reason %q", v.Reason)
	}
}

// TestVerdictLine: the one-line verdict names the deciding control and
// every security group considered.
func TestVerdictLine(t *testing.T) {
	s := demoSnapshot()
	s.AddGroup(&SecurityGroup{ID: "sg-extra", Name: "extra"})
	s.AddInterface(&Interface{ID: "eni-two", SubnetID: "subnet-public", Groups: []string{"sg-extra", "sg-web"}, Private: []netip.Addr{addr("10.0.1.11")}})
	R, A := model.ActionReject, model.ActionAccept
	for _, tt := range []struct {
		p    Packet
		want string
	}{
		{pkt("eni-two", "203.0.113.5", 40000, "10.0.1.11", 443, 6, A),
			"ingress · expected ACCEPT · logged ACCEPT (consistent) · NACL acl-public rule 100 allows · SG sg-web allows (of sg-extra, sg-web)"},
		{pkt("eni-two", "203.0.113.5", 40000, "10.0.1.11", 8443, 6, A),
			"ingress · expected REJECT · logged ACCEPT (INCONSISTENT) · decided by SG · NACL acl-public rule 130 allows · SG sg-extra, sg-web deny"},
		{withFlags(pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 20007, 6, R), 18),
			"egress · expected REJECT · logged REJECT (consistent) · decided by NACL · NACL acl-db rule * denies · SG sg-db allows as reply"},
		{pkt("eni-nope", "1.2.3.4", 1, "10.0.1.10", 443, 6, R), "- · could not decide"},
	} {
		v := s.Explain(tt.p)
		if got := v.Line(); got != tt.want {
			t.Errorf("line %q\n want %q", got, tt.want)
		}
	}
}

func TestOnly(t *testing.T) {
	s := demoSnapshot()
	R, A := model.ActionReject, model.ActionAccept
	rej := s.Explain(pkt("eni-web", "203.0.113.5", 40000, "10.0.1.10", 25, 6, R))      // consistent reject
	inc := s.Explain(pkt("eni-web", "203.0.113.5", 40000, "10.0.1.10", 25, 6, A))      // inconsistent
	ok := s.Explain(pkt("eni-web", "203.0.113.5", 40000, "10.0.1.10", 443, 6, A))      // consistent accept
	und := s.Explain(pkt("eni-unknown", "203.0.113.5", 40000, "10.0.1.10", 443, 6, A)) // undecided
	for _, tt := range []struct {
		only string
		want [4]bool // rej, inc, ok, und
	}{
		{"", [4]bool{true, true, true, true}},
		{"reject", [4]bool{true, true, false, false}},
		{"inconsistent", [4]bool{false, true, false, false}},
		{"undecided", [4]bool{false, false, false, true}},
	} {
		o, err := ParseOnly(tt.only)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range []*Verdict{&rej, &inc, &ok, &und} {
			if o.Keep(v) != tt.want[i] {
				t.Errorf("--only %q keeps verdict %d (%s): %v", tt.only, i, v.Line(), !tt.want[i])
			}
		}
	}
	if _, err := ParseOnly("rejected"); err == nil || !strings.Contains(err.Error(), "want reject, inconsistent or undecided") {
		t.Errorf("bad --only: %v", err)
	}
}

// BenchmarkSummary is the verdicts view's work per record: decide it and
// count it under its rule.
func BenchmarkSummary(b *testing.B) {
	s := demoSnapshot()
	ps := []Packet{
		withFlags(pkt("eni-web", "203.0.113.50", 40000, "10.0.1.10", 443, 6, model.ActionAccept), 2),
		withFlags(pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 20001, 6, model.ActionReject), 18),
		pkt("eni-web", "45.155.205.5", 40000, "10.0.1.10", 22, 6, model.ActionReject),
		pkt("eni-bastion", "10.0.2.20", 50000, "10.0.1.50", 22, 6, model.ActionReject),
	}
	sum := NewSummary()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := ps[i%len(ps)]
		v := s.Decide(p)
		sum.Add(&v, p)
	}
	if b.N >= len(ps) && sum.Len() != len(ps) {
		b.Fatalf("%d rows for %d kinds of record", sum.Len(), len(ps))
	}
}

// TestDecideAgreesWithExplain: counting uses Decide, the text Explain;
// both must reach the same verdict.
func TestDecideAgreesWithExplain(t *testing.T) {
	s := demoSnapshot()
	for _, p := range []Packet{
		withFlags(pkt("eni-db", "10.0.3.30", 5432, "10.0.2.20", 20001, 6, model.ActionReject), 18),
		pkt("eni-web", "45.155.205.5", 40000, "10.0.1.10", 22, 6, model.ActionReject),
		pkt("eni-web", "203.0.113.5", 40000, "10.0.1.10", 443, 6, model.ActionAccept),
		pkt("eni-x", "203.0.113.5", 40000, "10.0.1.10", 443, 6, model.ActionAccept),
	} {
		e, d := s.Explain(p), s.Decide(p)
		if KeyOf(&e, p) != KeyOf(&d, p) || e.Line() != d.Line() || d.Reason != "" && d.Decided() {
			t.Errorf("Explain %q / %q, Decide %q / %q", e.Line(), KeyOf(&e, p).Rule, d.Line(), KeyOf(&d, p).Rule)
		}
	}
}
