package query

import (
	"math"
	"slices"

	"github.com/flowtail/flowtail/model"
)

// maxBy is the most `by` keys one stats command takes.
const maxBy = 8

// groupKey is a group's key: one exact code per `by` key plus a presence
// bitmask in the last word. Keys of up to two fields use the smaller form,
// which hashes faster.
type (
	groupKey      [maxBy + 1]uint64
	groupKeySmall [3]uint64
)

type aggSpec struct {
	fn     AggFunc
	acc    *accessor // nil for count(*) and count()
	pct    float64
	column string
}

type keySpec struct {
	acc    *accessor
	binMs  uint64 // > 0: bucket @timestamp to this many ms
	column string
}

type statsPlan struct {
	keys []keySpec
	aggs []aggSpec
}

// aggState is one aggregate of one group.
type aggState struct {
	n    uint64
	sum  uint64
	lo   uint64 // min, or earliest time
	hi   uint64 // max, or latest time
	code uint64 // earliest/latest value
	set  map[uint64]struct{}
	vals []uint64
}

// aggregator accumulates groups. Not safe for concurrent use; parallel
// runs give each goroutine one and merge them.
type aggregator struct {
	plan  *statsPlan
	codes []func(f *model.Flow, x *model.Ext) (uint64, bool)
	small map[groupKeySmall]int32
	large map[groupKey]int32
	keys  []groupKey
	st    []aggState
	ts    func(f *model.Flow, x *model.Ext) (uint64, bool)
}

func newAggregator(plan *statsPlan, e *env) *aggregator {
	a := &aggregator{plan: plan, ts: accessorFor(RefTimestamp, e).code}
	for _, k := range plan.keys {
		a.codes = append(a.codes, k.acc.code)
	}
	if len(plan.keys) <= 2 {
		a.small = map[groupKeySmall]int32{}
	} else {
		a.large = map[groupKey]int32{}
	}
	if len(plan.keys) == 0 {
		a.group(&groupKey{}) // stats without by answers one row, even over no records
	}
	return a
}

func (a *aggregator) group(k *groupKey) int32 {
	var idx int32
	var ok bool
	if a.small != nil {
		sk := groupKeySmall{k[0], k[1], k[maxBy]}
		if idx, ok = a.small[sk]; ok {
			return idx
		}
		idx = int32(len(a.keys))
		a.small[sk] = idx
	} else {
		if idx, ok = a.large[*k]; ok {
			return idx
		}
		idx = int32(len(a.keys))
		a.large[*k] = idx
	}
	a.keys = append(a.keys, *k)
	for range a.plan.aggs {
		a.st = append(a.st, aggState{lo: math.MaxUint64})
	}
	return idx
}

func (a *aggregator) add(f *model.Flow, x *model.Ext) {
	var k groupKey
	for i, code := range a.codes {
		if v, ok := code(f, x); ok {
			if b := a.plan.keys[i].binMs; b > 0 {
				v -= v % b
			}
			k[i] = v
			k[maxBy] |= 1 << i
		}
	}
	idx := a.group(&k)
	n := len(a.plan.aggs)
	st := a.st[int(idx)*n : int(idx)*n+n]
	for j := range a.plan.aggs {
		sp := &a.plan.aggs[j]
		s := &st[j]
		if sp.acc == nil {
			s.n++
			continue
		}
		v, ok := sp.acc.code(f, x)
		if !ok {
			continue
		}
		s.n++
		switch sp.fn {
		case AggCountDistinct:
			if s.set == nil {
				s.set = map[uint64]struct{}{}
			}
			s.set[v] = struct{}{}
		case AggSum, AggAvg:
			s.sum += v
		case AggMin, AggMax:
			s.lo = min(s.lo, v)
			s.hi = max(s.hi, v)
		case AggPct:
			s.vals = append(s.vals, v)
		case AggEarliest, AggLatest:
			t, _ := a.ts(f, x)
			if s.n == 1 || sp.fn == AggEarliest && t < s.lo || sp.fn == AggLatest && t >= s.hi {
				s.lo, s.hi, s.code = t, t, v
			}
		}
	}
}

// merge folds another aggregator of the same plan into a. Both must have
// been fed records in order (o's after a's) for earliest/latest ties.
func (a *aggregator) merge(o *aggregator) {
	n := len(a.plan.aggs)
	for gi := range o.keys {
		idx := a.group(&o.keys[gi])
		dst := a.st[int(idx)*n : int(idx)*n+n]
		src := o.st[gi*n : gi*n+n]
		for j := range dst {
			d, s := &dst[j], &src[j]
			if s.n == 0 {
				continue
			}
			switch a.plan.aggs[j].fn {
			case AggCountDistinct:
				if d.set == nil {
					d.set = map[uint64]struct{}{}
				}
				for v := range s.set {
					d.set[v] = struct{}{}
				}
			case AggMin, AggMax:
				d.lo = min(d.lo, s.lo)
				d.hi = max(d.hi, s.hi)
			case AggPct:
				d.vals = append(d.vals, s.vals...)
			case AggEarliest:
				if d.n == 0 || s.lo < d.lo {
					d.lo, d.hi, d.code = s.lo, s.hi, s.code
				}
			case AggLatest:
				if d.n == 0 || s.hi >= d.hi {
					d.lo, d.hi, d.code = s.lo, s.hi, s.code
				}
			}
			d.n += s.n
			d.sum += s.sum
		}
	}
}

// rows renders every group as a result row: keys, then aggregates.
func (a *aggregator) rows() [][]Value {
	n := len(a.plan.aggs)
	out := make([][]Value, len(a.keys))
	cells := make([]Value, len(a.keys)*(len(a.plan.keys)+n))
	w := len(a.plan.keys) + n
	for gi := range a.keys {
		row := cells[gi*w : gi*w+w : gi*w+w]
		k := &a.keys[gi]
		for i, ks := range a.plan.keys {
			if k[maxBy]&(1<<i) != 0 {
				row[i] = ks.acc.decode(k[i])
			}
		}
		for j := range a.plan.aggs {
			row[len(a.plan.keys)+j] = a.plan.aggs[j].value(&a.st[gi*n+j])
		}
		out[gi] = row
	}
	return out
}

func (sp *aggSpec) value(s *aggState) Value {
	switch sp.fn {
	case AggCount:
		return Value{Kind: Int, I: s.n}
	case AggCountDistinct:
		return Value{Kind: Int, I: uint64(len(s.set))}
	}
	if s.n == 0 {
		return Value{}
	}
	switch sp.fn {
	case AggSum:
		return Value{Kind: Int, I: s.sum}
	case AggAvg:
		return Value{Kind: Float, F: float64(s.sum) / float64(s.n)}
	case AggMin:
		return sp.acc.decode(s.lo)
	case AggMax:
		return sp.acc.decode(s.hi)
	case AggPct:
		slices.Sort(s.vals)
		return sp.acc.decode(s.vals[pctIndex(len(s.vals), sp.pct)])
	case AggEarliest, AggLatest:
		return sp.acc.decode(s.code)
	}
	return Value{}
}

// pctIndex is the nearest-rank percentile: the smallest value with at
// least p% of the values at or below it.
func pctIndex(n int, p float64) int {
	i := int(math.Ceil(p/100*float64(n))) - 1
	return max(0, min(i, n-1))
}
