package remote_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	athenarun "github.com/flowtail/flowtail/source/athena"
	"github.com/flowtail/flowtail/source/insights"
	"github.com/flowtail/flowtail/source/remote"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func compile(t *testing.T, text string) *query.Program {
	t.Helper()
	q, err := query.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := query.Compile(q, model.NewInterner(), query.Options{Intern: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInsightsSplitQueryFinishedLocally: a query on a derived field sends
// its native filter, gets records back in time-split parts at the cap, and
// is answered locally; the answer is checked against counts made here.
func TestInsightsSplitQueryFinishedLocally(t *testing.T) {
	s := awstest.New(t)
	var ts []int64
	var msgs []string
	want := map[string]int{}
	for i := range 300 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		src := fmt.Sprintf("10.0.0.%d", i%5)
		port := []int{443, 22, 80}[i%3]
		action := []string{"ACCEPT", "REJECT"}[i%2]
		ts = append(ts, at.UnixMilli())
		msgs = append(msgs, fmt.Sprintf("2 123456789012 eni-1 %s 10.0.1.1 40000 %d 6 1 40 %d %d %s OK", src, port, at.Unix(), at.Unix()+5, action))
		if port == 22 && action == "REJECT" {
			want[src]++
		}
	}
	var sent []string
	s.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		sent = append(sent, q.Text)
		var t2 []int64
		var m2 []string
		for i := range ts {
			// The fake holds the test's records; the filter sent is
			// action = "REJECT", applied here as Insights would.
			if sec := ts[i] / 1000; sec >= q.Start && sec <= q.End && strings.Contains(msgs[i], "REJECT") {
				t2 = append(t2, ts[i])
				m2 = append(m2, msgs[i])
			}
		}
		return awstest.InsightsAnswer{Rows: awstest.InsightsRows(t2, m2), BytesScanned: 1 << 20, Running: 1}
	})
	prog := compile(t, `filter action = "REJECT" and service = "ssh" | stats count(*) as n by srcaddr | sort n desc`)
	plan, err := remote.PlanInsights(prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Text != `filter action = "REJECT" | fields @timestamp, @message | sort @timestamp asc` {
		t.Fatalf("text %s", plan.Text)
	}
	r := &insights.Runner{API: cloudwatchlogs.NewFromConfig(s.AWSConfig()), Poll: time.Millisecond, Cap: 40}
	a, err := remote.RunInsights(context.Background(), r, plan, []string{"/vpc/flows"}, t0, t0.Add(time.Hour), 0, insights.DefaultUSDPerGB)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, row := range a.Result.Rows {
		got[row[0].String()] = int(row[1].I)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || a.Partial != "" || a.Parts < 4 || a.Local == "" {
		t.Fatalf("got %v (parts %d, partial %q, local %q), want %v", got, a.Parts, a.Partial, a.Local, want)
	}
	if !strings.Contains(a.Summary(t0, t0.Add(time.Hour)), "finished locally: service derived by flowtail") {
		t.Errorf("summary %s", a.Summary(t0, t0.Add(time.Hour)))
	}
}

func TestInsightsNativeColumns(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{
			{{Field: "dstAddr", Value: "10.0.0.9"}, {Field: "dstPort", Value: "22"}, {Field: "rejects", Value: "41"}},
			{{Field: "dstAddr", Value: "10.0.0.7"}, {Field: "rejects", Value: "3"}},
		}, BytesScanned: 2 << 30, RecordsMatched: 44}
	})
	prog := compile(t, `filter action = "REJECT" | stats count(*) as rejects by dstaddr, dstport | sort rejects desc | limit 20`)
	plan, _ := remote.PlanInsights(prog, nil)
	r := &insights.Runner{API: cloudwatchlogs.NewFromConfig(s.AWSConfig()), Poll: time.Millisecond}
	a, err := remote.RunInsights(context.Background(), r, plan, []string{"g"}, t0, t0.Add(time.Hour), 0, insights.DefaultUSDPerGB)
	if err != nil {
		t.Fatal(err)
	}
	res := a.Result
	if strings.Join(res.Columns, ",") != "dstaddr,dstport,rejects" || len(res.Rows) != 2 {
		t.Fatalf("%v %v", res.Columns, res.Rows)
	}
	if r0 := res.Rows[0]; r0[0].String() != "10.0.0.9" || r0[1].I != 22 || r0[2].I != 41 {
		t.Errorf("row 0 %v", r0)
	}
	if r1 := res.Rows[1]; r1[1].Kind != query.Null {
		t.Errorf("absent dstPort should be empty, got %v", r1[1])
	}
	if a.USD != 0.01 || a.Status != "complete" {
		t.Errorf("usd %v status %s", a.USD, a.Status)
	}
}

