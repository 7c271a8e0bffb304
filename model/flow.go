package model

import (
	"net/netip"
)

// Action is the logged verdict of a record.
type Action uint8

const (
	ActionNone   Action = iota // "-" (NODATA, SKIPDATA)
	ActionAccept               // ACCEPT
	ActionReject               // REJECT
)

func (a Action) String() string {
	switch a {
	case ActionAccept:
		return "ACCEPT"
	case ActionReject:
		return "REJECT"
	}
	return "-"
}

// LogStatus is the log-status field.
type LogStatus uint8

const (
	StatusNone     LogStatus = iota // absent
	StatusOK                        // OK
	StatusNoData                    // NODATA
	StatusSkipData                  // SKIPDATA
)

func (s LogStatus) String() string {
	switch s {
	case StatusOK:
		return "OK"
	case StatusNoData:
		return "NODATA"
	case StatusSkipData:
		return "SKIPDATA"
	}
	return "-"
}

// Flow is one record in its compact form: the default-format fields plus
// tcp-flags, fixed-size and pointer-free so a million of them are one flat
// allocation the garbage collector never scans. Strings are interned ids;
// IPv4 addresses are inline. Fields beyond these (and IPv6 addresses) live
// in an Ext record that the store keeps beside it only when needed.
type Flow struct {
	Bytes   uint64
	Packets uint64 // 64-bit as AWS documents: 100 Gbps over 10 minutes passes 2^32
	Start   uint32 // unix seconds
	End     uint32 // unix seconds
	Src     uint32 // IPv4 srcaddr, big-endian value; see SrcAddr for IPv6
	Dst     uint32 // IPv4 dstaddr
	Account uint32 // interned account-id
	Iface   uint32 // interned interface-id; for a Transit Gateway record without one, its tgw-attachment-id (see GroupTransitGateway)
	ext     uint32 // store's ext sequence + 1; 0 = no Ext
	SrcPort uint16
	DstPort uint16
	present uint16 // which core fields the record carries
	Proto   uint8
	Version uint8
	Flags   uint8 // tcp-flags
	// action, log-status and the IPv6 marks share a byte, which keeps a
	// record at 56 bytes (the ring holds a million of them): see Action,
	// Status and the bit* constants.
	state  uint8
	format uint16 // registered format the record was read with; 0 = unknown
}

// Layout of Flow.state: action in bits 0-1, log-status in bits 2-3.
const (
	stateAction uint8 = 3 << 0
	stateStatus uint8 = 3 << 2
)

// Action is the record's action (ActionNone when absent or "-").
func (f *Flow) Action() Action { return Action(f.state & stateAction) }

// Status is the record's log-status (StatusNone when absent).
func (f *Flow) Status() LogStatus { return LogStatus(f.state & stateStatus >> 2) }

// SetAction sets the action; it does not mark the field present.
func (f *Flow) SetAction(a Action) { f.state = f.state&^stateAction | uint8(a)&stateAction }

// SetStatus sets the log-status; it does not mark the field present.
func (f *Flow) SetStatus(s LogStatus) { f.state = f.state&^stateStatus | uint8(s)<<2&stateStatus }

// Core field presence bits.
const (
	hasVersion uint16 = 1 << iota
	hasAccount
	hasIface
	hasSrc
	hasDst
	hasSrcPort
	hasDstPort
	hasProto
	hasPackets
	hasBytes
	hasStart
	hasEnd
	hasAction
	hasStatus
	hasFlags
)

// IPv6 marks in Flow.state: the address lives in the Ext record.
const (
	bitSrcV6 uint8 = 1 << (4 + iota)
	bitDstV6
)

var corePresence = [fieldKnownEnd]uint16{
	FieldVersion:     hasVersion,
	FieldAccountID:   hasAccount,
	FieldInterfaceID: hasIface,
	FieldSrcAddr:     hasSrc,
	FieldDstAddr:     hasDst,
	FieldSrcPort:     hasSrcPort,
	FieldDstPort:     hasDstPort,
	FieldProtocol:    hasProto,
	FieldPackets:     hasPackets,
	FieldBytes:       hasBytes,
	FieldStart:       hasStart,
	FieldEnd:         hasEnd,
	FieldAction:      hasAction,
	FieldLogStatus:   hasStatus,
	FieldTCPFlags:    hasFlags,
}

