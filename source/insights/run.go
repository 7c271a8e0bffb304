// Package insights runs queries on CloudWatch Logs Insights through the
// SDK: StartQuery, GetQueryResults polled until the query ends (partial
// rows reported as they arrive), StopQuery when the caller gives up. A
// query of raw records that fills Insights' row cap is split by time and
// run again, recursively, until each part fits.
package insights

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/awscall"
)

// MaxGroups is the most log groups one query may name.
const MaxGroups = 50

// RowCap is the most rows one query returns.
const RowCap = 10000

// DefaultUSDPerGB is AWS's published Logs Insights price per GB scanned
// (us-east-1, Standard log class).
const DefaultUSDPerGB = 0.005

// Query is one Insights query over a time range.
type Query struct {
	Groups     []string
	Text       string
	Start, End time.Time // inclusive, to the second
	// Raw: the rows are records; at the cap the range is split by time.
	// Otherwise a result at the cap is marked truncated.
	Raw bool
	// MaxRows stops splitting once this many rows came back (0: none).
	MaxRows int
}

// Stats are the statistics Insights reports.
type Stats struct {
	RecordsMatched, RecordsScanned, BytesScanned float64
}

// Progress is what a running query has so far.
type Progress struct {
	Status  string // Scheduled, Running, Complete, waiting
	Rows    int
	Stats   Stats
	Waiting string // set while waiting for a concurrent-query slot
	Part    int    // the time range being run, from 1
	// Partial are the rows the running part has so far (Insights sends
	// partial results while a query runs).
	Partial []Row
}

// Row is one result row: field name and value pairs, in Insights' order.
type Row []types.ResultField

// Result is a finished query.
type Result struct {
	Rows  []Row
	Stats Stats
	// Parts is how many queries ran (more than one when split by time).
	Parts int
	// Truncated says the rows are not the whole answer, and why.
	Truncated string
}

// Runner runs queries with one client.
type Runner struct {
	API *cloudwatchlogs.Client
	// Poll is the wait between GetQueryResults calls.
	Poll time.Duration
	// CallTimeout bounds each API call.
	CallTimeout time.Duration
	// Cap is the row cap asked for (RowCap when 0).
	Cap int
	// Progress hears about each poll; it must not block.
	Progress func(Progress)
	// RetryBudget bounds a streak of throttled or failing calls
	// (awscall.HeadlessBudget when 0).
	RetryBudget time.Duration
}

func (r *Runner) budget() time.Duration {
	if r.RetryBudget > 0 {
		return r.RetryBudget
	}
	return time.Duration(awscall.HeadlessBudget)
}

func (r *Runner) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return time.Second
}

func (r *Runner) timeout() time.Duration {
	if r.CallTimeout > 0 {
		return r.CallTimeout
	}
	return 30 * time.Second
}

func (r *Runner) rowCap() int {
	if r.Cap > 0 {
		return r.Cap
	}
	return RowCap
}

func (r *Runner) report(p Progress) {
	if r.Progress != nil {
		r.Progress(p)
	}
}

// Run answers q. With more than MaxGroups groups a raw query runs once per
// batch of groups; any other query is refused.
func (r *Runner) Run(ctx context.Context, q Query) (*Result, error) {
	if len(q.Groups) == 0 {
		return nil, errors.New("insights: no log group to query (-g GROUP)")
	}
	if len(q.Groups) > MaxGroups && !q.Raw {
		return nil, fmt.Errorf("insights: %d log groups, and one query takes at most %d: a stats query cannot be merged across queries, so name fewer groups", len(q.Groups), MaxGroups)
	}
	res := &Result{}
	for i := 0; i < len(q.Groups); i += MaxGroups {
		part := q
		part.Groups = q.Groups[i:min(i+MaxGroups, len(q.Groups))]
		if err := r.run(ctx, part, res); err != nil {
			return res, err
		}
		if res.Truncated != "" {
			break
		}
	}
	return res, nil
}