func TestAthenaEndToEnd(t *testing.T) {
	s := awstest.New(t)
	s.PutGlueTable("vpclogs", "flows", awstest.GlueTable{
		Columns:       [][2]string{{"version", "int"}, {"srcaddr", "string"}, {"dstaddr", "string"}, {"dstport", "int"}, {"start", "bigint"}, {"end", "bigint"}, {"action", "string"}},
		PartitionKeys: [][2]string{{"day", "string"}},
	})
	one, two := "10.0.0.1", "7"
	s.AnswerAthena(func(q awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"dstaddr", "rejects"}, Rows: [][]*string{{&one, &two}, {nil, &two}}, BytesScanned: 50 << 20, EngineMillis: 1234, Running: 2}
	})
	cfg := s.AWSConfig()
	r := &athenarun.Runner{Athena: athena.NewFromConfig(cfg), Poll: time.Millisecond}
	tb, err := r.Table(context.Background(), "vpclogs", "flows")
	if err != nil {
		t.Fatal(err)
	}
	prog := compile(t, `filter action = "REJECT" | stats count(*) as rejects by dstaddr | sort rejects desc`)
	plan, err := remote.PlanAthena(prog, tb, t0, t0.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a, err := remote.RunAthena(context.Background(), r, plan, "wg", "s3://out/", athenarun.DefaultUSDPerTB)
	if err != nil {
		t.Fatal(err)
	}
	if sent := s.AthenaStarted()[0]; sent.SQL != plan.Trans.SQL || sent.Database != "vpclogs" || !strings.Contains(sent.SQL, "day >= '2023/12/31'") {
		t.Errorf("sent %+v", sent)
	}
	if len(a.Result.Rows) != 2 || a.Result.Rows[0][0].String() != "10.0.0.1" || a.Result.Rows[1][0].Kind != query.Null || a.Result.Rows[0][1].I != 7 {
		t.Errorf("rows %v", a.Result.Rows)
	}
	if a.Bytes != 50<<20 || !strings.Contains(a.Summary(t0, t0), "engine 1.234s") {
		t.Errorf("bytes %v, summary %s", a.Bytes, a.Summary(t0, t0))
	}
}

// TestInsightsEngineStopsOnQuit: the TUI's engine reads the window before
// now, and a run cut short by the program ending stops its query.
func TestInsightsEngineStopsOnQuit(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{Running: 1 << 20} })
	app, quit := context.WithCancel(context.Background())
	e := remote.NewInsightsEngine(app, cloudwatchlogs.NewFromConfig(s.AWSConfig()), []string{"/vpc/flows"}, 7*24*time.Hour, nil)
	e.Now = func() time.Time { return t0 }
	e.Poll = time.Millisecond
	if d := e.Describe(); d != "Logs Insights · last 7d · /vpc/flows" {
		t.Errorf("describe %q", d)
	}
	done := make(chan error, 1)
	var once bool
	go func() {
		_, _, err := e.Run(context.Background(), compile(t, "stats count(*) by action"), func(s string, _ *query.Result) {
			if strings.Contains(s, "Running") && !once {
				once = true
				quit()
			}
		})
		done <- err
	}()
	if err := <-done; err != context.Canceled {
		t.Fatalf("err %v", err)
	}
	e.Wait()
	q := s.InsightsStarted()[0]
	if q.End != t0.Unix() || q.Start != t0.Add(-7*24*time.Hour).Unix() || !s.InsightsStopped(q.ID) {
		t.Errorf("query %+v stopped %v", q, s.InsightsStopped(q.ID))
	}
}

