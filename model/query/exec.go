package query

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// Program is a compiled query. It is immutable; runs keep their state in
// a Partial, one per goroutine.
type Program struct {
	Query   *Query
	env     *env
	filters []Expr
	stats   *statsPlan
	post    []postOp
	// record queries: the output columns
	cols []column
	// record queries: what sort and dedup read, by postOp key index
	keyAccs []*accessor
	// stats queries: the columns display keeps, by index (nil: all)
	display []int
	columns []string
	// collectCap bounds the records kept when the query ends in a plain
	// limit, so `filter … | limit 20` does not copy every match.
	collectCap int
}

type column struct {
	name string
	acc  *accessor
}

type postKind uint8

const (
	postSort postKind = iota
	postDedup
	postLimit
)

// postOp is a sort, dedup or limit applied to the rows in query order.
// For record queries keys index accessors; for stats, output columns.
type postOp struct {
	kind  postKind
	keys  []int
	desc  []bool
	limit int
}

// Compile checks a parsed query against what the engine supports and
// prepares it to run over records interned in names.
func Compile(q *Query, names *model.Interner, opt Options) (*Program, error) {
	p := &Program{Query: q, env: newEnv(names, opt, q.Unknown)}
	var aliases []column // fields … as name
	var projected []column
	display := -1
	afterPost := ""
	for ci, cmd := range q.Commands {
		switch c := cmd.(type) {
		case *FilterCmd:
			if p.stats != nil {
				return nil, errAt(c.Col, "filter after stats is not supported: put it before stats")
			}
			if afterPost != "" {
				return nil, errAt(c.Col, "filter after %s is not supported: put it before %s", afterPost, afterPost)
			}
			p.filters = append(p.filters, c.Expr)
		case *FieldsCmd:
			for _, it := range c.Items {
				name := it.Field.Text
				if it.Alias != "" {
					name = it.Alias
				}
				col := column{name: name, acc: accessorFor(it.Field.Ref, p.env)}
				if it.Alias != "" {
					aliases = append(aliases, col)
				}
				i := slices.IndexFunc(projected, func(o column) bool { return o.name == name })
				switch {
				case i < 0:
					projected = append(projected, col)
				case projected[i].acc.ref != col.acc.ref:
					// the same field twice is one column; two fields under one name, a column lost
					return nil, errDupColumn(it.Field.Col, name)
				}
			}
		case *StatsCmd:
			if p.stats != nil {
				return nil, errAt(c.Col, "only one stats command is supported")
			}
			if afterPost != "" {
				return nil, errAt(c.Col, "stats after %s is not supported: put %s after stats", afterPost, afterPost)
			}
			plan, err := p.statsPlan(c)
			if err != nil {
				return nil, err
			}
			p.stats = plan
			for _, k := range plan.keys {
				p.columns = append(p.columns, k.column)
			}
			for _, a := range plan.aggs {
				p.columns = append(p.columns, a.column)
			}
		case *SortCmd, *DedupCmd, *LimitCmd:
			op, err := p.postOp(cmd, aliases)
			if err != nil {
				return nil, err
			}
			p.post = append(p.post, op)
			afterPost = cmd.Name()
		case *DisplayCmd:
			display = ci
		}
	}
	if p.stats != nil {
		if display >= 0 {
			for _, n := range q.Commands[display].(*DisplayCmd).Fields {
				i, err := p.statsColumn(n)
				if err != nil {
					return nil, err
				}
				p.display = append(p.display, i)
			}
		}
	} else {
		switch {
		case display >= 0:
			for _, n := range q.Commands[display].(*DisplayCmd).Fields {
				acc, err := p.recordColumn(n, aliases)
				if err != nil {
					return nil, err
				}
				p.cols = append(p.cols, column{name: n.Text, acc: acc})
			}
		case len(projected) > 0:
			p.cols = projected
		default:
			p.cols = []column{
				{name: "@timestamp", acc: accessorFor(RefTimestamp, p.env)},
				{name: "@message", acc: accessorFor(RefMessage, p.env)},
			}
		}
		for _, c := range p.cols {
			p.columns = append(p.columns, c.name)
		}
		if len(p.post) > 0 && p.post[0].kind == postLimit {
			p.collectCap = p.post[0].limit
		}
	}
	if p.env.mem != nil {
		p.env.mem.perGroup = p.finishBytes()
	}
	// Compile the filters once now so their errors surface here.
	if _, err := p.compilePred(); err != nil {
		return nil, err
	}
	return p, nil
}

