package cloudwatch_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source/cloudwatch"
)

const group = "/aws/vpc/flowlogs"

// rig is the fake endpoint, a fast clock shared with the source, and the
// real SDK client pointed at the endpoint.
type rig struct {
	srv    *awstest.Server
	clock  *awstest.ScaledClock
	client *cloudwatchlogs.Client
}

// newRig needs no environment: the configuration is static, so tests may
// run in parallel.
func newRig(t testing.TB, factor float64) *rig {
	clock := awstest.NewScaledClock(time.Now().Truncate(time.Second), factor)
	srv := awstest.New(t, awstest.WithClock(clock))
	return &rig{srv: srv, clock: clock, client: cloudwatch.NewClient(srv.AWSConfig())}
}

func (r *rig) config() cloudwatch.Config {
	return cloudwatch.Config{Client: r.client, Groups: []string{group}, Clock: r.clock, Region: awstest.Region,
		BackoffBase: 500 * time.Millisecond, BackoffMax: 10 * time.Second}
}

// collector records every delivered line, as the store would see them.
type collector struct {
	mu      sync.Mutex
	lines   map[string]int
	batches int
	events  []model.Event
}

func newCollector() *collector { return &collector{lines: map[string]int{}} }

func (c *collector) emit(b model.Batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches++
	for _, e := range b.Events {
		c.lines[string(e.Line)]++
		e.Line = []byte(string(e.Line))
		c.events = append(c.events, e)
	}
}

func (c *collector) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.lines)
}

// check asserts that exactly want was delivered, each once.
func (c *collector) check(t *testing.T, want map[string]bool) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var missing, dup, extra []string
	for m := range want {
		if c.lines[m] == 0 {
			missing = append(missing, m)
		}
	}
	for m, n := range c.lines {
		if n > 1 {
			dup = append(dup, fmt.Sprintf("%s ×%d", m, n))
		}
		if !want[m] {
			extra = append(extra, m)
		}
	}
	sort.Strings(missing)
	if len(missing)+len(dup)+len(extra) > 0 {
		t.Fatalf("delivered %d distinct of %d: missing %d %v, duplicated %d %v, unexpected %d %v",
			len(c.lines), len(want), len(missing), head(missing), len(dup), head(dup), len(extra), head(extra))
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// line is a flow-log record whose packets field carries a unique number.
func line(eni string, n int, ts time.Time) string {
	return fmt.Sprintf("2 123456789012 %s 10.0.0.1 10.0.0.2 443 %d 6 %d 840 %d %d ACCEPT OK", eni, 1024+n%60000, n, ts.Unix(), ts.Unix()+60)
}

// waitFor polls cond on the wall clock.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func run(t *testing.T, src *cloudwatch.Source, c *collector) (context.CancelFunc, chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, c.emit) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return cancel, done
}

