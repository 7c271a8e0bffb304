package query

import (
	"math"
	"math/bits"
	"slices"
	"unsafe"

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

// aggState is one aggregate of one group. It holds no pointers, so the
// collector does not scan the states of a million groups: the set of a
// count_distinct and the values of a pct live in the aggregator, found
// through code.
type aggState struct {
	n   uint64
	sum uint64
	// sumHi: the sum's carries past 64 bits, so that it never wraps
	sumHi uint64
	lo    uint64 // min, or earliest time
	hi    uint64 // max, or latest time
	// code: the earliest/latest value; for count_distinct and pct, 1 +
	// the index of the state's set or values (0: none yet)
	code uint64
}

// aggregator accumulates groups. Not safe for concurrent use; parallel
// runs give each goroutine one and merge them.
type aggregator struct {
	plan    *statsPlan
	codes   []func(f *model.Flow, x *model.Ext) (uint64, bool)
	bins    []uint64
	packed  *wordTable // when every key fits in one word together
	pkeys   []uint64
	shifts  []uint8
	present []uint64                // per key: its presence bit, just above its value
	small   map[groupKeySmall]int32 // when there are at most two keys
	large   map[groupKey]int32
	skeys   []groupKeySmall
	lkeys   []groupKey
	counts  []uint64 // per group, when every aggregate is count(*)
	// pend: packed keys of records added and not yet counted (count(*)
	// only): looked up a batch at a time, the table's cache misses
	// overlap instead of following one another
	pend []uint64
	idx  []int32
	// dense counts count(*) by keys of at most denseBits bits packed,
	// indexed by the key itself: a table that stays in the core's cache
	// where a hash table of every port would not. Its counts become groups
	// when the answer is read (drainDense); nil when keys are wider.
	dense    []uint32
	denseAny bool    // dense holds counts not yet drained
	denseIdx []int32 // per key: its group's index + 1, 0 when none yet
	st       []aggState
	ts       func(f *model.Flow, x *model.Ext) (uint64, bool)
	// countOnly keeps one counter per group instead of aggStates for the
	// common stats count(*) by ….
	countOnly bool
	// sets and vals: the states' count_distinct sets and pct values
	sets []map[uint64]struct{}
	vals [][]uint64
	// extra: bytes of count_distinct sets and pct values
	extra int64
	// mem is this aggregator's part of the run's memory account; past the
	// budget over is set and no more records are counted.
	mem  memShare
	over bool
}

// Map entries of the group tables, as measured (BenchmarkGroupBytes): the
// key and index with the map's own slack.
const (
	smallEntryBytes = 80
	largeEntryBytes = 170
	emptySetBytes   = 48 // a count_distinct set before its first value
)

// held is what the groups hold: their tables and states at the capacity
// they have grown to, and the sets and values of count_distinct and pct.
func (a *aggregator) held() (bytes, groups int64) {
	switch {
	case a.packed != nil:
		groups = int64(len(a.pkeys))
		bytes = int64(len(a.packed.slots))*int64(unsafe.Sizeof(wordSlot{})) + int64(cap(a.pkeys))*8
	case a.small != nil:
		groups = int64(len(a.skeys))
		bytes = groups*smallEntryBytes + int64(cap(a.skeys))*int64(unsafe.Sizeof(groupKeySmall{}))
	default:
		groups = int64(len(a.lkeys))
		bytes = groups*largeEntryBytes + int64(cap(a.lkeys))*int64(unsafe.Sizeof(groupKey{}))
	}
	bytes += int64(cap(a.dense))*4 + int64(cap(a.denseIdx))*4
	bytes += int64(cap(a.counts))*8 + int64(cap(a.st))*int64(unsafe.Sizeof(aggState{})) + a.extra +
		int64(cap(a.sets))*8 + int64(len(a.sets))*emptySetBytes + int64(cap(a.vals))*int64(unsafe.Sizeof([]uint64{}))
	return bytes, groups
}

// account tells the run's memory account what the groups hold now;
// settle hands over what is still counted locally.
func (a *aggregator) account(settle bool) {
	if a.mem.acct == nil {
		return
	}
	b, g := a.held()
	if a.mem.set(b, g, settle) {
		a.over = true
	}
}

// grow adds n bytes of sets or values.
func (a *aggregator) grow(n int64) {
	a.extra += n
	a.account(false)
}

func newAggregator(plan *statsPlan, e *env) *aggregator {
	a := &aggregator{plan: plan, ts: accessorFor(RefTimestamp, e).code, countOnly: true, mem: memShare{acct: e.mem}}
	for _, k := range plan.keys {
		a.codes = append(a.codes, k.acc.code)
		a.bins = append(a.bins, k.binMs)
	}
	for _, sp := range plan.aggs {
		if sp.acc != nil {
			a.countOnly = false
		}
	}
	bits := 0
	for _, k := range plan.keys {
		a.shifts = append(a.shifts, uint8(bits))
		a.present = append(a.present, 1<<keyWidth(k.acc))
		bits += keyWidth(k.acc) + 1 // + presence
	}
	switch {
	case bits <= 64:
		a.packed = newWordTable()
		if a.countOnly && bits <= denseBits && len(plan.keys) > 0 {
			a.dense = make([]uint32, 1<<bits)
		}
	case len(plan.keys) <= 2:
		a.small = map[groupKeySmall]int32{}
	default:
		a.large = map[groupKey]int32{}
	}
	if len(plan.keys) == 0 {
		a.groupPacked(0) // stats without by answers one row, even over no records
	}
	return a
}

// keyWidth is how many bits a key's codes can take, so that keys that fit
// together in one word hash as a single integer.
func keyWidth(acc *accessor) int {
	switch acc.kind {
	case vStr:
		return 32
	case vAddr:
		return 41 // IPv4 value, or v6Code | index
	case vEnum, vDerived:
		return 8
	case vTime:
		return 42 // ms of a uint32 second count
	}
	switch acc.field {
	case model.FieldSrcPort, model.FieldDstPort:
		return 16
	case model.FieldVersion, model.FieldProtocol, model.FieldTCPFlags, model.FieldTrafficPath, model.FieldEncryptionStatus:
		return 8
	case model.FieldStart, model.FieldEnd:
		return 32
	}
	return 64
}

func (a *aggregator) groupPacked(k uint64) int32 {
	if a.dense != nil {
		return a.groupDense(k)
	}
	if idx, ok := a.packed.get(k); ok {
		return idx
	}
	idx := int32(len(a.pkeys))
	a.packed.put(k, idx)
	a.pkeys = append(a.pkeys, k)
	a.newGroup()
	return idx
}

// groupDense is groupPacked for keys small enough to index a table of
// group indexes directly.
func (a *aggregator) groupDense(k uint64) int32 {
	if a.denseIdx == nil {
		a.denseIdx = make([]int32, len(a.dense))
	}
	if i := a.denseIdx[k]; i > 0 {
		return i - 1
	}
	idx := int32(len(a.pkeys))
	a.denseIdx[k] = idx + 1
	a.pkeys = append(a.pkeys, k)
	a.newGroup()
	return idx
}

func (a *aggregator) ngroups() int {
	a.flush()
	if a.packed != nil {
		return len(a.pkeys)
	}
	if a.small != nil {
		return len(a.skeys)
	}
	return len(a.lkeys)
}

func (a *aggregator) newGroup() {
	if a.countOnly {
		a.counts = append(a.counts, 0)
	} else {
		for range a.plan.aggs {
			a.st = append(a.st, aggState{lo: math.MaxUint64})
		}
	}
	a.account(false)
}

func (a *aggregator) groupSmall(k groupKeySmall) int32 {
	if idx, ok := a.small[k]; ok {
		return idx
	}
	idx := int32(len(a.skeys))
	a.small[k] = idx
	a.skeys = append(a.skeys, k)
	a.newGroup()
	return idx
}

func (a *aggregator) groupLarge(k *groupKey) int32 {
	if idx, ok := a.large[*k]; ok {
		return idx
	}
	idx := int32(len(a.lkeys))
	a.large[*k] = idx
	a.lkeys = append(a.lkeys, *k)
	a.newGroup()
	return idx
}

// key returns group gi's key in the large form.
func (a *aggregator) key(gi int) groupKey {
	if a.packed != nil {
		var g groupKey
		p := a.pkeys[gi]
		for i, sh := range a.shifts {
			w := keyWidth(a.plan.keys[i].acc)
			v := p >> sh
			if v&(1<<w) != 0 {
				g[i] = v & (1<<w - 1)
				g[maxBy] |= 1 << i
			}
		}
		return g
	}
	if a.small != nil {
		k := a.skeys[gi]
		var g groupKey
		g[0], g[1], g[maxBy] = k[0], k[1], k[2]
		return g
	}
	return a.lkeys[gi]
}

func (a *aggregator) group(k *groupKey) int32 {
	if a.packed != nil {
		var p uint64
		for i, sh := range a.shifts {
			if k[maxBy]&(1<<i) != 0 {
				p |= (k[i] | 1<<keyWidth(a.plan.keys[i].acc)) << sh
			}
		}
		return a.groupPacked(p)
	}
	if a.small != nil {
		return a.groupSmall(groupKeySmall{k[0], k[1], k[maxBy]})
	}
	return a.groupLarge(k)
}

func (a *aggregator) add(f *model.Flow, x *model.Ext) {
	if a.over {
		return
	}
	var idx int32
	if a.packed != nil {
		var k uint64
		for i, code := range a.codes {
			if v, ok := code(f, x); ok {
				if b := a.bins[i]; b > 0 {
					v -= v % b
				}
				k |= (v | a.present[i]) << a.shifts[i]
			}
		}
		if a.countOnly {
			a.pend = append(a.pend, k)
			if len(a.pend) == pendBatch {
				a.countPend()
			}
			return
		}
		var ok bool
		if idx, ok = a.packed.get(k); !ok {
			idx = a.groupPacked(k)
		}
	} else if a.small != nil {
		var k groupKeySmall
		for i, code := range a.codes {
			if v, ok := code(f, x); ok {
				if b := a.bins[i]; b > 0 {
					v -= v % b
				}
				k[i] = v
				k[2] |= 1 << i
			}
		}
		var ok bool
		if idx, ok = a.small[k]; !ok {
			idx = a.groupSmall(k)
		}
	} else {
		var k groupKey
		for i, code := range a.codes {
			if v, ok := code(f, x); ok {
				if b := a.bins[i]; b > 0 {
					v -= v % b
				}
				k[i] = v
				k[maxBy] |= 1 << i
			}
		}
		idx = a.groupLarge(&k)
	}
	if a.countOnly {
		a.counts[idx]++
		return
	}
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
			set := a.setOf(s)
			if _, ok := set[v]; !ok {
				set[v] = struct{}{}
				a.grow(32)
			}
		case AggSum, AggAvg:
			var c uint64
			s.sum, c = bits.Add64(s.sum, v, 0)
			s.sumHi += c
		case AggMin, AggMax:
			s.lo = min(s.lo, v)
			s.hi = max(s.hi, v)
		case AggPct:
			vals := a.valsOf(s)
			*vals = append(*vals, v)
			a.grow(8)
		case AggEarliest, AggLatest:
			t, _ := a.ts(f, x)
			if s.n == 1 || sp.fn == AggEarliest && (t < s.lo || t == s.lo && sp.before(v, s.code)) ||
				sp.fn == AggLatest && (t > s.hi || t == s.hi && sp.before(s.code, v)) {
				s.lo, s.hi, s.code = t, t, v
			}
		}
	}
}

