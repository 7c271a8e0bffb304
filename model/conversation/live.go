package conversation

import (
	"encoding/binary"
	"github.com/flowtail/flowtail/model/ringtable"
	"math/rand/v2"
	"slices"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/wide"
)

// Live keeps the conversations of the records in the store's ring as they
// enter and leave it, so reading them never walks the buffer: a
// model.Observer, O(1) per record and no allocation once its tables have
// grown. Read it only inside Store.Read.
//
// Counts, flags and verdicts are exact for the records in the ring, and
// so are the packet and byte sums, which carry past 64 bits. First
// and Last are the start of a side's oldest buffered record and the end of
// its newest: the earliest and the latest when records arrive in time
// order, as sources deliver them.
//
// Most conversations in a big buffer have a single record, so Live keeps
// no copy of what the ring already holds: a conversation of one record is
// only a table slot pointing at that record, and a conversation is made
// (and its sums kept) when its second record arrives. Keys and addresses
// are read back from the ring's records.
type Live struct {
	ring model.View // the store's ring, read under its write lock
	seed uint64

	// set finds conversations by the canonical key (both directions of a
	// flow): its value is single|i for a one-record conversation whose
	// record's entry is fifo[i], or n+1 for the conversation convs[n].
	set *ringtable.Table[model.FlowKey, liveKeys]

	// convs are kept in pages, so growing to many conversations never
	// copies (or leaves for the collector) one large array.
	convs [][]liveConv
	nconv int32   // conversation slots made
	free  []int32 // indexes of emptied conversations, for reuse

	// bits are per-bit tcp-flags counters, only for conversations whose
	// records carry tcp-flags (default-format records do not).
	bits     [][][2][8]uint32
	nbits    int32
	freeBits []int32

	// fifo has one entry per record in the ring, oldest first (a ring of
	// the store's capacity): the entry of position p is fifo[p % len], and
	// the record itself is the ring's index p - oldest.
	fifo    []entry
	oldest  uint64 // position of the oldest record's entry
	count   int    // entries held
	summary Summary
	n       int // live conversations
}

const single = 1 << 31

// entry is one buffered record's place. ref is the conversation index
// times two plus the side, or one of noKey (a record without both
// addresses) and oneRecord (a conversation of this record alone). For a
// side's record, next is how many records later the side's next record
// came (0: none yet); for a record alone, it is the conversation's class.
type entry struct {
	ref  uint32
	next uint32
}

const (
	noKey     = ^uint32(0)
	oneRecord = ^uint32(0) - 1
)

// liveSide is one direction's sums; the addresses and ports are those of
// its records in the ring.
type liveSide struct {
	first, last      uint64 // positions of its oldest and newest buffered records
	packets, bytes   wide.Sum
	records          uint32
	accepts, rejects uint32
	flagged          uint32 // records that carried tcp-flags
	start, end       uint32 // start of the oldest record, end of the newest
	flags            uint8  // tcp-flags OR-ed over the records
}

type liveConv struct {
	s     [2]liveSide // 0: the canonical key's direction, 1: its reverse
	bits  int32       // index of its per-bit counters; -1 when none
	class Class       // as counted in the summary
	used  bool
}

// NewLive returns an empty live pairing for the store's ring; attach it
// with s.Observe (it reads records back from the ring, so it serves that
// store only).
func NewLive(s *model.Store) *Live {
	l := &Live{ring: s.ObserverView(), seed: rand.Uint64() | 1, fifo: make([]entry, s.Capacity())}
	l.set = ringtable.New[model.FlowKey](liveKeys{l}, s.Capacity())
	return l
}

// liveKeys reads the set's keys back from the ring.
type liveKeys struct{ *Live }

func (k liveKeys) Key(v uint32) model.FlowKey   { return k.keyAt(v) }
func (k liveKeys) Hash(fk model.FlowKey) uint64 { return k.hash(&fk) }

func (l *Live) pos() uint64 { return l.oldest + uint64(l.count) }

func (l *Live) at(p uint64) *entry { return &l.fifo[p%uint64(len(l.fifo))] }

