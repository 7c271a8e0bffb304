// Package insights translates a flowtail query into the text CloudWatch
// Logs Insights runs, from the AST rather than from what the user typed:
// field names become the ones Insights discovers for the default flow-log
// format (srcAddr, dstPort, startTime, …), or, for a custom format, the
// names a leading parse command gives every field (fields flowtail does
// not know included).
//
// What Insights cannot answer as flowtail does is not pushed: the derived
// fields (direction, service, proto) exist only locally. Such a query is
// split: its filters, as far as they are native, go to Insights with
// `fields @timestamp, @message`, and the whole query runs locally on the
// records that come back.
package insights

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// RowCap is the most rows one Insights query returns.
const RowCap = 10000

// Options say how the log group's records are laid out.
type Options struct {
	// Format is the flow log's format; nil or the default format means
	// the fields Insights discovers by itself.
	Format *model.Format
	// Records asks for the records even when the whole query is native,
	// for an answer that must be merged across queries (more log groups
	// than one query takes): Why says so.
	Records bool
	Why     string
}

// Translation is a query as Logs Insights text.
type Translation struct {
	// Text is exactly what StartQuery is sent.
	Text string
	// Raw is set when Insights returns records (@timestamp, @message) on
	// which the whole query then runs locally; Local says why.
	Raw   bool
	Local string
	// Columns name, for each output column of the local engine, the field
	// Insights returns it in (when not Raw).
	Columns []string
	// Stats is set when the rows are aggregates (a stats result at
	// RowCap rows may be incomplete).
	Stats bool
}

// FieldName is the name Insights gives a flow-log field: what it
// discovers for the default format, or the parse command's name.
func FieldName(id model.FieldID) string {
	switch id {
	case model.FieldStart:
		return "startTime"
	case model.FieldEnd:
		return "endTime"
	}
	if c := id.Camel(); c != "" {
		return c
	}
	return strings.ReplaceAll(id.Name(), "-", "_")
}

// knownNames are the names FieldName gives the known fields.
var knownNames = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, id := range model.KnownFields() {
		m[FieldName(id)] = true
	}
	return m
})

// customNames are the names the parse command gives the fields of f that
// flowtail does not know: the format's name in camelCase like the known
// ones ("next-hop-type" is nextHopType), numbered when that is the name
// of a known field (a custom start-time next to startTime), and quoted
// when Insights would not read it as a name.
func customNames(f *model.Format) map[model.FieldID]string {
	out := map[model.FieldID]string{}
	taken := map[string]bool{}
	for _, id := range f.Unknown() {
		base := f.Camel(id)
		n := base
		for k := 2; knownNames()[n] || taken[n]; k++ {
			n = base + strconv.Itoa(k)
		}
		taken[n] = true
		out[id] = quoteName(n)
	}
	return out
}

// keywords are words of the Insights query language that a bare field
// name could be mistaken for.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "like": true, "as": true, "by": true,
	"asc": true, "desc": true, "fields": true, "filter": true, "stats": true, "sort": true,
	"limit": true, "display": true, "dedup": true, "parse": true, "pattern": true, "diff": true,
	"unmask": true, "unnest": true, "source": true, "anomaly": true,
}

// quoteName writes a field name as Insights reads it: in backquotes when
// it holds anything but letters, digits and '_' (Insights lets only '@'
// and '.' through unquoted besides, which format names never hold), or
// is a keyword. Format names hold no backquote.
func quoteName(n string) string {
	plain := n != "" && !keywords[strings.ToLower(n)]
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			plain = false
		}
	}
	if plain {
		return n
	}
	return "`" + n + "`"
}

// refName is the Insights name of what r reads; false for what only
// flowtail knows (derived fields, and names the format does not hold).
func (w *writer) refName(r query.Ref) (string, bool) {
	if id, ok := r.Field(); ok {
		return FieldName(id), true
	}
	switch r {
	case query.RefTimestamp, query.RefMessage:
		return r.Name(), true
	}
	if r >= query.RefUnknown0 && w.format != nil {
		if id, ok := w.format.Lookup(w.unknown[r-query.RefUnknown0]); ok {
			if n, ok := w.custom[id]; ok {
				return n, true
			}
		}
	}
	return "", false
}

