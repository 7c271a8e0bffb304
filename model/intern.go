package model

import (
	"sync"
	"sync/atomic"
)

// Interner maps repeated strings (ENI ids, accounts, VPCs, services) to small
// ids so records stay fixed-size. Id 0 is the empty string. It is safe for
// one writer and many readers at once.
//
// A store's interner forgets what its ring no longer holds: the store
// counts the records referring to each id, and an id no record refers to
// is reclaimed and later reused, so memory follows the ring, not the
// history of the input. Ids handed out by Lookup and IDString (query
// literals, a selected interface) are pinned and never reclaimed, so no
// one holding an id sees it change meaning; ids from ID and RecordID are
// for records only. Interners not owned by a store never forget.
type Interner struct {
	mu  sync.RWMutex
	ids map[string]uint32
	// chunks holds the names by id. Slots are atomic so Name, called per
	// drawn cell and per record in queries, takes no lock, and a reused
	// slot is never read half-written.
	chunks atomic.Pointer[[]*nameChunk]
	next   uint32 // first id never handed out

	// Reclaiming (a store's interner only). refs is written by the
	// store's single ingest goroutine; pinned and free under mu.
	reclaim bool
	refs    []int32
	pinned  map[uint32]struct{}
	free    []uint32
	fresh   []uint32 // added since the last sweep: reclaimed if no record took them
	spare   []uint32 // the buffer fresh is swapped with while a sweep walks it
	// While records are parsed ahead of the store (a parallel load),
	// reclaiming waits: ids that look unused may belong to them.
	holds    atomic.Int32
	deferred []uint32
}

const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
)

type nameChunk [chunkSize]atomic.Pointer[string]

// NewInterner returns an interner holding only the empty string.
func NewInterner() *Interner {
	in := &Interner{ids: map[string]uint32{"": 0}, next: 1}
	in.chunks.Store(&[]*nameChunk{new(nameChunk)})
	empty := ""
	(*in.chunks.Load())[0][0].Store(&empty)
	return in
}

// ID interns b for a record and returns its id. Looking up a known value
// does not allocate.
func (in *Interner) ID(b []byte) uint32 {
	in.mu.RLock()
	id, ok := in.ids[string(b)]
	in.mu.RUnlock()
	if ok {
		return id
	}
	return in.add(string(b), false)
}

// RecordID is ID for a string.
func (in *Interner) RecordID(s string) uint32 {
	in.mu.RLock()
	id, ok := in.ids[s]
	in.mu.RUnlock()
	if ok {
		return id
	}
	return in.add(s, false)
}

// IDString interns s and returns its id, pinned: the caller may keep it.
func (in *Interner) IDString(s string) uint32 {
	if id, ok := in.Lookup(s); ok {
		return id
	}
	return in.add(s, true)
}

// Lookup returns the id of s without adding it; a found id is pinned.
func (in *Interner) Lookup(s string) (uint32, bool) {
	in.mu.RLock()
	id, ok := in.ids[s]
	_, pinned := in.pinned[id]
	in.mu.RUnlock()
	if ok && in.reclaim && id != 0 && !pinned {
		in.mu.Lock()
		if in.pinned == nil {
			in.pinned = map[uint32]struct{}{}
		}
		in.pinned[id] = struct{}{}
		in.mu.Unlock()
	}
	return id, ok
}

func (in *Interner) add(s string, pin bool) uint32 {
	in.mu.Lock()
	defer in.mu.Unlock()
	if id, ok := in.ids[s]; ok {
		return id
	}
	var id uint32
	if n := len(in.free); n > 0 {
		id = in.free[n-1]
		in.free = in.free[:n-1]
	} else {
		id = in.next
		in.next++
		chunks := *in.chunks.Load()
		if int(id>>chunkBits) >= len(chunks) {
			grown := append(chunks[:len(chunks):len(chunks)], new(nameChunk))
			in.chunks.Store(&grown)
		}
	}
	(*in.chunks.Load())[id>>chunkBits][id&(chunkSize-1)].Store(&s)
	in.ids[s] = id
	if in.reclaim {
		if pin {
			if in.pinned == nil {
				in.pinned = map[uint32]struct{}{}
			}
			in.pinned[id] = struct{}{}
		} else {
			in.fresh = append(in.fresh, id)
		}
	}
	return id
}

// Name returns the string for an id ("" for an unknown or reclaimed id).
func (in *Interner) Name(id uint32) string {
	chunks := *in.chunks.Load()
	if c := id >> chunkBits; int(c) < len(chunks) {
		if p := chunks[c][id&(chunkSize-1)].Load(); p != nil {
			return *p
		}
	}
	return ""
}

// Len is the number of distinct strings held.
func (in *Interner) Len() int {
	in.mu.RLock()
	defer in.mu.RUnlock()
	return len(in.ids)
}

// ref adds d to the count of records referring to id; at zero the id is
// reclaimed unless pinned. Only the store calls it, from its one writer.
func (in *Interner) ref(id uint32, d int32) {
	if id == 0 {
		return
	}
	if int(id) >= len(in.refs) {
		in.mu.RLock()
		next := in.next
		in.mu.RUnlock()
		in.refs = append(in.refs, make([]int32, int(next)-len(in.refs)+chunkSize)...)
	}
	in.refs[id] += d
	if in.refs[id] == 0 {
		in.forget(id)
	}
}

// sweep reclaims ids added since the last sweep that no record took (the
// strings of lines that turned out malformed). Only the store calls it,
// when no parsed record is waiting to be added.
func (in *Interner) sweep() {
	in.mu.RLock()
	n := len(in.fresh)
	in.mu.RUnlock()
	if n == 0 {
		return
	}
	// Swap buffers: decoders parsing ahead keep appending to in.fresh
	// while this one is walked, so they must not share its array.
	in.mu.Lock()
	fresh := in.fresh
	in.fresh, in.spare = in.spare[:0], nil
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.spare = fresh[:0]
		in.mu.Unlock()
	}()
	for _, id := range fresh {
		if int(id) >= len(in.refs) || in.refs[id] == 0 {
			in.forget(id)
		}
	}
}

func (in *Interner) forget(id uint32) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.pinned[id]; ok {
		return
	}
	if in.holds.Load() > 0 {
		in.deferred = append(in.deferred, id)
		return
	}
	slot := &(*in.chunks.Load())[id>>chunkBits][id&(chunkSize-1)]
	p := slot.Load()
	if p == nil {
		return // already reclaimed
	}
	delete(in.ids, *p)
	slot.Store(nil)
	in.free = append(in.free, id)
}

// waiting is how many strings wait for the last hold to end to be
// reclaimed.
func (in *Interner) waiting() int {
	in.mu.RLock()
	defer in.mu.RUnlock()
	return len(in.deferred)
}

// hold stops reclaiming until the matching unhold.
func (in *Interner) hold() { in.holds.Add(1) }

// unhold ends a hold; the last one reclaims what was deferred and is still
// unused. Only the store calls it, from its one writer.
func (in *Interner) unhold() {
	if in.holds.Add(-1) > 0 {
		return
	}
	in.mu.Lock()
	ids := in.deferred
	in.deferred = nil
	in.mu.Unlock()
	for _, id := range ids {
		if int(id) >= len(in.refs) || in.refs[id] == 0 {
			in.forget(id)
		}
	}
}
