package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model/query"
)

func TestQueryOnInsights(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{
			{{Field: "dstAddr", Value: "10.0.0.9"}, {Field: "rejects", Value: "41"}},
			{{Field: "dstAddr", Value: "10.0.0.7"}, {Field: "rejects", Value: "3"}},
		}, BytesScanned: 1 << 30, Running: 1}
	})
	out, errOut, code := runCmd(t, "query", "--on", "insights", "-g", "/vpc/a", "-g", "/vpc/b", "--since", "2024-01-01T00:00:00Z", "--until", "2024-01-08T00:00:00Z",
		"-o", "csv", `filter action = "REJECT" | stats count(*) as rejects by dstaddr | sort rejects desc`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != "dstaddr,rejects\n10.0.0.9,41\n10.0.0.7,3\n" {
		t.Errorf("out %q", out)
	}
	if want := "flowtail query: Logs Insights · complete · 1.0 GiB scanned · ~$0.0050 · 2024-01-01 00:00 to 2024-01-08 00:00\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
	q := srv.InsightsStarted()[0]
	if q.Text != `filter action = "REJECT" | stats count(*) as rejects by dstAddr | sort rejects desc` || len(q.Groups) != 2 || q.Start != 1704067200 || q.End != 1704672000 {
		t.Errorf("sent %+v", q)
	}
}

func TestQueryOnAthena(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.PutGlueTable("vpclogs", "flows", awstest.GlueTable{
		Columns:       [][2]string{{"srcaddr", "string"}, {"dstaddr", "string"}, {"start", "bigint"}, {"end", "bigint"}, {"action", "string"}},
		PartitionKeys: [][2]string{{"date", "date"}},
	})
	n := "12"
	addr := "2001:db8::1"
	srv.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"srcaddr", "n"}, Rows: [][]*string{{&addr, &n}}, BytesScanned: 3 << 30, Running: 2}
	})
	out, errOut, code := runCmd(t, "query", "--on", "athena", "--athena-table", "vpclogs.flows", "--workgroup", "wg", "--athena-output", "s3://res/",
		"--since", "2024-01-01T00:00:00Z", "--until", "2024-01-02T00:00:00Z", "-o", "json", `stats count(*) as n by srcaddr`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != `{"srcaddr":"2001:db8::1","n":12}`+"\n" {
		t.Errorf("out %q", out)
	}
	if !strings.Contains(errOut, "Athena · complete · 3.0 GiB scanned · ~$0.0146 · 2024-01-01 00:00 to 2024-01-02 00:00") {
		t.Errorf("stderr %q", errOut)
	}
	sent := srv.AthenaStarted()[0]
	if !strings.Contains(sent.SQL, `"date" >= DATE '2023-12-31'`) || sent.Workgroup != "wg" || sent.Output != "s3://res/" {
		t.Errorf("sent %+v", sent)
	}
}

func TestQueryRemoteDryRunAndErrors(t *testing.T) {
	out, _, code := runCmd(t, "query", "--on", "insights", "-g", "g", "--dry-run", "--format", "${version} ${srcaddr} ${dstaddr} ${dstport} ${action}", `filter dstport = 22 | limit 5`)
	if code != 0 || out != `parse @message "* * * * *" as version, srcAddr, dstAddr, dstPort, action | filter dstPort = 22 | limit 5`+"\n" {
		t.Errorf("exit %d, out %q", code, out)
	}
	// A field flowtail does not know, named by --format and the query.
	out, errOut, code := runCmd(t, "query", "--on", "insights", "-g", "g", "--dry-run", "--format", "${version} ${colour} ${bytes}", `stats sum(bytes) by colour`)
	if code != 0 || out != `parse @message "* * *" as version, colour, bytes | stats sum(bytes) by colour`+"\n" {
		t.Errorf("exit %d, out %q, stderr %q", code, out, errOut)
	}
	out, _, code = runCmd(t, "query", "--on", "athena", "--athena-table", "d.t", "--dry-run", `filter end > 5 | limit 1`)
	if code != 0 || !strings.Contains(out, `WHERE "end" > 5`) || !strings.HasSuffix(out, "LIMIT 1;\n") {
		t.Errorf("exit %d, out %q", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "--on", "bigquery", "x"}, `--on "bigquery": want insights or athena`},
		{[]string{"query", "--on", "insights", "stats count(*)"}, "needs a log group"},
		{[]string{"query", "--on", "athena", "stats count(*)"}, "needs --athena-table"},
		{[]string{"query", "--on", "athena", "--athena-table", "flows", "--dry-run", "stats count(*)"}, "want DATABASE.TABLE"},
		{[]string{"query", "--on", "insights", "-g", "g", "stats sum(srcaddr)"}, "needs a numeric field"},
		{[]string{"query", "--dry-run", "stats count(*)", "-"}, "flag --dry-run applies to a query run on AWS"},
		{[]string{"query", "--on", "insights", "-g", "g", "--demo", "stats count(*)"}, "read locally"},
	} {
		_, errOut, code := runCmd(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errOut)
		}
	}
}