// Translate turns a parsed query into Insights text.
func Translate(q *query.Query, opt Options) (*Translation, error) {
	// Written times name an instant: send its number (seconds for
	// startTime and endTime, milliseconds for @timestamp), as the local
	// engine compares it, not text Insights would compare as text.
	q, err := query.ResolveTimes(q, query.Options{})
	if err != nil {
		return nil, err
	}
	prog, err := query.Compile(q, model.NewInterner(), query.Options{Intern: true})
	if err != nil {
		return nil, err
	}
	w := &writer{plan: prog.Plan(), aliases: map[string]bool{}, unknown: q.Unknown}
	var b strings.Builder
	if opt.Format != nil && !sameFields(opt.Format, model.DefaultFormat) {
		w.format, w.custom = opt.Format, customNames(opt.Format)
		b.WriteString(w.parseCommand())
		b.WriteString(" | ")
	}
	head := b.String()
	reason := w.nonNative(q)
	limit := 0
	for _, c := range q.Commands {
		if l, ok := c.(*query.LimitCmd); ok && (limit == 0 || l.N < limit) {
			limit = l.N
		}
	}
	if reason == "" && opt.Records {
		reason = opt.Why
	}
	if reason == "" && !q.HasStats() && (limit == 0 || limit > RowCap) {
		reason = "a record query without a limit: its records are fetched, split by time at the row cap"
	}
	if reason == "" {
		var parts []string
		for _, c := range q.Commands {
			parts = append(parts, w.command(c))
		}
		cols := w.columns(q)
		for i, c := range cols {
			// Insights names a result field without the quotes.
			if len(c) > 1 && c[0] == '`' && c[len(c)-1] == '`' {
				cols[i] = c[1 : len(c)-1]
			}
		}
		return &Translation{Text: head + strings.Join(parts, " | "), Columns: cols, Stats: q.HasStats()}, nil
	}
	// Push the native part of the filters; the rest runs locally.
	var conj []string
	for _, c := range q.Commands {
		if f, ok := c.(*query.FilterCmd); ok {
			for _, e := range conjuncts(f.Expr) {
				if w.native(e) {
					conj = append(conj, w.expr(e, true))
				}
			}
		}
	}
	text := head
	if len(conj) > 0 {
		text += "filter " + strings.Join(conj, " and ") + " | "
	}
	text += "fields @timestamp, @message"
	return &Translation{Text: text, Raw: true, Local: reason}, nil
}

func sameFields(a, b *model.Format) bool {
	if len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i] != b.Fields[i] {
			return false
		}
	}
	return true
}

// parseCommand names every field of a custom format; Insights discovers
// fields only in the default format.
func (w *writer) parseCommand() string {
	f := w.format
	globs := make([]string, len(f.Fields))
	names := make([]string, len(f.Fields))
	for i, id := range f.Fields {
		globs[i] = "*"
		if n, ok := w.custom[id]; ok {
			names[i] = n
		} else {
			names[i] = FieldName(id)
		}
	}
	return `parse @message "` + strings.Join(globs, " ") + `" as ` + strings.Join(names, ", ")
}

type writer struct {
	plan    query.Plan
	aliases map[string]bool
	unknown []string // the query's names of fields flowtail does not know
	// format is the custom format the parse command names, custom the
	// names it gives the fields flowtail does not know; nil without one.
	format *model.Format
	custom map[model.FieldID]string
}

