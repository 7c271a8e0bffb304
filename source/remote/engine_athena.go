package remote

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	athenasql "github.com/flowtail/flowtail/model/query/athena"
	athenarun "github.com/flowtail/flowtail/source/athena"
)

// AthenaEngine runs the TUI's stats queries on Athena over a table of S3
// flow logs and the --since window; like InsightsEngine, its runs end with
// the program, and Pull brings a row's records into the ring.
type AthenaEngine struct {
	Runner            *athenarun.Runner
	Database, Table   string
	Workgroup, Output string
	Window            time.Duration
	USDPerTB          float64
	Now               func() time.Time
	Ingest            func(model.Batch)
	MaxPull           int

	ctx   context.Context
	wg    sync.WaitGroup
	mu    sync.Mutex
	table *athenasql.Table
}

// NewAthenaEngine returns an engine whose runs end with ctx.
func NewAthenaEngine(ctx context.Context, r *athenarun.Runner, db, table string, window time.Duration) *AthenaEngine {
	return &AthenaEngine{Runner: r, Database: db, Table: table, Window: window, USDPerTB: athenarun.DefaultUSDPerTB, Now: time.Now, ctx: ctx}
}

// Describe names the engine and its range.
func (e *AthenaEngine) Describe() string {
	return fmt.Sprintf("Athena · last %s · %s.%s", shortDuration(e.Window), e.Database, e.Table)
}

// start ties a run to the engine's life and reads the table once.
func (e *AthenaEngine) start(ctx context.Context) (context.Context, func(), *athenasql.Table, error) {
	e.wg.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(e.ctx, cancel)
	done := func() { stop(); cancel(); e.wg.Done() }
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.table == nil {
		t, err := e.Runner.Table(ctx, e.Database, e.Table)
		if err != nil {
			done()
			return nil, nil, nil, err
		}
		e.table = t
	}
	return ctx, done, e.table, nil
}

func (e *AthenaEngine) runner(progress func(string)) *athenarun.Runner {
	r := *e.Runner
	r.Progress = func(p athenarun.Progress) {
		progress(fmt.Sprintf("Athena: %s · %s scanned", p.State, formatBytes(float64(p.BytesScanned))))
	}
	return &r
}

// Run answers prog on Athena; progress hears the query's state.
func (e *AthenaEngine) Run(ctx context.Context, prog *query.Program, progress func(string, *query.Result)) (*query.Result, string, error) {
	ctx, done, table, err := e.start(ctx)
	if err != nil {
		return nil, "", err
	}
	defer done()
	until := e.Now()
	since := until.Add(-e.Window)
	plan, err := PlanAthena(prog, table, since, until)
	if err != nil {
		return nil, "", err
	}
	a, err := RunAthena(ctx, e.runner(func(s string) { progress(s, nil) }), plan, e.Workgroup, e.Output, e.USDPerTB)
	if err != nil {
		return nil, "", err
	}
	return a.Result, a.Summary(since, until), nil
}

// Pull selects the records matching filter as text lines (@message, in
// the table's column order) and hands them to Ingest.
func (e *AthenaEngine) Pull(ctx context.Context, filter string, progress func(string)) (int, error) {
	if e.Ingest == nil {
		return 0, errors.New("athena: nowhere to put the records")
	}
	ctx, done, table, err := e.start(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	format, err := tableFormat(table)
	if err != nil {
		return 0, err
	}
	text := "filter " + filter + " | fields @message"
	if e.MaxPull > 0 {
		text += fmt.Sprintf(" | limit %d", e.MaxPull)
	}
	q, err := query.Parse(text)
	if err != nil {
		return 0, err
	}
	prog, err := query.Compile(q, model.NewInterner(), query.Options{})
	if err != nil {
		return 0, err
	}
	until := e.Now()
	plan, err := PlanAthena(prog, table, until.Add(-e.Window), until)
	if err != nil {
		return 0, err
	}
	a, err := RunAthena(ctx, e.runner(progress), plan, e.Workgroup, e.Output, e.USDPerTB)
	if err != nil {
		return 0, err
	}
	b := model.Batch{Format: format}
	for _, row := range a.Result.Rows {
		if len(row) > 0 && row[0].Kind != query.Null {
			b.Events = append(b.Events, model.Event{Line: []byte(row[0].String()), Origin: "Athena"})
		}
	}
	e.Ingest(b)
	return len(b.Events), nil
}

// Wait returns once every run has ended.
func (e *AthenaEngine) Wait() { e.wg.Wait() }

// tableFormat is the record format of a table's columns (account_id is
// ${account-id}), the order @message prints them in.
func tableFormat(t *athenasql.Table) (*model.Format, error) {
	var b strings.Builder
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("${" + strings.ReplaceAll(strings.ToLower(c.Name), "_", "-") + "}")
	}
	f, err := model.ParseFormat(b.String())
	if err != nil {
		return nil, fmt.Errorf("athena: the columns of %s.%s are not flow-log fields: %v", t.Database, t.Name, err)
	}
	return f, nil
}
