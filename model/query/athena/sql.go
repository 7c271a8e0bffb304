package athena

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// Options bound the records a query reads.
type Options struct {
	// Since and Until bound the records' start time (inclusive; their end
	// time where the table has no start column); zero means unbounded.
	// They also become predicates on the partition columns.
	Since, Until time.Time
}

// Translation is a query as Athena SQL.
type Translation struct {
	SQL string
	// Columns are the result's column names, the local engine's.
	Columns []string
}

// Translate turns a parsed query into Trino SQL over t. The query is
// compiled first, so it fails exactly where the local engine would.
func Translate(q *query.Query, t *Table, opt Options) (*Translation, error) {
	// Written times name an instant: send its number, as the local engine
	// compares it.
	q, err := query.ResolveTimes(q, query.Options{})
	if err != nil {
		return nil, err
	}
	prog, err := query.Compile(q, model.NewInterner(), query.Options{Intern: true})
	if err != nil {
		return nil, err
	}
	for _, c := range q.Commands {
		if f, ok := c.(*query.FilterCmd); ok {
			if col := invalidText(f.Expr); col > 0 {
				return nil, &query.Error{Col: col, Msg: "this text holds a byte that is not UTF-8, which no Athena string can hold (Athena reads text as UTF-8): run the query without --on"}
			}
		}
	}
	tr := &translator{t: t, plan: prog.Plan(), cte: map[query.Ref]bool{}, unknown: q.Unknown}
	sql, err := tr.translate(opt)
	if err != nil {
		return nil, err
	}
	return &Translation{SQL: sql, Columns: prog.Columns()}, nil
}

// invalidText returns the column of e's first string or pattern that is
// not valid UTF-8, or 0.
func invalidText(e query.Expr) int {
	bad := func(s string, col int) int {
		if utf8.ValidString(s) {
			return 0
		}
		return col
	}
	switch e := e.(type) {
	case *query.Logical:
		if col := invalidText(e.L); col > 0 {
			return col
		}
		return invalidText(e.R)
	case *query.Not:
		return invalidText(e.X)
	case *query.Compare:
		for _, l := range []*query.Literal{e.L.Lit, e.R.Lit} {
			if l != nil && bad(l.Text, l.Col) > 0 {
				return l.Col
			}
		}
	case *query.In:
		for _, v := range e.Values {
			if bad(v.Text, v.Col) > 0 {
				return v.Col
			}
		}
	case *query.Match:
		return bad(e.Pattern, e.PatCol)
	case *query.Call:
		if e.Arg != nil {
			return bad(e.Arg.Text, e.Arg.Col)
		}
	}
	return 0
}

type translator struct {
	t    *Table
	plan query.Plan
	// refs are the values the flows CTE computes, in first-use order.
	refs []query.Ref
	cte  map[query.Ref]bool
	// unknown are the query's names of fields flowtail does not know.
	unknown []string
}

// kind is how SQL holds a value.
type kind uint8

const (
	kNum  kind = iota // bigint (int fields; @timestamp in ms)
	kTime             // @timestamp: bigint ms, printed as a date
	kText             // varchar
	kAddr             // varchar holding an address
)

func kindOf(r query.Ref) kind {
	if id, ok := r.Field(); ok {
		switch id.Kind() {
		case model.KindInt:
			return kNum
		case model.KindAddr:
			return kAddr
		}
		return kText
	}
	if r == query.RefTimestamp {
		return kTime
	}
	return kText
}

// use records that the flows CTE must compute r, and returns its column.
func (tr *translator) use(r query.Ref) string {
	if !tr.cte[r] {
		tr.cte[r] = true
		tr.refs = append(tr.refs, r)
	}
	return ident(tr.cteName(r))
}

func (tr *translator) cteName(r query.Ref) string {
	if id, ok := r.Field(); ok {
		return ColumnName(id)
	}
	if r >= query.RefUnknown0 {
		// The table's spelling when it has the column, so the CTE reads
		// as the table does.
		name := tr.unknown[r-query.RefUnknown0]
		if c, ok := tr.t.customColumn(name); ok {
			name = c.Name
		}
		return customColumn(name)
	}
	return r.Name()
}