// run answers one batch of groups over q's range, splitting raw queries
// at the cap: both halves of the range are run again, earlier first.
func (r *Runner) run(ctx context.Context, q Query, res *Result) error {
	rows, st, status, err := r.once(ctx, q, res.Parts+1)
	res.Parts++
	if err != nil {
		return err
	}
	res.Stats.BytesScanned += st.BytesScanned
	res.Stats.RecordsScanned += st.RecordsScanned
	res.Stats.RecordsMatched += st.RecordsMatched
	if status != "Complete" {
		// Whatever rows came are not an answer: a count over them would
		// pass for "no such traffic".
		return notComplete(status, res.Parts)
	}
	full := len(rows) >= r.rowCap()
	switch {
	case !full:
		res.Rows = append(res.Rows, rows...)
		return nil
	case !q.Raw:
		res.Rows = append(res.Rows, rows...)
		res.Truncated = fmt.Sprintf("the result reached Insights' cap of %d rows: it may be incomplete", r.rowCap())
		return nil
	case q.MaxRows > 0 && len(res.Rows)+len(rows) >= q.MaxRows:
		res.Rows = append(res.Rows, rows...)
		res.Truncated = fmt.Sprintf("stopped at --max-rows %d", q.MaxRows)
		return nil
	case !q.End.After(q.Start):
		res.Rows = append(res.Rows, rows...)
		res.Truncated = fmt.Sprintf("more than %d records in the second %s: the rest cannot be fetched", r.rowCap(), q.Start.UTC().Format(time.RFC3339))
		return nil
	}
	// The rows of a full part are dropped: the halves fetch them again.
	res.Stats.RecordsMatched -= st.RecordsMatched
	mid := q.Start.Add(q.End.Sub(q.Start) / 2).Truncate(time.Second)
	lo, hi := q, q
	lo.End = mid
	hi.Start = mid.Add(time.Second)
	if err := r.run(ctx, lo, res); err != nil || res.Truncated != "" {
		return err
	}
	return r.run(ctx, hi, res)
}

// once runs one query to its end and returns its rows and final status.
func (r *Runner) once(ctx context.Context, q Query, part int) ([]Row, Stats, string, error) {
	in := &cloudwatchlogs.StartQueryInput{
		LogGroupNames: q.Groups,
		QueryString:   aws.String(q.Text),
		StartTime:     aws.Int64(q.Start.Unix()),
		EndTime:       aws.Int64(q.End.Unix()),
		Limit:         aws.Int32(int32(r.rowCap())),
	}
	var id string
	began := time.Now()
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, r.timeout())
		out, err := r.API.StartQuery(cctx, in)
		cancel()
		if err == nil {
			id = aws.ToString(out.QueryId)
			break
		}
		var le *types.LimitExceededException
		full := errors.As(err, &le)
		wait := source.Backoff(r.poll(), 30*r.poll(), attempt)
		// Throttled (StartQuery's quota is the account's, a few calls a
		// second): wait, within a budget.
		throttled := !full && ctx.Err() == nil && awscall.Transient(err) && time.Since(began)+wait <= r.budget()
		if !full && !throttled {
			if ctx.Err() != nil {
				return nil, Stats{}, "", ctx.Err()
			}
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil, Stats{}, "", fmt.Errorf("insights: %s (log groups %s): check each name with `aws logs describe-log-groups --log-group-name-prefix NAME`, and --region/--profile", nf.ErrorMessage(), groupList(q.Groups))
			}
			return nil, Stats{}, "", explain(awscall.Hung(ctx, err, "logs:StartQuery", r.timeout()), "logs:StartQuery")
		}
		why := "the account's concurrent Insights queries are all in use"
		if throttled {
			why = fmt.Sprintf("StartQuery throttled or failing (%s)", errorCode(err))
		}
		r.report(Progress{Status: "waiting", Part: part, Waiting: fmt.Sprintf("%s; retrying in %s", why, wait.Round(time.Millisecond))})
		select {
		case <-ctx.Done():
			return nil, Stats{}, "", ctx.Err()
		case <-time.After(wait):
		}
	}
	var failing time.Time // when the current streak of throttled polls began
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, r.timeout())
		out, err := r.API.GetQueryResults(cctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: aws.String(id)})
		cancel()
		if ctx.Err() != nil {
			r.stop(id)
			return nil, Stats{}, "", ctx.Err()
		}
		if err != nil && awscall.Transient(err) {
			// The poll quota is the account's, shared by every query
			// running: wait, within a budget, and poll again.
			if failing.IsZero() {
				failing = time.Now()
			}
			wait := source.Backoff(r.poll(), 30*r.poll(), attempt)
			if time.Since(failing)+wait <= r.budget() {
				r.report(Progress{Status: "waiting", Part: part, Waiting: fmt.Sprintf("GetQueryResults throttled or failing (%s); polling again in %s", errorCode(err), wait.Round(time.Millisecond))})
				select {
				case <-ctx.Done():
					r.stop(id)
					return nil, Stats{}, "", ctx.Err()
				case <-time.After(wait):
				}
				continue
			}
		}
		if err != nil {
			r.stop(id)
			return nil, Stats{}, "", explain(awscall.Hung(ctx, err, "logs:GetQueryResults", r.timeout()), "logs:GetQueryResults")
		}
		failing, attempt = time.Time{}, 0
		var st Stats
		if s := out.Statistics; s != nil {
			st = Stats{RecordsMatched: s.RecordsMatched, RecordsScanned: s.RecordsScanned, BytesScanned: s.BytesScanned}
		}
		rows := make([]Row, len(out.Results))
		for i, row := range out.Results {
			rows[i] = Row(row)
		}
		status := string(out.Status)
		r.report(Progress{Status: status, Rows: len(rows), Stats: st, Part: part, Partial: rows})
		switch out.Status {
		case types.QueryStatusComplete, types.QueryStatusFailed, types.QueryStatusCancelled, types.QueryStatusTimeout, types.QueryStatusUnknown:
			return rows, st, status, nil
		}
		select {
		case <-ctx.Done():
			r.stop(id)
			return nil, Stats{}, "", ctx.Err()
		case <-time.After(r.poll()):
		}
	}
}

