package query

import (
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowtail/flowtail/model"
)

// vkind is how the engine reads a ref.
type vkind uint8

const (
	vNum     vkind = iota // unsigned integer field
	vTime                 // @timestamp, in ms
	vStr                  // interned text
	vAddr                 // address
	vEnum                 // action, log-status: small codes with fixed text
	vDerived              // direction, service, proto: small codes with fixed text
	vMessage              // the whole record as text
)

// env is what every accessor of one compiled program shares.
type env struct {
	names   *model.Interner
	v6      *addrTable
	opt     Options
	unknown []string // the names of RefUnknown0 and on
	// reads marks the fields the program's accessors read; all: every
	// field (the whole record, or a derived value that may use any).
	reads [256]bool
	all   bool
	// usesOwner: the program reads an owner field, which only this
	// machine can answer (AWS's ranges and the rules are local).
	usesOwner atomic.Bool
	now       time.Time // ago() and clock times are read against this one instant
	// mem counts what a run's answer holds against opt.MemoryBudget; nil
	// without one
	mem *memAccount
}

func newEnv(names *model.Interner, opt Options, unknown []string) *env {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	return &env{names: names, v6: newAddrTable(), opt: opt, unknown: unknown, now: now(), mem: newMemAccount(opt.MemoryBudget)}
}

// refName is what a ref is called: its canonical spelling, or for a name
// flowtail does not know, the name as the query typed it.
func (e *env) refName(r Ref) string {
	if r >= RefUnknown0 && int(r-RefUnknown0) < len(e.unknown) {
		return e.unknown[r-RefUnknown0]
	}
	return r.Name()
}

// loc is the zone times without one of their own are read in.
func (e *env) loc() *time.Location {
	if e.opt.Loc != nil {
		return e.opt.Loc
	}
	return time.UTC
}

// note records what an accessor of ref reads. The compiler notes every
// ref first; workers that build their own predicates later note the same
// refs again, so a note already made is not written twice (a write from
// several workers at once would race).
func (e *env) note(r Ref) {
	read := func(id model.FieldID) {
		if !e.reads[id] {
			e.reads[id] = true
		}
	}
	if id, ok := r.Field(); ok {
		read(id)
		return
	}
	switch r {
	case RefTimestamp:
		read(model.FieldStart)
	case RefProto:
		read(model.FieldProtocol)
	case RefService:
		read(model.FieldSrcPort)
		read(model.FieldDstPort)
	case RefOwner, RefSrcOwner, RefDstOwner:
		read(model.FieldSrcAddr)
		read(model.FieldDstAddr)
	default:
		if r >= RefUnknown0 {
			read(model.FieldNone) // names flowtail does not know
			return
		}
		if !e.all {
			e.all = true // @message, direction
		}
	}
}

// UsesOwner reports whether the query reads owner, srcOwner or dstOwner.
func (p *Program) UsesOwner() bool { return p.env.usesOwner.Load() }

// addrTable numbers IPv6 addresses so that group keys stay fixed-size
// integers. It is shared by the partial aggregates of one run.
type addrTable struct {
	mu    sync.Mutex
	ids   map[netip.Addr]uint32
	addrs []netip.Addr
}

func newAddrTable() *addrTable { return &addrTable{ids: map[netip.Addr]uint32{}} }

func (t *addrTable) id(a netip.Addr) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.ids[a]
	if !ok {
		id = uint32(len(t.addrs))
		t.addrs = append(t.addrs, a)
		t.ids[a] = id
	}
	return id
}

func (t *addrTable) addr(id uint32) netip.Addr {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addrs[id]
}

// v6Code marks an address code as an index into addrTable rather than an
// IPv4 value.
const v6Code = 1 << 40

// accessor reads one ref from records in every form the engine needs.
type accessor struct {
	ref   Ref
	kind  vkind
	field model.FieldID
	env   *env
	// present reports whether the record carries a value.
	present func(f *model.Flow, x *model.Ext) bool
	// code is an exact, decodable integer form of the value, for group
	// keys, count_distinct, dedup and the equality fast paths.
	code func(f *model.Flow, x *model.Ext) (uint64, bool)
}

