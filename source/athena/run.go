// Package athena runs SQL on Amazon Athena through the SDK:
// StartQueryExecution, GetQueryExecution polled for state and bytes
// scanned, GetQueryResults paged (the first row of the first page is the
// header), StopQueryExecution when the caller gives up; and reads a table's
// columns and partition keys from the data catalog (GetTableMetadata).
package athena

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	athenasql "github.com/flowtail/flowtail/model/query/athena"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/awscall"
)

// DefaultUSDPerTB is AWS's published Athena SQL price per TB scanned
// (us-east-1); each query is billed at least 10 MB, rounded up to the MB.
const DefaultUSDPerTB = 5.0

// Exec is one query to run.
type Exec struct {
	SQL       string
	Database  string
	Workgroup string // "" for the default (primary)
	Output    string // s3:// location for results; "" to use the workgroup's
}

// Progress is a running query's state.
type Progress struct {
	State        string // QUEUED, RUNNING, SUCCEEDED, …
	BytesScanned int64
}

// Result is a finished query.
type Result struct {
	ID           string
	Columns      []string
	Rows         [][]*string // nil cells are NULL
	BytesScanned int64
	EngineMillis int64
}

// Runner runs queries with one pair of clients.
type Runner struct {
	Athena *athena.Client
	// Poll is the wait between GetQueryExecution calls.
	Poll time.Duration
	// CallTimeout bounds each API call.
	CallTimeout time.Duration
	// Progress hears each poll; it must not block.
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

func (r *Runner) timeout() time.Duration {
	if r.CallTimeout > 0 {
		return r.CallTimeout
	}
	return 30 * time.Second
}

func (r *Runner) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return time.Second
}

// dataCatalog is Athena's own catalog, where CREATE EXTERNAL TABLE puts
// tables (it is the Glue Data Catalog).
const dataCatalog = "AwsDataCatalog"

// Table reads a table's columns, partition keys and properties. Athena's
// GetTableMetadata answers from the Glue Data Catalog, so flowtail needs no
// Glue client of its own (its tables cost a tenth of a second of start-up).
func (r *Runner) Table(ctx context.Context, db, name string) (*athenasql.Table, error) {
	cctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	out, err := r.Athena.GetTableMetadata(cctx, &athena.GetTableMetadataInput{
		CatalogName: aws.String(dataCatalog), DatabaseName: aws.String(db), TableName: aws.String(name)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, explain(awscall.Hung(ctx, err, "athena:GetTableMetadata", r.timeout()), "athena:GetTableMetadata", "")
	}
	md := out.TableMetadata
	if md == nil {
		return nil, fmt.Errorf("athena: table %s.%s: GetTableMetadata answered without metadata", db, name)
	}
	t := &athenasql.Table{Database: db, Name: name, Params: md.Parameters}
	for _, c := range md.Columns {
		t.Columns = append(t.Columns, athenasql.Column{Name: aws.ToString(c.Name), Type: aws.ToString(c.Type)})
	}
	for _, c := range md.PartitionKeys {
		t.Partitions = append(t.Partitions, athenasql.Column{Name: aws.ToString(c.Name), Type: aws.ToString(c.Type)})
	}
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("athena: table %s.%s has no columns in the data catalog", db, name)
	}
	return t, nil
}

