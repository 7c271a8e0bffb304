// Package aggregate keeps per-interface summaries, tcp-flag combination
// counts and an accepts-vs-rejects time histogram exactly as records enter
// and leave the store's ring, so a triage view never recounts the buffer.
//
// An Aggregate is a model.Observer: the store calls Added and Evicted under
// its write lock. Read an attached aggregate only inside Store.Read (see
// Take), or build a private one over a filtered subset with Compute.
package aggregate

import (
	"cmp"
	"slices"

	"github.com/flowtail/flowtail/model"
)

// BucketSeconds is the width of the time buckets the sparklines and the
// histogram are built from; one minute is the finest aggregation interval
// AWS uses, so finer buckets would only split one record's interval.
const BucketSeconds = 60

// Aggregate holds the running summaries. The zero value is not usable; use
// New.
type Aggregate struct {
	ifaces  map[uint32]*iface
	flags   [256]uint64 // records carrying tcp-flags, by value
	noFlags uint64      // records without tcp-flags
	hist    map[uint32]verdicts
	records uint64

	// The interface of the previous record: records arrive in runs per
	// interface (one CloudWatch stream or S3 file per ENI).
	lastID uint32
	last   *iface

	// peers counts addresses for an attached aggregate, reading them back
	// from the ring; nil for a private one, whose interfaces keep maps.
	peers *peerSet
}

// verdicts counts the flows, accepts and rejects in one time bucket.
type verdicts struct{ flows, accepts, rejects uint32 }

// traffic is one interface's traffic in one time bucket.
type traffic struct {
	flows uint32
	bytes uint64
}

// iface is the running state of one interface.
type iface struct {
	records          uint64 // every record, NODATA and SKIPDATA included
	flows            uint64 // records that describe traffic
	packets, bytes   uint64
	accepts, rejects uint64
	skipped          uint64              // SKIPDATA records
	peers4           map[uint32]uint32   // private aggregate: count by address
	peers6           map[[16]byte]uint32 // private aggregate: count by address
	npeers           int                 // attached aggregate: distinct addresses
	ports            map[uint16]uint32
	spark            map[uint32]traffic
	last             maxWindow
}

// New returns an empty aggregate.
func New() *Aggregate {
	return &Aggregate{ifaces: map[uint32]*iface{}, hist: map[uint32]verdicts{}}
}

// Attach registers a new aggregate with the store; it first counts the
// records already buffered.
func Attach(s *model.Store) *Aggregate {
	a := New()
	a.peers = newPeerSet(s)
	s.Observe(a)
	return a
}

// Compute builds a private aggregate over the records of v that match (all
// of them when match is nil). It costs one pass over the buffer, so callers
// run it off the UI goroutine.
func Compute(v model.View, match func(f *model.Flow, x *model.Ext) bool) *Aggregate {
	a := New()
	for i := 0; i < v.Len(); i++ {
		f, x := v.At(i)
		if match == nil || match(f, x) {
			a.Added(f, x)
		}
	}
	return a
}

func (a *Aggregate) ifaceOf(f *model.Flow) *iface {
	id := f.Iface // 0 (the empty string) when the record has no interface-id
	if a.last != nil && a.lastID == id {
		return a.last
	}
	st := a.ifaces[id]
	if st == nil {
		st = &iface{ports: map[uint16]uint32{}, spark: map[uint32]traffic{}}
		if a.peers == nil {
			st.peers4, st.peers6 = map[uint32]uint32{}, map[[16]byte]uint32{}
		}
		a.ifaces[id] = st
	}
	a.lastID, a.last = id, st
	return st
}

func isTraffic(f *model.Flow) bool {
	return f.Status != model.StatusNoData && f.Status != model.StatusSkipData
}

// Added counts a record entering the ring.
func (a *Aggregate) Added(f *model.Flow, x *model.Ext) {
	st := a.ifaceOf(f)
	st.last.push(f.End, f.Has(model.FieldEnd))
	a.count(st, f, x, 1)
	if a.peers != nil {
		a.peers.count++
	}
}

// Evicted uncounts a record leaving the ring. The store evicts in arrival
// order, which the last-seen window relies on.
func (a *Aggregate) Evicted(f *model.Flow, x *model.Ext) {
	a.evict(f, x)
	if a.peers != nil { // the record was the ring's index 0 until now
		a.peers.oldest++
		a.peers.count--
	}
}

