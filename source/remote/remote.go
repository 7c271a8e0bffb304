// Package remote answers a flowtail query on an engine AWS runs: Logs
// Insights over log groups, Athena over a table of S3 flow logs. It
// translates the compiled query, runs it through the source runners,
// finishes locally what the engine could not do, and returns the answer as
// a query.Result, the shape local answers have, with what it cost.
package remote

import (
	"context"
	"fmt"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	athenasql "github.com/flowtail/flowtail/model/query/athena"
	qinsights "github.com/flowtail/flowtail/model/query/insights"
	athenarun "github.com/flowtail/flowtail/source/athena"
	"github.com/flowtail/flowtail/source/insights"
)

// Engine is where a query runs.
type Engine uint8

// The engines.
const (
	Insights Engine = iota + 1
	Athena
)

func (e Engine) String() string {
	switch e {
	case Insights:
		return "Logs Insights"
	case Athena:
		return "Athena"
	}
	return "local"
}

// ParseEngine reads --on.
func ParseEngine(s string) (Engine, error) {
	switch s {
	case "insights":
		return Insights, nil
	case "athena":
		return Athena, nil
	}
	return 0, fmt.Errorf("--on %q: want insights or athena", s)
}

// Answer is a remote query's result and what it took.
type Answer struct {
	Result  *query.Result
	Engine  Engine
	Text    string // what was sent
	Status  string
	Bytes   float64 // scanned
	USD     float64 // estimated cost
	Parts   int     // Insights queries run (split by time)
	Local   string  // what ran locally, and why
	Partial string  // set when the rows are not the whole answer
	// Unparsed counts the records returned that the format could not
	// read (a query run locally on them does not count them).
	Unparsed, Returned int
	Elapsed            time.Duration
	// EngineTime is the time Athena's engine spent (0 for Insights).
	EngineTime time.Duration
}

// Summary is one line for the end of the output.
func (a *Answer) Summary(since, until time.Time) string {
	// What matters most first: a narrow terminal cuts the end.
	s := fmt.Sprintf("%s · %s · %s scanned · ~$%.4f · %s to %s", a.Engine, a.Status,
		formatBytes(a.Bytes), a.USD,
		since.UTC().Format("2006-01-02 15:04"), until.UTC().Format("2006-01-02 15:04"))
	if a.EngineTime > 0 {
		s += " · engine " + a.EngineTime.Round(time.Millisecond).String()
	}
	if a.Parts > 1 {
		s += fmt.Sprintf(" · %d queries (split by time)", a.Parts)
	}
	if a.Local != "" {
		s += " · finished locally: " + a.Local
	}
	if a.Unparsed > 0 {
		s += fmt.Sprintf(" · %d of the %d records returned did not parse with the format: skipped", a.Unparsed, a.Returned)
	}
	if a.Partial != "" {
		s += " · INCOMPLETE: " + a.Partial
	}
	return s
}

// InsightsPlan is a query ready for Logs Insights.
type InsightsPlan struct {
	Prog  *query.Program
	Trans *qinsights.Translation
	// Text is exactly what StartQuery is sent.
	Text   string
	Format *model.Format
}

// PlanInsights translates a compiled query for Insights; format is the
// flow log's (nil: the default format).
func PlanInsights(prog *query.Program, format *model.Format) (*InsightsPlan, error) {
	tr, err := qinsights.Translate(prog.Query, qinsights.Options{Format: format})
	if err != nil {
		return nil, err
	}
	text := tr.Text
	if tr.Raw {
		// Oldest first, so records reach the local engine in time order;
		// the runner splits the range when the cap is reached.
		text += " | sort @timestamp asc"
	}
	return &InsightsPlan{Prog: prog, Trans: tr, Text: text, Format: format}, nil
}

// RunInsights runs the plan over groups and [since, until].
func RunInsights(ctx context.Context, r *insights.Runner, p *InsightsPlan, groups []string, since, until time.Time, maxRows int, usdPerGB float64) (*Answer, error) {
	start := time.Now()
	if len(groups) > insights.MaxGroups && !p.Trans.Raw {
		// One query takes 50 groups and stats cannot be merged across
		// queries: fetch the records per batch and answer locally.
		tr, err := qinsights.Translate(p.Prog.Query, qinsights.Options{Format: p.Format, Records: true,
			Why: fmt.Sprintf("%d log groups, more than one Insights query takes: records fetched per %d groups", len(groups), insights.MaxGroups)})
		if err != nil {
			return nil, err
		}
		p = &InsightsPlan{Prog: p.Prog, Trans: tr, Text: tr.Text + " | sort @timestamp asc", Format: p.Format}
	}
	res, err := r.Run(ctx, insights.Query{Groups: groups, Text: p.Text, Start: since, End: until, Raw: p.Trans.Raw, MaxRows: maxRows})
	if err != nil {
		return nil, err
	}
	a := &Answer{Engine: Insights, Text: p.Text, Status: "complete", Bytes: res.Stats.BytesScanned,
		USD: insights.Cost(res.Stats.BytesScanned, usdPerGB), Parts: res.Parts, Partial: res.Truncated}
	if res.Truncated != "" {
		a.Status = "truncated"
	}
	if p.Trans.Raw {
		a.Local = p.Trans.Local
		a.Result, a.Unparsed, err = runLocal(p.Prog, p.Format, res.Rows)
		a.Returned = len(res.Rows)
		if err != nil {
			return nil, err
		}
	} else {
		a.Result = p.NativeResult(res.Rows)
		a.Result.Matched = uint64(res.Stats.RecordsMatched)
		a.Result.Scanned = uint64(res.Stats.RecordsScanned)
	}
	a.Elapsed = time.Since(start)
	return a, nil
}