// TestInsightsManyGroupsMerged: a stats query over more than 50 groups
// becomes record queries per batch of groups, answered locally.
func TestInsightsManyGroupsMerged(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		// One REJECT record per group, stamped with the group's index.
		var ts []int64
		var msgs []string
		for _, g := range q.Groups {
			ts = append(ts, t0.UnixMilli())
			msgs = append(msgs, fmt.Sprintf("2 123456789012 eni-1 10.0.0.1 10.0.9.%s 40000 22 6 1 40 %d %d REJECT OK", strings.TrimPrefix(g, "g"), t0.Unix(), t0.Unix()))
		}
		return awstest.InsightsAnswer{Rows: awstest.InsightsRows(ts, msgs)}
	})
	var groups []string
	for i := range 120 {
		groups = append(groups, fmt.Sprintf("g%d", i))
	}
	prog := compile(t, `filter action = "REJECT" | stats count_distinct(dstaddr) as peers, count(*) as n`)
	plan, _ := remote.PlanInsights(prog, nil)
	r := &insights.Runner{API: cloudwatchlogs.NewFromConfig(s.AWSConfig()), Poll: time.Millisecond}
	a, err := remote.RunInsights(context.Background(), r, plan, groups, t0, t0.Add(time.Hour), 0, insights.DefaultUSDPerGB)
	if err != nil {
		t.Fatal(err)
	}
	if row := a.Result.Rows[0]; row[0].I != 120 || row[1].I != 120 || len(s.InsightsStarted()) != 3 || !strings.Contains(a.Local, "120 log groups") {
		t.Fatalf("row %v, queries %d, local %q", row, len(s.InsightsStarted()), a.Local)
	}
	if q := s.InsightsStarted()[0]; q.Text != `filter action = "REJECT" | fields @timestamp, @message | sort @timestamp asc` || len(q.Groups) != 50 {
		t.Errorf("sent %q to %d groups", q.Text, len(q.Groups))
	}
}

// TestInsightsEnginePartialRows: while Insights runs a stats query the
// engine hands over the rows so far, in the local engine's columns.
func TestInsightsEnginePartialRows(t *testing.T) {
	s := awstest.New(t)
	var rows [][]awstest.InsightsField
	for i := range 4 {
		rows = append(rows, []awstest.InsightsField{{Field: "action", Value: fmt.Sprint("A", i)}, {Field: "count(*)", Value: fmt.Sprint(i + 1)}})
	}
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: rows, Running: 1}
	})
	e := remote.NewInsightsEngine(context.Background(), cloudwatchlogs.NewFromConfig(s.AWSConfig()), []string{"g"}, time.Hour, nil)
	e.Poll = time.Millisecond
	var sizes []int
	res, summary, err := e.Run(context.Background(), compile(t, "stats count(*) by action"), func(_ string, partial *query.Result) {
		if partial != nil {
			if strings.Join(partial.Columns, ",") != "action,count(*)" {
				t.Errorf("columns %v", partial.Columns)
			}
			sizes = append(sizes, len(partial.Rows))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[2 4]" || len(res.Rows) != 4 || res.Rows[3][1].I != 4 || !strings.Contains(summary, "complete") {
		t.Fatalf("partial sizes %v, rows %v, summary %q", sizes, res.Rows, summary)
	}
}

// TestInsightsEnginePull: a row's records come back from a raw query and
// reach the ring through Ingest.
func TestInsightsEnginePull(t *testing.T) {
	s := awstest.New(t)
	msgs := []string{
		"2 123456789012 eni-1 10.0.0.1 10.0.9.1 40000 22 6 1 40 1704067200 1704067201 REJECT OK",
		"2 123456789012 eni-1 10.0.0.2 10.0.9.1 40001 22 6 1 40 1704067202 1704067203 REJECT OK",
	}
	s.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: awstest.InsightsRows([]int64{1, 2}, msgs)}
	})
	e := remote.NewInsightsEngine(context.Background(), cloudwatchlogs.NewFromConfig(s.AWSConfig()), []string{"g"}, time.Hour, nil)
	e.Poll = time.Millisecond
	store := model.NewStore(10)
	in := model.NewIngester(store, nil)
	e.Ingest = in.Ingest
	n, err := e.Pull(context.Background(), `dstaddr = "10.0.9.1" and dstport = 22`, func(string) {})
	if err != nil || n != 2 || store.Len() != 2 {
		t.Fatalf("pulled %d (%v), ring holds %d", n, err, store.Len())
	}
	if q := s.InsightsStarted()[0]; q.Text != `filter dstAddr = "10.0.9.1" and dstPort = 22 | fields @timestamp, @message | sort @timestamp asc` {
		t.Errorf("sent %q", q.Text)
	}
}

