// Package conversation pairs flow-log records into conversations: flow logs
// record each direction of a connection separately, so the request and its
// response are two records with reversed 5-tuples on the same interface.
// Pairing them shows what one record cannot: whether a reply came back, and
// which direction was rejected.
package conversation

import (
	"cmp"
	"math"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/wide"
)

// Class is what a conversation amounts to, for triage.
type Class uint8

// The classes, in the order triage cares about them (worst first).
const (
	// ReplyRejected: the request was accepted but the reply was rejected,
	// the stateless network ACL return-path mistake (AWS documents the
	// ACCEPT-then-REJECT ping); a security group never does this because
	// it is stateful.
	ReplyRejected Class = iota
	// RejectedRequest: the request was rejected and nothing was accepted
	// back.
	RejectedRequest
	// Reset: a RST was logged in either direction.
	Reset
	// RequestOnly: the request was accepted but no reply was logged (the
	// peer did not answer, or the reply left by another path).
	RequestOnly
	// ReplyOnly: only the reply direction is in the buffer (its request
	// was evicted, or logged before the capture began).
	ReplyOnly
	// Established: both directions were logged and accepted.
	Established
	classCount
)

var classNames = [...]string{
	ReplyRejected:   "reply rejected",
	RejectedRequest: "rejected request",
	Reset:           "reset",
	RequestOnly:     "request only",
	ReplyOnly:       "reply only",
	Established:     "established",
}

func (c Class) String() string {
	if c < classCount {
		return classNames[c]
	}
	return "unknown"
}

// Explain is a one-line reading of the class for an investigation. Readings
// beyond AWS's documented examples say they are inference.
func (c Class) Explain() string {
	switch c {
	case ReplyRejected:
		return "request accepted, reply rejected: a stateless network ACL is missing the return rule (ephemeral ports), as in AWS's ping example"
	case RejectedRequest:
		return "request rejected at this interface: a security group or network ACL denied it (inference: flow logs do not say which)"
	case Reset:
		return "a reset was logged: the connection was refused or aborted (inference)"
	case RequestOnly:
		return "no reply logged in the buffer: the peer did not answer, or the reply took another path (inference)"
	case ReplyOnly:
		return "only the reply is in the buffer: its request was evicted or logged before the capture began"
	case Established:
		return "request and reply both accepted"
	}
	return ""
}

// Side is one direction of a conversation: all its records merged. It
// holds no pointers, so a million of them cost the garbage collector
// nothing to scan.
type Side struct {
	src, dst         [16]byte // addresses, IPv4 in the IPv4-mapped form
	SrcPort, DstPort uint16
	Records          uint32
	// Packets and Bytes are the sums over the records, math.MaxUint64
	// when a sum passes what 64 bits hold (PacketsOver, BytesOver say so).
	Packets, Bytes         uint64
	PacketsOver, BytesOver bool
	Flags                  uint8 // tcp-flags OR-ed over the records
	HasFlags               bool  // at least one record carried tcp-flags
	Accepts, Rejects       uint32
	First, Last            uint32 // earliest start, latest end (unix seconds)
	firstIndex             uint32 // order of the first record seen, for ties
}

// Src is the source address of this direction.
func (s *Side) Src() netip.Addr { return netip.AddrFrom16(s.src).Unmap() }

// Dst is the destination address of this direction.
func (s *Side) Dst() netip.Addr { return netip.AddrFrom16(s.dst).Unmap() }

// Seen reports whether any record went this way.
func (s *Side) Seen() bool { return s.Records > 0 }

// Action sums up the side's verdict: ACCEPT, REJECT, both, or "-".
func (s *Side) Action() string {
	switch {
	case s.Accepts > 0 && s.Rejects > 0:
		return "ACCEPT+REJECT"
	case s.Accepts > 0:
		return "ACCEPT"
	case s.Rejects > 0:
		return "REJECT"
	}
	return "-"
}