// NativeResult reads the rows of a query Insights ran whole (not Raw) as
// the local engine's columns.
func (p *InsightsPlan) NativeResult(rows []insights.Row) *query.Result {
	res := &query.Result{Columns: p.Prog.Columns()}
	text := textColumns(p.Prog)
	for _, row := range rows {
		cells := make([]query.Value, len(p.Trans.Columns))
		for i, name := range p.Trans.Columns {
			if v, ok := row.Field(name); ok {
				cells[i] = cell(v, i < len(text) && text[i])
			}
		}
		res.Rows = append(res.Rows, cells)
	}
	return res
}

// runLocal answers the whole query over the records Insights returned.
func runLocal(prog *query.Program, format *model.Format, rows []insights.Row) (*query.Result, int, error) {
	if format == nil {
		format = model.DefaultFormat
	}
	parser := model.NewParser(format, prog.Names())
	pt := prog.NewPartial()
	var f model.Flow
	var x model.Ext
	bad := 0
	for _, row := range rows {
		msg, ok := row.Field("@message")
		if !ok {
			continue
		}
		if err := parser.Parse([]byte(msg), &f, &x); err != nil {
			bad++
			continue
		}
		if f.HasExt() {
			pt.Add(&f, &x)
		} else {
			pt.Add(&f, nil)
		}
	}
	res := prog.Result(pt)
	if bad > 0 && bad == len(rows) {
		return res, bad, fmt.Errorf("insights: none of the %d records returned parse with the format %s: give the flow log's --format", bad, format)
	}
	return res, bad, nil
}

// cell reads a remote value: text in a text column, else a whole
// number, a decimal, or text.
func cell(s string, text bool) query.Value {
	if !text {
		if v, ok := query.ParseNumber(s); ok {
			return v
		}
	}
	return query.Value{Kind: query.Str, S: s}
}

// textColumns says which of prog's result columns hold a text field (an
// account ID, an address, an action), which the local engine prints as
// text: read as numbers, 012345678901 would lose its zero and JSON would
// get a number. A stats result's first columns are its group keys; other
// results name their fields. Columns it cannot tell are read by their
// value.
func textColumns(prog *query.Program) []bool {
	text := make([]bool, len(prog.Columns()))
	isText := func(name string) bool {
		id, ok := model.LookupField(name)
		return ok && id.Kind() != model.KindInt
	}
	if keys := prog.GroupKeys(); keys != nil {
		for i, k := range keys {
			if i < len(text) {
				text[i] = k.BinSec == 0 && isText(k.Field)
			}
		}
		return text
	}
	for i, name := range prog.Columns() {
		text[i] = isText(name)
	}
	return text
}

// AthenaPlan is a query ready for Athena.
type AthenaPlan struct {
	Prog  *query.Program
	Trans *athenasql.Translation
	Table *athenasql.Table
}

// PlanAthena translates a compiled query for table t.
func PlanAthena(prog *query.Program, t *athenasql.Table, since, until time.Time) (*AthenaPlan, error) {
	tr, err := athenasql.Translate(prog.Query, t, athenasql.Options{Since: since, Until: until})
	if err != nil {
		return nil, err
	}
	return &AthenaPlan{Prog: prog, Trans: tr, Table: t}, nil
}

// RunAthena runs the plan.
func RunAthena(ctx context.Context, r *athenarun.Runner, p *AthenaPlan, workgroup, output string, usdPerTB float64) (*Answer, error) {
	start := time.Now()
	res, err := r.Run(ctx, athenarun.Exec{SQL: p.Trans.SQL, Database: p.Table.Database, Workgroup: workgroup, Output: output})
	if err != nil {
		return nil, err
	}
	a := &Answer{Engine: Athena, Text: p.Trans.SQL, Status: "complete", Bytes: float64(res.BytesScanned),
		USD: athenarun.Cost(res.BytesScanned, usdPerTB), Parts: 1, EngineTime: time.Duration(res.EngineMillis) * time.Millisecond}
	a.Result = &query.Result{Columns: p.Trans.Columns}
	text := textColumns(p.Prog)
	for _, row := range res.Rows {
		cells := make([]query.Value, len(p.Trans.Columns))
		for i := range cells {
			if i < len(row) && row[i] != nil {
				cells[i] = cell(*row[i], i < len(text) && text[i])
			}
		}
		a.Result.Rows = append(a.Result.Rows, cells)
	}
	a.Elapsed = time.Since(start)
	return a, nil
}

func formatBytes(b float64) string { return insights.FormatBytes(b) }
