package query

import (
	"slices"

	"github.com/flowtail/flowtail/model"
)

// streamer applies a record query's limits and dedups to records one at a
// time, in input order, and projects those that pass to output rows.
type streamer struct {
	p      *Program
	passed []int                 // per post op: rows it let through
	seen   []map[string]struct{} // per dedup op: the keys already output
	row    []Value
	key    []byte
	// keys and held: the dedup keys remembered, and what they take
	keys int
	held int64
}

func newStreamer(p *Program) *streamer {
	s := &streamer{p: p, passed: make([]int, len(p.post)), seen: make([]map[string]struct{}, len(p.post)), row: make([]Value, len(p.cols))}
	for i, op := range p.post {
		if op.kind == postDedup {
			s.seen[i] = map[string]struct{}{}
		}
	}
	return s
}

// next returns the row of a record, or nil when a dedup drops it, and
// whether any later record can still be output (false once a limit is
// full). The row is reused by the next call.
func (s *streamer) next(f *model.Flow, x *model.Ext) ([]Value, bool) {
	for i, op := range s.p.post {
		switch op.kind {
		case postLimit:
			if s.passed[i] >= op.limit {
				return nil, false
			}
		case postDedup:
			s.key = s.key[:0]
			for _, k := range op.keys {
				s.key = append(s.key, s.p.keyAccs[k].value(f, x).String()...)
				s.key = append(s.key, 0)
			}
			if _, dup := s.seen[i][string(s.key)]; dup {
				return nil, true
			}
			s.seen[i][string(s.key)] = struct{}{}
			s.keys++
			s.held += int64(len(s.key)) + dedupKeyBytes(0)
		}
		s.passed[i]++
	}
	for c := range s.p.cols {
		s.row[c] = s.p.cols[c].acc.value(f, x)
	}
	for i, op := range s.p.post {
		if op.kind == postLimit && s.passed[i] >= op.limit {
			return s.row, false
		}
	}
	return s.row, true
}

// topN is the N of a record query that starts with sort … | limit N: only
// that many records can be output, so a partial keeps no more.
func (p *Program) topN() (postOp, int, bool) {
	if p.stats != nil || len(p.post) < 2 || p.post[0].kind != postSort || p.post[1].kind != postLimit {
		return postOp{}, 0, false
	}
	return p.post[0], p.post[1].limit, true
}

// prune keeps the top N records of a sort … | limit N query once it holds
// well over N, in input order, so ties still break as a stable sort does.
func (pt *Partial) prune() {
	op, n, ok := pt.prog.topN()
	if !ok || len(pt.recs) < 2*n+4096 {
		return
	}
	p := pt.prog
	rec := func(i int) (*model.Flow, *model.Ext) {
		if e := pt.extOf[i]; e >= 0 {
			return &pt.recs[i], &pt.exts[e]
		}
		return &pt.recs[i], nil
	}
	cols := make([][]Value, len(op.keys))
	for ki, k := range op.keys {
		cols[ki] = make([]Value, len(pt.recs))
		for i := range pt.recs {
			cols[ki][i] = p.keyAccs[k].value(rec(i))
		}
	}
	idx := make([]int, len(pt.recs))
	for i := range idx {
		idx[i] = i
	}
	idx = sortLimit(idx, n, func(a, b int) int {
		for ki := range cols {
			if c := compareKey(cols[ki][a], cols[ki][b], op.desc[ki]); c != 0 {
				return c
			}
		}
		return 0
	})
	slices.Sort(idx) // back to input order
	recs := make([]model.Flow, 0, 2*n+4096)
	extOf := make([]int32, 0, 2*n+4096)
	var exts []model.Ext
	for _, i := range idx {
		f, x := rec(i)
		recs = append(recs, *f)
		if x == nil {
			extOf = append(extOf, -1)
			continue
		}
		extOf = append(extOf, int32(len(exts)))
		exts = append(exts, *x)
	}
	pt.recs, pt.extOf, pt.exts = recs, extOf, exts
}