func isStringType(typ string) bool {
	t := strings.ToLower(typ)
	return t == "string" || t == "varchar" || strings.HasPrefix(t, "varchar(") || strings.HasPrefix(t, "char")
}

// fieldExpr reads a field from the table as the local engine sees it:
// NULL when absent.
func (tr *translator) fieldExpr(id model.FieldID) string {
	c, ok := tr.t.column(ColumnName(id))
	return columnExpr(c, ok, id.Kind() == model.KindInt)
}

// columnExpr reads column c (ok: the table has it) as the local engine
// sees its field: NULL when absent, a number when num, else text.
func columnExpr(c Column, ok, num bool) string {
	switch {
	case !ok && num:
		return "CAST(NULL AS bigint)"
	case !ok:
		return "CAST(NULL AS varchar)"
	case num && isStringType(c.Type):
		return "TRY_CAST(NULLIF(" + ident(c.Name) + ", '-') AS bigint)"
	case num:
		return ident(c.Name)
	case isStringType(c.Type):
		return "NULLIF(" + ident(c.Name) + ", '-')"
	}
	return "CAST(" + ident(c.Name) + " AS varchar)"
}

// refExpr is the CTE's definition of r over the table's columns.
func (tr *translator) refExpr(r query.Ref) string {
	if id, ok := r.Field(); ok {
		return tr.fieldExpr(id)
	}
	if r >= query.RefUnknown0 {
		// Text, as the local engine reads a field it does not know.
		c, ok := tr.t.customColumn(tr.unknown[r-query.RefUnknown0])
		return columnExpr(c, ok, false)
	}
	switch r {
	case query.RefTimestamp:
		start := tr.fieldExpr(model.FieldStart)
		if c, ok := tr.t.column(ColumnName(model.FieldStart)); ok && !strings.EqualFold(c.Type, "bigint") && !isStringType(c.Type) {
			// An int start (a table made by hand) would overflow in ms.
			start = "CAST(" + start + " AS bigint)"
		}
		return start + " * 1000"
	case query.RefProto:
		p := tr.fieldExpr(model.FieldProtocol)
		return "CASE " + p + protoWhens() + " ELSE CAST(" + p + " AS varchar) END"
	case query.RefService:
		return "COALESCE(" + serviceCase(tr.fieldExpr(model.FieldDstPort)) + ", " + serviceCase(tr.fieldExpr(model.FieldSrcPort)) + ")"
	case query.RefDirection:
		d := tr.fieldExpr(model.FieldFlowDirection)
		return "CASE " + d + " WHEN 'ingress' THEN 'ingress' WHEN 'egress' THEN 'egress' END"
	case query.RefMessage:
		parts := make([]string, 0, len(tr.t.Columns))
		for _, c := range tr.t.Columns {
			v := ident(c.Name)
			if !isStringType(c.Type) {
				v = "CAST(" + v + " AS varchar)"
			}
			parts = append(parts, "COALESCE("+v+", '-')")
		}
		if len(parts) == 0 {
			return "''"
		}
		return "concat_ws(' ', " + strings.Join(parts, ", ") + ")"
	}
	return "NULL"
}

// protoWhens are the WHEN arms naming protocol numbers, built once.
var protoWhens = sync.OnceValue(func() string {
	var b strings.Builder
	for n := range 256 {
		if s := query.ProtoName(uint8(n)); s != strconv.Itoa(n) {
			fmt.Fprintf(&b, " WHEN %d THEN %s", n, str(s))
		}
	}
	return b.String()
})

// serviceCase names the service of a port, NULL when it has none. The
// local engine looks at the destination port first, then the source.
func serviceCase(port string) string {
	if s, ok := serviceCases.Load(port); ok {
		return s.(string)
	}
	s := buildServiceCase(port)
	serviceCases.Store(port, s)
	return s
}

// serviceCases keeps the CASE built per port expression: the table has
// some sixty names, and the expressions are few.
var serviceCases sync.Map

