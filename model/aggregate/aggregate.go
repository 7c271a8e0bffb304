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
	"github.com/flowtail/flowtail/model/wide"
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

	peers peerSource
}

// verdicts counts the flows, accepts and rejects in one time bucket.
type verdicts struct{ flows, accepts, rejects uint32 }

// traffic is one interface's traffic in one time bucket.
type traffic struct {
	flows uint32
	bytes wide.Sum
}

// iface is the running state of one interface.
type iface struct {
	records          uint64 // every record, NODATA and SKIPDATA included
	flows            uint64 // records that describe traffic
	packets, bytes   wide.Sum
	accepts, rejects uint64
	skipped          uint64 // SKIPDATA records
	ports            portCounts
	spark            map[uint32]traffic
	last             maxWindow
}

// New returns an empty aggregate that also counts peers.
func New() *Aggregate {
	a := newAggregate()
	a.peers.own = NewPeers()
	return a
}

func newAggregate() *Aggregate {
	return &Aggregate{ifaces: map[uint32]*iface{}, hist: map[uint32]verdicts{}}
}

// Attach registers a new aggregate with the store; it first counts the
// records already buffered. It counts peers only once CountPeers is
// called: until then its snapshots say Interface.Peers = -1.
func Attach(s *model.Store) *Aggregate {
	a := newAggregate()
	s.Observe(a)
	return a
}

// CountsPeers reports whether snapshots carry peers.
func (a *Aggregate) CountsPeers() bool { return a.peers.peers() != nil }

// CountPeers makes an attached aggregate count peers from now on: the
// first call counts the records buffered, under the store's write lock
// (about a third of a second for a million records), so call it off the
// UI goroutine. A no-op for a private aggregate, which always counts.
// Safe to call from several goroutines.
func (a *Aggregate) CountPeers(s *model.Store) {
	if a.peers.peers() != nil {
		return
	}
	a.peers.attach.Lock()
	defer a.peers.attach.Unlock()
	if a.peers.peers() != nil {
		return // another caller attached it while this one waited
	}
	a.peers.attached.Store(AttachPeers(s))
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
		st = &iface{
			spark: map[uint32]traffic{},
		}
		a.ifaces[id] = st
	}
	a.lastID, a.last = id, st
	return st
}

func isTraffic(f *model.Flow) bool {
	return f.Status() != model.StatusNoData && f.Status() != model.StatusSkipData
}

// Added counts a record entering the ring.
func (a *Aggregate) Added(f *model.Flow, x *model.Ext) {
	st := a.ifaceOf(f)
	st.last.push(f.End, f.Has(model.FieldEnd))
	a.count(st, f, 1)
	if a.peers.own != nil {
		a.peers.own.Added(f, x)
	}
}

// Evicted uncounts a record leaving the ring. The store evicts in arrival
// order, which the last-seen window relies on.
func (a *Aggregate) Evicted(f *model.Flow, x *model.Ext) {
	st := a.last
	if st == nil || a.lastID != f.Iface {
		st = a.ifaces[f.Iface]
	}
	if st == nil {
		a.records--
		return
	}
	st.last.pop()
	a.count(st, f, -1)
	if a.peers.own != nil {
		a.peers.own.Evicted(f, x)
	}
	if st.records == 0 {
		delete(a.ifaces, f.Iface)
		if a.last == st {
			a.last = nil
		}
	}
}

// count adds (d = 1) or removes (d = -1) a record's share of every
// counter; the unsigned counters wrap back exactly on removal, and the
// byte and packet sums carry past 64 bits (see sum). A time bucket that
// falls to zero flows is dropped.
func (a *Aggregate) count(st *iface, f *model.Flow, d int) {
	d32, d64 := uint32(d), uint64(d)
	a.records += d64
	st.records += d64
	if f.Status() == model.StatusSkipData {
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
	st.packets.Step(f.Packets, d)
	st.bytes.Step(f.Bytes, d)
	switch f.Action() {
	case model.ActionAccept:
		st.accepts += d64
	case model.ActionReject:
		st.rejects += d64
	}
	if f.Has(model.FieldDstPort) {
		st.ports.add(f.DstPort, d)
	}
	if !f.Has(model.FieldStart) {
		return
	}
	b := f.Start / BucketSeconds
	t := st.spark[b]
	t.flows += d32
	t.bytes.Step(f.Bytes, d)
	if t.flows == 0 {
		delete(st.spark, b)
	} else {
		st.spark[b] = t
	}
	h := a.hist[b]
	h.flows += d32
	switch f.Action() {
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
