package aggregate

import (
	"sync"
	"sync/atomic"

	"github.com/flowtail/flowtail/model"
)

// Peers counts, per interface, the distinct addresses its traffic records
// carry. It is the one costly part of the summaries (two hash updates per
// record, and a million random addresses take tens of megabytes), so an
// attached aggregate leaves it out until a view asks for peers
// (Aggregate.CountPeers): loading a capture does not pay for a column
// nobody has looked at. A model.Observer.
type Peers struct {
	sets   map[uint32]*peerSet
	lastID uint32
	last   *peerSet
}

type peerSet struct {
	v4 map[uint32]uint32
	v6 map[[16]byte]uint32
}

// NewPeers returns an empty peer count.
func NewPeers() *Peers { return &Peers{sets: map[uint32]*peerSet{}} }

func (p *Peers) setOf(id uint32, create bool) *peerSet {
	if p.last != nil && p.lastID == id {
		return p.last
	}
	s := p.sets[id]
	if s == nil {
		if !create {
			return nil
		}
		s = &peerSet{v4: map[uint32]uint32{}, v6: map[[16]byte]uint32{}}
		p.sets[id] = s
	}
	p.lastID, p.last = id, s
	return s
}

// Added counts a record entering the ring.
func (p *Peers) Added(f *model.Flow, x *model.Ext) {
	if !isTraffic(f) {
		return
	}
	s := p.setOf(f.Iface, true)
	s.add(f, x, model.FieldSrcAddr, 1)
	s.add(f, x, model.FieldDstAddr, 1)
}

// Evicted uncounts a record leaving the ring.
func (p *Peers) Evicted(f *model.Flow, x *model.Ext) {
	if !isTraffic(f) {
		return
	}
	s := p.setOf(f.Iface, false)
	if s == nil {
		return
	}
	s.add(f, x, model.FieldSrcAddr, -1)
	s.add(f, x, model.FieldDstAddr, -1)
	if len(s.v4) == 0 && len(s.v6) == 0 {
		delete(p.sets, f.Iface)
		if p.last == s {
			p.last = nil
		}
	}
}

// Count is the interface's distinct addresses less one (its own).
func (p *Peers) Count(iface uint32) int {
	s := p.sets[iface]
	if s == nil {
		return 0
	}
	return max(0, len(s.v4)+len(s.v6)-1)
}

// add counts (d = 1) or uncounts (d = -1) one address of the record.
func (s *peerSet) add(f *model.Flow, x *model.Ext, id model.FieldID, d int) {
	if !f.Has(id) {
		return
	}
	if !f.IPv6() { // both addresses inline: no netip round trip
		k := f.Src
		if id == model.FieldDstAddr {
			k = f.Dst
		}
		add(s.v4, k, d)
		return
	}
	addr := model.Addr(f, x, id)
	if addr.Is4() {
		b := addr.As4()
		add(s.v4, uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]), d)
		return
	}
	add(s.v6, addr.As16(), d)
}

// add counts (d = 1) or uncounts (d = -1) one key, dropping it at zero so
// the maps hold only what the ring holds.
func add[K comparable](m map[K]uint32, k K, d int) {
	if d > 0 {
		m[k]++
	} else if n := m[k]; n <= 1 {
		delete(m, k)
	} else {
		m[k] = n - 1
	}
}

// peerSource is where an aggregate reads peers: its own count (a private
// aggregate), one attached to the store later, or none yet.
type peerSource struct {
	own      *Peers // counted by the aggregate's own Added and Evicted
	attached atomic.Pointer[Peers]
	attach   sync.Mutex // one attachment, whoever asks first
}

func (ps *peerSource) peers() *Peers {
	if ps.own != nil {
		return ps.own
	}
	return ps.attached.Load()
}
