package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/flowtail/flowtail/source"
)

// live backfills from since, then follows with Live Tail. Live Tail pushes
// only what is ingested while a session is open, so every stretch of
// ingestion time it did not cover completely (before the first session,
// between sessions, a sampled update) is re-read with FilterLogEvents from
// lookback before the stretch began, and merged.
func (s *Source) live(ctx context.Context, since int64) error {
	s.setMode("backfill")
	covered := s.clock.Now().UnixMilli()
	for i := range s.groups {
		if err := s.pass(ctx, i, since, 0); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.seen.forget(s.horizon(covered))
	s.mu.Unlock()

	rctx, cancel := context.WithCancel(ctx)
	rep := &repairer{wake: make(chan struct{}, 1), hurry: make(chan struct{}, 1)}
	repDone := make(chan error, 1)
	go func() {
		err := s.repairLoop(rctx, since, rep)
		if err != nil && rctx.Err() == nil {
			cancel()
		}
		repDone <- err
	}()
	stop := func() error {
		cancel()
		return <-repDone
	}

	failures := 0
	for {
		err := s.session(rctx, &covered, rep, &failures)
		if rctx.Err() != nil {
			rerr := stop()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return rerr
		}
		var fe *Error
		if errors.As(err, &fe) {
			if rerr := stop(); rerr != nil && ctx.Err() == nil && !errors.Is(rerr, context.Canceled) {
				return rerr
			}
			if !liveUnavailable(fe) {
				return fe
			}
			s.setNote("live tail unavailable (" + fe.Message + "): polling every " + s.cfg.PollInterval.String())
			return s.poll(ctx, max(since, covered-s.cfg.Lookback.Milliseconds()))
		}
		if failures > 0 {
			select {
			case <-rctx.Done():
			case <-s.clock.After(source.Backoff(s.cfg.BackoffBase, s.cfg.BackoffMax, failures)):
			}
		}
	}
}

// session runs one Live Tail session until it ends. A transient end
// returns nil (failures counts ends without any update, for backoff); a
// final one returns the *Error.
func (s *Source) session(ctx context.Context, covered *int64, rep *repairer, failures *int) error {
	in := &cloudwatchlogs.StartLiveTailInput{}
	byIdent := map[string]int{}
	for i, g := range s.groups {
		in.LogGroupIdentifiers = append(in.LogGroupIdentifiers, g.arn)
		byIdent[g.arn], byIdent[g.name] = i, i
	}
	clientStreams := len(s.groups) > 1 && (len(s.cfg.Streams) > 0 || s.cfg.StreamPrefix != "")
	if !clientStreams {
		in.LogStreamNames = s.cfg.Streams
		if s.cfg.StreamPrefix != "" {
			in.LogStreamNamePrefixes = []string{s.cfg.StreamPrefix}
		}
	}
	if s.cfg.FilterPattern != "" {
		in.LogEventFilterPattern = aws.String(s.cfg.FilterPattern)
	}
	names := strings.Join(s.cfg.Groups, ", ")
	var out *cloudwatchlogs.StartLiveTailOutput
	end, err := s.retryCall(ctx, "logs:StartLiveTail", names, true, func(ctx context.Context) (err error) {
		out, err = s.cfg.Client.StartLiveTail(ctx, in)
		return err
	})
	defer end()
	if err != nil {
		return err
	}
	stream := out.GetStream()
	defer stream.Close()
	renew := s.clock.After(s.cfg.SessionRenew)
	events := stream.Events()
	// Live Tail sends an update about once a second, empty or not: a
	// stream silent for StreamIdle is dead, whatever the connection says.
	idle := time.NewTimer(s.cfg.Deadlines.StreamIdle)
	defer idle.Stop()
	*failures++
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-renew:
			*failures = 0
			return nil
		case <-idle.C:
			s.stMu.Lock()
			s.lastErr = fmt.Sprintf("live tail silent for %s: reconnecting and re-reading the gap", s.cfg.Deadlines.StreamIdle)
			s.stMu.Unlock()
			return nil
		case ev, ok := <-events:
			idle.Reset(s.cfg.Deadlines.StreamIdle)
			if !ok {
				err := stream.Err()
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err == nil {
					return nil
				}
				if fe := classify(err, "logs:StartLiveTail", names, s.hints); fe != nil {
					return fe
				}
				var te *types.SessionTimeoutException
				if errors.As(err, &te) {
					*failures = 0
				}
				s.stMu.Lock()
				s.lastErr = "live tail session ended (" + shortError(err) + "): reconnecting and re-reading the gap"
				s.stMu.Unlock()
				return nil
			}
			switch v := ev.(type) {
			case *types.StartLiveTailResponseStreamMemberSessionStart:
				s.setMode("live")
				s.requestRepair(rep, *covered, true)
			case *types.StartLiveTailResponseStreamMemberSessionUpdate:
				*failures = 0
				now := s.clock.Now().UnixMilli()
				s.deliverLive(&v.Value, byIdent, clientStreams, *covered)
				if v.Value.SessionMetadata != nil && v.Value.SessionMetadata.Sampled {
					s.stMu.Lock()
					s.sampled++
					s.stMu.Unlock()
					s.requestRepair(rep, *covered, false)
				}
				*covered = now
			}
		}
	}
}

