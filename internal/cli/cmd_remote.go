package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	athenasql "github.com/flowtail/flowtail/model/query/athena"
	athenarun "github.com/flowtail/flowtail/source/athena"
	"github.com/flowtail/flowtail/source/awscall"
	"github.com/flowtail/flowtail/source/cloudwatch"
	"github.com/flowtail/flowtail/source/insights"
	"github.com/flowtail/flowtail/source/remote"
	"github.com/flowtail/flowtail/ui"
)

const remoteQueryHelp = `

On AWS (--on insights|athena): the query is sent to Logs Insights over the
log groups (-g) or to Athena over a table of S3 flow logs
(--athena-table DB.TABLE), translated rather than passed through (field
names, @timestamp in ms, derived fields as SQL CASE); what Insights cannot
run (direction, service, proto) runs locally on the records it returns,
which the summary says. A raw-record Insights query that reaches the
10,000-row cap is split by time until each part fits; a stats result at
the cap is marked incomplete. --since defaults to 1h there; Ctrl-C stops
the query; the summary on stderr gives the time range, status, bytes
scanned and the estimated cost.`

// remoteOptions are the flags of a query run on AWS.
type remoteOptions struct {
	on, table, workgroup, output string
	maxRows                      int
	usdPerGB, usdPerTB           float64
	dryRun                       bool
}

// bindRemote registers the query command's --on flags.
func bindRemote(c *cobra.Command) *remoteOptions {
	ro := &remoteOptions{}
	fs := c.Flags()
	fs.StringVar(&ro.on, "on", "", "run on AWS: insights (log groups) or athena (an S3 table)")
	fs.StringVar(&ro.table, "athena-table", "", "the Athena table DATABASE.TABLE (columns and partitions from Glue)")
	fs.StringVar(&ro.workgroup, "workgroup", "", "the Athena WORKGROUP (default: primary)")
	fs.StringVar(&ro.output, "athena-output", "", "the Athena result location S3URL (default: the workgroup's)")
	fs.IntVar(&ro.maxRows, "max-rows", 0, "stop splitting a raw Insights query after N rows")
	fs.Float64Var(&ro.usdPerGB, "insights-usd-per-gb", insights.DefaultUSDPerGB, "Logs Insights price per GB scanned, for the cost estimate")
	fs.Float64Var(&ro.usdPerTB, "athena-usd-per-tb", athenarun.DefaultUSDPerTB, "Athena price per TB scanned, for the cost estimate")
	fs.BoolVar(&ro.dryRun, "dry-run", false, "with --on: print the exact text that would be sent, and stop")
	c.Long += remoteQueryHelp
	c.Example += `
  flowtail query --on insights -g /aws/vpc/flowlogs --since 7d 'filter action = "REJECT" and dstport = 5432 | stats count(*) by srcaddr'
  flowtail query --on athena --athena-table vpclogs.flows --since 7d --dry-run 'stats sum(bytes) as b by dstaddr | sort b desc | limit 10'`
	return ro
}

// remoteOnlyFlags mean something only with --on.
var remoteOnlyFlags = []string{"athena-table", "workgroup", "athena-output", "max-rows", "insights-usd-per-gb", "athena-usd-per-tb", "dry-run"}

// checkRemoteFlags refuses --on's flags on a local query.
func checkRemoteFlags(fs *pflag.FlagSet) error {
	for _, n := range remoteOnlyFlags {
		if fs.Changed(n) {
			return fmt.Errorf("flag --%s applies to a query run on AWS (--on insights|athena)", n)
		}
	}
	return nil
}

type remoteUsageErr struct{ error }

