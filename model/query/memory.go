package query

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/flowtail/flowtail/model"
)

// memAccount counts what the answer of one run holds, across the
// goroutines that build it, against Options.MemoryBudget: stats groups
// and what rendering them as rows will take, the records a sort keeps
// until the input ends, the keys a dedup remembers. The reading windows
// (chunks in flight, records waiting for an older chunk) are bounded on
// their own and not counted. A program with a budget answers one run.
type memAccount struct {
	limit int64
	used  atomic.Int64
	// groups is the most groups one stats share holds, and perGroup what
	// Result adds for each group of the merged answer, which has at least
	// that many: counted once, not once per goroutine.
	groups   atomic.Int64
	perGroup int64
	// step: bytes a goroutine counts on its own before adding them here,
	// so the shared counter is not touched per group
	step int64
}

func newMemAccount(limit int64) *memAccount {
	if limit <= 0 {
		return nil
	}
	return &memAccount{limit: limit, step: min(max(limit/256, 1), 256<<10)}
}

// over reports whether the answer has outgrown the budget.
func (m *memAccount) over() bool {
	return m != nil && m.used.Load()+m.groups.Load()*m.perGroup > m.limit
}

// noteGroups says a share holds g groups.
func (m *memAccount) noteGroups(g int64) {
	for {
		old := m.groups.Load()
		if g <= old || m.groups.CompareAndSwap(old, g) {
			return
		}
	}
}

// memShare is one goroutine's part of the account: it counts locally and
// hands the account a step at a time.
type memShare struct {
	acct    *memAccount
	counted int64 // bytes already added to acct
}

// set says the share now holds n bytes in groups groups (0 for records),
// and reports whether the answer is past the budget; with settle, every
// byte is handed over at once.
func (s *memShare) set(n, groups int64, settle bool) bool {
	m := s.acct
	if m == nil {
		return false
	}
	if d := n - s.counted; settle || d >= m.step || d <= -m.step {
		s.counted = n
		m.used.Add(d)
		m.noteGroups(groups)
		return m.over()
	}
	return false
}

// valueBytes is one result cell.
const valueBytes = int64(unsafe.Sizeof(Value{}))

// rowBytes is one result row of w cells and the slice that holds it.
func rowBytes(w int) int64 { return int64(unsafe.Sizeof([]Value{})) + int64(w)*valueBytes }

// finishBytes is what Result adds per group of a stats answer: the row
// it renders (or, ranking the top N, the sort columns of every group and
// its index), and display's narrower copy.
func (p *Program) finishBytes() int64 {
	if p.stats == nil {
		return 0
	}
	post := p.post
	var b int64
	if len(post) >= 2 && post[0].kind == postSort && post[1].kind == postLimit {
		b = 8 + int64(len(post[0].keys))*valueBytes
	} else {
		b = rowBytes(len(p.stats.keys) + len(p.stats.aggs))
	}
	if p.display != nil {
		b += rowBytes(len(p.display))
	}
	return b
}

// recordFinishBytes is what Result adds per record a record query keeps:
// its index, a value per sort or dedup key (and a remembered dedup key),
// and its output row.
func (p *Program) recordFinishBytes() int64 {
	b := 4 + int64(len(p.keyAccs))*valueBytes + rowBytes(len(p.cols))
	for _, op := range p.post {
		if op.kind == postDedup {
			b += dedupKeyBytes(len(op.keys))
		}
	}
	return b
}

// dedupKeyBytes estimates one remembered dedup key of n values: the map
// entry and the text of the values.
func dedupKeyBytes(n int) int64 { return 48 + 24*int64(n) }

// recordBytes is what a partial's records take.
func (pt *Partial) recordBytes() int64 {
	return int64(cap(pt.recs))*int64(unsafe.Sizeof(model.Flow{})) + int64(cap(pt.exts))*int64(unsafe.Sizeof(model.Ext{})) + int64(cap(pt.extOf))*4
}

// BudgetError is a run stopped because its answer outgrew
// Options.MemoryBudget: flowtail refuses such an answer rather than spill
// it to disk, and says how to ask for a smaller one. One count says what
// outgrew it, as many as there were when the run stopped (so there are
// more): Groups of a stats answer, Records a sort keeps, or Keys a dedup
// of streamed rows remembers.
type BudgetError struct {
	Groups  int
	Records int
	Keys    int
	Budget  int64
}

func (e *BudgetError) Error() string {
	size := sizeText(e.Budget)
	switch {
	case e.Keys > 0:
		return fmt.Sprintf("the dedup outgrew the memory budget of %s after %d distinct keys, which it remembers until the input ends: "+
			"add '| limit N' to stop after N rows, dedup on fewer fields, or narrow it with a filter", size, e.Keys)
	case e.Groups > 0:
		return fmt.Sprintf("the stats answer outgrew the memory budget of %s at more than %d groups: "+
			"narrow it with a filter, use fewer or coarser by keys (bin(1h) rather than bin(1m)), or fewer count_distinct and pct", size, e.Groups)
	}
	return fmt.Sprintf("the sort outgrew the memory budget of %s after %d records, which it holds until the input ends: "+
		"add '| limit N' after the sort to keep only the first N, or narrow it with a filter", size, e.Records)
}

// sizeText writes a number of bytes in the largest binary unit that
// keeps it readable.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return trimUnit(float64(n)/(1<<30), "GiB")
	case n >= 1<<20:
		return trimUnit(float64(n)/(1<<20), "MiB")
	case n >= 1<<10:
		return trimUnit(float64(n)/(1<<10), "KiB")
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimUnit(v float64, unit string) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), unit)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}