// nonNative says what of the query Insights cannot run, "" when nothing.
func (w *writer) nonNative(q *query.Query) string {
	var derived, absent []string
	note := func(r query.Ref) {
		if _, ok := w.refName(r); !ok {
			n, list := r.Name(), &derived
			if r >= query.RefUnknown0 {
				n, list = w.unknown[r-query.RefUnknown0], &absent
			}
			for _, d := range *list {
				if d == n {
					return
				}
			}
			*list = append(*list, n)
		}
	}
	for _, c := range q.Commands {
		switch c := c.(type) {
		case *query.FilterCmd:
			walk(c.Expr, note)
		case *query.FieldsCmd:
			for _, it := range c.Items {
				note(it.Field.Ref)
			}
		case *query.StatsCmd:
			for _, a := range c.Aggs {
				if a.Field != nil {
					note(a.Field.Ref)
				}
			}
			for _, k := range c.By {
				note(k.Field.Ref)
			}
		case *query.SortCmd:
			for _, k := range c.Keys {
				w.notePost(q, k.Name, note)
			}
		case *query.DedupCmd:
			for _, n := range c.Fields {
				w.notePost(q, n, note)
			}
		case *query.DisplayCmd:
			for _, n := range c.Fields {
				w.notePost(q, n, note)
			}
		}
	}
	var why []string
	for _, c := range q.Commands {
		if f, ok := c.(*query.FilterCmd); ok && !writable(f.Expr) {
			why = append(why, "a filter's text holds a control, invisible or invalid character, which an Insights string cannot write")
			break
		}
	}
	if len(derived) > 0 {
		why = append(why, strings.Join(derived, ", ")+" derived by flowtail, unknown to Insights")
	}
	if len(absent) > 0 {
		why = append(why, strings.Join(absent, ", ")+" not in the flow log's format")
	}
	return strings.Join(why, "; ")
}

// notePost notes a derived field named by sort, dedup or display in a
// record query (after stats such names are columns of the result).
func (w *writer) notePost(q *query.Query, n query.Name, note func(query.Ref)) {
	if q.HasStats() || n.Ref == 0 {
		return
	}
	note(n.Ref)
}

func walk(e query.Expr, f func(query.Ref)) {
	switch e := e.(type) {
	case *query.Logical:
		walk(e.L, f)
		walk(e.R, f)
	case *query.Not:
		walk(e.X, f)
	case *query.Compare:
		if e.L.Field != nil {
			f(e.L.Field.Ref)
		}
		if e.R.Field != nil {
			f(e.R.Field.Ref)
		}
	case *query.In:
		f(e.Field.Ref)
	case *query.Match:
		f(e.Field.Ref)
	case *query.Call:
		f(e.Field.Ref)
	}
}

// writable reports whether every string and pattern in e can be written
// in an Insights query: its strings escape only the quote and the
// backslash, so a control or invisible character (or an invalid byte)
// would go in raw, to be read who knows how, and shown raw by --dry-run.
func writable(e query.Expr) bool {
	ok := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsFunc(s, model.UnsafeRune) }
	switch e := e.(type) {
	case *query.Logical:
		return writable(e.L) && writable(e.R)
	case *query.Not:
		return writable(e.X)
	case *query.Compare:
		return (e.L.Lit == nil || ok(e.L.Lit.Text)) && (e.R.Lit == nil || ok(e.R.Lit.Text))
	case *query.In:
		for _, v := range e.Values {
			if !ok(v.Text) {
				return false
			}
		}
	case *query.Match:
		return ok(e.Pattern)
	case *query.Call:
		return e.Arg == nil || ok(e.Arg.Text)
	}
	return true
}

func (w *writer) native(e query.Expr) bool {
	if !writable(e) {
		return false
	}
	ok := true
	walk(e, func(r query.Ref) {
		if _, n := w.refName(r); !n {
			ok = false
		}
	})
	return ok
}

// conjuncts splits a and b and c into its parts.
func conjuncts(e query.Expr) []query.Expr {
	if l, ok := e.(*query.Logical); ok && !l.Or {
		return append(conjuncts(l.L), conjuncts(l.R)...)
	}
	return []query.Expr{e}
}

func (w *writer) name(n query.Name) string {
	if w.aliases[strings.ToLower(n.Text)] {
		return n.Text
	}
	if s, ok := w.refName(n.Ref); ok && n.Ref != 0 {
		return s
	}
	return n.Text
}