func buildServiceCase(port string) string {
	var b strings.Builder
	b.WriteString("CASE")
	var order []string
	ports := map[string][]string{}
	for _, sp := range query.ServicePorts() {
		if _, ok := ports[sp.Name]; !ok {
			order = append(order, sp.Name)
		}
		ports[sp.Name] = append(ports[sp.Name], strconv.Itoa(int(sp.Port)))
	}
	for _, name := range order {
		p := ports[name]
		if len(p) == 1 {
			fmt.Fprintf(&b, " WHEN %s = %s THEN %s", port, p[0], str(name))
		} else {
			fmt.Fprintf(&b, " WHEN %s IN (%s) THEN %s", port, strings.Join(p, ", "), str(name))
		}
	}
	b.WriteString(" END")
	return b.String()
}

// tsText prints milliseconds as the local engine prints @timestamp.
func tsText(ms string) string {
	return "format_datetime(from_unixtime(" + ms + " / 1000, 'UTC'), 'yyyy-MM-dd HH:mm:ss.SSS')"
}

// text is a value as text, as like, regexes and text comparisons see it.
func (tr *translator) text(r query.Ref) string {
	c := tr.use(r)
	switch kindOf(r) {
	case kNum:
		return "CAST(" + c + " AS varchar)"
	case kTime:
		return tsText(c)
	}
	return c
}

// output is a value as a result cell.
func (tr *translator) output(r query.Ref) string {
	if kindOf(r) == kTime {
		return tsText(tr.use(r))
	}
	return tr.use(r)
}

func (tr *translator) translate(opt Options) (string, error) {
	var where []string
	for _, f := range tr.plan.Filters {
		s, err := tr.expr(f, true)
		if err != nil {
			return "", err
		}
		where = append(where, s)
	}
	var stages []string
	var final string
	var err error
	if tr.plan.Stats != nil {
		stages, final, err = tr.stats(where)
	} else {
		stages, final, err = tr.records(where)
	}
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("WITH flows AS (\n  SELECT ")
	if len(tr.refs) == 0 {
		b.WriteString("1 AS one")
	}
	for i, r := range tr.refs {
		if i > 0 {
			b.WriteString(",\n    ")
		}
		e, name := tr.refExpr(r), ident(tr.cteName(r))
		if e == name {
			b.WriteString(e)
		} else {
			b.WriteString(e + " AS " + name)
		}
	}
	b.WriteString("\n  FROM " + tr.t.QualifiedName())
	w, err := tr.window(opt)
	if err != nil {
		return "", err
	}
	if len(w) > 0 {
		b.WriteString("\n  WHERE " + strings.Join(w, "\n    AND "))
	}
	b.WriteString("\n)")
	for i, s := range stages {
		fmt.Fprintf(&b, ",\ns%d AS (\n  %s\n)", i, strings.ReplaceAll(s, "\n", "\n  "))
	}
	b.WriteString("\n" + final)
	return b.String(), nil
}

// window bounds start and, through the partition columns, the files read.
// A table without start is bounded by end; without either, no record's
// time is known and the window is refused rather than matching nothing.
func (tr *translator) window(opt Options) ([]string, error) {
	var out []string
	out = append(out, partitionPredicates(tr.t, opt.Since, opt.Until)...)
	if opt.Since.IsZero() && opt.Until.IsZero() {
		return out, nil
	}
	id := model.FieldStart
	if _, ok := tr.t.column(ColumnName(id)); !ok {
		id = model.FieldEnd
	}
	if _, ok := tr.t.column(ColumnName(id)); !ok {
		return nil, fmt.Errorf("table %s has neither a start nor an end column, so no record's time is known and --since/--until cannot bound them: leave them out, or query a table whose format has ${start}", tr.t.QualifiedName())
	}
	start := tr.fieldExpr(id)
	if !opt.Since.IsZero() {
		s := opt.Since.Unix()
		if opt.Since.Nanosecond() > 0 {
			s++
		}
		out = append(out, fmt.Sprintf("%s >= %d", start, s))
	}
	if !opt.Until.IsZero() {
		out = append(out, fmt.Sprintf("%s <= %d", start, opt.Until.Unix()))
	}
	return out, nil
}

// relation tracks the columns of the stage being built and the order its
// rows are in, for the steps after it.
type relation struct {
	cols  []string // internal column names: _c0… for output, _k0… hidden
	kinds []kind
	order []string // ORDER BY terms
}