// IsCore reports whether the field is stored in Flow rather than Ext.
func (id FieldID) IsCore() bool { return id < fieldKnownEnd && corePresence[id] != 0 }

// Ext holds the fields of versions 3 and later (except tcp-flags) and the
// IPv6 forms of srcaddr/dstaddr. String fields are interned ids indexed by
// FieldID; addresses are 16-byte values so Ext stays pointer-free too.
type Ext struct {
	SrcV6   [16]byte
	DstV6   [16]byte
	PktSrc  [16]byte // IPv4 in the IPv4-mapped form
	PktDst  [16]byte
	Str     [strSlots]uint32 // interned values of string fields, by strSlot
	Num     [2]uint8         // traffic-path, encryption-status
	Lost    [4]uint64        // packets-lost-* of Transit Gateway records, in PacketsLost order
	mapped  uint8            // pkt-srcaddr/pkt-dstaddr written IPv4-mapped (::ffff:a.b.c.d)
	present [(fieldIDEnd + 63) / 64]uint64
}

// strSlots maps string ext fields (VPCID..ResourceID, then opaque ones) to
// a dense array so Ext does not carry a slot for every field id.
const strSlots = int(fieldKnownEnd-FieldVPCID) + MaxOpaque

func strSlot(id FieldID) int {
	if id >= FieldOpaque0 {
		return int(fieldKnownEnd-FieldVPCID) + int(id-FieldOpaque0)
	}
	return int(id - FieldVPCID)
}

// strField is the field of a string slot (strSlot's inverse).
func strField(slot int) FieldID {
	if slot >= int(fieldKnownEnd-FieldVPCID) {
		return FieldOpaque0 + FieldID(slot-int(fieldKnownEnd-FieldVPCID))
	}
	return FieldVPCID + FieldID(slot)
}

func numSlot(id FieldID) int {
	if id == FieldEncryptionStatus {
		return 1
	}
	return 0
}

// Has reports whether the record carries the field (it was in the format and
// not "-").
func (f *Flow) Has(id FieldID) bool {
	if id < fieldKnownEnd && corePresence[id] != 0 {
		return f.present&corePresence[id] != 0
	}
	return false
}

// HasExt reports whether the record has fields stored in an Ext.
func (f *Flow) HasExt() bool { return f.ext != 0 }

// Has reports whether an ext field is present.
func (x *Ext) Has(id FieldID) bool {
	return x != nil && x.present[id/64]&(1<<(id%64)) != 0
}

func (x *Ext) set(id FieldID) { x.present[id/64] |= 1 << (id % 64) }

// Present reports whether the record carries the field, core or ext.
func Present(f *Flow, x *Ext, id FieldID) bool {
	if id.IsCore() {
		return f.Has(id)
	}
	return x.Has(id)
}

// SrcAddr is srcaddr as an address (invalid when absent).
func (f *Flow) SrcAddr(x *Ext) netip.Addr {
	if f.present&hasSrc == 0 {
		return netip.Addr{}
	}
	if f.state&bitSrcV6 != 0 && x != nil {
		return netip.AddrFrom16(x.SrcV6)
	}
	return v4(f.Src)
}

// DstAddr is dstaddr as an address (invalid when absent).
func (f *Flow) DstAddr(x *Ext) netip.Addr {
	if f.present&hasDst == 0 {
		return netip.Addr{}
	}
	if f.state&bitDstV6 != 0 && x != nil {
		return netip.AddrFrom16(x.DstV6)
	}
	return v4(f.Dst)
}

// IPv6 reports whether either address is IPv6.
func (f *Flow) IPv6() bool { return f.state&(bitSrcV6|bitDstV6) != 0 }