// statsName resolves a name written after stats to the Insights column,
// as the local engine resolves it.
func (w *writer) statsName(n query.Name, cols []string) string {
	for i, c := range w.plan.Columns {
		if c == n.Text {
			return cols[i]
		}
	}
	for i, c := range w.plan.Columns {
		if strings.EqualFold(c, n.Text) {
			return cols[i]
		}
	}
	if n.Ref != 0 {
		for i, k := range w.plan.Stats.By {
			if k.Field.Ref == n.Ref && k.BinSec == 0 {
				return cols[i]
			}
		}
	}
	return n.Text
}

func (w *writer) statsColumns() []string {
	var out []string
	for _, k := range w.plan.Stats.By {
		switch {
		case k.Alias != "":
			out = append(out, k.Alias)
		case k.BinSec > 0:
			out = append(out, k.Column)
		default:
			out = append(out, w.name(k.Field))
		}
	}
	for _, a := range w.plan.Stats.Aggs {
		if a.Alias != "" {
			out = append(out, a.Alias)
		} else {
			out = append(out, aggCall(w, a))
		}
	}
	return out
}

// columns maps the local output columns to Insights result fields.
func (w *writer) columns(q *query.Query) []string {
	if w.plan.Stats != nil {
		all := w.statsColumns()
		if w.plan.Display == nil {
			return all
		}
		out := make([]string, len(w.plan.Display))
		for i, d := range w.plan.Display {
			out[i] = all[d]
		}
		return out
	}
	var out []string
	var display *query.DisplayCmd
	var fields []query.Projection
	for _, c := range q.Commands {
		switch c := c.(type) {
		case *query.DisplayCmd:
			display = c
		case *query.FieldsCmd:
			fields = append(fields, c.Items...)
		}
	}
	switch {
	case display != nil:
		for _, n := range display.Fields {
			out = append(out, w.name(n))
		}
	case len(fields) > 0:
		seen := map[string]bool{}
		for _, it := range fields {
			n := w.name(it.Field)
			if it.Alias != "" {
				n = it.Alias
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	default:
		out = []string{"@timestamp", "@message"}
	}
	return out
}

func (w *writer) command(c query.Command) string {
	switch c := c.(type) {
	case *query.FilterCmd:
		return "filter " + w.expr(c.Expr, false)
	case *query.FieldsCmd:
		var items []string
		for _, it := range c.Items {
			s := w.name(it.Field)
			if it.Alias != "" {
				s += " as " + it.Alias
				w.aliases[strings.ToLower(it.Alias)] = true
			}
			items = append(items, s)
		}
		return "fields " + strings.Join(items, ", ")
	case *query.StatsCmd:
		var aggs []string
		for _, a := range c.Aggs {
			s := aggCall(w, a)
			if a.Alias != "" {
				s += " as " + a.Alias
			}
			aggs = append(aggs, s)
		}
		s := "stats " + strings.Join(aggs, ", ")
		if len(c.By) > 0 {
			var keys []string
			for _, k := range c.By {
				ks := w.name(k.Field)
				if k.BinSec > 0 {
					ks = "bin(" + period(k.BinSec) + ")"
				}
				if k.Alias != "" {
					ks += " as " + k.Alias
				}
				keys = append(keys, ks)
			}
			s += " by " + strings.Join(keys, ", ")
		}
		return s
	case *query.SortCmd:
		var keys []string
		for _, k := range c.Keys {
			s := w.postName(k.Name)
			if k.Desc {
				s += " desc"
			} else {
				s += " asc"
			}
			keys = append(keys, s)
		}
		return "sort " + strings.Join(keys, ", ")
	case *query.DedupCmd:
		return "dedup " + w.postNames(c.Fields)
	case *query.DisplayCmd:
		return "display " + w.postNames(c.Fields)
	case *query.LimitCmd:
		return "limit " + strconv.Itoa(c.N)
	}
	panic(fmt.Sprintf("insights: unknown command %T", c))
}

func (w *writer) postName(n query.Name) string {
	if w.plan.Stats != nil {
		return w.statsName(n, w.statsColumns())
	}
	return w.name(n)
}

func (w *writer) postNames(ns []query.Name) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = w.postName(n)
	}
	return strings.Join(out, ", ")
}

