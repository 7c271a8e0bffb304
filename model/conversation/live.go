package conversation

import (
	"cmp"
	"slices"

	"github.com/flowtail/flowtail/model"
)

// Live keeps the conversations of the records in the store's ring as they
// enter and leave it, so reading them never walks the buffer: a
// model.Observer, O(1) per record and no allocation once its tables have
// grown. Read it only inside Store.Read.
//
// Counts, flags and verdicts are exact for the records in the ring. First
// and Last are the start of a side's oldest buffered record and the end of
// its newest: the earliest and the latest when records arrive in time
// order, as sources deliver them.
type Live struct {
	idx map[model.FlowKey]int32 // by the canonical key: both directions of a flow
	// convs are kept in pages, so growing to a million conversations
	// never copies (or leaves for the collector) one large array.
	convs [][]liveConv
	nconv int32 // conversation slots made
	// rank is what Top orders by, beside convs so ranking a million
	// conversations reads a compact array rather than every struct.
	rank []rankKey
	free []int32 // indexes of emptied conversations, for reuse
	// fifo has one entry per record in the ring, oldest first (a ring of
	// the store's capacity, grown only if more arrive): which
	// conversation side it counted in, so eviction needs no lookup.
	fifo    []entry
	oldest  uint64 // position of the oldest record's entry
	count   int    // entries held; position p is at fifo[p % len(fifo)]
	summary Summary
	n       int // live conversations
}

// entry is one buffered record's place: conversation and side (-1: a
// record without both addresses), its start, and how many records later
// the next record of the same side came (0: none yet).
type entry struct {
	conv  int32
	start uint32
	next  uint32
	side  uint8
}

// rankKey is a conversation's place in the triage order; used is false
// for an emptied slot.
type rankKey struct {
	class  Class
	used   bool
	bytes  uint64
	oldest uint64 // position of its oldest buffered record
}

type liveConv struct {
	c       Conversation // Request: endpoint a → b, Response: b → a (unresolved)
	bits    [2][8]uint32 // per side, per tcp-flags bit: records that set it
	flagged [2]uint32    // per side: records that carried tcp-flags
	first   [2]uint64    // per side: position of its oldest buffered record
	last    [2]uint64    // per side: position of its newest
	class   Class        // as counted in the summary
	used    bool
}

// NewLive returns an empty live pairing for a store of the given
// capacity; attach it with Store.Observe.
func NewLive(capacity int) *Live {
	return &Live{idx: map[model.FlowKey]int32{}, fifo: make([]entry, max(capacity, 1))}
}

func (l *Live) pos() uint64 { return l.oldest + uint64(l.count) }

// Added counts a record entering the ring.
func (l *Live) Added(f *model.Flow, x *model.Ext) {
	p := l.pos()
	fk, ok := model.KeyOf(f, x)
	if !ok {
		l.push(entry{conv: -1})
		return
	}
	s, d := fk.Src, fk.Dst
	k, reversed := fk.Canonical()
	side := uint8(0)
	if reversed {
		side = 1
	}
	n, ok := l.idx[k]
	if !ok {
		if m := len(l.free); m > 0 {
			n = l.free[m-1]
			l.free = l.free[:m-1]
		} else {
			n = l.nconv
			l.nconv++
			if int(n)/convPage == len(l.convs) {
				l.convs = append(l.convs, make([]liveConv, convPage))
			}
			l.rank = append(l.rank, rankKey{})
		}
		*l.conv(n) = liveConv{c: Conversation{Iface: f.Iface, Proto: f.Proto}, used: true}
		l.idx[k] = n
		l.n++
		l.summary[l.classOf(l.conv(n))]++ // counted under its class, then moved
		l.conv(n).class = l.classOf(l.conv(n))
	}
	lc := l.conv(n)
	sd := lc.side(side)
	if sd.Records == 0 {
		sd.src, sd.dst, sd.SrcPort, sd.DstPort = s, d, f.SrcPort, f.DstPort
		lc.first[side] = p
		sd.First = f.Start
	} else {
		l.at(lc.last[side]).next = uint32(p - lc.last[side])
	}
	lc.last[side] = p
	sd.Last = f.End
	sd.Records++
	sd.Packets += uint64(f.Packets)
	sd.Bytes += f.Bytes
	if f.Has(model.FieldTCPFlags) {
		lc.flagged[side]++
		for b := range 8 {
			if f.Flags&(1<<b) != 0 {
				lc.bits[side][b]++
			}
		}
		sd.Flags |= f.Flags
		sd.HasFlags = true
	}
	switch f.Action {
	case model.ActionAccept:
		sd.Accepts++
	case model.ActionReject:
		sd.Rejects++
	}
	l.push(entry{conv: n, side: side, start: f.Start})
	l.touch(n)
}