func TestAthenaDDLCommand(t *testing.T) {
	out, errOut, code := runCmd(t, "athena", "ddl", "--location", "s3://flows-bkt/AWSLogs/", "--account", "123456789012", "--region", "eu-west-1", "--parquet", "--hive", "--table", "vpclogs.flows")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"CREATE EXTERNAL TABLE IF NOT EXISTS `vpclogs`.`flows`", "`protocol` int", "ParquetHiveSerDe", "aws-region=${aws-region}/year=${year}"} {
		if !strings.Contains(out, w) {
			t.Errorf("want %q in\n%s", w, out)
		}
	}
	_, errOut, code = runCmd(t, "athena", "ddl", "--location", "s3://flows-bkt/AWSLogs/")
	if code != exitUsage || !strings.Contains(errOut, "--account and --region") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestQueryOnInsightsCustomFormat: without --format, the flow log's
// format comes from DescribeFlowLogs and becomes a parse command.
func TestQueryOnInsightsCustomFormat(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.Mount(flowLogsEC2(t, testGroup, "${version} ${srcaddr} ${dstaddr} ${dstport} ${action}"))
	srv.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{{{Field: "n", Value: "5"}}}}
	})
	out, errOut, code := runCmd(t, "query", "--on", "insights", "-g", testGroup, "-o", "csv", `filter dstport = 22 | stats count(*) as n`)
	if code != 0 || out != "n\n5\n" {
		t.Fatalf("exit %d, out %q, stderr %s", code, out, errOut)
	}
	if q := srv.InsightsStarted()[0]; q.Text != `parse @message "* * * * *" as version, srcAddr, dstAddr, dstPort, action | filter dstPort = 22 | stats count(*) as n` {
		t.Errorf("sent %q", q.Text)
	}
}