// record is the ring's record at position p.
func (l *Live) record(p uint64) (*model.Flow, *model.Ext) { return l.ring.At(int(p - l.oldest)) }

// position turns a fifo index back into the position it holds.
func (l *Live) position(i uint32) uint64 {
	n := uint64(len(l.fifo))
	return l.oldest + (uint64(i)+n-l.oldest%n)%n
}

func (l *Live) conv(n int32) *liveConv { return &l.convs[n/convPage][n%convPage] }

// convPage is how many conversations one page of Live.convs holds.
const convPage = 4096

func (l *Live) push(e entry) {
	*l.at(l.pos()) = e
	l.count++
}

// Added counts a record entering the ring (it is the ring's newest).
func (l *Live) Added(f *model.Flow, x *model.Ext) {
	p := l.pos()
	fk, ok := model.KeyOf(f, x)
	if !ok {
		l.push(entry{ref: noKey})
		return
	}
	k, reversed := fk.Canonical()
	side := uint8(0)
	if reversed {
		side = 1
	}
	slot, v, found := l.set.Find(k)
	if !found {
		// A conversation of one record: nothing but the slot.
		c := singleClass(f, side)
		l.set.Insert(slot, k, single|uint32(p%uint64(len(l.fifo))))
		l.push(entry{ref: oneRecord, next: uint32(c)})
		l.summary[c]++
		l.n++
		return
	}
	var n int32
	if v&single != 0 {
		n = l.materialise(slot, l.position(v&^single))
	} else {
		n = int32(v - 1)
	}
	lc := l.conv(n)
	l.count++ // the record is now the ring's index p - oldest
	l.addTo(lc, side, p, f)
	*l.at(p) = entry{ref: uint32(n)<<1 | uint32(side)}
	l.touch(n)
}

// materialise makes a conversation of the one record at position q, whose
// slot it takes.
func (l *Live) materialise(slot int, q uint64) int32 {
	var n int32
	if m := len(l.free); m > 0 {
		n = l.free[m-1]
		l.free = l.free[:m-1]
	} else {
		n = l.nconv
		l.nconv++
		if int(n)/convPage == len(l.convs) {
			l.convs = append(l.convs, make([]liveConv, convPage))
		}
	}
	g, gx := l.record(q)
	gk, _ := model.KeyOf(g, gx)
	_, rev := gk.Canonical()
	side := uint8(0)
	if rev {
		side = 1
	}
	lc := l.conv(n)
	*lc = liveConv{bits: -1, used: true, class: Class(l.at(q).next)}
	l.addTo(lc, side, q, g)
	*l.at(q) = entry{ref: uint32(n)<<1 | uint32(side)}
	l.set.Set(slot, uint32(n)+1)
	return n
}

// addTo counts the record at position p (the side's newest) in a side.
func (l *Live) addTo(lc *liveConv, side uint8, p uint64, f *model.Flow) {
	sd := &lc.s[side]
	if sd.records == 0 {
		sd.first = p
		sd.start = f.Start
	} else {
		l.at(sd.last).next = uint32(p - sd.last)
	}
	sd.last = p
	sd.end = f.End
	sd.records++
	sd.packets.Add(f.Packets)
	sd.bytes.Add(f.Bytes)
	if f.Has(model.FieldTCPFlags) {
		if lc.bits < 0 {
			lc.bits = l.newBits()
		}
		sd.flagged++
		b := l.bitsOf(lc.bits, side)
		for i := range 8 {
			if f.Flags&(1<<i) != 0 {
				b[i]++
			}
		}
		sd.flags |= f.Flags
	}
	switch f.Action() {
	case model.ActionAccept:
		sd.accepts++
	case model.ActionReject:
		sd.rejects++
	}
}

// bitsPage is how many conversations' counters one page holds.
const bitsPage = 1024

func (l *Live) newBits() int32 {
	if m := len(l.freeBits); m > 0 {
		i := l.freeBits[m-1]
		l.freeBits = l.freeBits[:m-1]
		return i
	}
	i := l.nbits
	l.nbits++
	if int(i)/bitsPage == len(l.bits) {
		l.bits = append(l.bits, make([][2][8]uint32, bitsPage))
	}
	return i
}

