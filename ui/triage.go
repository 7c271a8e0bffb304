package ui

import (
	"net/netip"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/aggregate"
	"github.com/flowtail/flowtail/model/query"
)

// The triage panes (interfaces, flags, conversations) share one aggregate
// per store, kept by the store's observer as records arrive and leave, so
// the unfiltered views never recount the buffer.
var liveAggs struct {
	sync.Mutex
	byStore map[*model.Store]*aggregate.Aggregate
}

// liveAggregate is the store's aggregate, attached on first use.
func liveAggregate(s *model.Store) *aggregate.Aggregate {
	liveAggs.Lock()
	defer liveAggs.Unlock()
	if liveAggs.byStore == nil {
		liveAggs.byStore = map[*model.Store]*aggregate.Aggregate{}
	}
	a := liveAggs.byStore[s]
	if a == nil {
		a = aggregate.Attach(s)
		liveAggs.byStore[s] = a
	}
	return a
}

// triageKeys are the triage panes' keys. Moving uses the same keys as
// the flows pane, described for tables that are not in time order.
type triageKeys struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Sort     key.Binding
	Reverse  key.Binding
	Drill    key.Binding
	Convs    key.Binding
	Back     key.Binding
}

// newTriageKeys takes the keymap's keys (remapped or not) with the
// descriptions of a table that is not in time order: the newest-record key
// goes to the first row, the oldest-record key to the last.
func newTriageKeys(k *Keymap) triageKeys {
	return triageKeys{
		Up:       k.Up,
		Down:     k.Down,
		PageUp:   k.PageUp,
		PageDown: k.PageDown,
		Top:      described(k.Newest, "first row"),
		Bottom:   described(k.Oldest, "last row"),
		Sort:     k.Sort,
		Reverse:  k.ReverseSort,
		Drill:    described(k.Open, "filter flows to this"),
		Convs:    k.Conversations,
		Back:     k.Back,
	}
}

