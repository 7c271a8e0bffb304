package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	athenasql "github.com/flowtail/flowtail/model/query/athena"
	athenarun "github.com/flowtail/flowtail/source/athena"
	"github.com/flowtail/flowtail/source/cloudwatch"
	"github.com/flowtail/flowtail/source/insights"
	"github.com/flowtail/flowtail/source/remote"
	"github.com/flowtail/flowtail/ui"
)

const remoteQueryUsage = `Usage: flowtail query --on insights -g GROUP [-g …] [--since T] 'QUERY'
       flowtail query --on athena --athena-table DB.TABLE [--since T] 'QUERY'

Sends the query to an engine AWS runs instead of answering it locally:
Logs Insights over log groups, Athena over a table of S3 flow logs. The
query is translated (field names, @timestamp in ms, derived fields as SQL
CASE); what Insights cannot run (direction, service, proto) runs locally on
the records it returns, which the summary says. A raw-record Insights query
that reaches the 10,000-row cap is split by time until each part fits;
a stats result at the cap is marked incomplete. Ctrl-C stops the query.
The summary on stderr gives the time range, status, bytes scanned and the
estimated cost at the given rates.

Flags:
  --on ENGINE                  insights or athena
  -g, --log-group NAME         log group (repeatable; Insights)
  --format FORMAT              the flow log's format (Insights: a custom
                               format is read with a parse command; Athena
                               --dry-run: the table's columns)
  --since T, --until T         the time range (default: the last hour)
  --athena-table DB.TABLE      the Athena table (columns and partitions from Glue)
  --workgroup W                Athena workgroup (default: primary)
  --athena-output S3URL        Athena result location (default: the workgroup's)
  --max-rows N                 stop splitting a raw Insights query after N rows
  --insights-usd-per-gb R      Insights price per GB scanned (default 0.005)
  --athena-usd-per-tb R        Athena price per TB scanned (default 5)
  --dry-run                    print the exact text that would be sent, and stop
  -o, --output FORMAT          table, csv or json
  --profile, --region          AWS profile and region
`

// remoteRequested reports whether the query command was asked to run
// remotely (--on).
func remoteRequested(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--on" || a == "-on" || strings.HasPrefix(a, "--on=") || strings.HasPrefix(a, "-on=") {
			return true
		}
	}
	return false
}

type remoteOptions struct {
	on, since, until, format, table, workgroup, output, out string
	groups                                                  stringList
	maxRows                                                 int
	usdPerGB, usdPerTB                                      float64
	dryRun                                                  bool
	aws                                                     options
}