func accessorFor(r Ref, e *env) *accessor {
	e.note(r)
	a := &accessor{ref: r, env: e}
	if id, ok := r.Field(); ok {
		a.field = id
		a.present = func(f *model.Flow, x *model.Ext) bool { return model.Present(f, x, id) }
		switch id.Kind() {
		case model.KindInt:
			a.kind = vNum
			a.code = numGetter(id)
		case model.KindString:
			a.kind = vStr
			a.code = func(f *model.Flow, x *model.Ext) (uint64, bool) {
				v, ok := model.StrID(f, x, id)
				return uint64(v), ok
			}
			if id == model.FieldInterfaceID {
				a.code = func(f *model.Flow, _ *model.Ext) (uint64, bool) {
					return uint64(f.Iface), f.Has(model.FieldInterfaceID)
				}
			}
		case model.KindEnum:
			a.kind = vEnum
			if id == model.FieldAction {
				a.code = func(f *model.Flow, _ *model.Ext) (uint64, bool) {
					return uint64(f.Action()), f.Action() != model.ActionNone
				}
			} else {
				a.code = func(f *model.Flow, _ *model.Ext) (uint64, bool) {
					return uint64(f.Status()), f.Status() != model.StatusNone
				}
			}
		case model.KindAddr:
			a.kind = vAddr
			a.code = addrCoder(id, e)
		}
		return a
	}
	if r >= RefUnknown0 && int(r-RefUnknown0) < len(e.unknown) {
		a.kind = vStr
		get := model.UnknownField(e.unknown[r-RefUnknown0])
		a.present = func(f *model.Flow, x *model.Ext) bool { _, ok := get(f, x); return ok }
		a.code = func(f *model.Flow, x *model.Ext) (uint64, bool) {
			v, ok := get(f, x)
			return uint64(v), ok
		}
		return a
	}
	switch r {
	case RefTimestamp:
		a.kind = vTime
		a.present = func(f *model.Flow, _ *model.Ext) bool { return f.Has(model.FieldStart) }
		a.code = func(f *model.Flow, _ *model.Ext) (uint64, bool) {
			return uint64(f.Start) * 1000, f.Has(model.FieldStart)
		}
	case RefProto:
		a.kind = vDerived
		a.code = func(f *model.Flow, _ *model.Ext) (uint64, bool) { return uint64(f.Proto), f.Has(model.FieldProtocol) }
	case RefService:
		a.kind = vDerived
		a.code = func(f *model.Flow, _ *model.Ext) (uint64, bool) {
			c := uint8(0)
			if f.Has(model.FieldDstPort) {
				c = model.ServiceCode(f.DstPort)
			}
			if c == 0 && f.Has(model.FieldSrcPort) {
				c = model.ServiceCode(f.SrcPort)
			}
			return uint64(c), c != 0
		}
	case RefDirection:
		a.kind = vDerived
		a.code = directionCoder(e)
	case RefOwner, RefSrcOwner, RefDstOwner:
		e.usesOwner.Store(true)
		a.kind = vStr
		a.code = ownerCoder(r, e)
	case RefMessage:
		a.kind = vMessage
		a.present = func(*model.Flow, *model.Ext) bool { return true }
		a.code = func(*model.Flow, *model.Ext) (uint64, bool) { return 0, false }
	}
	if a.present == nil {
		code := a.code
		a.present = func(f *model.Flow, x *model.Ext) bool { _, ok := code(f, x); return ok }
	}
	return a
}

// Direction codes of the derived direction field.
const (
	dirIngress = 1
	dirEgress  = 2
)

func directionCoder(e *env) func(f *model.Flow, x *model.Ext) (uint64, bool) {
	// The interned ids of "ingress" and "egress", + 1 (0: not seen yet).
	// Shared by the workers of a parallel run, hence atomic.
	var ingress, egress atomic.Uint32
	id := func(cache *atomic.Uint32, s string) (uint32, bool) {
		if v := cache.Load(); v != 0 {
			return v - 1, true
		}
		v, ok := e.names.Lookup(s)
		if ok {
			cache.Store(v + 1)
		}
		return v, ok
	}
	local := e.opt.LocalAddr
	return func(f *model.Flow, x *model.Ext) (uint64, bool) {
		if v, ok := model.StrID(f, x, model.FieldFlowDirection); ok {
			if in, ok := id(&ingress, "ingress"); ok && v == in {
				return dirIngress, true
			}
			if out, ok := id(&egress, "egress"); ok && v == out {
				return dirEgress, true
			}
		}
		if local != nil && f.Has(model.FieldInterfaceID) {
			switch {
			case local(f.Iface, f.DstAddr(x)):
				return dirIngress, true
			case local(f.Iface, f.SrcAddr(x)):
				return dirEgress, true
			}
		}
		return 0, false
	}
}

