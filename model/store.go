package model

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// DefaultCapacity is the default number of records the ring holds.
const DefaultCapacity = 1_000_000

// Observer is told of every record entering and leaving the ring, under the
// store's write lock, so aggregates stay exact without a recount.
type Observer interface {
	Added(f *Flow, x *Ext)
	Evicted(f *Flow, x *Ext)
}

// Malformed is a line that could not be parsed, kept for display.
type Malformed struct {
	Origin    string
	LineNo    int64  // in a file; 0 for CloudWatch events
	Stream    string // CloudWatch log stream
	Timestamp int64  // CloudWatch event time (ms)
	Line      string
	Err       string
}

// MalformedEvent describes an event that is not a record.
func MalformedEvent(ev *Event, err error) Malformed {
	return Malformed{Origin: ev.Origin, LineNo: ev.LineNo, Stream: ev.Stream, Timestamp: ev.Timestamp,
		Line: KeepLine(ev.Line), Err: err.Error()}
}

// Where locates the line for a reader: FILE:LINE, or for a CloudWatch
// event GROUP STREAM at its timestamp (events have no line numbers).
func (m *Malformed) Where() string {
	switch {
	case m.LineNo > 0:
		return m.Origin + ":" + strconv.FormatInt(m.LineNo, 10)
	case m.Stream != "" && m.Timestamp != 0:
		return m.Origin + " " + m.Stream + " at " + time.UnixMilli(m.Timestamp).UTC().Format("2006-01-02T15:04:05.000Z")
	case m.Stream != "":
		return m.Origin + " " + m.Stream
	}
	return m.Origin
}

// Counters are the store's running totals.
type Counters struct {
	Seen      uint64 // records appended since start
	Evicted   uint64 // records pushed out of the ring
	Malformed uint64 // lines that were not records
	Headers   uint64 // header lines recognised
}

// Store is the bounded ring of records plus what is needed to read them:
// the interner, the ext records, the malformed side ring and counters.
// One goroutine ingests; any number read under RLock via Read.
type Store struct {
	mu    sync.RWMutex
	flows []Flow
	head  int // index of the oldest record
	n     int
	ext   extDeque
	names *Interner
	obs   []Observer

	counters Counters
	bad      []Malformed // side ring of the newest malformed lines
	badHead  int
	gen      atomic.Uint64
}

// MaxMalformedKept is how many malformed lines are kept for display.
const MaxMalformedKept = 1000

// NewStore returns a store that keeps the newest capacity records.
func NewStore(capacity int) *Store {
	if capacity < 1 {
		capacity = 1
	}
	names := NewInterner()
	names.reclaim = true
	flows := make([]Flow, capacity)
	// Only the page faults of the first writes are at stake: advice the
	// kernel refuses changes nothing else.
	_ = adviseHugePages(unsafe.Pointer(unsafe.SliceData(flows)), uintptr(capacity)*unsafe.Sizeof(Flow{}))
	return &Store{flows: flows, names: names}
}

// Names is the interner for the store's records.
func (s *Store) Names() *Interner { return s.names }

// Capacity is the most records the ring holds.
func (s *Store) Capacity() int { return len(s.flows) }

// Observe registers an aggregate; it is first told of every record
// already in the ring.
func (s *Store) Observe(o Observer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < s.n; i++ {
		f := &s.flows[(s.head+i)%len(s.flows)]
		o.Added(f, s.ext.get(f))
	}
	s.obs = append(s.obs, o)
}

// Generation changes whenever the store changes; the UI redraws only when
// it differs from the one it last drew.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// Appender adds records in bulk under one lock.
type Appender struct{ s *Store }

// Append adds many records at once; the callback receives an Appender whose
// Add and Bad may be called repeatedly. Readers wait for the whole batch.
func (s *Store) Append(fn func(a Appender)) {
	s.mu.Lock()
	fn(Appender{s})
	s.names.sweep()
	s.mu.Unlock()
	s.gen.Add(1)
}

// Add appends one parsed record (x is used only when f.HasExt()).
func (a Appender) Add(f *Flow, x *Ext) {
	s := a.s
	// The new record's strings are counted before the oldest one's are
	// released, so a string both share is never reclaimed in between.
	s.refStrings(f, x, 1)
	if s.n == len(s.flows) {
		old := &s.flows[s.head]
		ox := s.ext.get(old)
		for _, o := range s.obs {
			o.Evicted(old, ox)
		}
		s.refStrings(old, ox, -1)
		if old.ext != 0 {
			s.ext.pop()
		}
		s.head = (s.head + 1) % len(s.flows)
		s.n--
		s.counters.Evicted++
	}
	slot := &s.flows[(s.head+s.n)%len(s.flows)]
	*slot = *f
	var sx *Ext
	if f.ext != 0 {
		slot.ext = s.ext.push(x)
		sx = s.ext.get(slot)
	}
	s.n++
	s.counters.Seen++
	for _, o := range s.obs {
		o.Added(slot, sx)
	}
}