func (s *Source) deliverLive(up *types.LiveTailSessionUpdate, byIdent map[string]int, clientStreams bool, covered int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range up.SessionResults {
		e := &up.SessionResults[i]
		gi, ok := byIdent[aws.ToString(e.LogGroupIdentifier)]
		if !ok {
			gi, ok = byIdent[strings.TrimSuffix(aws.ToString(e.LogGroupIdentifier), ":*")]
		}
		if !ok {
			continue
		}
		stream := aws.ToString(e.LogStreamName)
		if clientStreams && !s.wantStream(stream) {
			continue
		}
		ts, msg := aws.ToInt64(e.Timestamp), aws.ToString(e.Message)
		if !s.seen.live(gi, stream, ts, msg) {
			s.dups++
			continue
		}
		s.add(gi, stream, msg, "", ts, aws.ToInt64(e.IngestionTime))
	}
	s.flush()
	if now := s.clock.Now(); now.Sub(s.lastForget) > time.Minute {
		s.lastForget = now
		s.seen.forget(s.horizon(min(covered, s.repairFloor)))
	}
}

func (s *Source) wantStream(name string) bool {
	if len(s.cfg.Streams) > 0 {
		for _, n := range s.cfg.Streams {
			if n == name {
				return true
			}
		}
		return false
	}
	return strings.HasPrefix(name, s.cfg.StreamPrefix)
}

// repairer coalesces gap repairs: one pass covers every gap requested
// since the previous pass began.
type repairer struct {
	mu      sync.Mutex
	pending bool
	from    int64
	wake    chan struct{}
	hurry   chan struct{}
}

// requestRepair asks for a repair pass reading from lookback before from,
// and keeps the identities that pass needs from being forgotten meanwhile.
// An urgent repair (after a reconnect) skips the wait between passes that
// keeps an always-sampled tail from re-reading the window back to back.
func (s *Source) requestRepair(r *repairer, from int64, urgent bool) {
	s.mu.Lock()
	s.repairFloor = min(s.repairFloor, from)
	s.mu.Unlock()
	r.request(from)
	if urgent {
		select {
		case r.hurry <- struct{}{}:
		default:
		}
	}
}

func (r *repairer) request(from int64) {
	r.mu.Lock()
	if !r.pending || from < r.from {
		r.from = from
	}
	r.pending = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *repairer) take() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = false
	return r.from
}

// repairLoop runs repair passes as gaps are reported, at most one per poll
// interval so a stream that is always sampled degrades to polling.
func (s *Source) repairLoop(ctx context.Context, since int64, rep *repairer) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-rep.wake:
		}
		// FilterLogEvents may not yet find what was ingested a moment
		// ago: let the stretch settle before reading it.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.clock.After(s.cfg.RepairDelay):
		}
		began := s.clock.Now()
		from := rep.take()
		start := max(since, from-s.cfg.Lookback.Milliseconds())
		for i := range s.groups {
			if err := s.pass(ctx, i, start, 0); err != nil {
				return err
			}
		}
		s.mu.Lock()
		rep.mu.Lock()
		s.repairFloor = 1 << 62
		if rep.pending {
			s.repairFloor = rep.from
		}
		rep.mu.Unlock()
		s.mu.Unlock()
		if wait := s.cfg.PollInterval - s.clock.Now().Sub(began); wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-s.clock.After(wait):
			case <-rep.hurry:
			}
		}
	}
}
