package replay

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
)

// fakeClock advances only when slept on, and records every sleep.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// lines is a source emitting fixed batches.
type lines [][]string

func (l lines) Name() string { return "test" }

func (l lines) Run(ctx context.Context, emit source.Emit) error {
	for _, b := range l {
		var evs []model.Event
		for _, s := range b {
			evs = append(evs, model.Event{Line: []byte(s)})
		}
		emit(model.Batch{Events: evs})
	}
	return nil
}

// stampFirst reads a leading number as the time; other lines carry none.
func stampFirst(ev *model.Event, _ *model.Format) (int64, bool) {
	head, _, _ := strings.Cut(string(ev.Line), " ")
	v, err := strconv.ParseInt(head, 10, 64)
	return v, err == nil
}

type emitted struct {
	at    time.Time
	lines []string
}

func run(t *testing.T, in lines, speed float64, clock *fakeClock) []emitted {
	t.Helper()
	var out []emitted
	err := New(in, speed, stampFirst, clock).Run(context.Background(), func(b model.Batch) {
		var ls []string
		for _, ev := range b.Events {
			ls = append(ls, string(ev.Line))
		}
		out = append(out, emitted{clock.Now(), ls})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReplayPacesByRecordTimes(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: t0}
	in := lines{
		{"version start", "1000 a", "1000 b", "1010 c"},
		{"1005 late", "1020 d", "x malformed", "1020 e"},
	}
	out := run(t, in, 10, clock)
	want := []struct {
		after time.Duration
		lines string
	}{
		{0, "version start|1000 a|1000 b"},
		{time.Second, "1010 c"},
		{time.Second, "1005 late"},
		{2 * time.Second, "1020 d|x malformed|1020 e"},
	}
	if len(out) != len(want) {
		t.Fatalf("got %d batches %+v, want %d", len(out), out, len(want))
	}
	for i, w := range want {
		if got := strings.Join(out[i].lines, "|"); got != w.lines {
			t.Errorf("batch %d = %q, want %q", i, got, w.lines)
		}
		if got := out[i].at.Sub(t0); got != w.after {
			t.Errorf("batch %d emitted at +%v, want +%v", i, got, w.after)
		}
	}
	// An out-of-order record (1005 after 1010) never makes the replay wait.
	if len(clock.sleeps) != 2 {
		t.Errorf("sleeps %v, want two of 1s", clock.sleeps)
	}
}

func TestReplaySpeeds(t *testing.T) {
	in := lines{{"100 a", "160 b", "220 c"}}
	for _, tc := range []struct {
		speed float64
		total time.Duration
	}{{1, 120 * time.Second}, {10, 12 * time.Second}, {0.5, 240 * time.Second}} {
		t0 := time.Unix(0, 0)
		clock := &fakeClock{now: t0}
		out := run(t, in, tc.speed, clock)
		if got := out[len(out)-1].at.Sub(t0); got != tc.total {
			t.Errorf("speed %gx: last record at +%v, want +%v", tc.speed, got, tc.total)
		}
	}
}

func TestReplayDoesNotWaitWhenBehind(t *testing.T) {
	// A slow consumer: by the time a record is due, the clock has passed it.
	t0 := time.Unix(0, 0)
	clock := &fakeClock{now: t0}
	s := New(lines{{"0 a"}, {"1 b"}, {"2 c"}}, 1, stampFirst, clock)
	err := s.Run(context.Background(), func(b model.Batch) { clock.now = clock.now.Add(5 * time.Second) })
	if err != nil {
		t.Fatal(err)
	}
	if len(clock.sleeps) != 0 {
		t.Fatalf("slept %v while behind", clock.sleeps)
	}
	if st := s.Status(); st.Mode != "replay 1x" || st.LagMillis <= 0 {
		t.Fatalf("status %+v, want replay 1x with a lag", st)
	}
}

func TestReplayStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clock := &fakeClock{now: time.Unix(0, 0)}
	n := 0
	err := New(lines{{"0 a", "100 b"}}, 1, stampFirst, clock).Run(ctx, func(b model.Batch) {
		n++
		cancel()
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("err %v after %d batches, want context.Canceled after 1", err, n)
	}
}

// A jump longer than MaxGap, forwards (a wrong far-future time, a later
// capture) or back, is not waited out: pacing restarts from that record.
func TestReplayRestartsAfterLongJumps(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: t0}
	in := lines{{"1000 a", "999999999 outlier", "1010 b", "1020 c", "90000 next-capture", "90030 d"}}
	out := run(t, in, 1, clock)
	var got []string
	for _, e := range out {
		got = append(got, e.at.Sub(t0).String()+" "+strings.Join(e.lines, ","))
	}
	want := []string{"0s 1000 a,999999999 outlier,1010 b", "10s 1020 c,90000 next-capture", "40s 90030 d"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("emitted %q, want %q (sleeps %v)", got, want, clock.sleeps)
	}
}