// refStrings counts (d = 1) or releases (d = -1) a record's references
// to interned strings.
func (s *Store) refStrings(f *Flow, x *Ext, d int32) {
	if f.present&hasAccount != 0 {
		s.names.ref(f.Account, d)
	}
	if f.present&hasIface != 0 {
		s.names.ref(f.Iface, d)
	}
	if f.ext == 0 || x == nil {
		return
	}
	for i, id := range x.Str {
		if id != 0 && x.Has(strField(i)) {
			s.names.ref(id, d)
		}
	}
}

// Bad records a malformed line: counted, and kept in the side ring.
func (a Appender) Bad(m Malformed) {
	s := a.s
	s.counters.Malformed++
	if len(s.bad) < MaxMalformedKept {
		s.bad = append(s.bad, m)
		return
	}
	s.bad[s.badHead] = m
	s.badHead = (s.badHead + 1) % MaxMalformedKept
}

// Header counts a recognised header line.
func (a Appender) Header() { a.s.counters.Headers++ }

// Names is the store's interner, for parsers feeding this appender.
func (a Appender) Names() *Interner { return a.s.names }

// Counters returns the running totals.
func (s *Store) Counters() Counters {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.counters
}

// Len is the number of records in the ring.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.n
}

// MalformedLines returns the kept malformed lines, oldest first.
func (s *Store) MalformedLines() []Malformed {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Malformed, 0, len(s.bad))
	out = append(out, s.bad[s.badHead:]...)
	return append(out, s.bad[:s.badHead]...)
}

// Read runs fn with a consistent view of the ring; ingest waits meanwhile,
// so fn must not block.
func (s *Store) Read(fn func(v View)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(View{s})
}

// View reads the ring while Store.Read holds the lock. Index 0 is the oldest
// record, Len()-1 the newest. Seq numbers stay valid across evictions.
type View struct{ s *Store }

// Len is the number of records.
func (v View) Len() int { return v.s.n }

// At returns record i (0 = oldest) and its ext (nil when it has none).
// The pointers are valid only inside Read.
func (v View) At(i int) (*Flow, *Ext) {
	f := &v.s.flows[(v.s.head+i)%len(v.s.flows)]
	return f, v.s.ext.get(f)
}

// Seq is the sequence number of record i: records seen before it.
func (v View) Seq(i int) uint64 { return v.s.counters.Evicted + uint64(i) }

// Index converts a sequence number back to an index; ok is false when the
// record has been evicted or does not exist yet.
func (v View) Index(seq uint64) (int, bool) {
	if seq < v.s.counters.Evicted {
		return 0, false
	}
	i := seq - v.s.counters.Evicted
	return int(i), i < uint64(v.s.n)
}

// Names is the interner.
func (v View) Names() *Interner { return v.s.names }

// Chunks returns the ring as at most two contiguous slices, oldest first,
// for scans that want a tight loop over memory.
func (v View) Chunks() (a, b []Flow) {
	s := v.s
	end := s.head + s.n
	if end <= len(s.flows) {
		return s.flows[s.head:end], nil
	}
	return s.flows[s.head:], s.flows[:end-len(s.flows)]
}

// Ext returns the ext record of a flow from this store (nil if none).
func (v View) Ext(f *Flow) *Ext { return v.s.ext.get(f) }

// extDeque is a growable FIFO of Ext records. Records are evicted in the
// order they were added, so the ext of the oldest flow is always at the
// front. A flow refers to its ext by sequence number + 1 (mod 2^32).
type extDeque struct {
	buf   []Ext
	head  int
	n     int
	first uint32 // sequence number of buf[head]
}

func (d *extDeque) push(x *Ext) uint32 {
	if d.n == len(d.buf) {
		nb := make([]Ext, max(64, 2*len(d.buf)))
		_ = adviseHugePages(unsafe.Pointer(unsafe.SliceData(nb)), uintptr(len(nb))*unsafe.Sizeof(Ext{})) // as for the ring
		// Two block copies, oldest first: an Ext is a few hundred bytes,
		// and a million of them copied one by one stalled a load.
		k := copy(nb, d.buf[d.head:])
		copy(nb[k:d.n], d.buf[:d.head])
		d.buf, d.head = nb, 0
	}
	d.buf[(d.head+d.n)%len(d.buf)] = *x
	seq := d.first + uint32(d.n)
	d.n++
	return seq + 1
}

func (d *extDeque) pop() {
	d.head = (d.head + 1) % len(d.buf)
	d.n--
	d.first++
}

func (d *extDeque) get(f *Flow) *Ext {
	if f.ext == 0 {
		return nil
	}
	off := (f.ext - 1) - d.first
	if int(off) >= d.n {
		return nil
	}
	return &d.buf[(d.head+int(off))%len(d.buf)]
}