// period prints a bin width the way Insights reads it.
func period(sec int64) string {
	switch {
	case sec%(7*86400) == 0:
		return strconv.FormatInt(sec/(7*86400), 10) + "w"
	case sec%86400 == 0:
		return strconv.FormatInt(sec/86400, 10) + "d"
	case sec%3600 == 0:
		return strconv.FormatInt(sec/3600, 10) + "h"
	case sec%60 == 0:
		return strconv.FormatInt(sec/60, 10) + "m"
	}
	return strconv.FormatInt(sec, 10) + "s"
}

var aggWords = map[query.AggFunc]string{
	query.AggCount: "count", query.AggCountDistinct: "count_distinct", query.AggSum: "sum",
	query.AggAvg: "avg", query.AggMin: "min", query.AggMax: "max", query.AggPct: "pct",
	query.AggEarliest: "earliest", query.AggLatest: "latest",
}

func aggCall(w *writer, a query.Agg) string {
	fn := aggWords[a.Func]
	if a.Field == nil {
		return fn + "(*)"
	}
	arg := w.name(*a.Field)
	if a.Func == query.AggPct {
		arg += ", " + strconv.FormatFloat(a.Pct, 'f', -1, 64)
	}
	return fn + "(" + arg + ")"
}

var callNames = map[string]string{
	"ispresent": "ispresent", "isipinsubnet": "isIpInSubnet",
	"isipv4insubnet": "isIpv4InSubnet", "isipv6insubnet": "isIpv6InSubnet",
}

// quote writes an Insights string literal.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func regex(p string) string { return "/" + strings.ReplaceAll(p, "/", `\/`) + "/" }

func (w *writer) lit(r query.Ref, l *query.Literal) string {
	if !l.Number {
		return quote(l.Text)
	}
	if r == query.RefTimestamp && l.Num < 1e11 {
		// Seconds, as flowtail reads them; Insights keeps @timestamp in ms.
		return strconv.FormatFloat(l.Num*1000, 'f', -1, 64)
	}
	return l.Text
}

func (w *writer) expr(e query.Expr, nested bool) string {
	switch e := e.(type) {
	case *query.Logical:
		op := " and "
		if e.Or {
			op = " or "
		}
		s := w.expr(e.L, true) + op + w.expr(e.R, true)
		if nested {
			return "(" + s + ")"
		}
		return s
	case *query.Not:
		return "not (" + w.expr(e.X, false) + ")"
	case *query.Compare:
		var l, r string
		switch {
		case e.L.Field != nil && e.R.Field != nil:
			l, r = w.name(*e.L.Field), w.name(*e.R.Field)
		case e.L.Field != nil:
			l, r = w.name(*e.L.Field), w.lit(e.L.Field.Ref, e.R.Lit)
		default:
			l, r = w.lit(e.R.Field.Ref, e.L.Lit), w.name(*e.R.Field)
		}
		return l + " " + e.Op + " " + r
	case *query.In:
		vals := make([]string, len(e.Values))
		for i := range e.Values {
			vals[i] = w.lit(e.Field.Ref, &e.Values[i])
		}
		op := " in "
		if e.Negate {
			op = " not in "
		}
		return w.name(e.Field) + op + "[" + strings.Join(vals, ", ") + "]"
	case *query.Match:
		op := " like "
		if e.Negate {
			op = " not like "
		}
		pat := quote(e.Pattern)
		if e.Regex {
			pat = regex(e.Pattern)
		}
		return w.name(e.Field) + op + pat
	case *query.Call:
		s := callNames[e.Func] + "(" + w.name(e.Field)
		if e.Arg != nil {
			s += ", " + quote(e.Arg.Text)
		}
		return s + ")"
	}
	panic(fmt.Sprintf("insights: unknown expression %T", e))
}