// Evicted uncounts the oldest record: the store evicts in arrival order.
func (l *Live) Evicted(f *model.Flow, x *model.Ext) {
	if l.count == 0 {
		return
	}
	p := l.oldest
	e := *l.at(p)
	l.oldest++
	l.count--
	if e.conv < 0 {
		return
	}
	lc := l.conv(e.conv)
	sd := lc.side(e.side)
	sd.Records--
	sd.Packets -= uint64(f.Packets)
	sd.Bytes -= f.Bytes
	if f.Has(model.FieldTCPFlags) {
		lc.flagged[e.side]--
		var or uint8
		for b := range 8 {
			if f.Flags&(1<<b) != 0 {
				lc.bits[e.side][b]--
			}
			if lc.bits[e.side][b] > 0 {
				or |= 1 << b
			}
		}
		sd.Flags, sd.HasFlags = or, lc.flagged[e.side] > 0
	}
	switch f.Action {
	case model.ActionAccept:
		sd.Accepts--
	case model.ActionReject:
		sd.Rejects--
	}
	if sd.Records > 0 {
		lc.first[e.side] = p + uint64(e.next)
		sd.First = l.at(lc.first[e.side]).start
	} else {
		*sd = Side{}
	}
	if lc.c.Request.Records == 0 && lc.c.Response.Records == 0 {
		l.summary[lc.class]--
		l.drop(e.conv, f, x)
		return
	}
	l.touch(e.conv)
}

// drop forgets an emptied conversation, found by the key of its last
// record.
func (l *Live) drop(n int32, f *model.Flow, x *model.Ext) {
	fk, _ := model.KeyOf(f, x)
	k, _ := fk.Canonical()
	delete(l.idx, k)
	*l.conv(n) = liveConv{}
	l.rank[n] = rankKey{}
	l.free = append(l.free, n)
	l.n--
}

// convPage is how many conversations one page of Live.convs holds.
const convPage = 4096

func (l *Live) conv(n int32) *liveConv { return &l.convs[n/convPage][n%convPage] }

func (l *Live) push(e entry) {
	if l.count == len(l.fifo) { // more records than the capacity given
		grown := make([]entry, 2*len(l.fifo))
		for i := range l.count {
			grown[(l.oldest+uint64(i))%uint64(len(grown))] = *l.at(l.oldest + uint64(i))
		}
		l.fifo = grown
	}
	*l.at(l.pos()) = e
	l.count++
}

func (l *Live) at(p uint64) *entry { return &l.fifo[p%uint64(len(l.fifo))] }

func (lc *liveConv) side(s uint8) *Side {
	if s == 0 {
		return &lc.c.Request
	}
	return &lc.c.Response
}

// classOf classifies without swapping the sides.
func (l *Live) classOf(lc *liveConv) Class {
	req, _ := clientDirOrder(lc)
	if req == 1 {
		return classify(&lc.c.Response, &lc.c.Request)
	}
	return classify(&lc.c.Request, &lc.c.Response)
}

// clientDirOrder is clientDir with ties in time broken by the positions
// of the sides' oldest records, as the pairer breaks them by arrival.
func clientDirOrder(lc *liveConv) (int, ClientBy) {
	a, b := &lc.c.Request, &lc.c.Response
	a.firstIndex, b.firstIndex = 0, 0
	if a.Seen() && b.Seen() && lc.first[1] < lc.first[0] {
		a.firstIndex = 1
	}
	return clientDir(a, b)
}

// touch reclassifies conversation n after a change and updates its rank.
func (l *Live) touch(n int32) {
	lc := l.conv(n)
	if c := l.classOf(lc); c != lc.class {
		l.summary[lc.class]--
		l.summary[c]++
		lc.class = c
	}
	r := &l.rank[n]
	r.class, r.used = lc.class, true
	r.bytes = lc.c.Request.Bytes + lc.c.Response.Bytes
	switch {
	case lc.c.Request.Records == 0:
		r.oldest = lc.first[1]
	case lc.c.Response.Records == 0:
		r.oldest = lc.first[0]
	default:
		r.oldest = min(lc.first[0], lc.first[1])
	}
}

// Summary counts the live conversations by class.
func (l *Live) Summary() Summary { return l.summary }

// Len is the number of live conversations.
func (l *Live) Len() int { return l.n }

// Top returns the first n conversations in the order Conversations gives
// (worst class first, then by bytes, largest first, then oldest first),
// resolved: one pass over the conversations, sorting only the n kept.
func (l *Live) Top(n int) []Conversation {
	if n <= 0 {
		return nil
	}
	idx := make([]int32, 0, l.n)
	for i := range l.rank {
		if l.rank[i].used {
			idx = append(idx, int32(i))
		}
	}
	rank := l.rank
	idx = topN(idx, n, func(i, j int32) int {
		x, y := &rank[i], &rank[j]
		return cmp.Or(cmp.Compare(x.class, y.class), cmp.Compare(y.bytes, x.bytes), cmp.Compare(x.oldest, y.oldest))
	})
	out := make([]Conversation, len(idx))
	for i, j := range idx {
		lc := l.conv(j)
		c := lc.c
		req, by := clientDirOrder(lc)
		if req == 1 {
			c.Request, c.Response = c.Response, c.Request
		}
		c.ClientBy, c.Class = by, lc.class
		c.Request.firstIndex, c.Response.firstIndex = 0, 0
		out[i] = c
	}
	return out
}

// topN returns the first n items in the order cmp gives (a total order),
// sorting only what it keeps when n is small.
func topN[T any](items []T, n int, cmp func(a, b T) int) []T {
	if n >= len(items)/4 {
		slices.SortFunc(items, cmp)
		return items[:min(n, len(items))]
	}
	// A max-heap of the n best so far: its root is the worst kept.
	h := make([]T, 0, n)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && cmp(h[r], h[l]) > 0 {
				m = r
			}
			if cmp(h[m], h[i]) <= 0 {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for _, it := range items {
		if len(h) < n {
			h = append(h, it)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if cmp(h[i], h[p]) <= 0 {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if cmp(it, h[0]) < 0 {
			h[0] = it
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}
