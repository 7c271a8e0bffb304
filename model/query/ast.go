// Package query reads the CloudWatch Logs Insights query language that
// flow-log users already type, and answers it locally over the record store:
// a parser to an AST that keeps the original text (so the same query can be
// sent unchanged to Logs Insights), a compiler to allocation-free predicates
// over model.Flow, and an aggregator for stats.
//
// Semantics worth knowing:
//   - A field a record lacks ("-" or not in its format) makes every
//     comparison on it false, != included; ispresent(f) tests for it.
//   - String equality is exact, as in Insights ("REJECT", not "reject");
//     like "text" is a substring match, like /re/ and =~ use Go regexps.
//   - @timestamp is the record's start in milliseconds (a number below
//     1e11 in a comparison is taken as seconds); bin() buckets it.
//     @timestamp, start and end also compare with written times
//     ("2026-12-03 15:12:00", "15:12", RFC 3339, unix seconds, ago(15m));
//     see timeval.go. An unreadable time is an error at its column.
//   - @message renders the default-format fields, then any newer fields
//     the record carries, in AWS table order.
//   - pct is the nearest-rank percentile over all values (exact, where
//     Insights approximates); count_distinct is exact too.
//   - Without sort, records come in input order and stats groups in the
//     order found (by key when partial results were merged); sort is
//     stable and puts absent values last.
package query

import (
	"strings"

	"github.com/flowtail/flowtail/model"
)

// Ref is what a name in a query reads: a flow-log field (its model.FieldID)
// or one of the names Insights or flowtail add.
type Ref uint16

// Names beyond the flow-log fields.
const (
	RefTimestamp Ref = 256 + iota // @timestamp: the record's start, in ms like Insights
	RefMessage                    // @message: the record as text
	RefDirection                  // direction: ingress/egress
	RefService                    // service: well-known port name
	RefProto                      // proto: tcp/udp/icmp by number
	RefOwner                      // owner: who owns the peer (an AWS service first)
	RefSrcOwner                   // srcOwner: who owns srcaddr
	RefDstOwner                   // dstOwner: who owns dstaddr
)

// RefUnknown0 is the first ref of the names a query uses that flowtail
// does not know but a format read in this run carries: RefUnknown0+k is
// the query's k-th such name (Query.Unknown), resolved per record through
// the record's own format.
const RefUnknown0 Ref = 512

var specialNames = map[string]Ref{
	// Flow logs delivered to CloudWatch have one log stream per interface.
	"@logstream": Ref(model.FieldInterfaceID),
	"@timestamp": RefTimestamp,
	"@message":   RefMessage,
	"direction":  RefDirection,
	"service":    RefService,
	"proto":      RefProto,
	"owner":      RefOwner,
	"srcowner":   RefSrcOwner,
	"src-owner":  RefSrcOwner,
	"dstowner":   RefDstOwner,
	"dst-owner":  RefDstOwner,
}

// LookupRef resolves a name in any supported spelling, case-insensitively.
func LookupRef(name string) (Ref, bool) {
	if r, ok := specialNames[strings.ToLower(name)]; ok {
		return r, true
	}
	if id, ok := model.LookupField(name); ok {
		return Ref(id), true
	}
	return 0, false
}

// unknown returns the ref of a name flowtail does not know that a format
// in use carries, adding it to the query's list.
func (q *Query) unknown(name string) (Ref, bool) {
	if !model.UnknownInUse(name) {
		return 0, false
	}
	key := model.FoldName(name)
	for k, n := range q.Unknown {
		if model.FoldName(n) == key {
			return RefUnknown0 + Ref(k), true
		}
	}
	q.Unknown = append(q.Unknown, name)
	return RefUnknown0 + Ref(len(q.Unknown)-1), true
}

// Field returns the flow-log field a ref reads, if it is one.
func (r Ref) Field() (model.FieldID, bool) {
	if r > 0 && r < 256 {
		return model.FieldID(r), true
	}
	return 0, false
}

// Name is the canonical spelling of the ref ("" for a name flowtail does
// not know, which only its query can spell).
func (r Ref) Name() string {
	if id, ok := r.Field(); ok {
		return id.Name()
	}
	switch r {
	case RefTimestamp:
		return "@timestamp"
	case RefMessage:
		return "@message"
	case RefDirection:
		return "direction"
	case RefService:
		return "service"
	case RefProto:
		return "proto"
	case RefOwner:
		return "owner"
	case RefSrcOwner:
		return "srcOwner"
	case RefDstOwner:
		return "dstOwner"
	}
	return ""
}

// Query is a parsed query. Text is exactly what the user typed.
type Query struct {
	Text     string
	Commands []Command
	// Unknown holds the names of RefUnknown0 and on, as typed.
	Unknown []string
}

// Command is one stage of the pipeline.
type Command interface {
	// Pos is the 1-based column of the command word.
	Pos() int
	// Name is the command word: fields, filter, stats, sort, limit,
	// display, dedup.
	Name() string
}

// Name is a field or column name as typed, with where it was typed.
type Name struct {
	Text string
	Col  int
	Ref  Ref // 0 when it does not name a field (e.g. a stats alias)
}

// Projection is one item of a fields command.
type Projection struct {
	Field Name
	Alias string
}