// ClientBy says how the client side of a conversation was chosen.
type ClientBy uint8

const (
	ByFlags ClientBy = iota // SYN from the client, SYN-ACK from the server
	ByPort                  // the server side uses the lower (service) port
	ByTime                  // the client's direction was logged first
)

func (b ClientBy) String() string {
	switch b {
	case ByFlags:
		return "flags"
	case ByPort:
		return "port"
	}
	return "time"
}

// Conversation is a request direction and its response direction on one
// interface.
type Conversation struct {
	Iface    uint32 // interned interface-id
	Proto    uint8
	ClientBy ClientBy
	Class    Class
	Request  Side // client → server; Records is 0 when only a reply is buffered
	Response Side // server → client; Records is 0 when no reply was logged
}

// Flags is the tcp-flags of both directions OR-ed.
func (c *Conversation) Flags() uint8 { return c.Request.Flags | c.Response.Flags }

// Bytes is the bytes of both directions, or math.MaxUint64 and true when
// they pass what 64 bits hold.
func (c *Conversation) Bytes() (uint64, bool) {
	if c.Request.BytesOver || c.Response.BytesOver {
		return math.MaxUint64, true
	}
	n, carry := bits.Add64(c.Request.Bytes, c.Response.Bytes, 0)
	if carry != 0 {
		return math.MaxUint64, true
	}
	return n, false
}

// Pairer collects records and pairs them. Add records in buffer order,
// then call Conversations.
type Pairer struct {
	idx   map[model.FlowKey]int32 // by the canonical key: both directions of a flow
	convs []pairing
	n     uint32
}

// pairing is a conversation being paired, with its sides' exact sums
// (index 0 for Request, 1 for Response): the sides' own Packets and Bytes
// are filled in, capped, when it is resolved.
type pairing struct {
	Conversation   // Request: a → b, Response: b → a until resolved
	packets, bytes [2]wide.Sum
}

// NewPairer returns an empty pairer.
func NewPairer() *Pairer { return &Pairer{idx: map[model.FlowKey]int32{}} }

// Add merges one record, in buffer order. Records without both addresses
// (NODATA, SKIPDATA) are ignored.
func (p *Pairer) Add(f *model.Flow, x *model.Ext) {
	fk, ok := model.KeyOf(f, x)
	if !ok {
		return
	}
	order := p.n
	p.n++
	s, d := fk.Src, fk.Dst
	k, reverse := fk.Canonical()
	n, ok := p.idx[k]
	if !ok {
		n = int32(len(p.convs))
		p.idx[k] = n
		p.convs = append(p.convs, pairing{Conversation: Conversation{Iface: f.Iface, Proto: f.Proto}})
	}
	pc := &p.convs[n]
	side, i := &pc.Request, 0
	if reverse {
		side, i = &pc.Response, 1
	}
	if side.Records == 0 {
		side.src, side.dst, side.SrcPort, side.DstPort = s, d, f.SrcPort, f.DstPort
		side.firstIndex = order
		side.First = f.Start
	}
	side.Records++
	pc.packets[i].Add(f.Packets)
	pc.bytes[i].Add(f.Bytes)
	if f.Has(model.FieldTCPFlags) {
		side.Flags |= f.Flags
		side.HasFlags = true
	}
	switch f.Action() {
	case model.ActionAccept:
		side.Accepts++
	case model.ActionReject:
		side.Rejects++
	}
	if f.Has(model.FieldStart) && f.Start < side.First {
		side.First = f.Start
	}
	if f.End > side.Last {
		side.Last = f.End
	}
}

