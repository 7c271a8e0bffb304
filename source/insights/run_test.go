package insights_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/source/insights"
)

func runner(s *awstest.Server) *insights.Runner {
	return &insights.Runner{API: cloudwatchlogs.NewFromConfig(s.AWSConfig()), Poll: time.Millisecond, CallTimeout: 5 * time.Second}
}

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func TestRunPartialThenComplete(t *testing.T) {
	s := awstest.New(t)
	var rows [][]awstest.InsightsField
	for i := range 8 {
		rows = append(rows, []awstest.InsightsField{{Field: "dstAddr", Value: fmt.Sprintf("10.0.0.%d", i)}, {Field: "rejects", Value: fmt.Sprint(100 - i)}})
	}
	s.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: rows, Running: 3, RecordsMatched: 500, RecordsScanned: 9000, BytesScanned: 3 << 30}
	})
	r := runner(s)
	var mu sync.Mutex
	var seen []insights.Progress
	r.Progress = func(p insights.Progress) { mu.Lock(); seen = append(seen, p); mu.Unlock() }
	res, err := r.Run(context.Background(), insights.Query{Groups: []string{"/vpc/a"}, Text: "stats count(*) as rejects by dstAddr", Start: t0, End: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	var counts []int
	for _, p := range seen {
		statuses = append(statuses, p.Status)
		counts = append(counts, p.Rows)
	}
	if want := []string{"Scheduled", "Running", "Running", "Running", "Complete"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	if want := []int{0, 2, 4, 6, 8}; !slices.Equal(counts, want) {
		t.Errorf("partial rows %v, want %v", counts, want)
	}
	if len(res.Rows) != 8 || res.Truncated != "" || res.Stats.BytesScanned != 3<<30 || res.Stats.RecordsMatched != 500 {
		t.Fatalf("result %d rows, truncated %q, stats %+v", len(res.Rows), res.Truncated, res.Stats)
	}
	if v, _ := res.Rows[3].Field("dstAddr"); v != "10.0.0.3" {
		t.Errorf("row 3 dstAddr %q", v)
	}
	q := s.InsightsStarted()[0]
	if q.Start != t0.Unix() || q.End != t0.Add(time.Hour).Unix() || q.Limit != insights.RowCap || q.Groups[0] != "/vpc/a" {
		t.Errorf("sent %+v", q)
	}
	if c := insights.Cost(res.Stats.BytesScanned, insights.DefaultUSDPerGB); c != 0.015 {
		t.Errorf("cost %v, want 0.015", c)
	}
}

func TestLimitExceededWaits(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{} })
	// The SDK retries a throttle three times itself; past that the runner
	// waits and says so.
	s.InsightsLimitExceeded(5)
	r := runner(s)
	var waits int
	r.Progress = func(p insights.Progress) {
		if p.Waiting != "" {
			waits++
		}
	}
	if _, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "stats count(*)", Start: t0, End: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if waits != 1 || s.Calls("StartQuery") != 6 {
		t.Errorf("waits %d, StartQuery calls %d", waits, s.Calls("StartQuery"))
	}
}

// records the test holds, one per 7 seconds over an hour.
func records() (ts []int64, msgs []string) {
	for i := range 514 {
		at := t0.Add(time.Duration(i) * 7 * time.Second)
		ts = append(ts, at.UnixMilli())
		msgs = append(msgs, fmt.Sprintf("2 123456789012 eni-1 10.0.0.1 10.0.0.2 %d 443 6 1 40 %d %d ACCEPT OK", 1000+i, at.Unix(), at.Unix()+5))
	}
	return
}

// answerByTime answers a raw query with the test's records inside its
// time range, as Insights would.
func answerByTime(ts []int64, msgs []string) func(awstest.InsightsQuery) awstest.InsightsAnswer {
	return func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		var t2 []int64
		var m2 []string
		for i := range ts {
			if sec := ts[i] / 1000; sec >= q.Start && sec <= q.End {
				t2 = append(t2, ts[i])
				m2 = append(m2, msgs[i])
			}
		}
		return awstest.InsightsAnswer{Rows: awstest.InsightsRows(t2, m2), RecordsMatched: float64(len(m2)), BytesScanned: 1000}
	}
}