func (r Ref) isOwner() bool { return r == RefOwner || r == RefSrcOwner || r == RefDstOwner }

// ownerCoder reads who owns an address as the interned owner name. owner
// is the flow's peer: an AWS service named by the published ranges on
// either side (destination first) before one of the account's own
// interfaces, so replies from S3 read "S3" rather than the instance.
func ownerCoder(r Ref, e *env) func(f *model.Flow, x *model.Ext) (uint64, bool) {
	lookup := e.opt.Owner
	if lookup == nil {
		return func(*model.Flow, *model.Ext) (uint64, bool) { return 0, false }
	}
	names := e.names
	of := func(a netip.Addr) (model.Owner, bool) {
		if !a.IsValid() {
			return model.Owner{}, false
		}
		return lookup(a)
	}
	code := func(o model.Owner) (uint64, bool) { return uint64(names.IDString(o.Name)), true }
	switch r {
	case RefSrcOwner:
		return func(f *model.Flow, x *model.Ext) (uint64, bool) {
			if o, ok := of(f.SrcAddr(x)); ok && f.Has(model.FieldSrcAddr) {
				return code(o)
			}
			return 0, false
		}
	case RefDstOwner:
		return func(f *model.Flow, x *model.Ext) (uint64, bool) {
			if o, ok := of(f.DstAddr(x)); ok && f.Has(model.FieldDstAddr) {
				return code(o)
			}
			return 0, false
		}
	}
	return func(f *model.Flow, x *model.Ext) (uint64, bool) {
		var dst, src model.Owner
		var dok, sok bool
		if f.Has(model.FieldDstAddr) {
			dst, dok = of(f.DstAddr(x))
		}
		if f.Has(model.FieldSrcAddr) {
			src, sok = of(f.SrcAddr(x))
		}
		switch {
		case dok && dst.Public:
			return code(dst)
		case sok && src.Public:
			return code(src)
		case dok:
			return code(dst)
		case sok:
			return code(src)
		}
		return 0, false
	}
}

func numGetter(id model.FieldID) func(f *model.Flow, x *model.Ext) (uint64, bool) {
	switch id {
	case model.FieldDstPort:
		return func(f *model.Flow, _ *model.Ext) (uint64, bool) { return uint64(f.DstPort), f.Has(model.FieldDstPort) }
	case model.FieldSrcPort:
		return func(f *model.Flow, _ *model.Ext) (uint64, bool) { return uint64(f.SrcPort), f.Has(model.FieldSrcPort) }
	case model.FieldProtocol:
		return func(f *model.Flow, _ *model.Ext) (uint64, bool) { return uint64(f.Proto), f.Has(model.FieldProtocol) }
	case model.FieldBytes:
		return func(f *model.Flow, _ *model.Ext) (uint64, bool) { return f.Bytes, f.Has(model.FieldBytes) }
	case model.FieldPackets:
		return func(f *model.Flow, _ *model.Ext) (uint64, bool) { return uint64(f.Packets), f.Has(model.FieldPackets) }
	}
	return func(f *model.Flow, x *model.Ext) (uint64, bool) { return model.Int(f, x, id) }
}

func addrCoder(id model.FieldID, e *env) func(f *model.Flow, x *model.Ext) (uint64, bool) {
	switch id {
	case model.FieldSrcAddr:
		return func(f *model.Flow, x *model.Ext) (uint64, bool) {
			if !f.Has(model.FieldSrcAddr) {
				return 0, false
			}
			if f.IPv6() {
				if a := f.SrcAddr(x); a.Is6() {
					return v6Code | uint64(e.v6.id(a)), true
				}
			}
			return uint64(f.Src), true
		}
	case model.FieldDstAddr:
		return func(f *model.Flow, x *model.Ext) (uint64, bool) {
			if !f.Has(model.FieldDstAddr) {
				return 0, false
			}
			if f.IPv6() {
				if a := f.DstAddr(x); a.Is6() {
					return v6Code | uint64(e.v6.id(a)), true
				}
			}
			return uint64(f.Dst), true
		}
	}
	return func(f *model.Flow, x *model.Ext) (uint64, bool) {
		a := model.Addr(f, x, id)
		return addrToCode(a, e)
	}
}