func TestAthenaDDLFromFlowLog(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.Mount(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "DescribeFlowLogs" || r.Form.Get("FlowLogId.1") != "fl-0abc" {
			t.Errorf("unexpected EC2 call %v %v", r.Form, err)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>
<DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r1</requestId>
  <flowLogSet><item><flowLogId>fl-0abc</flowLogId><logDestinationType>s3</logDestinationType>
    <logDestination>arn:aws:s3:::flows-bkt/vpc1</logDestination>
    <logFormat>${version} ${srcaddr} ${dstaddr} ${protocol} ${action}</logFormat>
    <destinationOptions><fileFormat>parquet</fileFormat><hiveCompatiblePartitions>true</hiveCompatiblePartitions><perHourPartition>false</perHourPartition></destinationOptions>
  </item></flowLogSet>
</DescribeFlowLogsResponse>`)
	}))
	out, errOut, code := runCmd(t, "athena", "ddl", "--flow-log", "fl-0abc", "--account", "123456789012")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"`protocol` int,\n", "ParquetHiveSerDe", "LOCATION 's3://flows-bkt/vpc1/AWSLogs/'", "'projection.aws-region.values' = '" + awstest.Region + "'", "/day=${day}'"} {
		if !strings.Contains(out, w) {
			t.Errorf("want %q in\n%s", w, out)
		}
	}
	if strings.Contains(out, "interface_id") || strings.Contains(out, "hour") {
		t.Errorf("columns or layout not the flow log's:\n%s", out)
	}
}

// TestLiveTableRedraws: partial rows are drawn, then erased before the
// next draw (cursor up over what was drawn, clear to the end).
func TestLiveTableRedraws(t *testing.T) {
	var b strings.Builder
	l := &liveTable{w: &b}
	res := &query.Result{Columns: []string{"dstaddr", "n"}}
	for i := range 25 {
		res.Rows = append(res.Rows, []query.Value{{Kind: query.Str, S: fmt.Sprintf("10.0.0.%d", i)}, {Kind: query.Int, I: uint64(i)}})
	}
	l.show(res, "Logs Insights: part 1 Running · 25 rows · 1.0 GiB scanned")
	first := b.String()
	if !strings.Contains(first, "10.0.0.19") || strings.Contains(first, "10.0.0.20") || !strings.Contains(first, "… 5 more rows so far\nLogs Insights: part 1 Running") {
		t.Fatalf("first draw:\n%s", first)
	}
	lines := strings.Count(first, "\n")
	l.clear()
	if got := strings.TrimPrefix(b.String(), first); got != fmt.Sprintf("\x1b[%dA\x1b[J", lines) {
		t.Errorf("clear wrote %q, want cursor up %d and erase", got, lines)
	}
}

// An Insights query that ends Failed or Timeout has no answer: printing the
// rows it had (none) with exit status 0 passes for "no such traffic".
func TestQueryOnInsightsEndedWithoutAnswer(t *testing.T) {
	for _, c := range []struct{ status, want string }{
		{"Failed", "Logs Insights ended the query Failed"},
		{"Timeout", "narrow --since/--until"},
		{"Cancelled", "stopped"},
	} {
		srv := awstest.New(t)
		awsEnv(t, srv.URL())
		srv.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
			return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{{{Field: "n", Value: "7"}}}, Status: c.status}
		})
		for _, q := range []string{`stats count(*) as n`, `filter direction = "ingress" | stats count(*) as n`} {
			out, errOut, code := runCmd(t, "query", "--on", "insights", "-g", "/vpc/a", "--since", "2024-01-01T00:00:00Z", "--until", "2024-01-02T00:00:00Z", "-o", "csv", q)
			if code != exitRuntime || out != "" || !strings.Contains(errOut, c.want) {
				t.Errorf("%s, %q: exit %d, out %q, stderr %q", c.status, q, code, out, errOut)
			}
		}
	}
}

// An account ID is text with twelve digits, a leading zero among them: a
// remote answer keeps it as the local engine prints it (012345678901), not
// as the number 12345678901.
func TestQueryOnRemoteKeepsAccountIDDigits(t *testing.T) {
	local := "2 012345678901 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK\n"
	want, errOut, code := runStdin(t, local, "query", "-o", "csv", `stats count(*) as n by accountid`, "-")
	if code != 0 || want != "accountid,n\n012345678901,1\n" {
		t.Fatalf("local: exit %d, out %q, stderr %q", code, want, errOut)
	}

	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{{{Field: "accountId", Value: "012345678901"}, {Field: "n", Value: "1"}}}}
	})
	out, errOut, code := runCmd(t, "query", "--on", "insights", "-g", "/vpc/a", "--since", "2024-01-01T00:00:00Z", "--until", "2024-01-02T00:00:00Z", "-o", "csv", `stats count(*) as n by accountid`)
	if code != 0 || out != want {
		t.Errorf("insights: exit %d, out %q, want %q, stderr %q", code, out, want, errOut)
	}
	out, errOut, code = runCmd(t, "query", "--on", "insights", "-g", "/vpc/a", "--since", "2024-01-01T00:00:00Z", "--until", "2024-01-02T00:00:00Z", "-o", "json", `stats count(*) as n by accountid`)
	if code != 0 || out != `{"accountid":"012345678901","n":1}`+"\n" {
		t.Errorf("insights json: exit %d, out %q, stderr %q", code, out, errOut)
	}

	srv.PutGlueTable("vpclogs", "flows", awstest.GlueTable{
		Columns: [][2]string{{"account_id", "string"}, {"start", "bigint"}, {"end", "bigint"}},
	})
	acct, n := "012345678901", "1"
	srv.AnswerAthena(func(awstest.AthenaQuery) awstest.AthenaAnswer {
		return awstest.AthenaAnswer{Columns: []string{"accountid", "n"}, Rows: [][]*string{{&acct, &n}}}
	})
	out, errOut, code = runCmd(t, "query", "--on", "athena", "--athena-table", "vpclogs.flows", "--athena-output", "s3://res/",
		"--since", "2024-01-01T00:00:00Z", "--until", "2024-01-02T00:00:00Z", "-o", "csv", `stats count(*) as n by accountid`)
	if code != 0 || out != want {
		t.Errorf("athena: exit %d, out %q, want %q, stderr %q", code, out, want, errOut)
	}
}

// Missing, expired or rejected credentials on Insights and Athena say what
// to do, as they do for a log group read, not only the SDK's account of
// the credential chain.
func TestQueryOnRemoteCredentialsExplained(t *testing.T) {
	engines := [][]string{{"--on", "insights", "-g", "/vpc/a"}, {"--on", "athena", "--athena-table", "vpclogs.flows"}}
	for _, c := range []struct {
		name  string
		setup func(*awstest.Server)
		want  string
	}{
		{"missing", func(*awstest.Server) {
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		}, "no usable AWS credentials: get fresh credentials"},
		{"expired", func(s *awstest.Server) { s.Inject("", awstest.ExpiredToken, 100) }, "the AWS credentials have expired (ExpiredTokenException): get fresh credentials"},
		{"rejected", func(s *awstest.Server) { s.Inject("", awstest.InvalidToken, 100) }, "the AWS credentials were rejected (UnrecognizedClientException): get fresh credentials"},
	} {
		for _, on := range engines {
			srv := awstest.New(t)
			awsEnv(t, srv.URL())
			c.setup(srv)
			args := append(append([]string{"query"}, on...), "stats count(*)")
			out, errOut, code := runCmd(t, args...)
			if code != exitRuntime || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("%s %v: exit %d, out %q, stderr %q", c.name, on, code, out, errOut)
			}
		}
	}
}

// Records Insights returns that do not parse are counted on stderr, as a
// local read counts its malformed lines, not dropped in silence.
func TestQueryOnInsightsCountsUnparsedRecords(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	at := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	msgs := []string{
		"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1000 443 6 1 40 1704070800 1704070805 ACCEPT OK",
		"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1001 443 6 1 40 1704070800",
		"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1002 443 6 1 40 1704070800 1704070805 ACCEPT OK",
	}
	ts := []int64{at.UnixMilli(), at.UnixMilli(), at.UnixMilli()}
	srv.AnswerInsights(func(q awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: awstest.InsightsRows(ts, msgs)}
	})
	out, errOut, code := runCmd(t, "query", "--on", "insights", "-g", "/vpc/a", "--since", "2024-01-01T00:00:00Z", "--until", "2024-01-02T00:00:00Z", "-o", "csv", `filter proto = "tcp" | stats count(*) as n`)
	if code != 0 || out != "n\n2\n" || !strings.Contains(errOut, "1 of the 3 records returned did not parse") {
		t.Errorf("exit %d, out %q, stderr %q", code, out, errOut)
	}
}

// Ctrl-C during a remote query stops it on AWS and exits 130 saying it
// was interrupted, as a local read does, not 1 with "context canceled".
func TestQueryOnRemoteInterrupted(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer { return awstest.InsightsAnswer{Running: 1000} })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var o, e bytes.Buffer
	code := run(ctx, []string{"query", "--on", "insights", "-g", "/vpc/a", "stats count(*)"}, stdio{strings.NewReader(""), &o, &e})
	if code != exitInterrupted || o.Len() != 0 || !strings.Contains(e.String(), "interrupted") || strings.Contains(e.String(), "context canceled") {
		t.Errorf("exit %d, out %q, stderr %q", code, o.String(), e.String())
	}
	if id := srv.InsightsStarted()[0].ID; !srv.InsightsStopped(id) {
		t.Error("the query was not stopped")
	}
}

// A group whose flow log DescribeFlowLogs does not show (deleted, or in
// another account) takes the format of the groups it is queried with:
// reading them all in the default format would misread the custom one.
func TestQueryOnInsightsFormatOfTheKnownGroups(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	known := flowLogsEC2(t, testGroup, "${version} ${srcaddr} ${dstaddr} ${dstport} ${action}")
	srv.Mount(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.Form.Get("Filter.1.Value.1") != testGroup {
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r1</requestId><flowLogSet/></DescribeFlowLogsResponse>`)
			return
		}
		known.ServeHTTP(w, r)
	}))
	srv.AnswerInsights(func(awstest.InsightsQuery) awstest.InsightsAnswer {
		return awstest.InsightsAnswer{Rows: [][]awstest.InsightsField{{{Field: "n", Value: "5"}}}}
	})
	for _, groups := range [][]string{{"-g", "/vpc/unlisted", "-g", testGroup}, {"-g", testGroup, "-g", "/vpc/unlisted"}} {
		args := append(append([]string{"query", "--on", "insights"}, groups...), "-o", "csv", `filter dstport = 22 | stats count(*) as n`)
		if out, errOut, code := runCmd(t, args...); code != 0 || out != "n\n5\n" {
			t.Fatalf("exit %d, out %q, stderr %s", code, out, errOut)
		}
	}
	for i, q := range srv.InsightsStarted() {
		if !strings.HasPrefix(q.Text, `parse @message "* * * * *" as version, srcAddr, dstAddr, dstPort, action | `) {
			t.Errorf("query %d sent %q", i, q.Text)
		}
	}
}
