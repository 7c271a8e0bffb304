package ui

import (
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// queryFilter adapts a compiled predicate to the flows pane.
type queryFilter struct {
	pred  query.Pred
	again func() Filter // compiles the same text afresh (nil: cannot)
}

func (q *queryFilter) fresh() Filter {
	if q.again == nil {
		return nil
	}
	return q.again()
}

func (q *queryFilter) Match(f *model.Flow, x *model.Ext) bool { return q.pred(f, x) }

func (q *queryFilter) MatchBatch(v model.View, from, to int, dst []uint64) []uint64 {
	for i := from; i < to; i++ {
		if f, x := v.At(i); q.pred(f, x) {
			dst = append(dst, v.Seq(i))
		}
	}
	return dst
}
