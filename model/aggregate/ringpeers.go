package aggregate

import (
	"encoding/binary"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/ringtable"
)

// ringPeers counts the distinct addresses of each interface in an attached
// aggregate without copying one: a slot per (interface, address) holds the
// position of the newest record that carries it, and which of its two
// addresses. The store evicts oldest first, so when a record leaves and
// the slot names it, no other record with that address remains; when the
// slot names a newer record, one does.
type ringPeers struct {
	ring   model.View
	oldest uint64 // position of the ring's oldest record (its index 0)
	count  int
	size   uint64 // the ring's capacity: a position's slot value is taken modulo it
	set    *ringtable.Table[peerKey, peerKeys]
}

// peerKey is an interface and one address. An IPv4 address and its
// IPv4-mapped IPv6 form are different peers, as records write them.
type peerKey struct {
	iface uint32
	v6    bool
	addr  [16]byte
}

func newRingPeers(s *model.Store) *ringPeers {
	p := &ringPeers{ring: s.ObserverView(), size: uint64(s.Capacity())}
	// Two addresses a record: the most keys a full ring can hold. Distinct
	// peers are usually a few percent of that, so the table grows to them.
	p.set = ringtable.NewGrowing[peerKey](peerKeys{p}, 2*s.Capacity())
	return p
}

type peerKeys struct{ *ringPeers }

// Key reads the key of a slot value back from its record.
func (p peerKeys) Key(v uint32) peerKey {
	v--
	i := uint64(v >> 1)
	pos := p.oldest + (i+p.size-p.oldest%p.size)%p.size
	f, x := p.ring.At(int(pos - p.oldest))
	id := model.FieldSrcAddr
	if v&1 != 0 {
		id = model.FieldDstAddr
	}
	return peerKeyOf(f, x, id)
}

func (p peerKeys) Hash(k peerKey) uint64 {
	h := uint64(k.iface)*0x9e3779b97f4a7c15 ^ binary.LittleEndian.Uint64(k.addr[8:])
	h ^= h >> 31
	h *= 0xd6e8feb86659fd93
	if k.v6 {
		h ^= binary.LittleEndian.Uint64(k.addr[:8]) + 1
		h ^= h >> 29
		h *= 0xd6e8feb86659fd93
	}
	return h ^ h>>32
}

func peerKeyOf(f *model.Flow, x *model.Ext, id model.FieldID) peerKey {
	k := peerKey{iface: f.Iface}
	if !f.IPv6() { // both addresses inline: no netip round trip
		a := f.Src
		if id == model.FieldDstAddr {
			a = f.Dst
		}
		binary.BigEndian.PutUint32(k.addr[12:], a)
		return k
	}
	addr := model.Addr(f, x, id)
	if addr.Is4() {
		b := addr.As4()
		copy(k.addr[12:], b[:])
		return k
	}
	k.v6, k.addr = true, addr.As16()
	return k
}

// value is the slot value naming address id of the record at position pos.
func (p *ringPeers) value(pos uint64, id model.FieldID) uint32 {
	v := uint32(pos%p.size) << 1
	if id == model.FieldDstAddr {
		v |= 1
	}
	return v + 1
}

// added counts an address of the newest record (at position pos); it
// reports whether the address is new to the interface.
func (p *ringPeers) added(pos uint64, f *model.Flow, x *model.Ext, id model.FieldID) bool {
	k := peerKeyOf(f, x, id)
	slot, _, ok := p.set.Find(k)
	if ok {
		p.set.Set(slot, p.value(pos, id))
		return false
	}
	p.set.Insert(slot, k, p.value(pos, id))
	return true
}

// evicted uncounts an address of the oldest record (at position pos); it
// reports whether no record of the interface carries the address any more.
func (p *ringPeers) evicted(pos uint64, f *model.Flow, x *model.Ext, id model.FieldID) bool {
	slot, v, ok := p.set.Find(peerKeyOf(f, x, id))
	if !ok || (v-1)>>1 != uint32(pos%p.size) {
		return false // a newer record carries it (or, src = dst, it went with the other address)
	}
	p.set.Remove(slot)
	return true
}
