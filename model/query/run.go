package query

import (
	"slices"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// Result is a query's answer: named columns and typed rows.
type Result struct {
	Columns []string
	Rows    [][]Value
	Scanned uint64 // records read
	Matched uint64 // records that passed the filters
}

// Partial is one goroutine's share of a run: feed it records with Add or
// AddView, merge partials, then ask the program for the Result.
type Partial struct {
	prog    *Program
	pred    Pred
	proven  Pred // for AddProven; nil until first needed
	agg     *aggregator
	recs    []model.Flow
	exts    []model.Ext
	extOf   []int32 // index into exts, -1 for none
	Scanned uint64
	Matched uint64
	// merged is set once other partials were folded in: groups were then
	// found in an order that depends on how the input was split.
	merged bool
}

// NewPartial starts an empty accumulation with its own predicate.
func (p *Program) NewPartial() *Partial {
	pt := &Partial{prog: p, pred: p.newPred()}
	if p.stats != nil {
		pt.agg = newAggregator(p.stats, p.env)
	}
	return pt
}

// Add feeds one record (x is its Ext, nil when it has none).
func (pt *Partial) Add(f *model.Flow, x *model.Ext) { pt.addWith(pt.pred, f, x) }

// AddProven is Add for a record whose line's text is its @message and
// was found to pass the filter's tests on @message: only the rest of the
// filter is asked, and the @message is not written out again.
func (pt *Partial) AddProven(f *model.Flow, x *model.Ext) {
	if pt.proven == nil {
		pt.proven = pt.prog.newProvenPred()
	}
	pt.addWith(pt.proven, f, x)
}

func (pt *Partial) addWith(pred Pred, f *model.Flow, x *model.Ext) {
	pt.Scanned++
	if !pred(f, x) {
		return
	}
	pt.Matched++
	pt.keep(f, x)
}

func (pt *Partial) keep(f *model.Flow, x *model.Ext) {
	if pt.agg != nil {
		pt.agg.add(f, x)
		return
	}
	if c := pt.prog.collectCap; c > 0 && len(pt.recs) >= c {
		return
	}
	pt.recs = append(pt.recs, *f)
	if x == nil {
		pt.extOf = append(pt.extOf, -1)
		return
	}
	pt.extOf = append(pt.extOf, int32(len(pt.exts)))
	pt.exts = append(pt.exts, *x)
}

// AddView feeds the records of v from index from (0 = oldest) on, in a
// tight loop over the ring's contiguous chunks.
func (pt *Partial) AddView(v model.View, from int) {
	a, b := v.Chunks()
	if from >= len(a) {
		b = b[min(from-len(a), len(b)):]
		a = nil
	} else {
		a = a[from:]
	}
	pred := pt.pred
	for _, chunk := range [2][]model.Flow{a, b} {
		pt.Scanned += uint64(len(chunk))
		for i := range chunk {
			f := &chunk[i]
			if x := v.Ext(f); pred(f, x) {
				pt.Matched++
				pt.keep(f, x)
			}
		}
	}
}

// Merge folds o, which saw records after pt's, into pt.
func (pt *Partial) Merge(o *Partial) {
	pt.Scanned += o.Scanned
	pt.Matched += o.Matched
	pt.merged = pt.merged || o.Scanned > 0 && pt.Scanned > o.Scanned
	if pt.agg != nil {
		pt.agg.merge(o.agg)
		return
	}
	for i := range o.recs {
		var x *model.Ext
		if o.extOf[i] >= 0 {
			x = &o.exts[o.extOf[i]]
		}
		pt.keep(&o.recs[i], x)
	}
}

// Run answers the query over everything in the view.
func (p *Program) Run(v model.View) *Result {
	pt := p.NewPartial()
	pt.AddView(v, 0)
	return p.Result(pt)
}

// Count returns how many records of v match the filters, without keeping
// them: the cheapest scan.
func (p *Program) Count(v model.View) int {
	pred := p.newPred()
	n := 0
	a, b := v.Chunks()
	for _, chunk := range [2][]model.Flow{a, b} {
		for i := range chunk {
			f := &chunk[i]
			if pred(f, v.Ext(f)) {
				n++
			}
		}
	}
	return n
}

// Result finishes a run: stats rows or projected records, then sort,
// dedup and limit in query order, then display.
func (p *Program) Result(pt *Partial) *Result {
	res := &Result{Columns: p.Columns(), Scanned: pt.Scanned, Matched: pt.Matched}
	if p.stats != nil {
		nkeys := len(p.stats.keys)
		post := p.post
		var rows [][]Value
		if len(post) >= 2 && post[0].kind == postSort && post[1].kind == postLimit {
			// Top N: rank the groups on their sort columns alone and
			// render only the N rows shown.
			rows = pt.agg.rowsOf(topGroups(pt.agg, post[0], post[1].limit, nkeys))
			post = post[2:]
		} else {
			rows = pt.agg.rows()
		}
		if pt.merged && !slices.ContainsFunc(p.post, func(op postOp) bool { return op.kind == postSort }) {
			// Groups were found in an order that depends on how the input
			// was split; order them by key so output is reproducible.
			slices.SortFunc(rows, rowCmp(postOp{}, nkeys))
		}
		for i := 0; i < len(post); i++ {
			op := post[i]
			if op.kind == postSort && i+1 < len(post) && post[i+1].kind == postLimit {
				rows = sortLimit(rows, post[i+1].limit, rowCmp(op, nkeys))
				i++
				continue
			}
			rows = applyRows(op, rows, nkeys)
		}
		if p.display != nil {
			for i, r := range rows {
				nr := make([]Value, len(p.display))
				for j, d := range p.display {
					nr[j] = r[d]
				}
				rows[i] = nr
			}
		}
		res.Rows = rows
		return res
	}
	idx := make([]int32, len(pt.recs))
	for i := range idx {
		idx[i] = int32(i)
	}
	rec := func(i int32) (*model.Flow, *model.Ext) {
		if e := pt.extOf[i]; e >= 0 {
			return &pt.recs[i], &pt.exts[e]
		}
		return &pt.recs[i], nil
	}
	keyVals := map[int][]Value{}
	keyOf := func(k int) []Value {
		if vs, ok := keyVals[k]; ok {
			return vs
		}
		vs := make([]Value, len(pt.recs))
		for i := range vs {
			vs[i] = p.keyAccs[k].value(rec(int32(i)))
		}
		keyVals[k] = vs
		return vs
	}
	for oi := 0; oi < len(p.post); oi++ {
		op := p.post[oi]
		switch op.kind {
		case postLimit:
			idx = idx[:min(len(idx), op.limit)]
		case postSort:
			cols := make([][]Value, len(op.keys))
			for i, k := range op.keys {
				cols[i] = keyOf(k)
			}
			cmp := func(a, b int32) int {
				for i := range cols {
					if c := compareKey(cols[i][a], cols[i][b], op.desc[i]); c != 0 {
						return c
					}
				}
				return 0
			}
			if oi+1 < len(p.post) && p.post[oi+1].kind == postLimit {
				idx = sortLimit(idx, p.post[oi+1].limit, cmp)
				oi++
				continue
			}
			slices.SortStableFunc(idx, cmp)
		case postDedup:
			seen := map[string]struct{}{}
			out := idx[:0]
			var sb strings.Builder
			for _, i := range idx {
				sb.Reset()
				for _, k := range op.keys {
					sb.WriteString(keyOf(k)[i].String())
					sb.WriteByte(0)
				}
				if _, dup := seen[sb.String()]; dup {
					continue
				}
				seen[sb.String()] = struct{}{}
				out = append(out, i)
			}
			idx = out
		}
	}
	res.Rows = make([][]Value, len(idx))
	cells := make([]Value, len(idx)*len(p.cols))
	w := len(p.cols)
	for ri, i := range idx {
		row := cells[ri*w : ri*w+w : ri*w+w]
		f, x := rec(i)
		for c := range p.cols {
			row[c] = p.cols[c].acc.value(f, x)
		}
		res.Rows[ri] = row
	}
	return res
}

// compareKey orders two sort keys; absent values sort last either way.
func compareKey(a, b Value, desc bool) int {
	if a.Kind == Null || b.Kind == Null {
		return compareValues(a, b)
	}
	c := compareValues(a, b)
	if desc {
		return -c
	}
	return c
}

// topGroups returns the first n groups in the order of op, ties broken
// by the key columns as rowCmp does.
func topGroups(a *aggregator, op postOp, n, nkeys int) []int {
	cols := make([][]Value, len(op.keys))
	g := a.ngroups()
	for i, c := range op.keys {
		cols[i] = make([]Value, g)
		for gi := range g {
			cols[i][gi] = a.cell(gi, c)
		}
	}
	groups := make([]int, g)
	for i := range groups {
		groups[i] = i
	}
	return sortLimit(groups, n, func(x, y int) int {
		for i := range cols {
			if c := compareKey(cols[i][x], cols[i][y], op.desc[i]); c != 0 {
				return c
			}
		}
		for k := range nkeys {
			if c := compareKey(a.cell(x, k), a.cell(y, k), false); c != 0 {
				return c
			}
		}
		return 0
	})
}

// rowCmp orders stats rows by the sort keys, then by the group key
// columns, so ties come out the same however the input was split.
func rowCmp(op postOp, nkeys int) func(a, b []Value) int {
	return func(a, b []Value) int {
		for i, k := range op.keys {
			if c := compareKey(a[k], b[k], op.desc[i]); c != 0 {
				return c
			}
		}
		for k := range nkeys {
			if c := compareKey(a[k], b[k], false); c != 0 {
				return c
			}
		}
		return 0
	}
}

func applyRows(op postOp, rows [][]Value, nkeys int) [][]Value {
	switch op.kind {
	case postLimit:
		return rows[:min(len(rows), op.limit)]
	case postSort:
		slices.SortStableFunc(rows, rowCmp(op, nkeys))
	case postDedup:
		seen := map[string]struct{}{}
		out := rows[:0]
		var sb strings.Builder
		for _, r := range rows {
			sb.Reset()
			for _, k := range op.keys {
				sb.WriteString(r[k].String())
				sb.WriteByte(0)
			}
			if _, dup := seen[sb.String()]; dup {
				continue
			}
			seen[sb.String()] = struct{}{}
			out = append(out, r)
		}
		return out
	}
	return rows
}

// Live keeps a program's answer current as records arrive. Update feeds
// only the records appended since the last call; when records it counted
// have been evicted from the ring it starts over, because aggregates such
// as min or pct cannot be undone.
type Live struct {
	prog  *Program
	pt    *Partial
	first uint64 // seq of the oldest record fed
	next  uint64 // seq of the next record to feed
}

// NewLive starts an incremental run of p.
func (p *Program) NewLive() *Live { return &Live{prog: p} }

// Update feeds what is new in v and reports whether the answer may have
// changed. Call it inside Store.Read.
func (l *Live) Update(v model.View) bool {
	n := v.Len()
	var first uint64
	if n > 0 {
		first = v.Seq(0)
	}
	end := first + uint64(n)
	if n == 0 && l.pt != nil && l.pt.Scanned == 0 {
		return false
	}
	if l.pt == nil || first > l.first || l.next < first || l.next > end {
		l.pt = l.prog.NewPartial()
		l.pt.AddView(v, 0)
		l.first, l.next = first, end
		return true
	}
	if l.next == end {
		return false
	}
	l.pt.AddView(v, int(l.next-first))
	l.next = end
	return true
}

// Result is the answer over everything fed so far.
func (l *Live) Result() *Result {
	if l.pt == nil {
		l.pt = l.prog.NewPartial()
	}
	return l.prog.Result(l.pt)
}
