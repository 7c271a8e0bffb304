package cloudwatch

import (
	"encoding/binary"
	"hash/maphash"
)

// seen remembers the events delivered within the window that later queries
// may return again, so FilterLogEvents passes and Live Tail updates merge
// into one stream with no event twice and none lost.
//
// Live Tail events carry no eventId, so an event is known by a 64-bit hash of
// (group, stream, timestamp, message); FilterLogEvents events are also known
// by their eventId. For each content key it counts how many copies each path
// has seen; the number delivered is the larger count, so two genuinely equal
// records still both arrive. Memory is bucketed by event minute and dropped
// as the window moves on.
type seen struct {
	seed     maphash.Seed
	buckets  map[int64]*bucket
	entries  int
	max      int
	overflow bool // entries were dropped early to stay under max
}

type bucket struct {
	keys map[uint64]copies
	ids  map[uint64]struct{}
}

type copies struct{ live, filtered uint32 }

const bucketMillis = 5_000

func newSeen(max int) *seen {
	return &seen{seed: maphash.MakeSeed(), buckets: map[int64]*bucket{}, max: max}
}

func (s *seen) bucket(ts int64) *bucket {
	k := floorDiv(ts, bucketMillis)
	b, ok := s.buckets[k]
	if !ok {
		b = &bucket{keys: map[uint64]copies{}, ids: map[uint64]struct{}{}}
		s.buckets[k] = b
	}
	return b
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func (s *seen) key(group int, stream string, ts int64, msg string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var n [16]byte
	binary.LittleEndian.PutUint64(n[:8], uint64(group))
	binary.LittleEndian.PutUint64(n[8:], uint64(ts))
	h.Write(n[:])
	h.WriteString(stream)
	h.WriteByte(0)
	h.WriteString(msg)
	return h.Sum64()
}

func (s *seen) idKey(group int, id string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(group))
	h.Write(n[:])
	h.WriteString(id)
	return h.Sum64()
}

// live records a Live Tail event and says whether it is new.
func (s *seen) live(group int, stream string, ts int64, msg string) bool {
	return s.count(s.bucket(ts), s.key(group, stream, ts, msg), false)
}

// filtered records a FilterLogEvents event and says whether it is new.
func (s *seen) filtered(group int, stream string, ts int64, msg, id string) bool {
	b := s.bucket(ts)
	ik := s.idKey(group, id)
	if _, dup := b.ids[ik]; dup {
		return false
	}
	b.ids[ik] = struct{}{}
	s.entries++
	return s.count(b, s.key(group, stream, ts, msg), true)
}

// count adds a copy of content key k seen by one path (Live Tail or
// FilterLogEvents) and says whether it is one more than was delivered.
func (s *seen) count(b *bucket, k uint64, filtered bool) bool {
	c, ok := b.keys[k]
	if !ok {
		s.entries++
	}
	before := max(c.live, c.filtered)
	n := &c.live
	if filtered {
		n = &c.filtered
	}
	*n++
	b.keys[k] = c
	return *n > before
}

// forget drops what lies wholly before horizon (ms): no later query
// reaches back that far. It then drops the oldest minutes while the memory
// is over its bound, and says so through overflow.
func (s *seen) forget(horizon int64) {
	hb := floorDiv(horizon, bucketMillis)
	var oldest int64
	for {
		found := false
		for k, b := range s.buckets {
			if k < hb {
				s.drop(k, b)
				continue
			}
			if !found || k < oldest {
				oldest, found = k, true
			}
		}
		if s.entries <= s.max || !found {
			return
		}
		s.overflow = true
		hb = oldest + 1
	}
}

func (s *seen) drop(k int64, b *bucket) {
	s.entries -= len(b.keys) + len(b.ids)
	delete(s.buckets, k)
}