func TestRawSplitByTimeAtCap(t *testing.T) {
	s := awstest.New(t)
	ts, msgs := records()
	s.AnswerInsights(answerByTime(ts, msgs))
	r := runner(s)
	r.Cap = 100
	res, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "fields @timestamp, @message", Start: t0, End: t0.Add(time.Hour), Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Truncated != "" {
		t.Fatalf("truncated: %s", res.Truncated)
	}
	// Every record exactly once, in time order.
	var got []string
	for _, row := range res.Rows {
		m, _ := row.Field("@message")
		got = append(got, m)
	}
	if !slices.Equal(got, msgs) {
		t.Fatalf("got %d records, want %d (in order)", len(got), len(msgs))
	}
	// No part that was kept held the cap, and each split part was run.
	for _, q := range s.InsightsStarted() {
		if q.Limit != 100 {
			t.Errorf("limit %d", q.Limit)
		}
	}
	full := 0
	for _, q := range s.InsightsStarted() {
		n := 0
		for _, ms := range ts {
			if sec := ms / 1000; sec >= q.Start && sec <= q.End {
				n++
			}
		}
		if n >= 100 {
			full++
		}
	}
	t.Logf("514 records over an hour, cap 100: %d queries, %d of them at the cap and split in two, %d kept", res.Parts, full, res.Parts-full)
	if res.Parts < 6 || res.Stats.RecordsMatched != 514 {
		t.Errorf("parts %d, matched %v", res.Parts, res.Stats.RecordsMatched)
	}
}

func TestRawSplitStopsAtMaxRows(t *testing.T) {
	s := awstest.New(t)
	ts, msgs := records()
	s.AnswerInsights(answerByTime(ts, msgs))
	r := runner(s)
	r.Cap = 100
	res, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "x", Start: t0, End: t0.Add(time.Hour), Raw: true, MaxRows: 150})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Truncated, "--max-rows 150") || len(res.Rows) < 150 {
		t.Fatalf("%d rows, truncated %q", len(res.Rows), res.Truncated)
	}
}

func TestStatsAtCapTruncated(t *testing.T) {
	s := awstest.New(t)
	ts, msgs := records()
	s.AnswerInsights(answerByTime(ts, msgs))
	r := runner(s)
	r.Cap = 100
	res, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "stats count(*) by srcPort", Start: t0, End: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.InsightsStarted()) != 1 || !strings.Contains(res.Truncated, "cap of 100 rows") {
		t.Fatalf("queries %d, truncated %q", len(s.InsightsStarted()), res.Truncated)
	}
}

func TestCancelStopsQuery(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Running: 1 << 20}
	})
	r := runner(s)
	ctx, cancel := context.WithCancel(context.Background())
	r.Progress = func(p insights.Progress) {
		if p.Status == "Running" {
			cancel()
		}
	}
	_, err := r.Run(ctx, insights.Query{Groups: []string{"g"}, Text: "stats count(*)", Start: t0, End: t0.Add(time.Hour)})
	if err != context.Canceled {
		t.Fatalf("err %v", err)
	}
	if !s.InsightsStopped(s.InsightsStarted()[0].ID) {
		t.Fatal("StopQuery did not reach the query")
	}
}

func TestDeniedAndTooManyGroups(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{} })
	s.Deny("StartQuery", "logs:StartQuery")
	_, err := runner(s).Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "x", Start: t0, End: t0})
	if err == nil || err.Error() != "insights: access denied: allow logs:StartQuery in the IAM policy of your role or user" {
		t.Fatalf("err %v", err)
	}
	groups := make([]string, 51)
	_, err = runner(s).Run(context.Background(), insights.Query{Groups: groups, Text: "stats count(*)", Start: t0, End: t0})
	if err == nil || !strings.Contains(err.Error(), "51 log groups") {
		t.Fatalf("err %v", err)
	}
}