func orderTerms(col string, k kind, desc bool) []string {
	dir := " ASC NULLS LAST"
	if desc {
		dir = " DESC NULLS LAST"
	}
	if k == kAddr {
		// Every IPv4 address before every IPv6 one, then by value.
		return []string{"(strpos(" + col + ", ':') > 0)" + dir, "TRY_CAST(" + col + " AS ipaddress)" + dir}
	}
	return []string{col + dir}
}

func (tr *translator) stats(where []string) ([]string, string, error) {
	st := tr.plan.Stats
	var sel []string
	rel := &relation{}
	add := func(expr string, k kind) {
		name := fmt.Sprintf("_c%d", len(rel.cols))
		sel = append(sel, expr+" AS "+name)
		rel.cols = append(rel.cols, name)
		rel.kinds = append(rel.kinds, k)
	}
	var group []string
	for i, k := range st.By {
		c := tr.use(k.Field.Ref)
		kd := kindOf(k.Field.Ref)
		switch {
		case k.BinSec > 0:
			ms := k.BinSec * 1000
			add(tsText(fmt.Sprintf("(%s - %s %% %d)", c, c, ms)), kText)
		case kd == kTime:
			add(tsText(c), kText)
		default:
			add(c, kd)
		}
		group = append(group, strconv.Itoa(i+1))
	}
	for _, a := range st.Aggs {
		expr, kd := tr.agg(a)
		add(expr, kd)
	}
	core := "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM flows"
	if len(where) > 0 {
		core += "\nWHERE " + strings.Join(where, "\n  AND ")
	}
	if len(group) > 0 {
		core += "\nGROUP BY " + strings.Join(group, ", ")
	}
	nkeys := len(st.By)
	var keyOrder []string
	for i := range nkeys {
		keyOrder = append(keyOrder, orderTerms(rel.cols[i], rel.kinds[i], false)...)
	}
	rel.order = keyOrder
	sort := func(s query.PlanStep) {
		var terms []string
		for i, c := range s.Cols {
			terms = append(terms, orderTerms(rel.cols[c], rel.kinds[c], s.Desc[i])...)
		}
		rel.order = append(terms, keyOrder...)
	}
	dedupKeys := func(s query.PlanStep) []string {
		var keys []string
		for _, c := range s.Cols {
			keys = append(keys, rel.cols[c])
		}
		return keys
	}
	stages, last, limit := tr.steps(core, rel, sort, dedupKeys)
	var outs []string
	show := tr.plan.Display
	if show == nil {
		for i := range tr.plan.Columns {
			show = append(show, i)
		}
	}
	for _, i := range show {
		outs = append(outs, rel.cols[i]+" AS "+ident(tr.plan.Columns[i]))
	}
	return stages, finalSelect(outs, last, rel.order, limit), nil
}

// steps turns sort, dedup and limit into stages: a sort only changes the
// order; a limit that is not last and a dedup each need a stage.
func (tr *translator) steps(core string, rel *relation, sort func(query.PlanStep), dedupKeys func(query.PlanStep) []string) (stages []string, last string, limit int) {
	stages = []string{core}
	last = "s0"
	for i, s := range tr.plan.Steps {
		switch s.Kind {
		case query.StepSort:
			sort(s)
		case query.StepLimit:
			if i == len(tr.plan.Steps)-1 {
				return stages, last, s.Limit
			}
			q := "SELECT *\nFROM " + last
			if len(rel.order) > 0 {
				q += "\nORDER BY " + strings.Join(rel.order, ", ")
			}
			q += fmt.Sprintf("\nLIMIT %d", s.Limit)
			stages = append(stages, q)
			last = fmt.Sprintf("s%d", len(stages)-1)
		case query.StepDedup:
			over := "PARTITION BY " + strings.Join(dedupKeys(s), ", ")
			if len(rel.order) > 0 {
				over += " ORDER BY " + strings.Join(rel.order, ", ")
			}
			q := "SELECT " + strings.Join(rel.cols, ", ") + "\nFROM (\n  SELECT *, row_number() OVER (" + over + ") AS _rn\n  FROM " + last + "\n)\nWHERE _rn = 1"
			stages = append(stages, q)
			last = fmt.Sprintf("s%d", len(stages)-1)
		}
	}
	return stages, last, 0
}