// notComplete explains a query Insights ended without completing it.
func notComplete(status string, part int) error {
	which := ""
	if part > 1 {
		which = fmt.Sprintf(" (query %d of the time-split run)", part)
	}
	switch status {
	case string(types.QueryStatusTimeout):
		return fmt.Errorf("insights: Logs Insights ended the query Timeout%s: it ran past Insights' time limit; narrow --since/--until or name fewer log groups", which)
	case string(types.QueryStatusCancelled):
		return fmt.Errorf("insights: Logs Insights ended the query Cancelled%s: it was stopped outside flowtail (StopQuery, or the console); run it again", which)
	}
	return fmt.Errorf("insights: Logs Insights ended the query %s%s and gives no reason: run it again, or try the text --dry-run prints in the console's Logs Insights", status, which)
}

// stopWait bounds the StopQuery sent when the caller gives up: it is
// a courtesy to the account's query slots, and the caller (often Ctrl-C)
// must not wait a whole call's deadline on a stalled endpoint for it.
const stopWait = 2 * time.Second

// stop asks Insights to stop a query the caller gave up on; the caller's
// context may be done, so the call gets its own deadline.
func (r *Runner) stop(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), min(r.timeout(), stopWait))
	defer cancel()
	r.API.StopQuery(ctx, &cloudwatchlogs.StopQueryInput{QueryId: aws.String(id)})
}

// groupList names the first few groups of a query, and how many more.
func groupList(groups []string) string {
	const shown = 5
	if len(groups) <= shown {
		return strings.Join(groups, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(groups[:shown], ", "), len(groups)-shown)
}

// errorCode names an API error by its code, or says it has none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "no error code"
}

var notAuthorized = regexp.MustCompile(`not authorized to perform: ([a-zA-Z0-9]+:[a-zA-Z0-9]+)`)

// explain turns an API error into one line a user can act on.
func explain(err error, action string) error {
	if ce := awscall.AsCredentialError(err); ce != err {
		return ce
	}
	if errors.As(err, new(*awscall.HungError)) {
		return fmt.Errorf("insights: %v: check the network and the endpoint (AWS_ENDPOINT_URL, --region)", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("insights: %s: %w", action, err)
	}
	if awscall.Transient(err) {
		return fmt.Errorf("insights: %s still throttled or failing after retries (%s: %s): the account's quota is shared with other queries and tools; try again later", action, ae.ErrorCode(), ae.ErrorMessage())
	}
	switch ae.ErrorCode() {
	case "AccessDeniedException", "AccessDenied":
		if m := notAuthorized.FindStringSubmatch(ae.ErrorMessage()); m != nil {
			action = m[1]
		}
		return fmt.Errorf("insights: access denied: allow %s in the IAM policy of your role or user", action)
	case "ResourceNotFoundException":
		return fmt.Errorf("insights: %s", ae.ErrorMessage())
	case "MalformedQueryException":
		return fmt.Errorf("insights: Logs Insights rejected the query: %s", ae.ErrorMessage())
	}
	return fmt.Errorf("insights: %s failed: %s: %s", action, ae.ErrorCode(), ae.ErrorMessage())
}

// Cost is the estimated charge in US dollars for bytes scanned at
// usdPerGB (GB = 2^30 bytes).
func Cost(bytes, usdPerGB float64) float64 { return bytes / (1 << 30) * usdPerGB }

// Field returns the value of the named field of a row.
func (row Row) Field(name string) (string, bool) {
	for _, f := range row {
		if aws.ToString(f.Field) == name {
			return aws.ToString(f.Value), true
		}
	}
	return "", false
}

// FormatBytes prints a byte count the way the status line shows it.
func FormatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(b, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(b, 'f', 1, 64) + " " + units[i]
}
