package rules

import (
	"net/netip"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// Direction is the way a record's traffic crossed the capturing interface.
type Direction uint8

const (
	DirUnknown Direction = iota
	Ingress
	Egress
)

func (d Direction) String() string {
	switch d {
	case Ingress:
		return "ingress"
	case Egress:
		return "egress"
	}
	return "-"
}

// Packet is what the engine evaluates: one record reduced to the facts the
// rules look at. Zero values mean "not in the record".
type Packet struct {
	Interface string // interface-id of the capturing interface
	Subnet    string // subnet-id from the record, used when the interface is not loaded
	// TransitGateway: a Transit Gateway flow-log record, which names the
	// gateway and its attachment instead of an interface
	TransitGateway bool
	Src, Dst       netip.Addr
	// PktSrc and PktDst are the packet-level addresses when the record
	// has them; at intermediate interfaces (NAT gateway) they are the
	// addresses the rules see.
	PktSrc, PktDst netip.Addr
	Proto          int // IANA number, -1 when absent
	SrcPort        int // -1 when absent
	DstPort        int // -1 when absent
	// ICMPType and ICMPCode are -1 when unknown: flow-log records do not
	// carry them, so a rule for one ICMP type cannot be decided from a record.
	ICMPType, ICMPCode int
	Flags              uint8
	HasFlags           bool
	Direction          Direction // from flow-direction; DirUnknown = infer from addresses
	Logged             model.Action
	Status             model.LogStatus
	RejectReason       string
	// ReverseSeen says the caller saw the reversed record (same interface,
	// addresses and ports swapped) earlier: evidence that this is a reply.
	ReverseSeen bool
}

// FromFlow reduces a stored record to a Packet.
func FromFlow(f *model.Flow, x *model.Ext, names *model.Interner) Packet {
	p := Packet{Proto: -1, SrcPort: -1, DstPort: -1, ICMPType: -1, ICMPCode: -1}
	if id, ok := model.StrID(f, x, model.FieldInterfaceID); ok {
		p.Interface = names.Name(id)
	}
	if id, ok := model.StrID(f, x, model.FieldSubnetID); ok {
		p.Subnet = names.Name(id)
	}
	for _, id := range []model.FieldID{model.FieldTGWID, model.FieldTGWAttachmentID, model.FieldResourceType} {
		if _, ok := model.StrID(f, x, id); ok {
			p.TransitGateway = true
		}
	}
	p.Src, p.Dst = f.SrcAddr(x), f.DstAddr(x)
	if x != nil {
		p.PktSrc, p.PktDst = x.PktSrcAddr(), x.PktDstAddr()
	}
	if f.Has(model.FieldProtocol) {
		p.Proto = int(f.Proto)
	}
	if f.Has(model.FieldSrcPort) {
		p.SrcPort = int(f.SrcPort)
	}
	if f.Has(model.FieldDstPort) {
		p.DstPort = int(f.DstPort)
	}
	if f.Has(model.FieldTCPFlags) {
		p.Flags, p.HasFlags = f.Flags, true
	}
	if id, ok := model.StrID(f, x, model.FieldFlowDirection); ok {
		switch strings.ToLower(names.Name(id)) {
		case "ingress":
			p.Direction = Ingress
		case "egress":
			p.Direction = Egress
		}
	}
	if id, ok := model.StrID(f, x, model.FieldRejectReason); ok {
		p.RejectReason = names.Name(id)
	}
	p.Logged = f.Action()
	p.Status = f.Status()
	return p
}

// src and dst are the addresses the rules compare: packet-level when known.
func (p *Packet) src() netip.Addr {
	if p.PktSrc.IsValid() {
		return p.PktSrc.Unmap()
	}
	return p.Src.Unmap()
}

func (p *Packet) dst() netip.Addr {
	if p.PktDst.IsValid() {
		return p.PktDst.Unmap()
	}
	return p.Dst.Unmap()
}

// protoName is how a reason names the traffic: "TCP 22", "ICMP", "protocol 47".
func protoName(proto, port int) string {
	var name string
	switch proto {
	case 6:
		name = "TCP"
	case 17:
		name = "UDP"
	case 1:
		return "ICMP"
	case 58:
		return "ICMPv6"
	case -1:
		return "traffic"
	default:
		return "protocol " + itoa(proto)
	}
	if port < 0 {
		return name
	}
	return name + " " + itoa(port)
}
