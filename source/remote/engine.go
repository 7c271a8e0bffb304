package remote

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
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
