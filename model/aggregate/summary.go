package aggregate

import (
	"cmp"
	"slices"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/wide"
)

// Interface is the summary of one interface's records in the buffer.
type Interface struct {
	ID      uint32 // interned interface-id (0: records without one)
	Name    string // interface-id as logged ("" when absent)
	Records uint64 // all records, NODATA and SKIPDATA included
	Flows   uint64 // records that describe traffic
	// Packets and Bytes are the sums over the flows, math.MaxUint64 when
	// a sum passes what 64 bits hold (PacketsOver, BytesOver say so).
	Packets, Bytes         uint64
	PacketsOver, BytesOver bool
	Accepts                uint64
	Rejects                uint64
	Skipped                uint64 // SKIPDATA records: AWS dropped some flows
	// Peers is the distinct addresses seen less one: the interface's own
	// primary address, which AWS puts in every record as srcaddr or
	// dstaddr. A dual-stack interface's second own address counts as a
	// peer. -1 until the aggregate counts peers (Aggregate.CountPeers).
	Peers    int
	TopPorts []PortCount
	LastSeen uint32 // newest end time, unix seconds (0 when none)
	// Spark is the bytes per column over the buffer's time range (the
	// Histogram's columns), oldest first; a column past 64 bits stays at
	// math.MaxUint64.
	Spark []uint64
}

// RejectPct is the share of flows rejected, 0–100.
func (i *Interface) RejectPct() float64 {
	if i.Accepts+i.Rejects == 0 {
		return 0
	}
	return 100 * float64(i.Rejects) / float64(i.Accepts+i.Rejects)
}

// PortCount is a destination port and how many flows went to it.
type PortCount struct {
	Port  uint16
	Flows uint32
}

// Histogram is accepts and rejects per column over the buffer's time range.
type Histogram struct {
	From, To         uint32 // unix seconds: start of the first bucket, end of the last
	Accepts, Rejects []uint64
}

// Options size what a snapshot computes: the work is proportional to the
// number of interfaces, ports and time buckets, never to the records.
type Options struct {
	TopPorts int // destination ports listed per interface
	Columns  int // sparkline and histogram columns (fewer when the range is shorter)
}

// Snapshot is everything a triage view shows, copied out so it can be used
// after the store's lock is released.
type Snapshot struct {
	Records    uint64
	Interfaces []Interface // ordered by interface-id
	Flags      FlagCounts
	Histogram  Histogram
}

// Take copies an attached aggregate out under the store's read lock.
func Take(s *model.Store, a *Aggregate, o Options) Snapshot {
	var snap Snapshot
	s.Read(func(v model.View) { snap = a.Snapshot(v.Names(), o) })
	return snap
}

// Snapshot copies the aggregate out. For an attached aggregate the caller
// must hold the store's read lock (inside Store.Read); Take does that.
func (a *Aggregate) Snapshot(names *model.Interner, o Options) Snapshot {
	snap := Snapshot{Records: a.records, Flags: a.Flags()}
	lo, hi, ok := a.bucketRange()
	cols := 0
	if ok && o.Columns > 0 {
		cols = int(min(uint64(o.Columns), uint64(hi-lo)+1))
		snap.Histogram = Histogram{
			From:    lo * BucketSeconds,
			To:      (hi + 1) * BucketSeconds,
			Accepts: make([]uint64, cols),
			Rejects: make([]uint64, cols),
		}
		for b, h := range a.hist {
			c := column(b, lo, hi, cols)
			snap.Histogram.Accepts[c] += uint64(h.accepts)
			snap.Histogram.Rejects[c] += uint64(h.rejects)
		}
	}
	snap.Interfaces = make([]Interface, 0, len(a.ifaces))
	peers := a.peers.peers()
	for id, st := range a.ifaces {
		it := Interface{
			ID: id, Name: names.Name(id),
			Records: st.records, Flows: st.flows,
			Accepts: st.accepts, Rejects: st.rejects, Skipped: st.skipped,
			Peers:    -1,
			TopPorts: topPorts(&st.ports, o.TopPorts),
		}
		it.Packets, it.PacketsOver = st.packets.Capped()
		it.Bytes, it.BytesOver = st.bytes.Capped()
		if peers != nil {
			it.Peers = peers.Count(id)
		}
		it.LastSeen, _ = st.last.max()
		if cols > 0 {
			it.Spark = make([]uint64, cols)
			for b, t := range st.spark {
				c := column(b, lo, hi, cols)
				bytes, _ := t.bytes.Capped()
				it.Spark[c] = wide.AddCapped(it.Spark[c], bytes)
			}
		}
		snap.Interfaces = append(snap.Interfaces, it)
	}
	slices.SortFunc(snap.Interfaces, func(p, q Interface) int { return cmp.Compare(p.Name, q.Name) })
	return snap
}

// bucketRange is the first and last time bucket holding traffic.
func (a *Aggregate) bucketRange() (lo, hi uint32, ok bool) {
	for b := range a.hist {
		if !ok || b < lo {
			lo = b
		}
		if !ok || b > hi {
			hi = b
		}
		ok = true
	}
	return lo, hi, ok
}

// column maps a bucket in [lo, hi] to one of cols columns.
func column(b, lo, hi uint32, cols int) int {
	n := uint64(hi-lo) + 1
	return int(uint64(b-lo) * uint64(cols) / n)
}

// topPorts picks the n most used ports (ties by lower port) without sorting
// them all.
func topPorts(ports *portCounts, n int) []PortCount {
	if n <= 0 || ports.Len() == 0 {
		return nil
	}
	top := make([]PortCount, 0, n+1)
	for p, c := range ports.all() {
		pc := PortCount{Port: p, Flows: c}
		i := len(top)
		for i > 0 && better(pc, top[i-1]) {
			i--
		}
		if i >= n {
			continue
		}
		top = slices.Insert(top, i, pc)
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}

func better(p, q PortCount) bool {
	return p.Flows > q.Flows || p.Flows == q.Flows && p.Port < q.Port
}