func (l *Live) bitsOf(i int32, side uint8) *[8]uint32 { return &l.bits[i/bitsPage][i%bitsPage][side] }

// Evicted uncounts the oldest record (the ring's index 0): the store
// evicts in arrival order.
func (l *Live) Evicted(f *model.Flow, x *model.Ext) {
	if l.count == 0 {
		return
	}
	// The ring still holds the record until this returns, so the table is
	// updated before the positions move on.
	l.evict(f, x)
	l.oldest++
	l.count--
}

func (l *Live) evict(f *model.Flow, x *model.Ext) {
	p := l.oldest
	e := *l.at(p)
	switch e.ref {
	case noKey:
		return
	case oneRecord:
		k := canonicalKey(f, x)
		l.set.Remove(l.set.SlotOf(k, single|uint32(p%uint64(len(l.fifo)))))
		l.summary[Class(e.next)]--
		l.n--
		return
	}
	n, side := int32(e.ref>>1), uint8(e.ref&1)
	lc := l.conv(n)
	sd := &lc.s[side]
	sd.records--
	sd.packets.Sub(f.Packets)
	sd.bytes.Sub(f.Bytes)
	if f.Has(model.FieldTCPFlags) {
		sd.flagged--
		b := l.bitsOf(lc.bits, side)
		var or uint8
		for i := range 8 {
			if f.Flags&(1<<i) != 0 {
				b[i]--
			}
			if b[i] > 0 {
				or |= 1 << i
			}
		}
		sd.flags = or
	}
	switch f.Action() {
	case model.ActionAccept:
		sd.accepts--
	case model.ActionReject:
		sd.rejects--
	}
	if sd.records > 0 {
		sd.first = p + uint64(e.next)
		g, _ := l.record(sd.first)
		sd.start = g.Start
	} else {
		*sd = liveSide{}
	}
	switch left := lc.s[0].records + lc.s[1].records; left {
	case 0:
		k := canonicalKey(f, x)
		l.set.Remove(l.set.SlotOf(k, uint32(n)+1))
		l.summary[lc.class]--
		l.n--
		l.release(n)
	case 1:
		// Back to a conversation of one record: only the slot again.
		s := uint8(0)
		if lc.s[0].records == 0 {
			s = 1
		}
		q := lc.s[s].first
		g, _ := l.record(q)
		c := singleClass(g, s)
		k := canonicalKey(f, x)
		l.set.Set(l.set.SlotOf(k, uint32(n)+1), single|uint32(q%uint64(len(l.fifo))))
		*l.at(q) = entry{ref: oneRecord, next: uint32(c)}
		l.summary[lc.class]--
		l.summary[c]++
		l.release(n)
	default:
		l.touch(n)
	}
}

func (l *Live) release(n int32) {
	lc := l.conv(n)
	if lc.bits >= 0 {
		l.bits[lc.bits/bitsPage][lc.bits%bitsPage] = [2][8]uint32{}
		l.freeBits = append(l.freeBits, lc.bits)
	}
	*lc = liveConv{}
	l.free = append(l.free, n)
}

// touch reclassifies conversation n after a change.
func (l *Live) touch(n int32) {
	lc := l.conv(n)
	var a, b Side
	l.sides(lc, &a, &b, false)
	req, _ := clientDir(&a, &b)
	var c Class
	if req == 1 {
		c = classify(&b, &a)
	} else {
		c = classify(&a, &b)
	}
	if c != lc.class {
		l.summary[lc.class]--
		l.summary[c]++
		lc.class = c
	}
}