// before orders two values of an earliest/latest field whose records have
// the same @timestamp: earliest takes the smaller, latest the larger, so
// the answer does not depend on the order records were read in (parallel
// runs read them in no fixed order).
func (sp *aggSpec) before(a, b uint64) bool {
	if a == b {
		return false
	}
	return compareValues(sp.acc.decode(a), sp.acc.decode(b)) < 0
}

// pendBatch is how many keys are looked up together.
const pendBatch = 256

// denseBits bounds the keys counted in the dense table: a port and its
// presence bit, 512 KiB of counts.
const denseBits = 17

// flush brings every count in: the pending keys, then the dense table's.
func (a *aggregator) flush() {
	a.countPend()
	if a.denseAny {
		a.drainDense()
	}
}

// countPend counts the pending keys. Into the dense table, one increment
// each, independent of one another; otherwise first every lookup, then
// the counting and the groups not yet known, in order.
func (a *aggregator) countPend() {
	if len(a.pend) == 0 {
		return
	}
	if d := a.dense; d != nil {
		for _, k := range a.pend {
			d[k]++
			if d[k] == 0 { // 2^32 of one key: carried into its group
				a.counts[a.groupPacked(k)] += 1 << 32
			}
		}
		a.denseAny = true
		a.pend = a.pend[:0]
		return
	}
	a.idx = slices.Grow(a.idx[:0], len(a.pend))[:len(a.pend)]
	for i, k := range a.pend {
		idx, ok := a.packed.get(k)
		if !ok {
			idx = -1
		}
		a.idx[i] = idx
	}
	for i, idx := range a.idx {
		if a.over {
			break // past the budget, as add stops counting
		}
		if idx < 0 {
			idx = a.groupPacked(a.pend[i]) // may have been made earlier in the batch
		}
		a.counts[idx]++
	}
	a.pend = a.pend[:0]
}