// Run runs e to its end and returns its rows.
func (r *Runner) Run(ctx context.Context, e Exec) (*Result, error) {
	in := &athena.StartQueryExecutionInput{
		QueryString:           aws.String(e.SQL),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(e.Database)},
	}
	if e.Workgroup != "" {
		in.WorkGroup = aws.String(e.Workgroup)
	}
	if e.Output != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(e.Output)}
	}
	// One request token for every attempt: a start that failed with a
	// server fault after all may have started the query, and Athena runs
	// (and bills) a token's query once.
	var token [16]byte
	rand.Read(token[:])
	in.ClientRequestToken = aws.String(hex.EncodeToString(token[:]))
	var out *athena.StartQueryExecutionOutput
	var err error
	var starting streak
	for {
		cctx, cancel := context.WithTimeout(ctx, r.timeout())
		out, err = r.Athena.StartQueryExecution(cctx, in)
		cancel()
		if err == nil || ctx.Err() != nil || !starting.wait(ctx, r.poll(), r.budget(), err) {
			break
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, explain(awscall.Hung(ctx, err, "athena:StartQueryExecution", r.timeout()), "athena:StartQueryExecution", e.Workgroup)
	}
	res := &Result{ID: aws.ToString(out.QueryExecutionId)}
	var failing streak
	for {
		cctx, cancel := context.WithTimeout(ctx, r.timeout())
		qe, err := r.Athena.GetQueryExecution(cctx, &athena.GetQueryExecutionInput{QueryExecutionId: out.QueryExecutionId})
		cancel()
		if ctx.Err() == nil && err != nil && failing.wait(ctx, r.poll(), r.budget(), err) {
			continue
		}
		if ctx.Err() != nil {
			r.stop(res.ID)
			return nil, ctx.Err()
		}
		if err != nil {
			r.stop(res.ID)
			return nil, explain(awscall.Hung(ctx, err, "athena:GetQueryExecution", r.timeout()), "athena:GetQueryExecution", e.Workgroup)
		}
		failing = streak{}
		x := qe.QueryExecution
		if s := x.Statistics; s != nil {
			res.BytesScanned = aws.ToInt64(s.DataScannedInBytes)
			res.EngineMillis = aws.ToInt64(s.EngineExecutionTimeInMillis)
		}
		state := types.QueryExecutionStateQueued
		reason := ""
		if x.Status != nil {
			state = x.Status.State
			reason = aws.ToString(x.Status.StateChangeReason)
		}
		if r.Progress != nil {
			r.Progress(Progress{State: string(state), BytesScanned: res.BytesScanned})
		}
		switch state {
		case types.QueryExecutionStateSucceeded:
			return res, r.results(ctx, res, e.Workgroup)
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			return res, ended(state, reason, e.Workgroup, res.BytesScanned)
		}
		select {
		case <-ctx.Done():
			r.stop(res.ID)
			return nil, ctx.Err()
		case <-time.After(r.poll()):
		}
	}
}

// results pages GetQueryResults; the first row sent names the columns and
// is not data.
func (r *Runner) results(ctx context.Context, res *Result, wg string) error {
	var token *string
	seen := map[string]bool{}
	header := true
	var failing streak
	for {
		cctx, cancel := context.WithTimeout(ctx, r.timeout())
		out, err := r.Athena.GetQueryResults(cctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(res.ID), NextToken: token, MaxResults: aws.Int32(1000)})
		cancel()
		if ctx.Err() == nil && err != nil && failing.wait(ctx, r.poll(), r.budget(), err) {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return explain(awscall.Hung(ctx, err, "athena:GetQueryResults", r.timeout()), "athena:GetQueryResults", wg)
		}
		failing = streak{}
		rows := out.ResultSet.Rows
		if res.Columns == nil {
			if md := out.ResultSet.ResultSetMetadata; md != nil {
				for _, c := range md.ColumnInfo {
					res.Columns = append(res.Columns, aws.ToString(c.Name))
				}
			}
		}
		// The header is the first row sent, whichever page holds it.
		if header && len(rows) > 0 {
			rows = rows[1:]
			header = false
		}
		for _, row := range rows {
			cells := make([]*string, len(row.Data))
			for i, d := range row.Data {
				cells[i] = d.VarCharValue
			}
			res.Rows = append(res.Rows, cells)
		}
		if out.NextToken == nil {
			return nil
		}
		// A token asked before would fetch rows already read, again and
		// again: the rows cannot be trusted to be read once each.
		if seen[*out.NextToken] {
			return fmt.Errorf("athena: GetQueryResults gave back a NextToken it was already asked with, after %d rows: the results cannot be paged; read them from the query's output location (query %s)", len(res.Rows), res.ID)
		}
		seen[*out.NextToken] = true
		token = out.NextToken
	}
}