// Conversations returns the paired conversations, worst class first, then
// by bytes (largest first). The pairer is spent afterwards.
func (p *Pairer) Conversations() []Conversation {
	for i := range p.convs {
		pc := &p.convs[i]
		for j, sd := range [2]*Side{&pc.Request, &pc.Response} {
			sd.Packets, sd.PacketsOver = pc.packets[j].Capped()
			sd.Bytes, sd.BytesOver = pc.bytes[j].Capped()
		}
		resolve(&pc.Conversation)
	}
	// Sort an index, then move each conversation once: the structs are
	// large and a million of them would be slow to swap around.
	order := make([]int32, len(p.convs))
	for i := range order {
		order[i] = int32(i)
	}
	cs := p.convs
	slices.SortStableFunc(order, func(a, b int32) int {
		x, y := &cs[a], &cs[b]
		return cmp.Or(cmp.Compare(x.Class, y.Class),
			y.bytes[0].Plus(y.bytes[1]).Compare(x.bytes[0].Plus(x.bytes[1])))
	})
	out := make([]Conversation, len(cs))
	for i, j := range order {
		out[i] = cs[j].Conversation
	}
	p.convs, p.idx = nil, nil
	return out
}

// Build pairs the records of v that match (all when match is nil). One
// pass over the buffer: run it off the UI goroutine.
func Build(v model.View, match func(f *model.Flow, x *model.Ext) bool) []Conversation {
	p := NewPairer()
	for i := 0; i < v.Len(); i++ {
		f, x := v.At(i)
		if match == nil || match(f, x) {
			p.Add(f, x)
		}
	}
	return p.Conversations()
}

// Summary counts conversations by class.
type Summary [classCount]int

// Summarize counts conversations by class.
func Summarize(cs []Conversation) Summary {
	var s Summary
	for i := range cs {
		s[cs[i].Class]++
	}
	return s
}

// Count is the number of conversations of a class.
func (s *Summary) Count(c Class) int { return s[c] }

// Classes lists every class, worst first.
func Classes() []Class {
	return []Class{ReplyRejected, RejectedRequest, Reset, RequestOnly, ReplyOnly, Established}
}

// resolve decides which direction is the request, swapping the sides
// when needed, and classifies.
func resolve(c *Conversation) {
	req, by := clientDir(&c.Request, &c.Response)
	if req == 1 {
		c.Request, c.Response = c.Response, c.Request
	}
	c.ClientBy = by
	c.Class = classify(&c.Request, &c.Response)
}

// clientDir picks the direction (0: a, 1: b) sent by the client: the side
// that sent SYN without ACK, or the reverse of the side that sent SYN-ACK;
// otherwise the side talking to the lower (well-known or service) port;
// otherwise the side logged first.
func clientDir(a, b *Side) (int, ClientBy) {
	const synack = model.FlagSYN | model.FlagACK
	for d, s := range [2]*Side{a, b} {
		if !s.Seen() || !s.HasFlags {
			continue
		}
		if s.Flags&synack == model.FlagSYN {
			return d, ByFlags
		}
		if s.Flags&synack == synack {
			return 1 - d, ByFlags
		}
	}
	// The lower port is the service: the side sending to it is the client.
	s, d := a, 0
	if !a.Seen() {
		s, d = b, 1
	}
	switch {
	case s.DstPort < s.SrcPort:
		return d, ByPort
	case s.SrcPort < s.DstPort:
		return 1 - d, ByPort
	case !a.Seen() || !b.Seen():
		return d, ByTime
	}
	if a.First != b.First {
		if a.First < b.First {
			return 0, ByTime
		}
		return 1, ByTime
	}
	if a.firstIndex <= b.firstIndex {
		return 0, ByTime
	}
	return 1, ByTime
}

func classify(req, resp *Side) Class {
	switch {
	case req.Accepts > 0 && resp.Rejects > 0 && resp.Accepts == 0:
		return ReplyRejected
	case req.Rejects > 0 && req.Accepts == 0:
		return RejectedRequest
	case (req.HasFlags && req.Flags&model.FlagRST != 0) || (resp.HasFlags && resp.Flags&model.FlagRST != 0):
		return Reset
	case !resp.Seen():
		return RequestOnly
	case !req.Seen():
		return ReplyOnly
	}
	return Established
}