func runRemoteQuery(c *cobra.Command, o *options, ro *remoteOptions, pos []string, std stdio) int {
	engine, err := remote.ParseEngine(ro.on)
	if err != nil {
		return usageError(std, "query", err)
	}
	switch {
	case len(pos) != 1:
		return usageError(std, "query", errors.New("want exactly one QUERY with --on (the data is named by -g or --athena-table)"))
	case !slices.Contains([]string{"table", "csv", "json"}, o.output):
		return usageError(std, "query", fmt.Errorf("invalid value %q for flag -o: want table, csv or json", o.output))
	case engine == remote.Insights && len(o.logGroups) == 0:
		return usageError(std, "query", errors.New("--on insights needs a log group: -g GROUP"))
	case engine == remote.Athena && ro.table == "":
		return usageError(std, "query", errors.New("--on athena needs --athena-table DATABASE.TABLE"))
	case o.demo || o.follow || o.replay != "":
		return usageError(std, "query", errors.New("--demo, --follow and --replay read locally: drop them, or --on"))
	}
	sinceText, untilText := o.since, o.until
	if !c.Flags().Changed("since") {
		sinceText = "1h"
	}
	if untilText == "" {
		untilText = "now"
	}
	now := time.Now()
	since, err := parseWhen(sinceText, now)
	if err != nil {
		return usageError(std, "query", fmt.Errorf("invalid value %q for flag --since: %v", sinceText, err))
	}
	until, err := parseWhen(untilText, now)
	if err != nil {
		return usageError(std, "query", fmt.Errorf("invalid value %q for flag --until: %v", untilText, err))
	}
	if !until.After(since) {
		return usageError(std, "query", fmt.Errorf("--until %s is not after --since %s", untilText, sinceText))
	}
	var format *model.Format
	if o.format != "" {
		if format, err = model.ParseFormat(o.format); err != nil {
			return usageError(std, "query", fmt.Errorf("invalid value for flag --format: %v", err))
		}
		warnFormat(std.err, "query", format)
		// Interned before the query is parsed, so it can name the fields
		// the format holds that flowtail does not know.
		format = model.InternFormat(format)
	}
	text := pos[0]
	prog, err := compileQuery(text, model.NewInterner(), query.Options{})
	if err != nil {
		reportQueryError(std.err, text, err)
		return exitUsage
	}
	if prog.UsesOwner() {
		return usageError(std, "query", errors.New("owner, srcOwner and dstOwner are answered on this machine (AWS's ip-ranges and the rules are here): drop --on, or the owner fields"))
	}
	ctx := c.Context()
	var answer *remote.Answer
	switch engine {
	case remote.Insights:
		answer, err = runOnInsights(ctx, o, ro, prog, format, since, until, std)
	case remote.Athena:
		answer, err = runOnAthena(ctx, o, ro, prog, format, since, until, std)
	}
	if err != nil {
		var ue remoteUsageErr
		if errors.As(err, &ue) {
			return usageError(std, "query", err)
		}
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			fmt.Fprintf(std.err, "flowtail query: interrupted: the %s query was stopped before its answer came\n", engine)
			return exitInterrupted
		}
		fmt.Fprintf(std.err, "flowtail query: %s\n", cleanCell(err.Error()))
		return exitRuntime
	}
	if answer == nil { // --dry-run
		return exitOK
	}
	if err := writeResult(std.out, o.output, answer.Result, 0); err != nil {
		fmt.Fprintf(std.err, "flowtail query: write: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(std.err, "flowtail query: %s\n", cleanCell(answer.Summary(since, until)))
	return exitOK
}

// progressLine shows a running query's status on a terminal's stderr.
func progressLine(std stdio) func(string) {
	f, ok := std.err.(*os.File)
	if !ok || !isTerminal(f) {
		return func(string) {}
	}
	return func(s string) { fmt.Fprintf(f, "\r\x1b[K%s", cleanCell(s)) }
}

func runOnInsights(ctx context.Context, o *options, ro *remoteOptions, prog *query.Program, format *model.Format, since, until time.Time, std stdio) (_ *remote.Answer, err error) {
	plan, err := remote.PlanInsights(prog, format)
	if err != nil {
		return nil, err
	}
	if ro.dryRun {
		fmt.Fprintln(std.out, plan.Text)
		if plan.Trans.Raw {
			fmt.Fprintf(std.err, "flowtail query: the rest runs locally on the records returned: %s\n", plan.Trans.Local)
		}
		return nil, nil
	}
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	defer func() { err = loginAdvice(err, o, cfg) }()
	if format == nil {
		// Insights discovers fields only in the default format: a custom
		// one must be named in a parse command, so ask which it is.
		if format, err = groupsFormat(ctx, ec2.NewFromConfig(cfg), o.logGroups); err != nil {
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
	// A table on a terminal shows Insights' partial rows as they come,
	// redrawn in place, and the final table replaces them.
	var live *liveTable
	if f, ok := std.out.(*os.File); ok && o.output == "table" && !plan.Trans.Raw && isTerminal(f) {
		live = &liveTable{w: f}
		defer live.clear()
	}
	r := &insights.Runner{API: cloudwatch.NewClient(cfg), CallTimeout: 30 * time.Second, Progress: func(p insights.Progress) {
		if p.Waiting != "" {
			show("Logs Insights: " + p.Waiting)
			return
		}
		status := fmt.Sprintf("Logs Insights: part %d %s · %d rows · %s scanned", p.Part, p.Status, p.Rows, insights.FormatBytes(p.Stats.BytesScanned))
		if live != nil && len(p.Partial) > 0 {
			show("")
			live.show(plan.NativeResult(p.Partial), status)
			return
		}
		show(status)
	}}
	return remote.RunInsights(ctx, r, plan, o.logGroups, since, until, ro.maxRows, ro.usdPerGB)
}

// isTerminal reports whether f is a terminal (/dev/null, a character
// device too, is not).
func isTerminal(f *os.File) bool {
	return term.IsTerminal(f.Fd())
}

// liveTableRows bounds the partial table, so a redraw stays on one screen.
const liveTableRows = 20

// liveTable draws a partial result and redraws it in place.
type liveTable struct {
	w     io.Writer
	lines int
}

func (l *liveTable) show(res *query.Result, status string) {
	more := len(res.Rows) - liveTableRows
	if more > 0 {
		res = &query.Result{Columns: res.Columns, Rows: res.Rows[:liveTableRows]}
	}
	var b bytes.Buffer
	writeResult(&b, "table", res, 0)
	if more > 0 {
		fmt.Fprintf(&b, "… %d more rows so far\n", more)
	}
	b.WriteString(cleanCell(status) + "\n")
	l.clear()
	l.lines = bytes.Count(b.Bytes(), []byte("\n"))
	l.w.Write(b.Bytes())
}

// clear erases what show drew.
func (l *liveTable) clear() {
	if l.lines > 0 {
		fmt.Fprintf(l.w, "\x1b[%dA\x1b[J", l.lines)
	}
	l.lines = 0
}

func runOnAthena(ctx context.Context, o *options, ro *remoteOptions, prog *query.Program, format *model.Format, since, until time.Time, std stdio) (_ *remote.Answer, err error) {
	db, name, err := athenasql.ParseTableName(ro.table)
	if err != nil {
		return nil, remoteUsageErr{err}
	}
	if ro.dryRun {
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
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	defer func() { err = loginAdvice(err, o, cfg) }()
	show := progressLine(std)
	defer show("")
	r := &athenarun.Runner{Athena: athena.NewFromConfig(cfg), CallTimeout: 30 * time.Second,
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
	return remote.RunAthena(ctx, r, plan, ro.workgroup, ro.output, ro.usdPerTB)
}

// remoteEngine is the stats pane's remote engine: Athena with
// --athena-table, else Logs Insights for -g sources, over the --since
// window (nil without either), pulling records into store. wait lets the StopQuery of a run cut short by
// quitting finish.
func (o *options) remoteEngine(ctx context.Context, store *model.Store) (engine ui.RemoteEngine, wait func()) {
	if len(o.logGroups) == 0 && o.athenaTable == "" {
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
	if o.athenaTable != "" {
		db, name, err := athenasql.ParseTableName(o.athenaTable)
		if err != nil {
			return nil, func() {}
		}
		r := &athenarun.Runner{Athena: athena.NewFromConfig(cfg), CallTimeout: 30 * time.Second}
		e := remote.NewAthenaEngine(ctx, r, db, name, now.Sub(since))
		e.Workgroup, e.Output = o.workgroup, o.athenaOutput
		e.Ingest, e.MaxPull = ingestInto(store, o.overrideFormat())
		return e, e.Wait
	}
	e := remote.NewInsightsEngine(ctx, cloudwatch.NewClient(cfg), o.logGroups, now.Sub(since), format)
	// Records a stats row pulls from Insights join the ring like any
	// source's, at most a ring's worth.
	e.Ingest, e.MaxPull = ingestInto(store, o.overrideFormat())
	return e, e.Wait
}

// ingestInto is where records a remote row pulls go: the ring, like any
// source's, at most a ring's worth at once.
func ingestInto(store *model.Store, override *model.Format) (func(model.Batch), int) {
	in := model.NewIngester(store, override)
	var mu sync.Mutex
	return func(b model.Batch) { mu.Lock(); in.Ingest(b); mu.Unlock() }, store.Capacity()
}

// bindAthenaEngine registers the TUI's Athena flags: with --athena-table,
// R in the stats pane runs the query on Athena over the --since window.
func (o *options) bindAthenaEngine(fs *pflag.FlagSet) {
	fs.StringVar(&o.athenaTable, "athena-table", "", "the Athena table DATABASE.TABLE the stats pane's R runs the query on (else Logs Insights with -g)")
	fs.StringVar(&o.workgroup, "workgroup", "", "the Athena WORKGROUP for --athena-table (default: primary)")
	fs.StringVar(&o.athenaOutput, "athena-output", "", "the Athena result location S3URL (default: the workgroup's)")
}

// groupsFormat is the format of the flow logs delivering to the groups
// (ec2:DescribeFlowLogs), nil for the default format or when it cannot be
// read for any (then --format names it); a group whose format cannot be
// read takes the others'; groups of different formats cannot share one
// query.
func groupsFormat(ctx context.Context, client *ec2.Client, groups []string) (*model.Format, error) {
	describe := flowLogFormat(client)
	var found *model.Format
	for i, g := range groups {
		if i == 10 {
			break // enough to tell; the rest are taken to match
		}
		text, err := describe(ctx, g)
		if err != nil {
			break // denied or unreachable: asking of the other groups would fail the same way
		}
		if text == "" {
			// No flow log in this account names it: the groups it is
			// queried with tell.
			continue
		}
		f, err := model.ParseFormat(text)
		if err != nil {
			return nil, fmt.Errorf("the flow log of %s has a format flowtail cannot read (%v): give --format", g, err)
		}
		if found != nil && found.String() != f.String() {
			return nil, remoteUsageErr{fmt.Errorf("log groups %s and %s hold different formats: query them separately", groups[0], g)}
		}
		found = f
	}
	return found, nil
}

// loginAdvice words a credentials failure for the profile in use (an SSO
// profile's login, a named profile's refresh).
func loginAdvice(err error, o *options, cfg aws.Config) error {
	var ce *awscall.CredentialError
	if !errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("%s: %s", ce.Problem, awscall.Login(o.profile, isSSOProfile(cfg), awscall.GeneralLogin))
}