// TestLiveWithEveryFault backfills through throttling, 5xx, resets, empty
// pages and a repeated token, then follows Live Tail through throttled
// session starts, sampled updates, a dropped stream and a session timeout,
// while events arrive late and out of order across interfaces. Every event
// must arrive exactly once.
func TestLiveWithEveryFault(t *testing.T) {
	t.Parallel()
	r := newRig(t, 30)
	r.srv.SetPageSize(7)
	start := r.clock.Now()
	want := map[string]bool{}
	var mu sync.Mutex
	enis := []string{"eni-0a", "eni-0b", "eni-0c", "eni-0d"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 120 {
		ts := start.Add(-time.Duration(rng.IntN(600)) * time.Second)
		l := line(enis[i%4], i, ts)
		want[l] = true
		r.srv.Put(group, awstest.Event{Stream: enis[i%4], Time: ts, Visible: start.Add(-time.Second), Message: l})
	}
	for _, k := range []awstest.FaultKind{awstest.Throttle, awstest.Throttle, awstest.Throttle, awstest.Throttle} {
		r.srv.Inject("FilterLogEvents", k, 1)
	}
	r.srv.Inject("FilterLogEvents", awstest.EmptyPage, 2)
	r.srv.Inject("FilterLogEvents", awstest.Unavailable, 1)
	r.srv.Inject("FilterLogEvents", awstest.RepeatToken, 1)
	r.srv.Inject("FilterLogEvents", awstest.Reset, 1)
	r.srv.Inject("FilterLogEvents", awstest.InternalError, 1)
	r.srv.Inject("StartLiveTail", awstest.Throttle, 4)
	r.srv.Inject("StartLiveTail", awstest.Sampled, 2)
	r.srv.Inject("StartLiveTail", awstest.StreamReset, 1)
	r.srv.Inject("StartLiveTail", awstest.Sampled, 1)
	r.srv.Inject("StartLiveTail", awstest.SessionTimeout, 1)
	r.srv.Inject("StartLiveTail", awstest.Sampled, 1)

	cfg := r.config()
	cfg.Since = start.Add(-15 * time.Minute)
	src := cloudwatch.New(cfg)
	c := newCollector()
	run(t, src, c)

	// Producer: for three minutes of fast time, records become visible
	// up to two minutes after their timestamp, interfaces interleaved.
	stopProd := make(chan struct{})
	prodDone := make(chan struct{})
	go func() {
		defer close(prodDone)
		n := 1000
		for {
			select {
			case <-stopProd:
				return
			case <-r.clock.After(200 * time.Millisecond):
			}
			now := r.clock.Now()
			if now.Sub(start) > 3*time.Minute {
				return
			}
			var evs []awstest.Event
			for range 1 + rng.IntN(8) {
				eni := enis[rng.IntN(4)]
				ts := now.Add(-time.Duration(rng.IntN(120)) * time.Second)
				l := line(eni, n, ts)
				n++
				evs = append(evs, awstest.Event{Stream: eni, Time: ts, Visible: now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond), Message: l})
				mu.Lock()
				want[l] = true
				mu.Unlock()
			}
			r.srv.Put(group, evs...)
		}
	}()
	<-prodDone
	close(stopProd)
	mu.Lock()
	total := len(want)
	mu.Unlock()
	waitFor(t, 20*time.Second, "every event", func() bool { return c.distinct() >= total })
	// Let any further repair pass run: it must not repeat anything.
	time.Sleep(r.clock.Real(30 * time.Second))
	c.check(t, want)
	if p := r.srv.Pending(); p != 0 {
		t.Errorf("%d injected faults never happened", p)
	}
	st := src.Status()
	if st.Mode != "live" || st.Sampled < 4 || st.Duplicates == 0 {
		t.Errorf("status %+v: want live, ≥4 sampled updates, duplicates suppressed by repairs", st)
	}
	if n := r.srv.Calls("StartLiveTail"); n < 3 {
		t.Errorf("StartLiveTail called %d times, want reconnects after the reset and the timeout", n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.events {
		if e.Origin != group || !strings.HasPrefix(e.Stream, "eni-") || e.Timestamp == 0 || e.Ingestion == 0 {
			t.Fatalf("event lacks origin, stream or times: %+v", e)
		}
	}
	if c.batches >= len(c.events) {
		t.Errorf("%d batches for %d events: events must be batched", c.batches, len(c.events))
	}
}

// TestPollLateDelivery: records become visible up to ten minutes after
// their timestamp, in random order across interfaces; polling a 15-minute
// window must deliver each exactly once.
func TestPollLateDelivery(t *testing.T) {
	t.Parallel()
	r := newRig(t, 120)
	r.srv.SetPageSize(50)
	start := r.clock.Now()
	want := map[string]bool{}
	rng := rand.New(rand.NewPCG(3, 4))
	var last time.Time
	for i := range 600 {
		eni := fmt.Sprintf("eni-%02d", rng.IntN(6))
		ts := start.Add(time.Duration(rng.IntN(300)) * time.Second)
		vis := ts.Add(time.Duration(rng.IntN(600)) * time.Second)
		if vis.After(last) {
			last = vis
		}
		l := line(eni, i, ts)
		want[l] = true
		r.srv.Put(group, awstest.Event{Stream: eni, Time: ts, Visible: vis, Message: l})
	}
	cfg := r.config()
	cfg.Poll = true
	cfg.Since = start.Add(-time.Minute)
	src := cloudwatch.New(cfg)
	c := newCollector()
	run(t, src, c)
	waitFor(t, 30*time.Second, "every late event", func() bool { return c.distinct() >= len(want) })
	if !r.clock.Now().After(last) {
		t.Fatalf("delivered before the last event was visible")
	}
	time.Sleep(r.clock.Real(30 * time.Second))
	c.check(t, want)
	st := src.Status()
	if st.Mode != "poll" || st.Duplicates == 0 {
		t.Errorf("status %+v: want poll with suppressed duplicates from overlapping windows", st)
	}
}

func TestUntilReadsHistoryAndStops(t *testing.T) {
	r := newRig(t, 1)
	now := r.clock.Now()
	want := map[string]bool{}
	for i := range 30 {
		ts := now.Add(-time.Duration(30-i) * time.Minute)
		l := line("eni-1", i, ts)
		if i < 20 {
			want[l] = true
		}
		r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: ts, Visible: ts.Add(time.Minute), Message: l})
	}
	cfg := r.config()
	cfg.Since = now.Add(-time.Hour)
	cfg.Until = now.Add(-10*time.Minute - time.Second)
	c := newCollector()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cloudwatch.New(cfg).Run(ctx, c.emit); err != nil {
		t.Fatalf("Run with --until: %v", err)
	}
	c.check(t, want)
	if r.srv.Calls("StartLiveTail") != 0 {
		t.Errorf("history must not open a live tail")
	}
}