// streak is a run of calls throttled or failing with a server fault.
type streak struct {
	began   time.Time
	attempt int
}

// wait backs off before the call is made again, and says whether it
// should be: err passes (throttling, 5xx) and the streak is within the
// retry budget. Athena's API quotas are the account's, shared by every
// query running, so a throttled poll says nothing about this query.
func (s *streak) wait(ctx context.Context, base, budget time.Duration, err error) bool {
	if !awscall.Transient(err) {
		return false
	}
	if s.began.IsZero() {
		s.began = time.Now()
	}
	s.attempt++
	d := source.Backoff(base, 30*base, s.attempt)
	if time.Since(s.began)+d > budget {
		return false
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	return true
}

// stopWait bounds the StopQueryExecution sent when the caller gives up: it is
// a courtesy to the account's query slots, and the caller (often Ctrl-C)
// must not wait a whole call's deadline on a stalled endpoint for it.
const stopWait = 2 * time.Second

// stop asks Athena to stop a query the caller gave up on.
func (r *Runner) stop(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), min(r.timeout(), stopWait))
	defer cancel()
	r.Athena.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)})
}

// ended explains a query that failed or was cancelled.
func ended(state types.QueryExecutionState, reason, wg string, scanned int64) error {
	if strings.Contains(reason, "Bytes scanned limit was exceeded") {
		if wg == "" {
			wg = "primary"
		}
		return fmt.Errorf("athena: workgroup %s cancelled the query after %d bytes: its per-query data usage control (bytes scanned cutoff) was reached; narrow --since/--until so fewer partitions are read, or raise the workgroup's limit", wg, scanned)
	}
	return fmt.Errorf("athena: query %s: %s", strings.ToLower(string(state)), reason)
}

var notAuthorized = regexp.MustCompile(`not authorized to perform: ([a-zA-Z0-9]+:[a-zA-Z0-9]+)`)

func explain(err error, action, wg string) error {
	if ce := awscall.AsCredentialError(err); ce != err {
		return ce
	}
	if errors.As(err, new(*awscall.HungError)) {
		return fmt.Errorf("athena: %v: check the network and the endpoint (AWS_ENDPOINT_URL, --region)", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("athena: %s: %w", action, err)
	}
	if awscall.Transient(err) {
		return fmt.Errorf("athena: %s still throttled or failing after retries (%s: %s): the account's quota is shared with other queries and tools; try again later", action, ae.ErrorCode(), ae.ErrorMessage())
	}
	switch ae.ErrorCode() {
	case "AccessDeniedException", "AccessDenied":
		if m := notAuthorized.FindStringSubmatch(ae.ErrorMessage()); m != nil {
			action = m[1]
		}
		return fmt.Errorf("athena: access denied: allow %s in the IAM policy of your role or user", action)
	case "EntityNotFoundException":
		return fmt.Errorf("athena: %s (check --athena-table DATABASE.TABLE and --region)", ae.ErrorMessage())
	case "MetadataException":
		if strings.Contains(strings.ToLower(ae.ErrorMessage()), "not found") {
			return fmt.Errorf("athena: %s (check --athena-table DATABASE.TABLE and --region)", ae.ErrorMessage())
		}
	case "InvalidRequestException":
		if strings.Contains(strings.ToLower(ae.ErrorMessage()), "output location") {
			return fmt.Errorf("athena: the workgroup has no result location: give --athena-output s3://BUCKET/PREFIX/ (write access needed) or set one on the workgroup")
		}
	}
	return fmt.Errorf("athena: %s failed: %s: %s", action, ae.ErrorCode(), ae.ErrorMessage())
}

// Cost is the estimated charge in US dollars: bytes rounded up to the MB,
// at least 10 MB, at usdPerTB (TB = 2^40 bytes).
func Cost(bytes int64, usdPerTB float64) float64 {
	const mb = 1 << 20
	billed := math.Max(math.Ceil(float64(bytes)/mb), 10) * mb
	return billed / (1 << 40) * usdPerTB
}
