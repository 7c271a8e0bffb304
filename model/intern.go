package model

import (
	"sync"
	"sync/atomic"
)

// Interner maps repeated strings (ENI ids, accounts, VPCs, services) to small
// ids so records stay fixed-size. Id 0 is the empty string. It is safe for
// one writer and many readers at once.
type Interner struct {
	mu  sync.RWMutex
	ids map[string]uint32
	// names is published anew on every add; appending writes only past
	// the length readers hold, so Name, called per drawn cell and per
	// record in queries, takes no lock.
	names atomic.Pointer[[]string]
}

// NewInterner returns an interner holding only the empty string.
func NewInterner() *Interner {
	in := &Interner{ids: map[string]uint32{"": 0}}
	in.names.Store(&[]string{""})
	return in
}

// ID interns b and returns its id. Looking up a known value does not allocate.
func (in *Interner) ID(b []byte) uint32 {
	in.mu.RLock()
	id, ok := in.ids[string(b)]
	in.mu.RUnlock()
	if ok {
		return id
	}
	return in.add(string(b))
}

// IDString is ID for a string.
func (in *Interner) IDString(s string) uint32 {
	in.mu.RLock()
	id, ok := in.ids[s]
	in.mu.RUnlock()
	if ok {
		return id
	}
	return in.add(s)
}

// Lookup returns the id of s without adding it.
func (in *Interner) Lookup(s string) (uint32, bool) {
	in.mu.RLock()
	defer in.mu.RUnlock()
	id, ok := in.ids[s]
	return id, ok
}

func (in *Interner) add(s string) uint32 {
	in.mu.Lock()
	defer in.mu.Unlock()
	if id, ok := in.ids[s]; ok {
		return id
	}
	names := append(*in.names.Load(), s)
	id := uint32(len(names) - 1)
	in.ids[s] = id
	in.names.Store(&names)
	return id
}

// Name returns the string for an id ("" for an unknown id).
func (in *Interner) Name(id uint32) string {
	if names := *in.names.Load(); int(id) < len(names) {
		return names[id]
	}
	return ""
}

// Len is the number of distinct strings held.
func (in *Interner) Len() int {
	return len(*in.names.Load())
}