func TestAthenaEngineRunAndPull(t *testing.T) {
	s := awstest.New(t)
	s.PutGlueTable("vpclogs", "flows", awstest.GlueTable{
		Columns:       [][2]string{{"version", "int"}, {"srcaddr", "string"}, {"dstaddr", "string"}, {"dstport", "int"}, {"start", "bigint"}, {"end", "bigint"}, {"action", "string"}},
		PartitionKeys: [][2]string{{"day", "string"}},
	})
	n, addr := "3", "10.0.9.1"
	lines := []string{"2 10.0.0.1 10.0.9.1 22 1704067200 1704067260 REJECT", "2 10.0.0.2 10.0.9.1 22 1704067300 1704067360 REJECT"}
	s.AnswerAthena(func(q awstest.AthenaQuery) awstest.AthenaAnswer {
		if strings.Contains(q.SQL, `AS "@message"`) {
			return awstest.AthenaAnswer{Columns: []string{"@message"}, Rows: [][]*string{{&lines[0]}, {&lines[1]}}, BytesScanned: 1 << 20}
		}
		return awstest.AthenaAnswer{Columns: []string{"dstaddr", "n"}, Rows: [][]*string{{&addr, &n}}, BytesScanned: 1 << 30, Running: 1}
	})
	cfg := s.AWSConfig()
	r := &athenarun.Runner{Athena: athena.NewFromConfig(cfg), Poll: time.Millisecond}
	e := remote.NewAthenaEngine(context.Background(), r, "vpclogs", "flows", 24*time.Hour)
	e.Now = func() time.Time { return t0 }
	store := model.NewStore(10)
	e.Ingest = model.NewIngester(store, nil).Ingest
	e.MaxPull = 10
	if d := e.Describe(); d != "Athena · last 1d · vpclogs.flows" {
		t.Errorf("describe %q", d)
	}
	var states []string
	res, summary, err := e.Run(context.Background(), compile(t, `filter action = "REJECT" | stats count(*) as n by dstaddr`), func(s string, _ *query.Result) { states = append(states, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0][1].I != 3 || !strings.HasPrefix(summary, "Athena · complete · 1.0 GiB scanned") || len(states) < 2 {
		t.Fatalf("rows %v, summary %q, states %v", res.Rows, summary, states)
	}
	got, err := e.Pull(context.Background(), `dstaddr = "10.0.9.1"`, func(string) {})
	if err != nil || got != 2 || store.Len() != 2 {
		t.Fatalf("pulled %d (%v), ring %d", got, err, store.Len())
	}
	sql := s.AthenaStarted()[1].SQL
	for _, w := range []string{"dstaddr = '10.0.9.1'", "LIMIT 10", "day >= '2023/12/30'"} {
		if !strings.Contains(sql, w) {
			t.Errorf("pull SQL lacks %q:\n%s", w, sql)
		}
	}
	if s.Calls("GetTableMetadata") != 1 {
		t.Errorf("GetTableMetadata called %d times, want once", s.Calls("GetTableMetadata"))
	}
}

// A sum Insights returns past 2^64 keeps its digits, and a NaN it returns
// is text, not a number JSON could not spell.
func TestInsightsWideAndNaNCells(t *testing.T) {
	s := awstest.New(t)
	s.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{
			{{Field: "dstAddr", Value: "10.0.0.9"}, {Field: "total", Value: "36893488147419103232"}},
			{{Field: "dstAddr", Value: "10.0.0.7"}, {Field: "total", Value: "NaN"}},
		}, RecordsMatched: 4}
	})
	prog := compile(t, `stats sum(bytes) as total by dstaddr`)
	plan, _ := remote.PlanInsights(prog, nil)
	r := &insights.Runner{API: cloudwatchlogs.NewFromConfig(s.AWSConfig()), Poll: time.Millisecond}
	a, err := remote.RunInsights(context.Background(), r, plan, []string{"g"}, t0, t0.Add(time.Hour), 0, insights.DefaultUSDPerGB)
	if err != nil {
		t.Fatal(err)
	}
	rows := a.Result.Rows
	if len(rows) != 2 {
		t.Fatalf("%v", rows)
	}
	if v := rows[0][1]; !v.IsNumber() || v.String() != "36893488147419103232" {
		t.Errorf("wide sum: number %v, %q", v.IsNumber(), v.String())
	}
	if v := rows[1][1]; v.IsNumber() || v.String() != "NaN" {
		t.Errorf("NaN: number %v, %q", v.IsNumber(), v.String())
	}
}