// described is a binding with the help text one pane gives its action.
func described(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// chunkRecords is how many records one read lock covers while a triage
// view recounts a filtered subset, so ingest never waits long.
const chunkRecords = 65536

// eachRecord calls fn for the records whose sequence numbers are in seqs,
// or for every record buffered now when all is set, a chunk per read lock.
// Records evicted in between are skipped.
func eachRecord(store *model.Store, seqs []uint64, all bool, fn func(seq uint64, f *model.Flow, x *model.Ext)) {
	var limit uint64
	if all {
		store.Read(func(v model.View) { limit = v.Seq(v.Len()) })
	}
	eachChunk(store, seqs, all, limit, chunkRecords, fn, nil)
}

// eachChunk is the chunked walk behind eachRecord and the export: the
// records in seqs, or when all is set every buffered record before limit,
// at most n per read lock; done, when set, runs after each chunk outside
// the lock. Records evicted in between are skipped.
func eachChunk(store *model.Store, seqs []uint64, all bool, limit uint64, n int, fn func(seq uint64, f *model.Flow, x *model.Ext), done func()) {
	if all {
		var next uint64
		store.Read(func(v model.View) { next = v.Seq(0) })
		for next < limit {
			store.Read(func(v model.View) {
				next = max(next, v.Seq(0)) // skip what was evicted meanwhile
				if next >= limit {
					return
				}
				i, _ := v.Index(next)
				end := min(i+n, int(limit-v.Seq(0)), v.Len())
				for k := i; k < end; k++ {
					f, x := v.At(k)
					fn(v.Seq(k), f, x)
				}
				next = v.Seq(0) + uint64(end)
			})
			if done != nil {
				done()
			}
		}
		return
	}
	for len(seqs) > 0 {
		c := min(len(seqs), n)
		store.Read(func(v model.View) {
			for _, seq := range seqs[:c] {
				if i, ok := v.Index(seq); ok {
					f, x := v.At(i)
					fn(seq, f, x)
				}
			}
		})
		seqs = seqs[c:]
		if done != nil {
			done()
		}
	}
}

// filteredSeqs is the applied filter's matches as they stand now, or nil
// with all=true when no filter is applied. The slice is shared with the
// root, which only appends past its end or reslices, so a background job
// may read it.
func filteredSeqs(sh *Shared) (seqs []uint64, all bool) {
	if sh.Filter == nil || sh.Matches == nil {
		return nil, true
	}
	return sh.Matches.Seqs, false
}

// applyFilterMsg asks the root to filter the flows pane to what a triage
// pane selected, on top of the filter already applied, and to show it.
type applyFilterMsg struct {
	text    string // the query-language spelling, shown in the filter bar
	filter  Filter
	replace bool // text already holds what it narrows (a stats group's records)
}

// drillFilter is the command a triage pane returns on enter.
func drillFilter(text string, f Filter) tea.Cmd {
	return func() tea.Msg { return applyFilterMsg{text: text, filter: f} }
}

// combineFilter puts a drill-down filter on top of the current one. The
// current text is compiled afresh because a filter may keep scratch state
// and the old instance can still be in use by a running scan.
func combineFilter(sh *Shared, compile FilterCompiler, msg applyFilterMsg) (string, Filter) {
	if sh.Filter == nil || sh.FilterText == "" || msg.replace {
		return msg.text, msg.filter
	}
	prev, _, err := compile(sh.FilterText, sh.Store.Names())
	if err != nil || prev == nil {
		return msg.text, msg.filter
	}
	return sh.FilterText + " | filter " + msg.text, allOf{prev, msg.filter}
}

// allOf matches what every filter matches.
type allOf []Filter

func (a allOf) Match(f *model.Flow, x *model.Ext) bool {
	for _, flt := range a {
		if !flt.Match(f, x) {
			return false
		}
	}
	return true
}

// ifaceFilter matches the records of one interface (by interned id).
type ifaceFilter struct{ id uint32 }

func (i ifaceFilter) Match(f *model.Flow, x *model.Ext) bool {
	id, ok := model.StrID(f, x, model.FieldInterfaceID)
	return ok && id == i.id
}

// flagsFilter matches one tcp-flags value, or records without tcp-flags.
type flagsFilter struct {
	value  uint8
	absent bool
}

func (ff flagsFilter) Match(f *model.Flow, _ *model.Ext) bool {
	if ff.absent {
		return !f.Has(model.FieldTCPFlags)
	}
	return f.Has(model.FieldTCPFlags) && f.Flags == ff.value
}

// conversationFilter matches both directions of one conversation.
type conversationFilter struct {
	iface  uint32
	proto  uint8
	a, b   netip.Addr
	pa, pb uint16
}

func (c conversationFilter) Match(f *model.Flow, x *model.Ext) bool {
	if f.Iface != c.iface || f.Proto != c.proto {
		return false
	}
	s, d := f.SrcAddr(x), f.DstAddr(x)
	return s == c.a && d == c.b && f.SrcPort == c.pa && f.DstPort == c.pb ||
		s == c.b && d == c.a && f.SrcPort == c.pb && f.DstPort == c.pa
}

// recount is the bookkeeping every pane that recounts the buffer in the
// background shares (interfaces, flags, stats): an epoch that drops the
// results of a superseded question, one recount at a time, a stale mark
// so a change during a recount triggers another, and pacing by cost.
type recount struct {
	epoch uint64 // bumped when what is counted changes (the filter)
	shown uint64 // epoch of the result shown
	busy  bool
	stale bool // something changed while busy
	pace  throttle
}

// changed marks a new question (a new filter): results of the old one are
// dropped and the next recount is not paced.
func (r *recount) changed() {
	r.epoch++
	r.stale = true
}

// begin reports whether a recount starts now. While one runs the request
// is remembered (stale); while paced, retry is the command that comes
// back later. force skips the pacing (nothing shown yet for this epoch).
func (r *recount) begin(owner any, force bool) (start bool, retry tea.Cmd) {
	if r.busy {
		r.stale = true
		return false, nil
	}
	if !force && r.shown == r.epoch {
		if held, retry := r.pace.hold(owner); held {
			return false, retry
		}
	}
	r.busy, r.stale = true, false
	r.pace.started()
	return true, nil
}

// done records a finished recount of epoch that cost cost: current
// reports whether its result answers the present question, again whether
// another recount must follow.
func (r *recount) done(epoch uint64, cost time.Duration) (current, again bool) {
	r.busy = false
	r.pace.lastCost = cost
	current = epoch == r.epoch
	if current {
		r.shown = epoch
	}
	return current, r.stale || !current
}

// throttle spaces out background recounts that cost a pass over the
// buffer: while only new records changed, the next one starts no sooner
// than four times the last one's cost (and at least minGap) after it
// began, so a million-record recount cannot keep a core busy. A skipped
// refresh is retried later so the last change is always shown.
type throttle struct {
	minGap   time.Duration
	lastRun  time.Time
	lastCost time.Duration
	retrying bool
}

// retryMsg wakes a pane whose refresh was held back.
type retryMsg struct{ owner any }

// hold reports whether a refresh must wait; if so it returns the command
// that retries it.
func (t *throttle) hold(owner any) (bool, tea.Cmd) {
	wait := max(4*t.lastCost, t.minGap) - time.Since(t.lastRun)
	if wait <= 0 {
		return false, nil
	}
	if t.retrying {
		return true, nil
	}
	t.retrying = true
	return true, tea.Tick(wait, func(time.Time) tea.Msg { return retryMsg{owner} })
}

// woke reports whether msg is the retry hold scheduled for owner, which
// is then no longer pending.
func (t *throttle) woke(msg retryMsg, owner any) bool {
	if msg.owner != owner {
		return false
	}
	t.retrying = false
	return true
}

// started marks the start of a recount.
func (t *throttle) started() { t.lastRun = time.Now() }

// fieldIs writes the test field = value in the query language so that the
// text, read back, selects exactly value and shows as it reads, whatever
// bytes value holds (controls, bidi controls, invalid UTF-8 are escaped).
func fieldIs(field, value string) string { return field + " = " + query.Quote(value) }