// drainDense adds the dense table's counts to their groups, made in key
// order, and clears it.
func (a *aggregator) drainDense() {
	a.denseAny = false
	for k, n := range a.dense {
		if n == 0 {
			continue
		}
		a.dense[k] = 0
		if a.over {
			continue // past the budget, as add stops counting
		}
		a.counts[a.groupPacked(uint64(k))] += uint64(n)
	}
}

// merge folds another aggregator of the same plan into a.
func (a *aggregator) merge(o *aggregator) {
	a.flush()
	o.flush()
	a.over = a.over || o.over || a.mem.acct.over()
	if a.over {
		return
	}
	a.extra += o.extra // sets and values; groups count as they are made
	n := len(a.plan.aggs)
	for gi := range o.ngroups() {
		if a.over {
			return
		}
		var idx int32
		if a.packed != nil { // the same plan packs keys alike
			idx = a.groupPacked(o.pkeys[gi])
		} else {
			k := o.key(gi)
			idx = a.group(&k)
		}
		if a.countOnly {
			a.counts[idx] += o.counts[gi]
			continue
		}
		dst := a.st[int(idx)*n : int(idx)*n+n]
		src := o.st[gi*n : gi*n+n]
		for j := range dst {
			d, s := &dst[j], &src[j]
			if s.n == 0 {
				continue
			}
			switch a.plan.aggs[j].fn {
			case AggCountDistinct:
				set := a.setOf(d)
				for v := range o.setOf(s) {
					set[v] = struct{}{}
				}
			case AggMin, AggMax:
				d.lo = min(d.lo, s.lo)
				d.hi = max(d.hi, s.hi)
			case AggPct:
				vals := a.valsOf(d)
				*vals = append(*vals, *o.valsOf(s)...)
			case AggEarliest:
				if d.n == 0 || s.lo < d.lo || s.lo == d.lo && a.plan.aggs[j].before(s.code, d.code) {
					d.lo, d.hi, d.code = s.lo, s.hi, s.code
				}
			case AggLatest:
				if d.n == 0 || s.hi > d.hi || s.hi == d.hi && a.plan.aggs[j].before(d.code, s.code) {
					d.lo, d.hi, d.code = s.lo, s.hi, s.code
				}
			}
			d.n += s.n
			var c uint64
			d.sum, c = bits.Add64(d.sum, s.sum, 0)
			d.sumHi += s.sumHi + c
		}
	}
}

