package ui

import (
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/model/rules"
)

// Filter selects records. Match is called from one goroutine at a time
// (a background job or the UI), so a filter may keep scratch buffers.
type Filter interface {
	Match(f *model.Flow, x *model.Ext) bool
}

// BatchFilter is an optional faster path: match the records with indexes
// [from, to) of a view and append the sequence numbers of the matches.
type BatchFilter interface {
	Filter
	MatchBatch(v model.View, from, to int, dst []uint64) []uint64
}

// FilterStateKind says whether the text typed so far is a usable filter.
type FilterStateKind uint8

const (
	FilterValid      FilterStateKind = iota
	FilterIncomplete                 // could become valid by typing more
	FilterInvalid                    // wrong at Pos
)

// FilterState is shown live beside the filter bar while typing.
type FilterState struct {
	Kind    FilterStateKind
	Pos     int    // 1-based column of the problem, 0 when none
	Message string // what is wrong or missing
	// Reading is how bare words were read ("10.0.2.21 → address =
	// 10.0.2.21"); empty for query text.
	Reading string
}

// FilterCompiler turns the filter bar's text into a Filter. Empty text
// means no filter (nil Filter, valid).
type FilterCompiler func(text string, names *model.Interner) (Filter, FilterState, error)

// LoadedRules is a RuleSource that can say, without waiting on the
// network, which rules it holds now. Bare words read security group ids
// and interface names and descriptions through it.
type LoadedRules interface {
	Loaded() *rules.Snapshot // nil when nothing is loaded yet
}

// QueryFilter compiles the filter bar's text with no rules data, reading
// times without a zone in the local zone.
func QueryFilter(text string, names *model.Interner) (Filter, FilterState, error) {
	return compileBar(text, names, barContext{loc: time.Local})
}

// barContext is what reading the words needs beyond the text: the display
// zone and clock for times, the rules data for group ids and names.
type barContext struct {
	loc    *time.Location
	now    func() time.Time
	rules  RuleSource
	owners model.OwnerLookup // for the owner fields; nil: absent
}

// filterCompiler is the filter bar's compiler for a running UI.
func (sh *Shared) filterCompiler() FilterCompiler {
	return func(text string, names *model.Interner) (Filter, FilterState, error) {
		return compileBar(text, names, barContext{loc: sh.Zone(), now: sh.Now, rules: sh.Rules, owners: sh.Owners})
	}
}

// compileBar reads query text as the CloudWatch Logs Insights language
// and anything else as bare words (model/query/words.go), and says how it
// read the words. Literals are interned so records arriving later still
// match them.
func compileBar(text string, names *model.Interner, bc barContext) (Filter, FilterState, error) {
	opt := query.Options{Intern: true, Loc: bc.loc, Now: bc.now, Owner: bc.owners}
	if lr, ok := bc.rules.(LoadedRules); ok {
		if snap := lr.Loaded(); snap != nil {
			opt.Resolve = snap.ResolveWord
		}
	}
	if bc.rules != nil {
		// verdict:"RULE", as a drill-down from the verdicts view writes it.
		opt.Verdict = func(rule string) (query.Pred, string) {
			vf := newVerdictFilter(rule, newSnapCache(bc.rules), names)
			return vf.Match, "records decided by " + rule
		}
	}
	var tc timeCache
	opt.RowText = func(dst []byte, f *model.Flow, x *model.Ext) []byte {
		return appendMatchText(dst, f, x, names, &tc)
	}
	pred, rd, st, err := query.CompileBar(text, names, opt)
	if st != query.Valid {
		state := FilterState{Kind: FilterInvalid, Pos: 1, Message: fmt.Sprint(err)}
		if st == query.Incomplete {
			state.Kind = FilterIncomplete
		}
		var qe *query.Error
		if errors.As(err, &qe) {
			state.Pos, state.Message = qe.Col, qe.Msg
		}
		return nil, state, err
	}
	state := FilterState{}
	if !rd.Query {
		state.Reading = rd.String()
	}
	if pred == nil {
		return nil, state, nil
	}
	again := func() Filter {
		f, _, _ := compileBar(text, names, bc)
		return f
	}
	return &queryFilter{pred: pred, again: again}, state, nil
}

// countCheckEvery is how many records a count matches between looks at
// its generation: every keystroke abandons the running count, and one
// that finished its chunk first would cost a chunk's work per key.
const countCheckEvery = 1024