func finalSelect(outs []string, from string, order []string, limit int) string {
	q := "SELECT " + strings.Join(outs, ",\n  ") + "\nFROM " + from
	if len(order) > 0 {
		q += "\nORDER BY " + strings.Join(order, ", ")
	}
	if limit > 0 {
		q += fmt.Sprintf("\nLIMIT %d", limit)
	}
	return q
}

func (tr *translator) records(where []string) ([]string, string, error) {
	var sel []string
	rel := &relation{}
	for i, r := range tr.plan.RecordRefs {
		name := fmt.Sprintf("_c%d", i)
		sel = append(sel, tr.output(r)+" AS "+name)
		rel.cols = append(rel.cols, name)
		rel.kinds = append(rel.kinds, kindOf(r))
	}
	// The fields sort and dedup read, raw (numbers and times as numbers).
	hidden := map[query.Ref]string{}
	hiddenKind := map[query.Ref]kind{}
	for _, s := range tr.plan.Steps {
		for _, r := range s.Refs {
			if _, ok := hidden[r]; ok {
				continue
			}
			name := fmt.Sprintf("_k%d", len(hidden))
			hidden[r] = name
			hiddenKind[r] = kindOf(r)
			sel = append(sel, tr.use(r)+" AS "+name)
			rel.cols = append(rel.cols, name)
			rel.kinds = append(rel.kinds, kindOf(r))
		}
	}
	core := "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM flows"
	if len(where) > 0 {
		core += "\nWHERE " + strings.Join(where, "\n  AND ")
	}
	sort := func(s query.PlanStep) {
		var terms []string
		for i, r := range s.Refs {
			terms = append(terms, orderTerms(hidden[r], hiddenKind[r], s.Desc[i])...)
		}
		// A stable sort: ties keep the order before it.
		rel.order = append(terms, rel.order...)
	}
	dedupKeys := func(s query.PlanStep) []string {
		var keys []string
		for _, r := range s.Refs {
			keys = append(keys, hidden[r])
		}
		return keys
	}
	stages, last, limit := tr.steps(core, rel, sort, dedupKeys)
	var outs []string
	for i, c := range tr.plan.Columns {
		outs = append(outs, rel.cols[i]+" AS "+ident(c))
	}
	return stages, finalSelect(outs, last, rel.order, limit), nil
}

// agg is an aggregate's SQL and the kind of its result.
func (tr *translator) agg(a query.Agg) (string, kind) {
	if a.Field == nil {
		return "count(*)", kNum
	}
	r := a.Field.Ref
	c := tr.use(r)
	kd := kindOf(r)
	asField := func(expr string) (string, kind) {
		if kd == kTime {
			return tsText(expr), kText
		}
		return expr, kd
	}
	switch a.Func {
	case query.AggCount:
		return "count(" + c + ")", kNum
	case query.AggCountDistinct:
		return "count(DISTINCT " + c + ")", kNum
	case query.AggSum:
		return "sum(" + c + ")", kNum
	case query.AggAvg:
		return "CAST(sum(" + c + ") AS double) / count(" + c + ")", kNum
	case query.AggMin:
		return asField("min(" + c + ")")
	case query.AggMax:
		return asField("max(" + c + ")")
	case query.AggPct:
		// The nearest-rank percentile, exactly as the local engine takes
		// it: the ceil(p/100 × n)-th smallest value.
		p := doubleLit(a.Pct)
		return asField(fmt.Sprintf("element_at(array_sort(array_agg(%s) FILTER (WHERE %s IS NOT NULL)), CAST(greatest(1, least(ceiling(%s / 100 * count(%s)), count(%s))) AS integer))", c, c, p, c, c))
	case query.AggEarliest, query.AggLatest:
		ts := tr.use(query.RefTimestamp)
		fn := "min_by"
		if a.Func == query.AggLatest {
			fn = "max_by"
		}
		return asField(fmt.Sprintf("%s(%s, COALESCE(%s, 0)) FILTER (WHERE %s IS NOT NULL)", fn, c, ts, c))
	}
	return "NULL", kText
}

func doubleLit(f float64) string {
	return strings.ToUpper(strconv.FormatFloat(f, 'e', -1, 64))
}

// numLit is a number the way SQL should compare it with an integer column.
func numLit(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) <= math.MaxInt64/2 {
		return strconv.FormatInt(int64(f), 10)
	}
	return doubleLit(f)
}
