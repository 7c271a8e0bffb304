package ui

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"github.com/flowtail/flowtail/model"
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
}

// FilterCompiler turns the filter bar's text into a Filter. Empty text
// means no filter (nil Filter, valid). The query language replaces the
// default plain-text compiler through Config.Compile.
type FilterCompiler func(text string, names *model.Interner) (Filter, FilterState, error)

// PlainTextFilter is the default compiler: every bare word must fuzzy-match
// (sahilm/fuzzy) one cell of the row as drawn (time, interface, addresses,
// protocol, counts, action, flags, status); a "quoted phrase" must occur in
// the row text as written, ignoring case.
func PlainTextFilter(text string, names *model.Interner) (Filter, FilterState, error) {
	var words, phrases []string
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 {
				st := FilterState{Kind: FilterIncomplete, Pos: i + 1, Message: "unterminated quote"}
				return nil, st, fmt.Errorf("filter: %s at column %d", st.Message, st.Pos)
			}
			if p := text[i+1 : i+1+end]; p != "" {
				phrases = append(phrases, strings.ToLower(p))
			}
			i += end + 2
		default:
			end := strings.IndexAny(text[i:], " \t\"")
			if end < 0 {
				end = len(text) - i
			}
			words = append(words, text[i:i+end])
			i += end
		}
	}
	if len(words) > maxWords {
		st := FilterState{Kind: FilterInvalid, Pos: len(text), Message: fmt.Sprintf("more than %d words", maxWords)}
		return nil, st, fmt.Errorf("filter: %s", st.Message)
	}
	if len(words) == 0 && len(phrases) == 0 {
		return nil, FilterState{}, nil
	}
	return &textFilter{words: words, phrases: phrases, names: names}, FilterState{}, nil
}

const maxWords = 200

// textFilter matches the rendered row text. Cells of many rows are laid
// out in one reused buffer so one fuzzy search covers a whole chunk.
type textFilter struct {
	words   []string
	phrases []string
	names   *model.Interner
	buf     []byte
	cells   []string
	rowEnd  []int // end offset of each row's text in buf
	hits    []uint8
	cand    []string // cells worth a fuzzy match, and their indexes
	candIdx []int
	times   timeCache
}

func (t *textFilter) Match(f *model.Flow, x *model.Ext) bool {
	t.layout(1, func(int) (*model.Flow, *model.Ext) { return f, x })
	return t.scan(1)[0] == uint8(len(t.words))
}

func (t *textFilter) MatchBatch(v model.View, from, to int, dst []uint64) []uint64 {
	n := to - from
	t.layout(n, func(i int) (*model.Flow, *model.Ext) { return v.At(from + i) })
	hits := t.scan(n)
	for i, h := range hits {
		if h == uint8(len(t.words)) {
			dst = append(dst, v.Seq(from+i))
		}
	}
	return dst
}

// layout renders n rows' match text into buf, one cell per string.
func (t *textFilter) layout(n int, at func(int) (*model.Flow, *model.Ext)) {
	t.buf = t.buf[:0]
	t.rowEnd = t.rowEnd[:0]
	for i := 0; i < n; i++ {
		f, x := at(i)
		t.buf = appendMatchText(t.buf, f, x, t.names, &t.times)
		t.rowEnd = append(t.rowEnd, len(t.buf))
	}
	// Views into buf are taken only after it stops growing.
	t.cells = t.cells[:0]
	all := bstr(t.buf)
	start := 0
	for _, end := range t.rowEnd {
		row := all[start:end]
		for j := 0; j < matchCells; j++ {
			k := strings.IndexByte(row, cellSep)
			t.cells = append(t.cells, row[:k])
			row = row[k+1:]
		}
		start = end
	}
}

// scan returns, per row, how many words matched (all words = a match);
// rows failing a phrase get 255 so they never count as matches.
func (t *textFilter) scan(n int) []uint8 {
	if cap(t.hits) < n {
		t.hits = make([]uint8, n)
	}
	hits := t.hits[:n]
	clear(hits)
	if len(t.phrases) > 0 {
		all := bstr(t.buf)
		start := 0
		for i, end := range t.rowEnd {
			row := all[start:end]
			for _, p := range t.phrases {
				if !containsFold(row, p) {
					hits[i] = 255
				}
			}
			start = end
		}
	}
	for w, word := range t.words {
		// A cheap in-order byte check picks the cells fuzzy can match at
		// all, skipping rows an earlier word already ruled out; sahilm
		// then scores only those.
		lower, ascii := asciiLower(word)
		t.cand, t.candIdx = t.cand[:0], t.candIdx[:0]
		for i, cell := range t.cells {
			if hits[i/matchCells] != uint8(w) || ascii && !subsequenceFold(cell, lower) {
				continue
			}
			t.cand = append(t.cand, cell)
			t.candIdx = append(t.candIdx, i)
		}
		for _, m := range fuzzy.FindNoSort(word, t.cand) {
			row := t.candIdx[m.Index] / matchCells
			if hits[row] == uint8(w) {
				hits[row]++
			}
		}
	}
	return hits
}

// asciiLower lower-cases an ASCII word; ok is false for other text, which
// goes to the fuzzy matcher unfiltered.
func asciiLower(s string) (string, bool) {
	if !isASCII(s) {
		return s, false
	}
	return strings.ToLower(s), true
}

// subsequenceFold reports whether the bytes of lower occur in s in order,
// ignoring ASCII case: the condition for a fuzzy match.
func subsequenceFold(s, lower string) bool {
	j := 0
	for i := 0; i < len(s) && j < len(lower); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == lower[j] {
			j++
		}
	}
	return j == len(lower)
}

// containsFold reports whether s contains the lower-case ASCII needle,
// ignoring the case of s.
func containsFold(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		j := 0
		for ; j < len(lower); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == len(lower) {
			return true
		}
	}
	return false
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