// countMatches counts the records a filter selects, in chunks so ingest
// never waits long; it gives up (ok false) when current moves past gen.
func countMatches(store *model.Store, flt Filter, gen uint64, current *atomic.Uint64) (n int, ok bool) {
	var next, limit uint64
	store.Read(func(v model.View) { next, limit = v.Seq(0), v.Seq(v.Len()) })
	for next < limit {
		if current.Load() != gen {
			return 0, false
		}
		abandoned := false
		store.Read(func(v model.View) {
			i, found := v.Index(next)
			if !found {
				i = 0
			}
			end := min(i+filterChunk, v.Len())
			for k := i; k < end; k++ {
				if (k-i)%countCheckEvery == countCheckEvery-1 && current.Load() != gen {
					abandoned = true
					return
				}
				if flt.Match(v.At(k)) {
					n++
				}
			}
			next = limit
			if end < v.Len() {
				next = v.Seq(end)
			}
		})
		if abandoned {
			return 0, false
		}
	}
	return n, true
}

// MatchSet is the sequence numbers of the records the applied filter
// selects, ascending, and how far the store has been scanned.
type MatchSet struct {
	Seqs []uint64
	Next uint64 // records with seq < Next have been considered
}

// trim drops matches evicted from the ring (seq < oldest).
func (m *MatchSet) trim(oldest uint64) {
	k := sort.Search(len(m.Seqs), func(i int) bool { return m.Seqs[i] >= oldest })
	if k > 0 {
		m.Seqs = m.Seqs[k:]
	}
}

// filterChunk is how many records one read lock covers during a scan, so
// ingest never waits long behind a re-filter.
const filterChunk = 16384

// filterDoneMsg carries the result of a scan; gen tags it so a result for
// a filter that has since changed is dropped.
type filterDoneMsg struct {
	gen    uint64
	extend bool // appended to the current set rather than replacing it
	seqs   []uint64
	from   uint64 // where the scan started: an extension must continue the set
	next   uint64
}

// scanCmd matches records with seq in [from, end of store) in chunks off
// the UI goroutine. It stops early when current moves past gen.
func scanCmd(store *model.Store, flt Filter, gen uint64, current *atomic.Uint64, from uint64, extend bool) tea.Cmd {
	return func() tea.Msg {
		var seqs []uint64
		next := from
		var limit uint64 // scan what exists now; later records come on the next tick
		store.Read(func(v model.View) { limit = v.Seq(v.Len()) })
		bf, batch := flt.(BatchFilter)
		for next < limit {
			if current.Load() != gen {
				return filterDoneMsg{gen: gen}
			}
			store.Read(func(v model.View) {
				if limit <= v.Seq(0) {
					next = limit // everything left was evicted meanwhile
					return
				}
				i, ok := v.Index(next)
				if !ok {
					i, next = 0, v.Seq(0) // evicted meanwhile: resume at the oldest
				}
				end := min(i+filterChunk, v.Len(), int(limit-v.Seq(0)))
				if end <= i {
					next = limit
					return
				}
				if batch {
					seqs = bf.MatchBatch(v, i, end, seqs)
				} else {
					for k := i; k < end; k++ {
						if f, x := v.At(k); flt.Match(f, x) {
							seqs = append(seqs, v.Seq(k))
						}
					}
				}
				next = v.Seq(end-1) + 1
			})
		}
		return filterDoneMsg{gen: gen, extend: extend, seqs: seqs, from: from, next: next}
	}
}

// barCount counts, off the UI goroutine, the records the text being typed
// would select, so the filter bar can say "· 12 rows" before enter. Each
// keystroke starts a new count and abandons the one before.
type barCount struct {
	gen   atomic.Uint64
	text  string // the text the count is for
	n     int
	known bool
}

// barCountMsg carries a finished count.
type barCountMsg struct {
	gen  uint64
	text string
	n    int
}

// start forgets the last count and returns the command that makes the new
// one; nil when there is nothing to count.
func (c *barCount) start(store *model.Store, text string, flt Filter) tea.Cmd {
	gen := c.gen.Add(1)
	c.text, c.known = text, false
	if flt == nil {
		return nil
	}
	return func() tea.Msg {
		n, ok := countMatches(store, flt, gen, &c.gen)
		if !ok {
			return nil
		}
		return barCountMsg{gen: gen, text: text, n: n}
	}
}

// done takes a finished count if it is for the current text.
func (c *barCount) done(msg barCountMsg) bool {
	if msg.gen != c.gen.Load() || msg.text != c.text {
		return false
	}
	c.n, c.known = msg.n, true
	return true
}

// readingMark is what the filter bar says after valid words: how they
// read and, once counted, how many records that selects, in at most room
// cells. The reading is cut rather than the count: several words read
// wider than the bar at 80 columns, and the count is what is looked for.
func (c *barCount) readingMark(reading string, room int) string {
	var count string
	switch {
	case c.known && c.n == 1:
		count = " · 1 row"
	case c.known:
		count = " · " + thousands(uint64(c.n)) + " rows"
	default:
		count = " · counting…"
	}
	const tick = " ✓ "
	return tick + truncRight(reading, room-cellWidth(tick)-cellWidth(count)) + count
}