func TestSessionRenewedBeforeLimit(t *testing.T) {
	t.Parallel()
	r := newRig(t, 30)
	r.srv.CreateLogGroup(group)
	cfg := r.config()
	cfg.SessionRenew = 20 * time.Second
	src := cloudwatch.New(cfg)
	c := newCollector()
	run(t, src, c)
	want := map[string]bool{}
	for i := range 60 {
		time.Sleep(r.clock.Real(time.Second))
		now := r.clock.Now()
		l := line("eni-9", i, now)
		want[l] = true
		r.srv.Put(group, awstest.Event{Stream: "eni-9", Time: now, Message: l})
	}
	waitFor(t, 10*time.Second, "renewed sessions to deliver", func() bool { return c.distinct() >= len(want) })
	time.Sleep(r.clock.Real(15 * time.Second))
	c.check(t, want)
	if n := r.srv.Calls("StartLiveTail"); n < 3 {
		t.Errorf("%d sessions in 60s with renewal every 20s", n)
	}
}

func TestLiveTailDeniedFallsBackToPoll(t *testing.T) {
	t.Parallel()
	r := newRig(t, 60)
	r.srv.Deny("StartLiveTail", "logs:StartLiveTail")
	now := r.clock.Now()
	want := map[string]bool{}
	for i := range 20 {
		l := line("eni-2", i, now)
		want[l] = true
		r.srv.Put(group, awstest.Event{Stream: "eni-2", Time: now, Visible: now.Add(time.Duration(i) * 10 * time.Second), Message: l})
	}
	src := cloudwatch.New(r.config())
	c := newCollector()
	run(t, src, c)
	waitFor(t, 10*time.Second, "polled events", func() bool { return c.distinct() >= len(want) })
	c.check(t, want)
	st := src.Status()
	if st.Mode != "poll" || !strings.Contains(st.LastError, "logs:StartLiveTail") || st.Final {
		t.Errorf("status %+v: want poll mode saying logs:StartLiveTail is missing", st)
	}
}