// rows renders every group as a result row: keys, then aggregates.
func (a *aggregator) rows() [][]Value {
	a.flush()
	groups := make([]int, a.ngroups())
	for i := range groups {
		groups[i] = i
	}
	return a.rowsOf(groups)
}

// rowsOf renders the given groups as result rows: keys, then aggregates.
func (a *aggregator) rowsOf(groups []int) [][]Value {
	a.flush()
	w := len(a.plan.keys) + len(a.plan.aggs)
	out := make([][]Value, len(groups))
	cells := make([]Value, len(groups)*w)
	for r, gi := range groups {
		row := cells[r*w : r*w+w : r*w+w]
		for c := range row {
			row[c] = a.cell(gi, c)
		}
		out[r] = row
	}
	return out
}

// cell is group gi's value in result column c (keys first).
func (a *aggregator) cell(gi, c int) Value {
	a.flush()
	nk := len(a.plan.keys)
	if c < nk {
		var code uint64
		var ok bool
		switch {
		case a.packed != nil:
			v := a.pkeys[gi] >> a.shifts[c]
			ok = v&a.present[c] != 0
			code = v & (a.present[c] - 1)
		case a.small != nil:
			k := &a.skeys[gi]
			code, ok = k[c], k[2]&(1<<c) != 0
		default:
			k := &a.lkeys[gi]
			code, ok = k[c], k[maxBy]&(1<<c) != 0
		}
		if !ok {
			return Value{}
		}
		return a.plan.keys[c].acc.decode(code)
	}
	if a.countOnly {
		return Value{Kind: Int, I: a.counts[gi]}
	}
	j := c - nk
	return a.value(&a.plan.aggs[j], &a.st[gi*len(a.plan.aggs)+j])
}

// setOf is the set of a count_distinct state, made when first asked for.
func (a *aggregator) setOf(s *aggState) map[uint64]struct{} {
	if s.code == 0 {
		a.sets = append(a.sets, map[uint64]struct{}{})
		s.code = uint64(len(a.sets))
	}
	return a.sets[s.code-1]
}

// valsOf is the values of a pct state, made when first asked for.
func (a *aggregator) valsOf(s *aggState) *[]uint64 {
	if s.code == 0 {
		a.vals = append(a.vals, nil)
		s.code = uint64(len(a.vals))
	}
	return &a.vals[s.code-1]
}

func (a *aggregator) value(sp *aggSpec, s *aggState) Value {
	switch sp.fn {
	case AggCount:
		return Value{Kind: Int, I: s.n}
	case AggCountDistinct:
		if s.code == 0 {
			return Value{Kind: Int}
		}
		return Value{Kind: Int, I: uint64(len(a.setOf(s)))}
	}
	if s.n == 0 {
		return Value{}
	}
	switch sp.fn {
	case AggSum:
		return uint128Value(s.sumHi, s.sum)
	case AggAvg:
		return quotientValue(s.sumHi, s.sum, s.n)
	case AggMin:
		return sp.acc.decode(s.lo)
	case AggMax:
		return sp.acc.decode(s.hi)
	case AggPct:
		vals := *a.valsOf(s)
		slices.Sort(vals)
		return sp.acc.decode(vals[pctIndex(len(vals), sp.pct)])
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