// FieldsCmd is `fields a, b as c`.
type FieldsCmd struct {
	Col   int
	Items []Projection
}

// DisplayCmd is `display a, b`: the columns shown.
type DisplayCmd struct {
	Col    int
	Fields []Name
}

// DedupCmd is `dedup a, b`: keep the first row of each combination.
type DedupCmd struct {
	Col    int
	Fields []Name
}

// FilterCmd is `filter EXPR`.
type FilterCmd struct {
	Col  int
	Expr Expr
}

// StatsCmd is `stats AGG [as alias], … [by KEY, …]`.
type StatsCmd struct {
	Col  int
	Aggs []Agg
	By   []GroupKey
}

// SortCmd is `sort key [asc|desc], …`.
type SortCmd struct {
	Col  int
	Keys []SortKey
}

// SortKey is one sort column; Desc is false for asc.
type SortKey struct {
	Name Name
	Desc bool
}

// LimitCmd is `limit N`.
type LimitCmd struct {
	Col int
	N   int
}

func (c *FieldsCmd) Pos() int  { return c.Col }
func (c *DisplayCmd) Pos() int { return c.Col }
func (c *DedupCmd) Pos() int   { return c.Col }
func (c *FilterCmd) Pos() int  { return c.Col }
func (c *StatsCmd) Pos() int   { return c.Col }
func (c *SortCmd) Pos() int    { return c.Col }
func (c *LimitCmd) Pos() int   { return c.Col }

func (c *FieldsCmd) Name() string  { return "fields" }
func (c *DisplayCmd) Name() string { return "display" }
func (c *DedupCmd) Name() string   { return "dedup" }
func (c *FilterCmd) Name() string  { return "filter" }
func (c *StatsCmd) Name() string   { return "stats" }
func (c *SortCmd) Name() string    { return "sort" }
func (c *LimitCmd) Name() string   { return "limit" }

// AggFunc is a stats function.
type AggFunc uint8

// The stats functions.
const (
	AggCount AggFunc = iota + 1
	AggCountDistinct
	AggSum
	AggAvg
	AggMin
	AggMax
	AggPct
	AggEarliest
	AggLatest
)

var aggNames = map[string]AggFunc{
	"count": AggCount, "count_distinct": AggCountDistinct, "sum": AggSum, "avg": AggAvg,
	"min": AggMin, "max": AggMax, "pct": AggPct, "earliest": AggEarliest, "latest": AggLatest,
}

// Agg is one aggregate of a stats command. Field is nil for count(*) and
// count(). Column is the output column name: the alias, or the call as
// typed (e.g. "count(*)"), as Insights names it.
type Agg struct {
	Func   AggFunc
	Field  *Name
	Pct    float64
	Alias  string
	Column string
	Col    int
}

// GroupKey is one `by` item: a field, or bin(duration) over @timestamp.
type GroupKey struct {
	Field  Name
	BinSec int64 // > 0 for bin(…)
	Alias  string
	Column string
}

// Expr is a filter expression.
type Expr interface{ Pos() int }

// Logical is `a and b` / `a or b`.
type Logical struct {
	Or   bool
	L, R Expr
	Col  int
}

// Not is `not x`.
type Not struct {
	X   Expr
	Col int
}

// Operand is a field or a literal on one side of a comparison.
type Operand struct {
	Field *Name
	Lit   *Literal
}

// Literal is a string or number written in the query.
type Literal struct {
	Text   string // the string's value, or the number as typed
	Num    float64
	Number bool
	AgoSec int64 // > 0 for ago(…): a time that many seconds before now
	Col    int
}

// Compare is `a OP b` with OP one of = != < <= > >=.
type Compare struct {
	Op   string
	L, R Operand
	Col  int
}

// In is `field [not] in [v, …]`.
type In struct {
	Field  Name
	Values []Literal
	Negate bool
	Col    int
}

// Match is `field like "text"`, `field like /re/` or `field =~ /re/`.
// A string pattern matches as a substring.
type Match struct {
	Field   Name
	Pattern string
	Regex   bool
	Negate  bool
	Col     int
	PatCol  int
}

// Call is a boolean function: ispresent(f), isIpInSubnet(f, "cidr"),
// isIpv4InSubnet, isIpv6InSubnet.
type Call struct {
	Func  string // lower-case name
	Field Name
	Arg   *Literal
	Col   int
}

func (e *Logical) Pos() int { return e.Col }
func (e *Not) Pos() int     { return e.Col }
func (e *Compare) Pos() int { return e.Col }
func (e *In) Pos() int      { return e.Col }
func (e *Match) Pos() int   { return e.Col }
func (e *Call) Pos() int    { return e.Col }

// HasStats reports whether the query aggregates.
func (q *Query) HasStats() bool {
	for _, c := range q.Commands {
		if _, ok := c.(*StatsCmd); ok {
			return true
		}
	}
	return false
}

// isNamePrefix reports whether s begins some field name in either spelling.
func isNamePrefix(s string) bool {
	s = strings.ToLower(s)
	for n := range specialNames {
		if strings.HasPrefix(n, s) {
			return true
		}
	}
	for _, id := range model.KnownFields() {
		if strings.HasPrefix(id.Name(), s) || strings.HasPrefix(strings.ToLower(id.Camel()), s) {
			return true
		}
	}
	return false
}