// sides fills the two directions of a conversation as Side values, the
// addresses too when addrs is set. Ties in time are broken by the
// positions of the sides' oldest records, as the pairer breaks them by
// arrival.
func (l *Live) sides(lc *liveConv, a, b *Side, addrs bool) {
	for i, sd := range [2]*Side{a, b} {
		ls := &lc.s[i]
		if ls.records == 0 {
			continue
		}
		g, gx := l.record(ls.last)
		*sd = Side{SrcPort: g.SrcPort, DstPort: g.DstPort, Records: ls.records,
			Flags: ls.flags, HasFlags: ls.flagged > 0, Accepts: ls.accepts, Rejects: ls.rejects, First: ls.start, Last: ls.end}
		sd.Packets, sd.PacketsOver = ls.packets.Capped()
		sd.Bytes, sd.BytesOver = ls.bytes.Capped()
		if addrs {
			sd.src, sd.dst = g.SrcAddr(gx).As16(), g.DstAddr(gx).As16()
		}
	}
	if a.Seen() && b.Seen() && lc.s[1].first < lc.s[0].first {
		a.firstIndex = 1
	}
}

// singleSide is the Side of one record.
func singleSide(f *model.Flow) Side {
	sd := Side{SrcPort: f.SrcPort, DstPort: f.DstPort, Records: 1, Packets: f.Packets, Bytes: f.Bytes,
		First: f.Start, Last: f.End}
	if f.Has(model.FieldTCPFlags) {
		sd.Flags, sd.HasFlags = f.Flags, true
	}
	switch f.Action() {
	case model.ActionAccept:
		sd.Accepts = 1
	case model.ActionReject:
		sd.Rejects = 1
	}
	return sd
}

// singleClass classifies a conversation of one record on the given side,
// as the pairer would.
func singleClass(f *model.Flow, side uint8) Class {
	var sides [2]Side
	sides[side] = singleSide(f)
	req, _ := clientDir(&sides[0], &sides[1])
	return classify(&sides[req], &sides[1-req])
}

// Summary counts the live conversations by class.
func (l *Live) Summary() Summary { return l.summary }

// Len is the number of live conversations.
func (l *Live) Len() int { return l.n }

// ranked is a conversation's place in the triage order: class, then
// bytes (largest first), then the position of its oldest buffered record.
// ref is the conversation's index, or single plus its record's fifo index.
type ranked struct {
	bytes  wide.Sum // both directions', exact
	oldest uint64
	ref    uint32
	class  Class
}

// after reports whether x comes after y in the triage order.
func after(x, y *ranked) bool {
	if x.class != y.class {
		return x.class > y.class
	}
	if x.bytes != y.bytes {
		return x.bytes.Less(y.bytes)
	}
	return x.oldest > y.oldest
}

// Top returns the first n conversations in the order Conversations gives
// (worst class first, then by bytes, largest first, then oldest first),
// resolved: one pass over the ring's entries and the conversations,
// keeping only the n best.
func (l *Live) Top(n int) []Conversation {
	if n <= 0 || l.n == 0 {
		return nil
	}
	h := topHeap{n: min(n, l.n)}
	h.items = make([]ranked, 0, h.n)
	// Conversations of one record, read from the ring in order.
	a, b := l.ring.Chunks()
	p := l.oldest
	// Until the heap is full every entry is kept; then one must beat the
	// worst kept, whose class and bytes are held here. Positions only grow
	// in this loop, so equal bytes never beat it.
	worstClass, worstBytes := Class(classCount), wide.Sum{}
	fi := int(p % uint64(len(l.fifo)))
	for _, chunk := range [2][]model.Flow{a, b} {
		for i := range chunk {
			e := l.fifo[fi]
			if e.ref == oneRecord {
				c := Class(e.next)
				// One record's bytes fit in 64 bits.
				if c < worstClass || c == worstClass && worstBytes.Hi == 0 && chunk[i].Bytes > worstBytes.Lo {
					h.offer(ranked{class: c, bytes: wide.Sum{Lo: chunk[i].Bytes}, oldest: p, ref: single | uint32(fi)})
					if h.full() {
						worstClass, worstBytes = h.items[0].class, h.items[0].bytes
					}
				}
			}
			p++
			if fi++; fi == len(l.fifo) {
				fi = 0
			}
		}
	}
	for i := int32(0); i < l.nconv; i++ {
		lc := l.conv(i)
		if !lc.used {
			continue
		}
		r := ranked{class: lc.class, bytes: lc.s[0].bytes.Plus(lc.s[1].bytes), ref: uint32(i)}
		switch {
		case lc.s[0].records == 0:
			r.oldest = lc.s[1].first
		case lc.s[1].records == 0:
			r.oldest = lc.s[0].first
		default:
			r.oldest = min(lc.s[0].first, lc.s[1].first)
		}
		h.offer(r)
	}
	slices.SortFunc(h.items, func(x, y ranked) int {
		switch {
		case x.oldest == y.oldest: // positions differ between conversations
			return 0
		case after(&x, &y):
			return 1
		}
		return -1
	})
	out := make([]Conversation, len(h.items))
	for i, r := range h.items {
		out[i] = l.resolve(r)
	}
	return out
}