// PktSrcAddr is pkt-srcaddr (invalid when absent).
func (x *Ext) PktSrcAddr() netip.Addr {
	if !x.Has(FieldPktSrcAddr) {
		return netip.Addr{}
	}
	return x.pktAddr(x.PktSrc, FieldPktSrcAddr)
}

// PktDstAddr is pkt-dstaddr (invalid when absent).
func (x *Ext) PktDstAddr() netip.Addr {
	if !x.Has(FieldPktDstAddr) {
		return netip.Addr{}
	}
	return x.pktAddr(x.PktDst, FieldPktDstAddr)
}

// pktAddr reads a pkt-* address: IPv4 is kept IPv4-mapped, and unmapped
// again unless the log wrote it that way.
func (x *Ext) pktAddr(b [16]byte, id FieldID) netip.Addr {
	a := netip.AddrFrom16(b)
	if x.mapped&mappedBit(id) != 0 {
		return a
	}
	return a.Unmap()
}

func mappedBit(id FieldID) uint8 {
	if id == FieldPktSrcAddr {
		return 1
	}
	return 2
}

func v4(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// Addr returns an address field (srcaddr, dstaddr, pkt-srcaddr, pkt-dstaddr).
func Addr(f *Flow, x *Ext, id FieldID) netip.Addr {
	switch id {
	case FieldSrcAddr:
		return f.SrcAddr(x)
	case FieldDstAddr:
		return f.DstAddr(x)
	case FieldPktSrcAddr:
		return x.PktSrcAddr()
	case FieldPktDstAddr:
		return x.PktDstAddr()
	}
	return netip.Addr{}
}

// Int returns a numeric field and whether it is present.
func Int(f *Flow, x *Ext, id FieldID) (uint64, bool) {
	switch id {
	case FieldVersion:
		return uint64(f.Version), f.present&hasVersion != 0
	case FieldSrcPort:
		return uint64(f.SrcPort), f.present&hasSrcPort != 0
	case FieldDstPort:
		return uint64(f.DstPort), f.present&hasDstPort != 0
	case FieldProtocol:
		return uint64(f.Proto), f.present&hasProto != 0
	case FieldPackets:
		return uint64(f.Packets), f.present&hasPackets != 0
	case FieldBytes:
		return f.Bytes, f.present&hasBytes != 0
	case FieldStart:
		return uint64(f.Start), f.present&hasStart != 0
	case FieldEnd:
		return uint64(f.End), f.present&hasEnd != 0
	case FieldTCPFlags:
		return uint64(f.Flags), f.present&hasFlags != 0
	case FieldTrafficPath, FieldEncryptionStatus:
		if x.Has(id) {
			return uint64(x.Num[numSlot(id)]), true
		}
	case FieldPacketsLostNoRoute, FieldPacketsLostBlackhole, FieldPacketsLostMTUExceeded, FieldPacketsLostTTLExpired:
		if x.Has(id) {
			return x.Lost[id-FieldPacketsLostNoRoute], true
		}
	}
	return 0, false
}

// StrID returns the interned id of a string field and whether it is present.
func StrID(f *Flow, x *Ext, id FieldID) (uint32, bool) {
	switch id {
	case FieldAccountID:
		return f.Account, f.present&hasAccount != 0
	case FieldInterfaceID:
		return f.Iface, f.present&hasIface != 0
	}
	if id >= FieldVPCID && id < fieldIDEnd && x.Has(id) {
		return x.Str[strSlot(id)], true
	}
	return 0, false
}

// GroupTransitGateway makes a Transit Gateway record that has no
// interface-id group by its attachment: Iface, the key records group by
// per interface, takes the tgw-attachment-id, while interface-id stays
// absent (Has and StrID still say so).
func GroupTransitGateway(f *Flow, x *Ext) {
	if f.present&hasIface != 0 || !f.HasExt() || !x.Has(FieldTGWAttachmentID) {
		return
	}
	f.Iface = x.Str[strSlot(FieldTGWAttachmentID)]
}

// SetInterface fills interface-id when the format lacks it, e.g. from the
// CloudWatch log stream name.
func (f *Flow) SetInterface(id uint32) {
	f.Iface = id
	f.present |= hasIface
}