func runRemoteQuery(ctx context.Context, args []string, std stdio) int {
	var o remoteOptions
	fs := newFlagSet("query")
	fs.StringVar(&o.on, "on", "", "")
	fs.Var(&o.groups, "log-group", "")
	fs.Var(&o.groups, "g", "")
	fs.StringVar(&o.since, "since", "1h", "")
	fs.StringVar(&o.until, "until", "now", "")
	fs.StringVar(&o.format, "format", "", "")
	fs.StringVar(&o.table, "athena-table", "", "")
	fs.StringVar(&o.workgroup, "workgroup", "", "")
	fs.StringVar(&o.output, "athena-output", "", "")
	fs.IntVar(&o.maxRows, "max-rows", 0, "")
	fs.Float64Var(&o.usdPerGB, "insights-usd-per-gb", insights.DefaultUSDPerGB, "")
	fs.Float64Var(&o.usdPerTB, "athena-usd-per-tb", athenarun.DefaultUSDPerTB, "")
	fs.BoolVar(&o.dryRun, "dry-run", false, "")
	fs.StringVar(&o.out, "output", "table", "")
	fs.StringVar(&o.out, "o", "table", "")
	fs.StringVar(&o.aws.profile, "profile", "", "")
	fs.StringVar(&o.aws.region, "region", "", "")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(std.out, remoteQueryUsage)
		return exitOK
	}
	if err != nil {
		return usageError(std, "query", err)
	}
	engine, err := remote.ParseEngine(o.on)
	if err != nil {
		return usageError(std, "query", err)
	}
	switch {
	case len(pos) != 1:
		return usageError(std, "query", errors.New("want exactly one QUERY (the data is named by -g or --athena-table)"))
	case !slices.Contains([]string{"table", "csv", "json"}, o.out):
		return usageError(std, "query", fmt.Errorf("invalid value %q for flag -o: want table, csv or json", o.out))
	case engine == remote.Insights && len(o.groups) == 0:
		return usageError(std, "query", errors.New("--on insights needs a log group: -g GROUP"))
	case engine == remote.Athena && o.table == "":
		return usageError(std, "query", errors.New("--on athena needs --athena-table DATABASE.TABLE"))
	}
	now := time.Now()
	since, err := parseWhen(o.since, now)
	if err != nil {
		return usageError(std, "query", fmt.Errorf("invalid value %q for flag --since: %v", o.since, err))
	}
	until, err := parseWhen(o.until, now)
	if err != nil {
		return usageError(std, "query", fmt.Errorf("invalid value %q for flag --until: %v", o.until, err))
	}
	if !until.After(since) {
		return usageError(std, "query", fmt.Errorf("--until %s is not after --since %s", o.until, o.since))
	}
	var format *model.Format
	if o.format != "" {
		if format, err = model.ParseFormat(o.format); err != nil {
			return usageError(std, "query", fmt.Errorf("invalid value for flag --format: %v", err))
		}
	}
	text := pos[0]
	prog, err := compileQuery(text, model.NewInterner(), nil)
	if err != nil {
		reportQueryError(std.err, text, err)
		return exitUsage
	}
	var answer *remote.Answer
	switch engine {
	case remote.Insights:
		answer, err = runOnInsights(ctx, &o, prog, format, since, until, std)
	case remote.Athena:
		answer, err = runOnAthena(ctx, &o, prog, format, since, until, std)
	}
	if err != nil {
		var ue usageErr
		if errors.As(err, &ue) {
			return usageError(std, "query", err)
		}
		fmt.Fprintf(std.err, "flowtail query: %s\n", cleanCell(err.Error()))
		return exitRuntime
	}
	if answer == nil { // --dry-run
		return exitOK
	}
	if err := writeResult(std.out, o.out, answer.Result, 0); err != nil {
		fmt.Fprintf(std.err, "flowtail query: write: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(std.err, "flowtail query: %s\n", cleanCell(answer.Summary(since, until)))
	return exitOK
}

type usageErr struct{ error }

// progressLine shows a running query's status on a terminal's stderr.
func progressLine(std stdio) func(string) {
	f, ok := std.err.(*os.File)
	if !ok {
		return func(string) {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func(string) {}
	}
	return func(s string) { fmt.Fprintf(f, "\r\x1b[K%s", cleanCell(s)) }
}

func runOnInsights(ctx context.Context, o *remoteOptions, prog *query.Program, format *model.Format, since, until time.Time, std stdio) (*remote.Answer, error) {
	plan, err := remote.PlanInsights(prog, format)
	if err != nil {
		return nil, err
	}
	if o.dryRun {
		fmt.Fprintln(std.out, plan.Text)
		if plan.Trans.Raw {
			fmt.Fprintf(std.err, "flowtail query: the rest runs locally on the records returned: %s\n", plan.Trans.Local)
		}
		return nil, nil
	}
	cfg, err := loadAWSConfig(ctx, &o.aws)
	if err != nil {
		return nil, err
	}
	if format == nil {
		// Insights discovers fields only in the default format: a custom
		// one must be named in a parse command, so ask which it is.
		if format, err = groupsFormat(ctx, ec2.NewFromConfig(cfg), o.groups); err != nil {
			return nil, err
		}
		if format != nil {
			if plan, err = remote.PlanInsights(prog, format); err != nil {
				return nil, err
			}
		}
	}
	show := progressLine(std)
	defer show("")
	r := &insights.Runner{API: cloudwatch.NewClient(cfg), CallTimeout: 30 * time.Second, Progress: func(p insights.Progress) {
		if p.Waiting != "" {
			show("Logs Insights: " + p.Waiting)
			return
		}
		show(fmt.Sprintf("Logs Insights: part %d %s · %d rows · %s scanned", p.Part, p.Status, p.Rows, insights.FormatBytes(p.Stats.BytesScanned)))
	}}
	return remote.RunInsights(ctx, r, plan, o.groups, since, until, o.maxRows, o.usdPerGB)
}

func runOnAthena(ctx context.Context, o *remoteOptions, prog *query.Program, format *model.Format, since, until time.Time, std stdio) (*remote.Answer, error) {
	db, name, err := athenasql.ParseTableName(o.table)
	if err != nil {
		return nil, usageErr{err}
	}
	if o.dryRun {
		// Offline: the table AWS's DDL makes for the format (what
		// `flowtail athena ddl` prints), partitioned by day.
		if format == nil {
			format = model.DefaultFormat
		}
		t := &athenasql.Table{Database: db, Name: name, Columns: athenasql.FormatColumns(format, false),
			Partitions: []athenasql.Column{{Name: "day", Type: "string"}}, Params: map[string]string{"projection.day.format": "yyyy/MM/dd"}}
		plan, err := remote.PlanAthena(prog, t, since, until)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(std.out, plan.Trans.SQL+";")
		fmt.Fprintln(std.err, "flowtail query: --dry-run assumes the table `flowtail athena ddl` creates (columns of --format, a day partition); a run reads the real one from Glue")
		return nil, nil
	}
	cfg, err := loadAWSConfig(ctx, &o.aws)
	if err != nil {
		return nil, err
	}
	show := progressLine(std)
	defer show("")
	r := &athenarun.Runner{Athena: athena.NewFromConfig(cfg), Glue: glue.NewFromConfig(cfg), CallTimeout: 30 * time.Second,
		Progress: func(p athenarun.Progress) {
			show(fmt.Sprintf("Athena: %s · %s scanned", p.State, insights.FormatBytes(float64(p.BytesScanned))))
		}}
	t, err := r.Table(ctx, db, name)
	if err != nil {
		return nil, err
	}
	plan, err := remote.PlanAthena(prog, t, since, until)
	if err != nil {
		return nil, err
	}
	return remote.RunAthena(ctx, r, plan, o.workgroup, o.output, o.usdPerTB)
}

// remoteEngine is the stats pane's remote engine for -g sources: Logs
// Insights over the --since window (nil without log groups). wait lets
// the StopQuery of a run cut short by quitting finish.
func (o *options) remoteEngine(ctx context.Context) (engine ui.RemoteEngine, wait func()) {
	if len(o.logGroups) == 0 {
		return nil, func() {}
	}
	now := time.Now()
	since, err := parseWhen(o.since, now)
	if err != nil || !since.Before(now) {
		return nil, func() {}
	}
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, func() {}
	}
	var format *model.Format
	if o.format != "" {
		format, _ = model.ParseFormat(o.format) // validated with the sources
	}
	e := remote.NewInsightsEngine(ctx, cloudwatch.NewClient(cfg), o.logGroups, now.Sub(since), format)
	return e, e.Wait
}

// groupsFormat is the format of the flow logs delivering to the groups
// (ec2:DescribeFlowLogs), nil for the default format or when it cannot be
// read (then --format names it); groups of different formats cannot share
// one query.
func groupsFormat(ctx context.Context, client *ec2.Client, groups []string) (*model.Format, error) {
	describe := flowLogFormat(client)
	var found *model.Format
	for i, g := range groups {
		if i == 10 {
			break // enough to tell; the rest are taken to match
		}
		text, err := describe(ctx, g)
		if err != nil || text == "" {
			return nil, nil
		}
		f, err := model.ParseFormat(text)
		if err != nil {
			return nil, fmt.Errorf("the flow log of %s has a format flowtail cannot read (%v): give --format", g, err)
		}
		if found != nil && found.String() != f.String() {
			return nil, usageErr{fmt.Errorf("log groups %s and %s hold different formats: query them separately", groups[0], g)}
		}
		found = f
	}
	return found, nil
}