func (a *Aggregate) evict(f *model.Flow, x *model.Ext) {
	st := a.last
	if st == nil || a.lastID != f.Iface {
		st = a.ifaces[f.Iface]
	}
	if st == nil {
		a.records--
		return
	}
	st.last.pop()
	a.count(st, f, x, -1)
	if st.records == 0 {
		delete(a.ifaces, f.Iface)
		if a.last == st {
			a.last = nil
		}
	}
}

// count adds (d = 1) or removes (d = -1) a record's share of every
// counter; the unsigned counters wrap back exactly on removal. A time
// bucket that falls to zero flows is dropped.
func (a *Aggregate) count(st *iface, f *model.Flow, x *model.Ext, d int) {
	d32, d64 := uint32(d), uint64(d)
	a.records += d64
	st.records += d64
	if f.Status == model.StatusSkipData {
		st.skipped += d64
	}
	if f.Has(model.FieldTCPFlags) {
		a.flags[f.Flags] += d64
	} else {
		a.noFlags += d64
	}
	if !isTraffic(f) {
		return
	}
	st.flows += d64
	st.packets += uint64(f.Packets) * d64
	st.bytes += f.Bytes * d64
	switch f.Action {
	case model.ActionAccept:
		st.accepts += d64
	case model.ActionReject:
		st.rejects += d64
	}
	a.addPeer(st, f, x, model.FieldSrcAddr, d)
	a.addPeer(st, f, x, model.FieldDstAddr, d)
	if f.Has(model.FieldDstPort) {
		add(st.ports, f.DstPort, d)
	}
	if !f.Has(model.FieldStart) {
		return
	}
	b := f.Start / BucketSeconds
	t := st.spark[b]
	t.flows += d32
	t.bytes += f.Bytes * d64
	if t.flows == 0 {
		delete(st.spark, b)
	} else {
		st.spark[b] = t
	}
	h := a.hist[b]
	h.flows += d32
	switch f.Action {
	case model.ActionAccept:
		h.accepts += d32
	case model.ActionReject:
		h.rejects += d32
	}
	if h.flows == 0 {
		delete(a.hist, b)
	} else {
		a.hist[b] = h
	}
}

// addPeer counts (d = 1) or uncounts (d = -1) one address of the record.
func (a *Aggregate) addPeer(st *iface, f *model.Flow, x *model.Ext, id model.FieldID, d int) {
	if !f.Has(id) {
		return
	}
	if p := a.peers; p != nil {
		if d > 0 && p.added(p.oldest+uint64(p.count), f, x, id) {
			st.npeers++
		} else if d < 0 && p.evicted(p.oldest, f, x, id) {
			st.npeers--
		}
		return
	}
	if !f.IPv6() { // both addresses inline: no netip round trip
		k := f.Src
		if id == model.FieldDstAddr {
			k = f.Dst
		}
		add(st.peers4, k, d)
		return
	}
	addr := model.Addr(f, x, id)
	if addr.Is4() {
		b := addr.As4()
		add(st.peers4, uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]), d)
		return
	}
	add(st.peers6, addr.As16(), d)
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

// Records is the number of records counted.
func (a *Aggregate) Records() uint64 { return a.records }

// FlagCounts is how many records carry each tcp-flags value, plus how many
// have no tcp-flags field at all (formats without it, or "-").
type FlagCounts struct {
	ByValue [256]uint64
	Absent  uint64
}

// Combos lists the values that occur, most frequent first (ties by value).
func (c *FlagCounts) Combos() []FlagCombo {
	var out []FlagCombo
	for v, n := range c.ByValue {
		if n > 0 {
			out = append(out, FlagCombo{Value: uint8(v), Count: n})
		}
	}
	slices.SortFunc(out, func(p, q FlagCombo) int {
		if c := cmp.Compare(q.Count, p.Count); c != 0 {
			return c
		}
		return cmp.Compare(p.Value, q.Value)
	})
	return out
}

// FlagCombo is one tcp-flags value and how many records carry it.
type FlagCombo struct {
	Value uint8
	Count uint64
}

// Flags returns the flag-combination counts over every counted record.
func (a *Aggregate) Flags() FlagCounts {
	return FlagCounts{ByValue: a.flags, Absent: a.noFlags}
}

// CountFlags counts flag combinations over the records of v that match, for
// a filtered view; one pass, so run it off the UI goroutine.
func CountFlags(v model.View, match func(f *model.Flow, x *model.Ext) bool) FlagCounts {
	var c FlagCounts
	for i := 0; i < v.Len(); i++ {
		f, x := v.At(i)
		if match != nil && !match(f, x) {
			continue
		}
		if f.Has(model.FieldTCPFlags) {
			c.ByValue[f.Flags]++
		} else {
			c.Absent++
		}
	}
	return c
}
