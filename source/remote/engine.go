package remote

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	qinsights "github.com/flowtail/flowtail/model/query/insights"
	"github.com/flowtail/flowtail/source/insights"
)

// InsightsEngine runs the TUI's stats queries on Logs Insights over the
// log groups being tailed and the --since window. Runs end when the
// engine's context ends (the program quits); Wait lets their StopQuery
// calls finish.
type InsightsEngine struct {
	API      *cloudwatchlogs.Client
	Groups   []string
	Window   time.Duration // how far back from now a run reads
	Format   *model.Format
	USDPerGB float64
	Now      func() time.Time
	Poll     time.Duration // between GetQueryResults calls (0: a second)
	// Ingest takes records Pull fetched into the ring; MaxPull bounds
	// them (0: the ring's size is the caller's to bound).
	Ingest  func(model.Batch)
	MaxPull int

	ctx context.Context
	wg  sync.WaitGroup
}

// NewInsightsEngine returns an engine whose runs end with ctx.
func NewInsightsEngine(ctx context.Context, api *cloudwatchlogs.Client, groups []string, window time.Duration, format *model.Format) *InsightsEngine {
	return &InsightsEngine{API: api, Groups: groups, Window: window, Format: format, USDPerGB: insights.DefaultUSDPerGB, Now: time.Now, ctx: ctx}
}

// Describe names the engine and its range.
func (e *InsightsEngine) Describe() string {
	return fmt.Sprintf("Logs Insights · last %s · %s", shortDuration(e.Window), strings.Join(e.Groups, ", "))
}

func shortDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.Round(time.Second).String()
}

// Run answers prog on Insights; progress hears status lines and, for a
// query Insights runs whole, the rows so far.
func (e *InsightsEngine) Run(ctx context.Context, prog *query.Program, progress func(status string, partial *query.Result)) (*query.Result, string, error) {
	e.wg.Add(1)
	defer e.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(e.ctx, cancel)
	defer stop()
	plan, err := PlanInsights(prog, e.Format)
	if err != nil {
		return nil, "", err
	}
	until := e.Now()
	since := until.Add(-e.Window)
	r := &insights.Runner{API: e.API, Poll: e.Poll, CallTimeout: 30 * time.Second, Progress: func(p insights.Progress) {
		if p.Waiting != "" {
			progress("Logs Insights: "+p.Waiting, nil)
			return
		}
		var partial *query.Result
		if !plan.Trans.Raw && len(p.Partial) > 0 {
			partial = plan.NativeResult(p.Partial)
		}
		progress(fmt.Sprintf("Logs Insights: %s · %d rows · %s scanned", p.Status, p.Rows, insights.FormatBytes(p.Stats.BytesScanned)), partial)
	}}
	a, err := RunInsights(ctx, r, plan, e.Groups, since, until, 0, e.USDPerGB)
	if err != nil {
		return nil, "", err
	}
	return a.Result, a.Summary(since, until), nil
}

// Wait returns once every run has ended (and stopped its remote query).
func (e *InsightsEngine) Wait() { e.wg.Wait() }

// Pull fetches the records that match filter (a query the local engine
// reads, such as the filter a stats row drills into) over the engine's
// window with a raw Insights query, and hands them to Ingest, so that the
// ring holds what a remote answer counted. It returns how many came.
func (e *InsightsEngine) Pull(ctx context.Context, filter string, progress func(string)) (int, error) {
	if e.Ingest == nil {
		return 0, errors.New("insights: nowhere to put the records")
	}
	e.wg.Add(1)
	defer e.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(e.ctx, cancel)
	defer stop()
	q, err := query.Parse(filter)
	if err != nil {
		return 0, err
	}
	prog, err := query.Compile(q, model.NewInterner(), query.Options{})
	if err != nil {
		return 0, err
	}
	tr, err := qinsights.Translate(prog.Query, qinsights.Options{Format: e.Format, Records: true, Why: "records pulled into the ring"})
	if err != nil {
		return 0, err
	}
	until := e.Now()
	since := until.Add(-e.Window)
	r := &insights.Runner{API: e.API, Poll: e.Poll, CallTimeout: 30 * time.Second, Progress: func(p insights.Progress) {
		progress(fmt.Sprintf("pulling records from Logs Insights: %s · %d rows", p.Status, p.Rows))
	}}
	res, err := r.Run(ctx, insights.Query{Groups: e.Groups, Text: tr.Text + " | sort @timestamp asc", Start: since, End: until, Raw: true, MaxRows: e.MaxPull})
	if err != nil {
		return 0, err
	}
	b := model.Batch{Format: e.Format}
	for _, row := range res.Rows {
		msg, ok := row.Field("@message")
		if !ok {
			continue
		}
		b.Events = append(b.Events, model.Event{Line: []byte(msg), Origin: "Logs Insights"})
	}
	e.Ingest(b)
	return len(b.Events), nil
}
