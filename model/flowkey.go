package model

import "bytes"

// FlowKey is a record's flow on its interface in one direction. A reply
// logged on the same interface has the reversed key of its request: that
// is how explain, the rules pane and conversations tell the two apart.
type FlowKey struct {
	Iface            uint32 // interned interface-id
	Src, Dst         [16]byte
	SrcPort, DstPort uint16
	Proto            uint8
}

// KeyOf is the record's flow key; false when it lacks an address (NODATA).
func KeyOf(f *Flow, x *Ext) (FlowKey, bool) {
	if !f.Has(FieldSrcAddr) || !f.Has(FieldDstAddr) {
		return FlowKey{}, false
	}
	return FlowKey{Iface: f.Iface, Src: f.SrcAddr(x).As16(), Dst: f.DstAddr(x).As16(),
		SrcPort: f.SrcPort, DstPort: f.DstPort, Proto: f.Proto}, true
}

// Reverse is the key of the record that would answer this one.
func (k FlowKey) Reverse() FlowKey {
	return FlowKey{Iface: k.Iface, Src: k.Dst, Dst: k.Src, SrcPort: k.DstPort, DstPort: k.SrcPort, Proto: k.Proto}
}

// Canonical is the key of the flow whichever way it goes (the lower
// address and port first), and whether k is the reversed way.
func (k FlowKey) Canonical() (FlowKey, bool) {
	c := bytes.Compare(k.Src[:], k.Dst[:])
	if c > 0 || c == 0 && k.SrcPort > k.DstPort {
		return k.Reverse(), true
	}
	return k, false
}

// ReverseLookback is how many records back the reversed record of a flow
// is looked for, as evidence that the flow is a reply. A window, so the
// cost (and, on a stream, the memory) never follows the input's size.
const ReverseLookback = 20000

// ReverseBefore reports whether the reversed record of record i is among
// the ReverseLookback records before it in the ring.
func ReverseBefore(v View, i int) bool {
	f, x := v.At(i)
	k, ok := KeyOf(f, x)
	if !ok {
		return false
	}
	want := k.Reverse()
	for j := i - 1; j >= 0 && j >= i-ReverseLookback; j-- {
		g, gx := v.At(j)
		if g.Iface != want.Iface || g.SrcPort != want.SrcPort || g.DstPort != want.DstPort || g.Proto != want.Proto {
			continue
		}
		if gk, ok := KeyOf(g, gx); ok && gk == want {
			return true
		}
	}
	return false
}

// RecentFlows is ReverseBefore for a stream of records that is not kept
// (explain): the keys of the last ReverseLookback records, so its memory
// is the window's, not the input's.
type RecentFlows struct {
	ring  []FlowKey
	next  int
	full  bool
	count map[FlowKey]int32
}

// NewRecentFlows remembers the last n records' keys.
func NewRecentFlows(n int) *RecentFlows {
	return &RecentFlows{ring: make([]FlowKey, n), count: make(map[FlowKey]int32, n)}
}

// Add puts a record in the window (forgetting the oldest when full) and
// reports whether its reversed record was among the ones before it, as
// ReverseBefore does for a ring.
func (r *RecentFlows) Add(f *Flow, x *Ext) (reverseSeen bool) {
	if r.full {
		if old := r.ring[r.next]; old != (FlowKey{}) {
			if r.count[old]--; r.count[old] <= 0 {
				delete(r.count, old)
			}
		}
	}
	k, ok := KeyOf(f, x)
	if ok {
		reverseSeen = r.count[k.Reverse()] > 0
		r.count[k]++
	} else {
		k = FlowKey{} // a record without a flow still takes its place in the window
	}
	r.ring[r.next] = k
	if r.next++; r.next == len(r.ring) {
		r.next, r.full = 0, true
	}
	return reverseSeen
}

// Rebind re-keys the window for records interned in another interner:
// iface maps an old interface id to its id there. The explain command
// starts a new interner when its own grows large, and the window must
// keep finding the replies of requests read before the switch.
func (r *RecentFlows) Rebind(iface func(uint32) uint32) {
	clear(r.count)
	for i, k := range r.ring {
		if k == (FlowKey{}) {
			continue
		}
		k.Iface = iface(k.Iface)
		r.ring[i] = k
		r.count[k]++
	}
}
