package cloudwatch_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/source/awscall"
	"github.com/flowtail/flowtail/source/cloudwatch"
)

// quick are deadlines short enough for tests.
var quick = awscall.Deadlines{Connect: time.Second, FirstByte: 400 * time.Millisecond, Call: 800 * time.Millisecond, StreamIdle: 600 * time.Millisecond}

// deadlineRig is a rig whose SDK client has the deadlines' HTTP client, as
// the product's does.
func deadlineRig(t *testing.T, factor float64) *rig {
	r := newRig(t, factor)
	cfg := r.srv.AWSConfig()
	cfg.HTTPClient = quick.HTTPClient()
	r.client = cloudwatch.NewClient(cfg, func(o *cloudwatchlogs.Options) {})
	return r
}

// A headless history read from an endpoint that hangs, answers garbage,
// fails for ever or pages for ever without events gives up once its
// retry budget is spent, with the last error, instead of running for ever.
func TestHeadlessReadGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault awstest.FaultKind
		want  string
	}{
		{"hang", awstest.Hang, "no answer from logs:FilterLogEvents"},
		{"malformed JSON", awstest.Malformed, "deserialization failed"},
		{"endless 500s", awstest.InternalError, "InternalFailure"},
		{"endless empty pages", awstest.EmptyPage, "empty pages in a row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := deadlineRig(t, 1)
			now := r.clock.Now()
			r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: now.Add(-time.Minute), Message: line("eni-1", 1, now)})
			r.srv.Inject("FilterLogEvents", tc.fault, 1<<30)
			cfg := r.config()
			cfg.Since, cfg.Until = now.Add(-time.Hour), now
			cfg.Deadlines, cfg.RetryBudget = quick, awscall.Budget(3*time.Second)
			cfg.BackoffBase, cfg.BackoffMax = 50*time.Millisecond, 300*time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			began := time.Now()
			err := cloudwatch.New(cfg).Run(ctx, newCollector().emit)
			took := time.Since(began)
			var fe *cloudwatch.Error
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "giving up") {
				t.Fatalf("after %s: want a final error with %q, got %v", took, tc.want, err)
			}
			if took > 3*time.Second+2*quick.Call {
				t.Errorf("gave up after %s, budget 3s", took)
			}
		})
	}
}

// A live tail is never given up: a hung call is retried like throttling,
// shown in the status, and delivery resumes when the endpoint answers.
func TestLiveRetriesHungCalls(t *testing.T) {
	t.Parallel()
	r := deadlineRig(t, 1)
	now := r.clock.Now()
	want := map[string]bool{}
	for i := range 5 {
		l := line("eni-1", i, now)
		want[l] = true
		r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: now.Add(-time.Minute), Message: l})
	}
	r.srv.Inject("FilterLogEvents", awstest.Hang, 4)
	cfg := r.config()
	cfg.Poll, cfg.Deadlines = true, quick
	cfg.BackoffBase, cfg.BackoffMax = 50*time.Millisecond, 200*time.Millisecond
	src := cloudwatch.New(cfg)
	c := newCollector()
	_, done := run(t, src, c)
	shown := false
	waitFor(t, 20*time.Second, "delivery after the hung calls", func() bool {
		st := src.Status()
		if st.Backoff != "" && strings.Contains(st.LastError, "no answer from logs:FilterLogEvents") {
			shown = true
		}
		return c.distinct() >= len(want)
	})
	c.check(t, want)
	if !shown {
		t.Error("the status never showed the hung call")
	}
	if len(done) > 0 {
		t.Fatal("Run returned")
	}
}

// A Live Tail stream that goes silent is dropped after the idle deadline,
// reopened, and the gap re-read: every event arrives exactly once.
func TestLiveTailStallReconnects(t *testing.T) {
	t.Parallel()
	r := deadlineRig(t, 1)
	r.srv.SetLiveTail(100*time.Millisecond, 0, 0)
	now := r.clock.Now()
	want := map[string]bool{}
	put := func(i int) {
		l := line("eni-1", i, r.clock.Now())
		want[l] = true
		r.srv.Put(group, awstest.Event{Stream: "eni-1", Time: r.clock.Now(), Message: l})
	}
	put(0)
	cfg := r.config()
	cfg.Since, cfg.Deadlines, cfg.RepairDelay, cfg.PollInterval = now.Add(-time.Minute), quick, 50*time.Millisecond, 200*time.Millisecond
	src := cloudwatch.New(cfg)
	c := newCollector()
	run(t, src, c)
	waitFor(t, 10*time.Second, "live", func() bool { return src.Status().Mode == "live" && c.distinct() == 1 })
	r.srv.Inject("StartLiveTail", awstest.StreamStall, 1)
	for i := 1; i <= 6; i++ {
		put(i)
		time.Sleep(150 * time.Millisecond)
	}
	waitFor(t, 15*time.Second, "every event after the stall", func() bool { return c.distinct() >= len(want) })
	c.check(t, want)
	if r.srv.Calls("StartLiveTail") < 2 {
		t.Errorf("the stalled session was not replaced (%d sessions)", r.srv.Calls("StartLiveTail"))
	}
}