// BenchmarkEndToEnd: one stats query through the SDK and the fake,
// Scheduled → Running → Complete, polled every millisecond.
func BenchmarkEndToEnd(b *testing.B) {
	s := awstest.New(b)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{{{Field: "n", Value: "1"}}}, Running: 1}
	})
	r := runner(s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "stats count(*) as n", Start: t0, End: t0.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
}

// GetQueryResults has a low account quota (5 a second), shared by every
// query running: a poll throttled past the SDK's own retries waits and
// polls again instead of abandoning a query that is running fine.
func TestThrottledPollWaits(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{{{Field: "n", Value: "5"}}}, Running: 2}
	})
	s.Inject("GetQueryResults", awstest.Throttle, 7)
	r := runner(s)
	res, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "stats count(*) as n", Start: t0, End: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := res.Rows[0].Field("n"); len(res.Rows) != 1 || v != "5" {
		t.Errorf("rows %v", res.Rows)
	}
	if id := s.InsightsStarted()[0].ID; s.InsightsStopped(id) {
		t.Error("the query was stopped")
	}
}

// A poll the endpoint never answers ends the run at the call's deadline
// with a message that says so and what to check, and stops the query.
func TestStalledPollEndsClearly(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{Running: 3} })
	s.Inject("GetQueryResults", awstest.Hang, 1)
	r := runner(s)
	r.CallTimeout = 300 * time.Millisecond
	began := time.Now()
	_, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "stats count(*)", Start: t0, End: t0.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "no answer from logs:GetQueryResults within 300ms") || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") {
		t.Errorf("err %v", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	if id := s.InsightsStarted()[0].ID; !s.InsightsStopped(id) {
		t.Error("the query was not stopped")
	}
}

// Ctrl-C ends a run promptly even when the endpoint has stalled: the
// StopQuery sent on the way out is bounded by a short wait of its own,
// not by a whole call's deadline.
func TestCancelEndsPromptlyOnStalledEndpoint(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{Running: 3} })
	s.Inject("GetQueryResults", awstest.Hang, 1)
	s.Inject("StopQuery", awstest.Hang, 10)
	r := runner(s)
	r.CallTimeout = 20 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	began := time.Now()
	_, err := r.Run(ctx, insights.Query{Groups: []string{"g"}, Text: "stats count(*)", Start: t0, End: t0.Add(time.Hour)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if d := time.Since(began); d > 4*time.Second {
		t.Errorf("took %s after the cancel", d-200*time.Millisecond)
	}
}

// StartQuery throttled past the SDK's own retries (its quota is a few
// calls a second per account) waits and starts the query again.
func TestThrottledStartWaits(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{{{Field: "n", Value: "5"}}}}
	})
	s.Inject("StartQuery", awstest.Throttle, 7)
	res, err := runner(s).Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "stats count(*) as n", Start: t0, End: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := res.Rows[0].Field("n"); len(res.Rows) != 1 || v != "5" {
		t.Errorf("rows %v", res.Rows)
	}
}

// A log group that does not exist is named with what to check, not only
// in the service's words.
func TestMissingGroupSaysWhatToCheck(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{} })
	s.Inject("StartQuery", awstest.NotFound, 1)
	_, err := runner(s).Run(context.Background(), insights.Query{Groups: []string{"/vpc/a", "/vpc/typo"}, Text: "stats count(*)", Start: t0, End: t0.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "/vpc/a, /vpc/typo") || !strings.Contains(err.Error(), "--region") || !strings.Contains(err.Error(), "describe-log-groups") {
		t.Errorf("err %v", err)
	}
}

// Throttling that outlasts the retry budget ends the run with a message
// that says the calls were retried and what to do.
func TestSustainedThrottlingGivesUpClearly(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{} })
	s.Inject("StartQuery", awstest.Throttle, 10000)
	r := runner(s)
	r.RetryBudget = 300 * time.Millisecond
	_, err := r.Run(context.Background(), insights.Query{Groups: []string{"g"}, Text: "stats count(*)", Start: t0, End: t0.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "logs:StartQuery still throttled or failing after retries (ThrottlingException: Rate exceeded)") || !strings.Contains(err.Error(), "try again later") {
		t.Errorf("err %v", err)
	}
}