// resolve is the conversation a ranked entry stands for, request first.
func (l *Live) resolve(r ranked) Conversation {
	var a, b Side
	var g *model.Flow
	if r.ref&single != 0 {
		f, fx := l.record(r.oldest)
		g = f
		a = singleSide(f)
		a.src, a.dst = f.SrcAddr(fx).As16(), f.DstAddr(fx).As16()
	} else {
		lc := l.conv(int32(r.ref))
		l.sides(lc, &a, &b, true)
		s := 0
		if lc.s[0].records == 0 {
			s = 1
		}
		g, _ = l.record(lc.s[s].last)
	}
	req, by := clientDir(&a, &b)
	if req == 1 {
		a, b = b, a
	}
	a.firstIndex, b.firstIndex = 0, 0
	return Conversation{Iface: g.Iface, Proto: g.Proto, ClientBy: by, Class: r.class, Request: a, Response: b}
}

// topHeap keeps the n best ranked entries: a max-heap whose root is the
// worst kept.
type topHeap struct {
	items []ranked
	n     int
}

func (h *topHeap) full() bool { return len(h.items) == h.n }

func (h *topHeap) offer(r ranked) {
	it := h.items
	if len(it) < h.n {
		it = append(it, r)
		for i := len(it) - 1; i > 0; {
			p := (i - 1) / 2
			if !after(&it[i], &it[p]) {
				break
			}
			it[i], it[p] = it[p], it[i]
			i = p
		}
		h.items = it
		return
	}
	if !after(&it[0], &r) {
		return
	}
	it[0] = r
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(it) {
			return
		}
		if d := c + 1; d < len(it) && after(&it[d], &it[c]) {
			c = d
		}
		if !after(&it[c], &it[i]) {
			return
		}
		it[i], it[c] = it[c], it[i]
		i = c
	}
}

// The set's keys.

func mix(x uint64) uint64 {
	x ^= x >> 32
	x *= 0xd6e8feb86659fd93
	x ^= x >> 32
	x *= 0xd6e8feb86659fd93
	return x ^ x>>32
}

func (l *Live) hash(k *model.FlowKey) uint64 {
	h := l.seed ^ uint64(k.Iface)<<32 ^ uint64(k.SrcPort)<<16 ^ uint64(k.DstPort) ^ uint64(k.Proto)<<48
	h = mix(h ^ binary.LittleEndian.Uint64(k.Src[8:]))
	h = mix(h ^ binary.LittleEndian.Uint64(k.Dst[8:]))
	if binary.LittleEndian.Uint64(k.Src[:8])|binary.LittleEndian.Uint64(k.Dst[:8]) != 0 { // IPv6
		h = mix(h ^ binary.LittleEndian.Uint64(k.Src[:8]))
		h = mix(h ^ binary.LittleEndian.Uint64(k.Dst[:8]))
	}
	return h
}

// keyAt is the canonical key of a slot's conversation, read from one of
// its records in the ring.
func (l *Live) keyAt(v uint32) model.FlowKey {
	var p uint64
	if v&single != 0 {
		p = l.position(v &^ single)
	} else {
		lc := l.conv(int32(v - 1))
		p = lc.s[0].last
		if lc.s[0].records == 0 {
			p = lc.s[1].last
		}
	}
	g, gx := l.record(p)
	gk, _ := model.KeyOf(g, gx)
	k, _ := gk.Canonical()
	return k
}

func canonicalKey(f *model.Flow, x *model.Ext) model.FlowKey {
	fk, _ := model.KeyOf(f, x)
	k, _ := fk.Canonical()
	return k
}
