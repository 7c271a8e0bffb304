// Package conversation pairs flow-log records into conversations: flow logs
// record each direction of a connection separately, so the request and its
// response are two records with reversed 5-tuples on the same interface.
// Pairing them shows what one record cannot: whether a reply came back, and
// which direction was rejected.
package conversation

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/flowtail/flowtail/model"
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

// Side is one direction of a conversation: all its records merged.
type Side struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Records          int
	Packets, Bytes   uint64
	Flags            uint8 // tcp-flags OR-ed over the records
	HasFlags         bool  // at least one record carried tcp-flags
	Accepts, Rejects int
	First, Last      uint32 // earliest start, latest end (unix seconds)
	FirstIndex       int    // buffer index of the first record seen
}

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

// Conversation is a request direction and its response direction on one
// interface.
type Conversation struct {
	Iface    uint32 // interned interface-id
	Proto    uint8
	Request  Side // client → server
	Response Side // server → client; Records is 0 when no reply was logged
	Class    Class
	// ClientBy says how the client side was chosen: "flags" (SYN / SYN-ACK),
	// "port" (the other side uses the lower, service port) or "time" (it
	// was logged first). Request.Records is 0 when only a reply is buffered.
	ClientBy string
}

// Flags is the tcp-flags of both directions OR-ed.
func (c *Conversation) Flags() uint8 { return c.Request.Flags | c.Response.Flags }

// key identifies a conversation regardless of direction: endpoint a is
// the lower (address, port) of the two.
type key struct {
	iface  uint32
	proto  uint8
	a, b   [16]byte
	pa, pb uint16
}

// Pairer collects records and pairs them. Add records in buffer order,
// then call Conversations.
type Pairer struct {
	idx   map[key]int
	convs []pending
}

type pending struct {
	k     key
	proto uint8
	iface uint32
	dir   [2]Side // dir[0]: a → b, dir[1]: b → a
}

// NewPairer returns an empty pairer.
func NewPairer() *Pairer { return &Pairer{idx: map[key]int{}} }

// Add merges one record (i is its buffer index, for ordering). Records
// without both addresses (NODATA, SKIPDATA) are ignored.
func (p *Pairer) Add(i int, f *model.Flow, x *model.Ext) {
	if !f.Has(model.FieldSrcAddr) || !f.Has(model.FieldDstAddr) {
		return
	}
	src, dst := f.SrcAddr(x), f.DstAddr(x)
	s, d := src.As16(), dst.As16()
	k := key{iface: f.Iface, proto: f.Proto, a: s, b: d, pa: f.SrcPort, pb: f.DstPort}
	dir := 0
	if c := cmp.Or(slices.Compare(s[:], d[:]), cmp.Compare(f.SrcPort, f.DstPort)); c > 0 {
		k.a, k.b, k.pa, k.pb = d, s, f.DstPort, f.SrcPort
		dir = 1
	}
	n, ok := p.idx[k]
	if !ok {
		n = len(p.convs)
		p.idx[k] = n
		p.convs = append(p.convs, pending{k: k, proto: f.Proto, iface: f.Iface})
	}
	side := &p.convs[n].dir[dir]
	if side.Records == 0 {
		side.Src, side.Dst, side.SrcPort, side.DstPort = src, dst, f.SrcPort, f.DstPort
		side.FirstIndex = i
		side.First = f.Start
	}
	side.Records++
	side.Packets += uint64(f.Packets)
	side.Bytes += f.Bytes
	if f.Has(model.FieldTCPFlags) {
		side.Flags |= f.Flags
		side.HasFlags = true
	}
	switch f.Action {
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
// by bytes (largest first).
func (p *Pairer) Conversations() []Conversation {
	out := make([]Conversation, 0, len(p.convs))
	for i := range p.convs {
		out = append(out, resolve(&p.convs[i]))
	}
	slices.SortStableFunc(out, func(a, b Conversation) int {
		return cmp.Or(cmp.Compare(a.Class, b.Class),
			cmp.Compare(b.Request.Bytes+b.Response.Bytes, a.Request.Bytes+a.Response.Bytes))
	})
	return out
}

// Build pairs the records of v that match (all when match is nil). One
// pass over the buffer: run it off the UI goroutine.
func Build(v model.View, match func(f *model.Flow, x *model.Ext) bool) []Conversation {
	p := NewPairer()
	for i := 0; i < v.Len(); i++ {
		f, x := v.At(i)
		if match == nil || match(f, x) {
			p.Add(i, f, x)
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

// resolve decides which direction is the request and classifies.
func resolve(pc *pending) Conversation {
	c := Conversation{Iface: pc.iface, Proto: pc.proto}
	req, by := clientDir(pc)
	c.Request, c.Response, c.ClientBy = pc.dir[req], pc.dir[1-req], by
	c.Class = classify(&c.Request, &c.Response)
	return c
}

// clientDir picks the direction sent by the client: the side that sent SYN
// without ACK, or the reverse of the side that sent SYN-ACK; otherwise the
// side talking to the lower (well-known or service) port; otherwise the
// side logged first.
func clientDir(pc *pending) (int, string) {
	const synack = model.FlagSYN | model.FlagACK
	for d := 0; d < 2; d++ {
		s := &pc.dir[d]
		if !s.Seen() || !s.HasFlags {
			continue
		}
		if s.Flags&synack == model.FlagSYN {
			return d, "flags"
		}
		if s.Flags&synack == synack {
			return 1 - d, "flags"
		}
	}
	// The lower port is the service: the side sending to it is the client.
	a, b := &pc.dir[0], &pc.dir[1]
	s, d := a, 0
	if !a.Seen() {
		s, d = b, 1
	}
	switch {
	case s.DstPort < s.SrcPort:
		return d, "port"
	case s.SrcPort < s.DstPort:
		return 1 - d, "port"
	case !a.Seen() || !b.Seen():
		return d, "time"
	}
	if a.First != b.First {
		if a.First < b.First {
			return 0, "time"
		}
		return 1, "time"
	}
	if a.FirstIndex <= b.FirstIndex {
		return 0, "time"
	}
	return 1, "time"
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