func addrToCode(a netip.Addr, e *env) (uint64, bool) {
	if !a.IsValid() {
		return 0, false
	}
	if a.Is4() {
		b := a.As4()
		return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3]), true
	}
	return v6Code | uint64(e.v6.id(a)), true
}

func codeToAddr(c uint64, e *env) netip.Addr {
	if c&v6Code != 0 {
		return e.v6.addr(uint32(c &^ v6Code))
	}
	return netip.AddrFrom4([4]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
}

// decode turns a code back into a result cell.
func (a *accessor) decode(c uint64) Value {
	switch a.kind {
	case vNum:
		return Value{Kind: Int, I: c}
	case vTime:
		return Value{Kind: Time, I: c}
	case vStr:
		return Value{Kind: Str, S: a.env.names.Name(uint32(c))}
	case vAddr:
		return Value{Kind: Addr, A: codeToAddr(c, a.env)}
	case vEnum:
		if a.field == model.FieldAction {
			return Value{Kind: Str, S: model.Action(c).String()}
		}
		return Value{Kind: Str, S: model.LogStatus(c).String()}
	case vDerived:
		return Value{Kind: Str, S: derivedText(a.ref, c)}
	}
	return Value{}
}

func derivedText(r Ref, c uint64) string {
	switch r {
	case RefProto:
		return model.ProtoText(uint8(c))
	case RefService:
		return model.ServiceText(uint8(c))
	case RefDirection:
		if c == dirIngress {
			return "ingress"
		}
		return "egress"
	}
	return ""
}

// value reads the ref of one record as a result cell.
func (a *accessor) value(f *model.Flow, x *model.Ext) Value {
	if a.kind == vMessage {
		return Value{Kind: Str, S: string(appendMessage(nil, f, x, a.env.names))}
	}
	c, ok := a.code(f, x)
	if !ok {
		return Value{}
	}
	return a.decode(c)
}

// appendText appends the value as text (what like and @message see).
func (a *accessor) appendText(buf []byte, f *model.Flow, x *model.Ext) ([]byte, bool) {
	if a.kind == vMessage {
		return appendMessage(buf, f, x, a.env.names), true
	}
	c, ok := a.code(f, x)
	if !ok {
		return buf, false
	}
	switch a.kind {
	case vNum:
		return strconv.AppendUint(buf, c, 10), true
	case vTime:
		return time.UnixMilli(int64(c)).UTC().AppendFormat(buf, TimeLayout), true
	case vAddr:
		return codeToAddr(c, a.env).AppendTo(buf), true
	}
	return append(buf, a.decode(c).S...), true
}

// messageFields is the order @message renders a record whose format is not
// known: the default format, then the newer fields it carries, in AWS table
// order. A record read with a known format renders in that format's order,
// as the line it was read from.
var messageFields = model.DefaultFormat.Fields

// extFields are the fields stored in Ext, in AWS table order.
var extFields = func() []model.FieldID {
	var out []model.FieldID
	for _, id := range model.KnownFields() {
		if !id.IsCore() {
			out = append(out, id)
		}
	}
	return out
}()

func appendMessage(buf []byte, f *model.Flow, x *model.Ext, names *model.Interner) []byte {
	first := true
	put := func(id model.FieldID) {
		if !first {
			buf = append(buf, ' ')
		}
		first = false
		if !model.Present(f, x, id) {
			buf = append(buf, '-')
			return
		}
		switch id.Kind() {
		case model.KindInt:
			v, _ := model.Int(f, x, id)
			buf = strconv.AppendUint(buf, v, 10)
		case model.KindString:
			v, _ := model.StrID(f, x, id)
			buf = append(buf, names.Name(v)...)
		case model.KindAddr:
			buf = model.Addr(f, x, id).AppendTo(buf)
		case model.KindEnum:
			if id == model.FieldAction {
				buf = append(buf, f.Action().String()...)
			} else {
				buf = append(buf, f.Status().String()...)
			}
		}
	}
	if fm := model.FormatOf(f); fm != nil { // the record's own field order
		for _, id := range fm.Fields {
			put(id)
		}
		return buf
	}
	for _, id := range messageFields {
		put(id)
	}
	if f.Has(model.FieldTCPFlags) {
		put(model.FieldTCPFlags)
	}
	if x != nil {
		for _, id := range extFields {
			if x.Has(id) {
				put(id)
			}
		}
	}
	return buf
}