func TestFinalErrorsSayWhatToDo(t *testing.T) {
	cases := []struct {
		name  string
		setup func(r *rig, cfg *cloudwatch.Config)
		want  []string
	}{
		{"filter denied", func(r *rig, cfg *cloudwatch.Config) {
			r.srv.CreateLogGroup(group)
			r.srv.Deny("FilterLogEvents", "logs:FilterLogEvents")
		}, []string{"access denied", "logs:FilterLogEvents", group, "IAM policy"}},
		{"unknown group", func(r *rig, cfg *cloudwatch.Config) {
			cfg.Groups = []string{"/no/such/group"}
		}, []string{"/no/such/group does not exist", "region us-east-1", "aws logs describe-log-groups --log-group-name-prefix /no/such/group"}},
		{"unknown group by arn", func(r *rig, cfg *cloudwatch.Config) {
			cfg.Groups = []string{"arn:aws:logs:us-east-1:123456789012:log-group:/gone:*"}
		}, []string{"/gone does not exist"}},
		{"sso expired", func(r *rig, cfg *cloudwatch.Config) {
			r.srv.CreateLogGroup(group)
			r.srv.Inject("DescribeLogGroups", awstest.ExpiredToken, 1)
			cfg.Profile, cfg.SSO = "dev", true
		}, []string{"expired", "aws sso login --profile dev"}},
		{"rejected key", func(r *rig, cfg *cloudwatch.Config) {
			r.srv.CreateLogGroup(group)
			r.srv.Inject("FilterLogEvents", awstest.InvalidToken, 1)
			cfg.Profile = "ci"
		}, []string{"rejected (UnrecognizedClientException)", `profile "ci"`}},
		{"no credentials", func(r *rig, cfg *cloudwatch.Config) {
			awsCfg := r.srv.AWSConfig()
			awsCfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, errors.New("no EC2 IMDS role found")
			})
			cfg.Client = cloudwatch.NewClient(awsCfg)
		}, []string{"no usable AWS credentials", "aws sso login --profile NAME", "AWS_* environment variables"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 30)
			cfg := r.config()
			tc.setup(r, &cfg)
			src := cloudwatch.New(cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := src.Run(ctx, newCollector().emit)
			var fe *cloudwatch.Error
			if !errors.As(err, &fe) {
				t.Fatalf("want a final *Error, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if st := src.Status(); !st.Final || st.LastError != err.Error() {
				t.Errorf("status %+v must be final and carry the message", st)
			}
		})
	}
}

func TestFlowLogFormatForBatches(t *testing.T) {
	r := newRig(t, 1)
	now := r.clock.Now()
	r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: now, Message: "eni-1 ACCEPT"})
	cfg := r.config()
	cfg.Until = now.Add(time.Second)
	cfg.FlowLogFormat = func(ctx context.Context, g string) (string, error) {
		if g != group {
			t.Errorf("format asked for %q", g)
		}
		return "${interface-id} ${action}", nil
	}
	c := newCollector()
	var formats []*model.Format
	err := cloudwatch.New(cfg).Run(context.Background(), func(b model.Batch) {
		formats = append(formats, b.Format)
		c.emit(b)
	})
	if err != nil || len(formats) != 1 || formats[0] == nil || formats[0].String() != "${interface-id} ${action}" {
		t.Fatalf("err %v, formats %v", err, formats)
	}

	cfg.FlowLogFormat = func(context.Context, string) (string, error) {
		return "", errors.New("UnauthorizedOperation: You are not authorized to perform this operation.")
	}
	src := cloudwatch.New(cfg)
	formats = nil
	if err := src.Run(context.Background(), func(b model.Batch) { formats = append(formats, b.Format) }); err != nil {
		t.Fatal(err)
	}
	if len(formats) != 1 || formats[0] != nil || !strings.Contains(src.Status().LastError, "default format") {
		t.Fatalf("denied lookup must fall back to the default format with a note: %v %+v", formats, src.Status())
	}
}

// TestEachLiveGapIsRepaired injects one live fault at a time, with a short
// lookback, so only the repair that fault calls for can bring back the
// events it lost.
func TestEachLiveGapIsRepaired(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inject func(s *awstest.Server)
		early  bool // inject before the tail starts
	}{
		{"stream reset while search lags", func(s *awstest.Server) {
			s.SetSearchLag(2 * time.Second)
			s.Inject("StartLiveTail", awstest.StreamReset, 1)
		}, false},
		{"sampled update", func(s *awstest.Server) { s.Inject("StartLiveTail", awstest.Sampled, 3) }, false},
		{"stream reset", func(s *awstest.Server) { s.Inject("StartLiveTail", awstest.StreamReset, 1) }, false},
		{"session timeout", func(s *awstest.Server) { s.Inject("StartLiveTail", awstest.SessionTimeout, 1) }, false},
		{"session start throttled", func(s *awstest.Server) { s.Inject("StartLiveTail", awstest.Throttle, 6) }, true},
		{"session start reset", func(s *awstest.Server) { s.Inject("StartLiveTail", awstest.Reset, 6) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 30)
			r.srv.CreateLogGroup(group)
			if tc.early {
				tc.inject(r.srv)
			}
			cfg := r.config()
			cfg.Lookback = 40 * time.Second
			cfg.BackoffBase = 4 * time.Second
			cfg.PollInterval = 5 * time.Second
			src := cloudwatch.New(cfg)
			c := newCollector()
			run(t, src, c)
			want := map[string]bool{}
			rng := rand.New(rand.NewPCG(5, 6))
			start := r.clock.Now()
			for i := 0; r.clock.Now().Sub(start) < 40*time.Second; i++ {
				if !tc.early && i == 40 {
					tc.inject(r.srv)
				}
				time.Sleep(r.clock.Real(250 * time.Millisecond))
				now := r.clock.Now()
				eni := fmt.Sprintf("eni-%d", rng.IntN(3))
				l := line(eni, i, now)
				want[l] = true
				r.srv.Put(group, awstest.Event{Stream: eni, Time: now.Add(-time.Duration(rng.IntN(10)) * time.Second), Message: l})
			}
			waitFor(t, 10*time.Second, "every event", func() bool { return c.distinct() >= len(want) })
			time.Sleep(r.clock.Real(10 * time.Second))
			c.check(t, want)
			if p := r.srv.Pending(); p != 0 {
				t.Fatalf("%d faults did not happen", p)
			}
		})
	}
}

