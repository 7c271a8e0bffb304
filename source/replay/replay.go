// Package replay paces any source by its records' own times, so a capture
// can be watched again as it happened, or faster. It knows nothing of
// flow-log fields: the caller says how to read a line's time.
package replay

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
)

// Stamp returns a line's time in unix seconds, or ok=false for lines that
// carry none (headers, malformed lines); those pass through unpaced. It is
// called in order for every event, so it may keep per-origin state such as
// the format a header declared.
type Stamp func(ev *model.Event, format *model.Format) (unixSeconds int64, ok bool)

// Clock is the time source; tests pass a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// MaxGap is the largest jump in record time, in seconds, that a replay
// waits out. Within one capture records are at most a few aggregation
// intervals (10 minutes at most) out of order, so a longer jump is a
// discontinuity: captures of different hours read one after the other, or
// a record with a wrong time. Pacing starts again from it, so a replay
// never sits idle for hours or, after a far-future time, stops pacing.
const MaxGap = 3600

// Source wraps a source, holding each record back until its time, scaled by
// the speed, has passed since the first record.
type Source struct {
	inner source.Source
	speed float64
	stamp Stamp
	clock Clock

	// behind is how far the replay trails the capture's pace; set per
	// record, so an atomic rather than a lock.
	behind atomic.Int64
}

// New paces inner at speed (1 = real time, 10 = ten times faster).
// clock may be nil for the wall clock.
func New(inner source.Source, speed float64, stamp Stamp, clock Clock) *Source {
	if clock == nil {
		clock = realClock{}
	}
	return &Source{inner: inner, speed: speed, stamp: stamp, clock: clock}
}

// Name is the inner source's name.
func (s *Source) Name() string { return s.inner.Name() }

// Status is the inner source's, with the replay speed as the mode.
func (s *Source) Status() source.Status {
	var st source.Status
	if r, ok := s.inner.(source.Reporter); ok {
		st = r.Status()
	}
	st.Mode = "replay " + strconv.FormatFloat(s.speed, 'g', -1, 64) + "x"
	st.LagMillis = time.Duration(s.behind.Load()).Milliseconds()
	return st
}

// Run runs the inner source, splitting its batches where a record must
// wait. Waiting inside emit holds the inner source back, so nothing is
// buffered beyond one batch. Records are paced by the newest time seen, so
// records out of order within a capture (flow logs are not sorted) never
// make the replay stall or jump; jumps over MaxGap restart the pacing.
func (s *Source) Run(ctx context.Context, emit source.Emit) error {
	var (
		started   bool
		firstRec  int64
		firstWall time.Time
		newest    int64
		failed    error
	)
	err := s.inner.Run(ctx, func(b model.Batch) {
		if failed != nil {
			return
		}
		from := 0
		for i := range b.Events {
			t, ok := s.stamp(&b.Events[i], b.Format)
			if !ok {
				continue
			}
			if !started || t > newest+MaxGap || t < newest-MaxGap {
				// The first record, or a jump no capture makes within
				// itself: start pacing afresh from this record.
				started, firstRec, newest, firstWall = true, t, t, s.clock.Now()
				continue
			}
			if t <= newest {
				continue
			}
			newest = t
			due := firstWall.Add(time.Duration(float64(time.Duration(t-firstRec)*time.Second) / s.speed))
			wait := due.Sub(s.clock.Now())
			if wait <= 0 {
				s.behind.Store(int64(-wait))
				continue
			}
			if i > from {
				emit(model.Batch{Events: b.Events[from:i], Format: b.Format})
				from = i
			}
			if err := s.clock.Sleep(ctx, wait); err != nil {
				failed = err
				return
			}
			s.behind.Store(0)
		}
		if from < len(b.Events) {
			emit(model.Batch{Events: b.Events[from:], Format: b.Format})
		}
	})
	if failed != nil {
		return failed
	}
	return err
}