// Columns are the output column names.
func (p *Program) Columns() []string {
	if p.display == nil {
		return p.columns
	}
	out := make([]string, len(p.display))
	for i, d := range p.display {
		out[i] = p.columns[d]
	}
	return out
}

func (p *Program) compilePred() (Pred, error) { return p.compilePredOf(p.filters) }

func (p *Program) compilePredOf(filters []Expr) (Pred, error) {
	c := &compiler{env: p.env}
	var pred Pred
	for _, e := range filters {
		q, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		if pred == nil {
			pred = q
			continue
		}
		l := pred
		pred = func(f *model.Flow, x *model.Ext) bool { return l(f, x) && q(f, x) }
	}
	return pred, nil
}

// newPred compiles a fresh predicate (with its own scratch space); true
// for every record when the query has no filter.
func (p *Program) newPred() Pred { return p.newPredOf(p.filters) }

// newProvenPred is newPred for records whose line's text was found to be
// their @message and to pass the tests on it (see lineScan.pass): the
// rest of the filter.
func (p *Program) newProvenPred() Pred {
	var rest []Expr
	for _, e := range p.filters {
		if e = withoutMessageTests(e); e != nil {
			rest = append(rest, e)
		}
	}
	return p.newPredOf(rest)
}

func (p *Program) newPredOf(filters []Expr) Pred {
	pred, err := p.compilePredOf(filters)
	if err != nil {
		panic(fmt.Sprintf("query: filter compiled once and failed later: %v", err))
	}
	if pred == nil {
		return predTrue
	}
	return pred
}

// withoutMessageTests is e without the tests the line filter makes on the
// raw text (like and =~ on @message, not negated, joined by and): nil
// when nothing is left. It walks e as lineFilter does.
func withoutMessageTests(e Expr) Expr {
	switch e := e.(type) {
	case *Logical:
		if e.Or {
			return e
		}
		l, r := withoutMessageTests(e.L), withoutMessageTests(e.R)
		switch {
		case l == nil:
			return r
		case r == nil:
			return l
		case l == e.L && r == e.R:
			return e
		}
		return &Logical{L: l, R: r, Col: e.Col}
	case *Match:
		if isMessageTest(e) {
			return nil
		}
	}
	return e
}

// isMessageTest reports whether the line filter tests m on the raw text
// (see lineFilter.match).
func isMessageTest(m *Match) bool { return !m.Negate && m.Field.Ref == RefMessage }

func (p *Program) statsPlan(c *StatsCmd) (*statsPlan, error) {
	plan := &statsPlan{}
	if len(c.By) > maxBy {
		return nil, errAt(c.By[maxBy].Field.Col, "stats takes at most %d by keys", maxBy)
	}
	for _, k := range c.By {
		ks := keySpec{acc: accessorFor(k.Field.Ref, p.env), column: k.Column, binMs: uint64(k.BinSec) * 1000}
		if ks.acc.kind == vMessage {
			return nil, errAt(k.Field.Col, "cannot group by @message")
		}
		plan.keys = append(plan.keys, ks)
	}
	for _, a := range c.Aggs {
		sp := aggSpec{fn: a.Func, pct: a.Pct, column: a.Column}
		if a.Field != nil {
			sp.acc = accessorFor(a.Field.Ref, p.env)
			k := sp.acc.kind
			switch a.Func {
			case AggSum, AggAvg, AggMin, AggMax, AggPct:
				if k != vNum && k != vTime {
					return nil, errAt(a.Field.Col, "%s needs a numeric field, and %s is not one", strings.SplitN(a.Column, "(", 2)[0], a.Field.Text)
				}
			}
			if k == vMessage {
				return nil, errAt(a.Field.Col, "stats over @message is not supported")
			}
		}
		plan.aggs = append(plan.aggs, sp)
	}
	// Output columns are found by name (sort, display, JSON keys): two of
	// one name would make them ambiguous.
	var names []string
	for i, k := range plan.keys {
		if slices.Contains(names, k.column) {
			return nil, errDupColumn(c.By[i].Field.Col, k.column)
		}
		names = append(names, k.column)
	}
	for i, a := range plan.aggs {
		if slices.Contains(names, a.column) {
			return nil, errDupColumn(c.Aggs[i].Col, a.column)
		}
		names = append(names, a.column)
	}
	return plan, nil
}

