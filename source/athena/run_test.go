package athena_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model/query"
	athenasql "github.com/flowtail/flowtail/model/query/athena"
	athenarun "github.com/flowtail/flowtail/source/athena"
)

func runner(s *awstest.Server) *athenarun.Runner {
	cfg := s.AWSConfig()
	return &athenarun.Runner{Athena: athena.NewFromConfig(cfg), Poll: time.Millisecond, CallTimeout: 5 * time.Second}
}

func str(s string) *string { return &s }

func TestRunPagesWithHeader(t *testing.T) {
	s := awstest.New(t)
	var rows [][]*string
	for i := range 2500 {
		var v *string
		if i%7 != 0 {
			v = str(fmt.Sprint(i))
		}
		rows = append(rows, []*string{str(fmt.Sprintf("10.0.%d.%d", i/256, i%256)), v})
	}
	s.AnswerAthena(func(q awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"dstaddr", "n"}, Rows: rows, BytesScanned: 123 << 20, EngineMillis: 900, Running: 4}
	})
	r := runner(s)
	var states []string
	r.Progress = func(p athenarun.Progress) { states = append(states, p.State) }
	res, err := r.Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "vpclogs", Workgroup: "flows", Output: "s3://out/"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"QUEUED", "QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"}; !slices.Equal(states, want) {
		t.Errorf("states %v, want %v", states, want)
	}
	if !slices.Equal(res.Columns, []string{"dstaddr", "n"}) || len(res.Rows) != 2500 {
		t.Fatalf("columns %v, %d rows", res.Columns, len(res.Rows))
	}
	for i, row := range res.Rows {
		if *row[0] != *rows[i][0] || (row[1] == nil) != (rows[i][1] == nil) {
			t.Fatalf("row %d differs", i)
		}
	}
	// Three pages of at most 1000 rows (header included); the SDK may ask
	// for a page twice when a connection drops, so pages are compared
	// without repeats.
	if pages := slices.Compact(s.AthenaPages(res.ID)); !slices.Equal(pages, []string{"", "tok-1000", "tok-2000"}) {
		t.Errorf("pages asked for %q, want the first, tok-1000, tok-2000", pages)
	}
	if res.BytesScanned != 123<<20 || res.EngineMillis != 900 {
		t.Errorf("bytes %d, engine %d ms", res.BytesScanned, res.EngineMillis)
	}
	q := s.AthenaStarted()[0]
	if q.Database != "vpclogs" || q.Workgroup != "flows" || q.Output != "s3://out/" {
		t.Errorf("sent %+v", q)
	}
}

func TestCost(t *testing.T) {
	for _, c := range []struct {
		bytes int64
		want  float64
	}{
		{0, 10.0 / (1 << 20) * 5},              // the 10 MB minimum
		{1 << 40, 5},                           // one TB
		{(20 << 20) + 1, 21.0 / (1 << 20) * 5}, // rounded up to the MB
	} {
		if got := athenarun.Cost(c.bytes, athenarun.DefaultUSDPerTB); got != c.want {
			t.Errorf("Cost(%d) = %v, want %v", c.bytes, got, c.want)
		}
	}
}

func TestScanCutoffExplained(t *testing.T) {
	s := awstest.New(t)
	s.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{State: "CANCELLED", Reason: "Query cancelled! : Bytes scanned limit was exceeded", BytesScanned: 1 << 30}
	})
	_, err := runner(s).Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "d", Workgroup: "capped"})
	if err == nil || !strings.Contains(err.Error(), "workgroup capped cancelled the query after 1073741824 bytes") {
		t.Fatalf("err %v", err)
	}
}

