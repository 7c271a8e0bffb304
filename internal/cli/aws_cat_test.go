package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/source"
)

// lockedBuffer is written by the command while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func catJSONLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestCatLogGroupHistory(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	putFlows(srv, 12, time.Now().Add(-time.Minute))
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, []string{"cat", "-g", testGroup, "--since", "1h", "-o", "json"}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	recs := catJSONLines(t, out.String())
	if len(recs) != 12 {
		t.Fatalf("%d records, want 12:\n%s", len(recs), out.String())
	}
	if recs[0]["interface-id"] != "eni-0123456789abcdef0" || recs[0]["action"] != "ACCEPT" || recs[0]["dstport"] != float64(1024) {
		t.Errorf("first record %v", recs[0])
	}
}

func TestCatLogGroupFollow(t *testing.T) {
	srv := awstest.New(t)
	srv.SetLiveTail(100*time.Millisecond, 0, 0)
	awsEnv(t, srv.URL())
	putFlows(srv, 3, time.Now().Add(-time.Minute))
	out := &lockedBuffer{}
	var errb bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"cat", "-g", testGroup, "--follow", "-o", "json"}, stdio{strings.NewReader(""), out, &errb})
	}()
	waitLines := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), "\n") < n {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("%d lines, want %d; stderr %s", strings.Count(out.String(), "\n"), n, errb.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitLines(3)
	putFlows(srv, 4, time.Now())
	waitLines(7)
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after interrupt; stderr %s", code, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cat --follow did not stop when interrupted")
	}
	if recs := catJSONLines(t, out.String()); len(recs) != 7 {
		t.Errorf("%d records, want 7", len(recs))
	}
}

func TestCatLogGroupErrorsSayWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*awstest.Server)
		group string
		want  []string
	}{
		{"denied", func(s *awstest.Server) {
			s.CreateLogGroup(testGroup)
			s.Deny("FilterLogEvents", "logs:FilterLogEvents")
		}, testGroup, []string{"access denied", "allow logs:FilterLogEvents"}},
		{"unknown group", func(s *awstest.Server) {}, "/nope", []string{"log group /nope does not exist in region us-east-1"}},
		{"expired", func(s *awstest.Server) {
			s.CreateLogGroup(testGroup)
			s.Inject("", awstest.ExpiredToken, 1)
		}, testGroup, []string{"credentials have expired (ExpiredTokenException)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := awstest.New(t)
			awsEnv(t, srv.URL())
			tc.setup(srv)
			var out, errb bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code := run(ctx, []string{"cat", "-g", tc.group}, stdio{strings.NewReader(""), &out, &errb})
			if code != exitRuntime {
				t.Errorf("exit %d, want %d", code, exitRuntime)
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q lacks %q", errb.String(), w)
				}
			}
			if n := strings.Count(strings.TrimSpace(errb.String()), "\n"); n > 1 {
				t.Errorf("want one clear message, got:\n%s", errb.String())
			}
		})
	}
}

type healthStub struct {
	mu sync.Mutex
	st source.Status
}

func (h *healthStub) Name() string                                    { return "cloudwatch /g" }
func (h *healthStub) Run(ctx context.Context, emit source.Emit) error { <-ctx.Done(); return nil }
func (h *healthStub) Status() source.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st
}
func (h *healthStub) set(st source.Status) {
	h.mu.Lock()
	h.st = st
	h.mu.Unlock()
}

func TestHealthReportPrintsChangesOnce(t *testing.T) {
	h := &healthStub{}
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { reportHealth(ctx, out, "cat", []source.Source{h}, 5*time.Millisecond, nil); close(done) }()
	step := func(st source.Status) {
		h.set(st)
		time.Sleep(40 * time.Millisecond)
	}
	step(source.Status{Mode: "live"})
	step(source.Status{Mode: "live", Backoff: "logs:FilterLogEvents retry 1 in 400ms", LastError: "ThrottlingException: Rate exceeded"})
	step(source.Status{Mode: "poll", LastError: "live tail unavailable (access denied\x1b[31m): polling every 10s"})
	step(source.Status{Mode: "stopped", LastError: "final", Final: true})
	cancel()
	<-done
	want := "flowtail cat: cloudwatch /g: backing off: logs:FilterLogEvents retry 1 in 400ms (ThrottlingException: Rate exceeded)\n" +
		"flowtail cat: cloudwatch /g: live tail unavailable (access denied?[31m): polling every 10s\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

func TestQueryLogGroupHistory(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	putFlows(srv, 9, time.Now().Add(-time.Minute))
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, []string{"query", "stats count(*) as n by dstaddr", "-g", testGroup, "--since", "1h", "-o", "json"}, stdio{strings.NewReader(""), &out, &errb})
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"n":9`) || !strings.Contains(out.String(), "10.0.0.2") {
		t.Errorf("query over the log group: %s", out.String())
	}
}

// flowLogsEC2 answers ec2:DescribeFlowLogs in the EC2 query protocol, for
// the group given, with format; or UnauthorizedOperation when format is "".
func flowLogsEC2(t *testing.T, group, format string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "DescribeFlowLogs" {
			t.Errorf("unexpected EC2 call %v %v", r.Form, err)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		if format == "" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r1</RequestID></Response>`)
			return
		}
		if r.Form.Get("Filter.1.Name") != "log-group-name" || r.Form.Get("Filter.1.Value.1") != group {
			t.Errorf("DescribeFlowLogs filter %v", r.Form)
		}
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r1</requestId>
  <flowLogSet><item><flowLogId>fl-1</flowLogId><logGroupName>%s</logGroupName><logFormat>%s</logFormat></item></flowLogSet>
</DescribeFlowLogsResponse>`, group, format)
	})
}

func TestCatLogGroupFormatFromDescribeFlowLogs(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.Mount(flowLogsEC2(t, testGroup, "${version} ${interface-id} ${srcaddr} ${dstaddr} ${action} ${tcp-flags}"))
	srv.Put(testGroup, awstest.Event{Stream: "eni-0123456789abcdef0", Time: time.Now().Add(-time.Minute),
		Message: "5 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 REJECT 2"})
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if code := run(ctx, []string{"cat", "-g", testGroup, "-o", "json"}, stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	recs := catJSONLines(t, out.String())
	if len(recs) != 1 || recs[0]["action"] != "REJECT" || recs[0]["tcp-flags"] != float64(2) || recs[0]["srcaddr"] != "10.0.0.1" {
		t.Fatalf("record not read with the flow log's format: %s %s", out.String(), errb.String())
	}
}

func TestCatLogGroupFormatDeniedFallsBack(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.Mount(flowLogsEC2(t, testGroup, ""))
	putFlows(srv, 2, time.Now().Add(-time.Minute))
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if code := run(ctx, []string{"cat", "-g", testGroup, "-o", "json"}, stdio{strings.NewReader(""), &out, &errb}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if recs := catJSONLines(t, out.String()); len(recs) != 2 || recs[0]["interface-id"] != "eni-0123456789abcdef0" {
		t.Fatalf("default format not used: %s %s", out.String(), errb.String())
	}
}