func errDupColumn(col int, name string) error {
	return errAt(col, "two columns are named '%s': rename one with 'as'", name)
}

// recordColumn resolves a name in a record query: an alias from fields,
// else a field.
func (p *Program) recordColumn(n Name, aliases []column) (*accessor, error) {
	for _, a := range aliases {
		if strings.EqualFold(a.name, n.Text) {
			return a.acc, nil
		}
	}
	if n.Ref != 0 {
		return accessorFor(n.Ref, p.env), nil
	}
	return nil, errAt(n.Col, "%s", unknownField(n.Text))
}

// statsColumn resolves a name after stats to an output column: its exact
// name, a by key's field in any spelling, or a bare function name such as
// `count` for count(*), as Insights users write `sort count desc`.
func (p *Program) statsColumn(n Name) (int, error) {
	for i, c := range p.columns {
		if c == n.Text {
			return i, nil
		}
	}
	for i, c := range p.columns {
		if strings.EqualFold(c, n.Text) {
			return i, nil
		}
	}
	if n.Ref != 0 {
		for i, k := range p.stats.keys {
			if k.acc.ref == n.Ref {
				return i, nil
			}
		}
	}
	if fn, ok := aggNames[strings.ToLower(n.Text)]; ok {
		for j, a := range p.stats.aggs {
			if a.fn == fn {
				return len(p.stats.keys) + j, nil
			}
		}
	}
	return 0, errAt(n.Col, "unknown column '%s' (stats gives %s)", n.Text, strings.Join(p.columns, ", "))
}

func (p *Program) postOp(cmd Command, aliases []column) (postOp, error) {
	switch c := cmd.(type) {
	case *LimitCmd:
		return postOp{kind: postLimit, limit: c.N}, nil
	case *SortCmd:
		op := postOp{kind: postSort}
		for _, k := range c.Keys {
			i, err := p.postKey(k.Name, aliases)
			if err != nil {
				return op, err
			}
			op.keys = append(op.keys, i)
			op.desc = append(op.desc, k.Desc)
		}
		return op, nil
	case *DedupCmd:
		op := postOp{kind: postDedup}
		for _, n := range c.Fields {
			i, err := p.postKey(n, aliases)
			if err != nil {
				return op, err
			}
			op.keys = append(op.keys, i)
		}
		return op, nil
	}
	return postOp{}, errAt(cmd.Pos(), "unsupported command")
}

// postKey resolves a sort or dedup name: a stats column after stats, else
// a record accessor.
func (p *Program) postKey(n Name, aliases []column) (int, error) {
	if p.stats != nil {
		return p.statsColumn(n)
	}
	acc, err := p.recordColumn(n, aliases)
	if err != nil {
		return 0, err
	}
	p.keyAccs = append(p.keyAccs, acc)
	return len(p.keyAccs) - 1, nil
}

// Names is the interner the program was compiled against; records fed to
// it must be interned there.
func (p *Program) Names() *model.Interner { return p.env.names }

// Needs reports whether the program reads a field (FieldNone: any field
// flowtail does not know), so columnar inputs read only those columns.
func (p *Program) Needs(id model.FieldID) bool {
	return p.env.all || int(id) < len(p.env.reads) && p.env.reads[id]
}

// GroupKeyInfo describes one `by` key of a stats program, for turning a result
// row back into a filter: Field is the AWS spelling of the field, a name
// such as @timestamp, or a name only a format in use defines as the query
// typed it (QuoteName writes any of them into a query); BinSec is the bin
// width for bin() keys.
type GroupKeyInfo struct {
	Field  string
	BinSec int64
}

// GroupKeys lists the stats keys in column order (the first columns of a
// stats result); nil for a query without stats.
func (p *Program) GroupKeys() []GroupKeyInfo {
	if p.stats == nil {
		return nil
	}
	out := make([]GroupKeyInfo, len(p.stats.keys))
	for i, k := range p.stats.keys {
		out[i] = GroupKeyInfo{Field: p.env.refName(k.acc.ref), BinSec: int64(k.binMs / 1000)}
	}
	return out
}