func TestCancelStops(t *testing.T) {
	s := awstest.New(t)
	s.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer { return awstest.AthenaAnswer{Running: 1 << 20} })
	r := runner(s)
	ctx, cancel := context.WithCancel(context.Background())
	r.Progress = func(p athenarun.Progress) {
		if p.State == "QUEUED" {
			cancel()
		}
	}
	if _, err := r.Run(ctx, athenarun.Exec{SQL: "SELECT 1", Database: "d"}); err != context.Canceled {
		t.Fatalf("err %v", err)
	}
	if !s.AthenaStopped(s.AthenaStarted()[0].ID) {
		t.Fatal("StopQueryExecution did not reach the query")
	}
}

// TestTableFromGlue: the partition columns the data catalog names bound
// the SQL.
func TestTableFromGlue(t *testing.T) {
	s := awstest.New(t)
	s.PutGlueTable("vpclogs", "flows", awstest.GlueTable{
		Columns:       [][2]string{{"version", "int"}, {"srcaddr", "string"}, {"dstaddr", "string"}, {"dstport", "int"}, {"start", "bigint"}, {"end", "bigint"}, {"action", "string"}},
		PartitionKeys: [][2]string{{"day", "string"}},
		Parameters:    map[string]string{"projection.day.format": "yyyy/MM/dd"},
	})
	r := runner(s)
	tb, err := r.Table(context.Background(), "vpclogs", "flows")
	if err != nil {
		t.Fatal(err)
	}
	q, _ := query.Parse(`filter action = "REJECT" | stats count(*) by dstaddr`)
	since := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tr, err := athenasql.Translate(q, tb, athenasql.Options{Since: since, Until: since.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"day >= '2024/02/29'", "day <= '2024/03/03'", "FROM vpclogs.flows"} {
		if !strings.Contains(tr.SQL, w) {
			t.Errorf("want %q in\n%s", w, tr.SQL)
		}
	}
	if _, err := r.Table(context.Background(), "vpclogs", "nope"); err == nil || !strings.Contains(err.Error(), "--athena-table") {
		t.Errorf("err %v", err)
	}
	s.Deny("GetTableMetadata", "athena:GetTableMetadata")
	if _, err := r.Table(context.Background(), "vpclogs", "flows"); err == nil || !strings.Contains(err.Error(), "allow athena:GetTableMetadata") {
		t.Errorf("err %v", err)
	}
}

func BenchmarkEndToEnd(b *testing.B) {
	s := awstest.New(b)
	s.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"n"}, Rows: [][]*string{{str("1")}}, Running: 2}
	})
	r := runner(s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "d"}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNoOutputLocationExplained(t *testing.T) {
	s := awstest.New(t)
	s.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer { return awstest.AthenaAnswer{} })
	s.AthenaWorkgroupWithoutOutput("adhoc")
	_, err := runner(s).Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "d", Workgroup: "adhoc"})
	if err == nil || !strings.Contains(err.Error(), "give --athena-output s3://BUCKET/PREFIX/") {
		t.Fatalf("err %v", err)
	}
}

// Throttled or failing polls and result pages, past the SDK's own
// retries, wait and are asked again: the query runs on, and its rows
// all arrive.
func TestThrottledPollsWait(t *testing.T) {
	s := awstest.New(t)
	var rows [][]*string
	for i := range 1500 {
		rows = append(rows, []*string{str(fmt.Sprint(i))})
	}
	s.AnswerAthena(func(q awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"n"}, Rows: rows, Running: 2}
	})
	s.Inject("GetQueryExecution", awstest.Throttle, 6)
	s.Inject("GetQueryResults", awstest.Unavailable, 6)
	res, err := runner(s).Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "vpclogs", Output: "s3://out/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(rows) || *res.Rows[1499][0] != "1499" {
		t.Errorf("%d rows", len(res.Rows))
	}
}

// A poll the endpoint never answers ends the run at the call's deadline
// with a message that says so and what to check.
func TestStalledPollEndsClearly(t *testing.T) {
	s := awstest.New(t)
	s.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"n"}, Running: 3}
	})
	s.Inject("GetQueryExecution", awstest.Hang, 1)
	r := runner(s)
	r.CallTimeout = 300 * time.Millisecond
	began := time.Now()
	_, err := r.Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "vpclogs", Output: "s3://out/"})
	if err == nil || !strings.Contains(err.Error(), "no answer from athena:GetQueryExecution within 300ms") || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") {
		t.Errorf("err %v", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
}

