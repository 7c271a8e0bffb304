package ui

import (
	"errors"
	"strings"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// QueryFilter is the filter bar's compiler for the CloudWatch Logs
// Insights language: a query or a bare expression (`action = "REJECT"
// and dstport = 22`) selects the flows its filters match, and a query
// with stats also feeds the stats pane. Text that does not read as the
// language (bare words, quoted phrases) falls back to PlainTextFilter's
// fuzzy matching, so typing an address or an ENI id just works.
func QueryFilter(text string, names *model.Interner) (Filter, FilterState, error) {
	if strings.TrimSpace(text) == "" {
		return nil, FilterState{}, nil
	}
	// Literals are interned so records arriving later still match them.
	pred, st, err := query.CompileFilter(text, names, query.Options{Intern: true})
	if st == query.Valid {
		if pred == nil {
			return nil, FilterState{}, nil
		}
		return &queryFilter{pred: pred}, FilterState{}, nil
	}
	if !looksLikeQuery(text) {
		return PlainTextFilter(text, names)
	}
	state := FilterState{Kind: FilterInvalid, Pos: 1, Message: err.Error()}
	if st == query.Incomplete {
		state.Kind = FilterIncomplete
	}
	var qe *query.Error
	if errors.As(err, &qe) {
		state.Pos, state.Message = qe.Col, qe.Msg
	}
	return nil, state, err
}

// looksLikeQuery tells query text (a command word, an operator, a call)
// from bare words meant for fuzzy matching.
func looksLikeQuery(text string) bool {
	if strings.ContainsAny(text, "=<>!~|([") {
		return true
	}
	first, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	switch strings.ToLower(first) {
	case "fields", "filter", "stats", "sort", "limit", "display", "dedup":
		return true
	}
	for _, w := range strings.Fields(rest) {
		switch strings.ToLower(w) {
		case "like", "in", "and", "or":
			return true
		}
	}
	return false
}

// queryFilter adapts a compiled predicate to the flows pane.
type queryFilter struct{ pred query.Pred }

func (q *queryFilter) Match(f *model.Flow, x *model.Ext) bool { return q.pred(f, x) }

func (q *queryFilter) MatchBatch(v model.View, from, to int, dst []uint64) []uint64 {
	for i := from; i < to; i++ {
		if f, x := v.At(i); q.pred(f, x) {
			dst = append(dst, v.Seq(i))
		}
	}
	return dst
}