// TestRepeatedTokenNeitherLoopsNorLoses: a nextToken given twice restarts
// the query from the newest timestamp read (nothing lost, nothing twice);
// a token that repeats forever ends the pass with a note instead of hanging.
func TestRepeatedTokenNeitherLoopsNorLoses(t *testing.T) {
	for _, times := range []int{1, 1000} {
		r := newRig(t, 1)
		r.srv.SetPageSize(5)
		now := r.clock.Now()
		want := map[string]bool{}
		for i := range 40 {
			l := line("eni-1", i, now)
			want[l] = true
			r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: now.Add(-time.Duration(40-i) * time.Second), Message: l})
		}
		r.srv.Inject("FilterLogEvents", awstest.RepeatToken, times)
		cfg := r.config()
		cfg.Since, cfg.Until = now.Add(-time.Hour), now
		c := newCollector()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		src := cloudwatch.New(cfg)
		err := src.Run(ctx, c.emit)
		cancel()
		if err != nil {
			t.Fatalf("repeated token ×%d: %v", times, err)
		}
		if !strings.Contains(src.Status().LastError, "repeated a nextToken") {
			t.Errorf("repeated token ×%d not reported: %+v", times, src.Status())
		}
		if times == 1 {
			c.check(t, want)
		}
	}
}

// TestSelectionAcrossGroups: two groups (one by ARN), a stream prefix and a
// filter pattern, through backfill and Live Tail. Live Tail takes stream
// selections only with one group, so the source filters streams itself.
func TestSelectionAcrossGroups(t *testing.T) {
	t.Parallel()
	r := newRig(t, 30)
	other := "/aws/vpc/other"
	otherARN := r.srv.CreateLogGroup(other)
	r.srv.CreateLogGroup(group)
	now := r.clock.Now()
	want := map[string]bool{}
	put := func(g, eni, action string, n int, at time.Time) {
		l := strings.Replace(line(eni, n, at), "ACCEPT", action, 1)
		if strings.HasPrefix(eni, "eni-a") && action == "REJECT" {
			want[l] = true
		}
		r.srv.Put(g, awstest.Event{Stream: eni, Time: at, Message: l})
	}
	for i := range 40 {
		g := []string{group, other}[i%2]
		put(g, []string{"eni-a1", "eni-b1"}[i/2%2], []string{"ACCEPT", "REJECT"}[i/4%2], i, now.Add(-time.Duration(40-i)*time.Second))
	}
	cfg := r.config()
	cfg.Groups = []string{group, otherARN}
	cfg.StreamPrefix = "eni-a"
	cfg.FilterPattern = "REJECT"
	src := cloudwatch.New(cfg)
	c := newCollector()
	run(t, src, c)
	waitFor(t, 5*time.Second, "live mode", func() bool { return src.Status().Mode == "live" })
	for i := 40; i < 80; i++ {
		time.Sleep(r.clock.Real(200 * time.Millisecond))
		g := []string{group, other}[i%2]
		put(g, []string{"eni-a1", "eni-b1"}[i/2%2], []string{"ACCEPT", "REJECT"}[i/4%2], i, r.clock.Now())
	}
	waitFor(t, 5*time.Second, "selected events", func() bool { return c.distinct() >= len(want) })
	time.Sleep(r.clock.Real(5 * time.Second))
	c.check(t, want)
	c.mu.Lock()
	defer c.mu.Unlock()
	origins := map[string]bool{}
	for _, e := range c.events {
		origins[e.Origin] = true
	}
	if !origins[group] || !origins[other] {
		t.Errorf("origins %v: want both group names", origins)
	}
}