// A results page that gives back the NextToken it was asked with would
// be fetched again and again, its rows added each time: the run ends
// with an error instead of looping or answering with repeated rows.
func TestRepeatedResultsTokenEnds(t *testing.T) {
	s := awstest.New(t)
	var rows [][]*string
	for i := range 2500 {
		rows = append(rows, []*string{str(fmt.Sprint(i))})
	}
	s.AnswerAthena(func(q awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"n"}, Rows: rows}
	})
	s.Inject("GetQueryResults", awstest.RepeatToken, 3)
	res, err := runner(s).Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "vpclogs", Output: "s3://out/"})
	if err == nil || !strings.Contains(err.Error(), "NextToken") {
		t.Errorf("err %v, %d rows", err, len(res.Rows))
	}
}

// Ctrl-C ends a run promptly even when the endpoint has stalled: the
// StopQueryExecution sent on the way out is bounded by a short wait of
// its own, not by a whole call's deadline.
func TestCancelEndsPromptlyOnStalledEndpoint(t *testing.T) {
	s := awstest.New(t)
	s.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"n"}, Running: 3}
	})
	s.Inject("GetQueryExecution", awstest.Hang, 1)
	s.Inject("StopQueryExecution", awstest.Hang, 10)
	r := runner(s)
	r.CallTimeout = 20 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	began := time.Now()
	_, err := r.Run(ctx, athenarun.Exec{SQL: "SELECT 1", Database: "vpclogs", Output: "s3://out/"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if d := time.Since(began); d > 4*time.Second {
		t.Errorf("took %s after the cancel", d-200*time.Millisecond)
	}
}

// StartQueryExecution throttled past the SDK's own retries waits and
// starts the query again.
func TestThrottledStartWaits(t *testing.T) {
	s := awstest.New(t)
	n := "5"
	s.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"n"}, Rows: [][]*string{{&n}}}
	})
	s.Inject("StartQueryExecution", awstest.Throttle, 7)
	res, err := runner(s).Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "vpclogs", Output: "s3://out/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || *res.Rows[0][0] != "5" || len(s.AthenaStarted()) != 1 {
		t.Errorf("rows %v, %d started", res.Rows, len(s.AthenaStarted()))
	}
}

// Throttling that outlasts the retries ends the run with a message that
// says the calls were retried and what to do.
func TestSustainedThrottlingGivesUpClearly(t *testing.T) {
	s := awstest.New(t)
	s.Inject("GetTableMetadata", awstest.Throttle, 10000)
	r := runner(s)
	r.RetryBudget = 300 * time.Millisecond
	_, err := r.Table(context.Background(), "vpclogs", "flows")
	if err == nil || !strings.Contains(err.Error(), "athena:GetTableMetadata still throttled or failing after retries (ThrottlingException: Rate exceeded)") || !strings.Contains(err.Error(), "try again later") {
		t.Errorf("err %v", err)
	}
}

// The header is the first row Athena sends, even when the first page
// comes back empty: it is not read as data, and no row is lost.
func TestHeaderAfterEmptyFirstPage(t *testing.T) {
	s := awstest.New(t)
	var rows [][]*string
	for i := range 1500 {
		rows = append(rows, []*string{str(fmt.Sprint(i))})
	}
	s.AnswerAthena(func(q awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"n"}, Rows: rows}
	})
	s.Inject("GetQueryResults", awstest.EmptyPage, 1)
	res, err := runner(s).Run(context.Background(), athenarun.Exec{SQL: "SELECT 1", Database: "vpclogs", Output: "s3://out/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(rows) || *res.Rows[0][0] != "0" || *res.Rows[1499][0] != "1499" {
		t.Errorf("%d rows, first %q", len(res.Rows), *res.Rows[0][0])
	}
}