func TestMoreThanTenGroupsPoll(t *testing.T) {
	r := newRig(t, 30)
	cfg := r.config()
	cfg.Groups = nil
	now := r.clock.Now()
	want := map[string]bool{}
	for i := range 12 {
		g := fmt.Sprintf("/vpc/%02d", i)
		cfg.Groups = append(cfg.Groups, g)
		l := line("eni-1", i, now)
		want[l] = true
		r.srv.Put(g, awstest.Event{Stream: "eni-1", Time: now, Message: l})
	}
	src := cloudwatch.New(cfg)
	c := newCollector()
	run(t, src, c)
	waitFor(t, 5*time.Second, "every group", func() bool { return c.distinct() >= len(want) })
	c.check(t, want)
	if st := src.Status(); st.Mode != "poll" || !strings.Contains(st.LastError, "at most 10") {
		t.Errorf("status %+v: want poll mode saying Live Tail takes at most 10 groups", st)
	}
}

// TestStatusWhileConsumerIsSlow: emit blocking is the back-pressure, and
// the status bar must still read the source's health meanwhile.
func TestStatusWhileConsumerIsSlow(t *testing.T) {
	r := newRig(t, 1)
	r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: r.clock.Now(), Message: line("eni-1", 1, r.clock.Now())})
	src := cloudwatch.New(r.config())
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- src.Run(ctx, func(model.Batch) {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		})
	}()
	<-entered
	got := make(chan string, 1)
	go func() { got <- src.Status().Mode }()
	select {
	case m := <-got:
		if m != "backfill" {
			t.Errorf("mode %q while the backfill is being delivered", m)
		}
	case <-time.After(2 * time.Second):
		t.Error("Status blocked behind a slow emit")
	}
	close(release)
	cancel()
	<-done
}

func TestUnknownStreamIsNoted(t *testing.T) {
	r := newRig(t, 1)
	now := r.clock.Now()
	r.srv.Put(group, awstest.Event{Stream: "eni-0aaa", Time: now, Message: line("eni-0aaa", 1, now)})
	cfg := r.config()
	cfg.Streams = []string{"eni-0aaa", "eni-0bbb"}
	cfg.Until = now.Add(time.Second)
	src := cloudwatch.New(cfg)
	c := newCollector()
	if err := src.Run(context.Background(), c.emit); err != nil {
		t.Fatal(err)
	}
	if c.distinct() != 1 {
		t.Errorf("%d events from the existing stream, want 1", c.distinct())
	}
	if st := src.Status(); !strings.Contains(st.LastError, "no log stream eni-0bbb in "+group) || strings.Contains(st.LastError, "eni-0aaa,") {
		t.Errorf("status %+v: want a note naming only eni-0bbb", st)
	}
}

// TestSustainedThrottlingNeverExits: a long run of ThrottlingException
// (beyond the SDK's own retries) backs off, shows it, and resumes.
func TestSustainedThrottlingNeverExits(t *testing.T) {
	t.Parallel()
	r := newRig(t, 30)
	now := r.clock.Now()
	want := map[string]bool{}
	for i := range 10 {
		l := line("eni-1", i, now)
		want[l] = true
		r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: now.Add(-time.Minute), Message: l})
	}
	r.srv.Inject("FilterLogEvents", awstest.Throttle, 30)
	cfg := r.config()
	cfg.Poll = true
	src := cloudwatch.New(cfg)
	c := newCollector()
	_, done := run(t, src, c)
	sawBackoff := false
	waitFor(t, 20*time.Second, "delivery after the throttling ends", func() bool {
		st := src.Status()
		if st.Backoff != "" && strings.Contains(st.LastError, "ThrottlingException") {
			sawBackoff = true
		}
		return c.distinct() >= len(want)
	})
	c.check(t, want)
	if !sawBackoff {
		t.Error("the status never showed the backoff")
	}
	if len(done) > 0 {
		t.Fatal("Run returned under throttling")
	}
	if st := src.Status(); st.Backoff != "" {
		t.Errorf("backoff %q still shown after recovery", st.Backoff)
	}
}
