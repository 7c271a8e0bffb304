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

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/awscall"
)

// Defaults for Config fields left zero.
const (
	DefaultSince        = 10 * time.Minute
	DefaultLookback     = 15 * time.Minute
	DefaultPollInterval = 10 * time.Second
	// DefaultSessionRenew starts a new Live Tail session before the
	// service ends it at three hours.
	DefaultSessionRenew  = 2*time.Hour + 50*time.Minute
	DefaultRepairDelay   = 3 * time.Second
	DefaultBatchSize     = 4096
	DefaultMaxRemembered = 4 << 20
	maxLiveGroups        = 10
)

// Config says what to follow and how.
type Config struct {
	Client        *cloudwatchlogs.Client
	Groups        []string // names or ARNs
	Streams       []string // log stream (ENI) names
	StreamPrefix  string
	Since         time.Time // zero: DefaultSince before the start
	Until         time.Time // non-zero: read history up to it, then stop
	FilterPattern string
	Poll          bool          // poll FilterLogEvents instead of Live Tail
	Lookback      time.Duration // how late an event may arrive and still be caught
	PollInterval  time.Duration
	SessionRenew  time.Duration
	RepairDelay   time.Duration // wait before re-reading a gap, for search to catch up
	Format        *model.Format // --format; nil: FlowLogFormat, then the default
	// FlowLogFormat returns the LogFormat of the flow log delivering to a
	// group (ec2:DescribeFlowLogs); "" when there is none. Optional.
	FlowLogFormat func(ctx context.Context, group string) (string, error)
	Profile       string // for the hints in error messages
	SSO           bool   // the profile logs in with IAM Identity Center
	Region        string
	Clock         Clock
	BatchSize     int
	MaxRemembered int // bound on the event identities kept for de-duplication
	BackoffBase   time.Duration
	BackoffMax    time.Duration
	// Deadlines bound every call (zero: awscall.Default).
	Deadlines awscall.Deadlines
	// RetryBudget is how long a failing call, or a run of empty pages, is
	// retried before the read gives up with the last error: set for
	// headless reads; zero (a live tail) retries until it works.
	RetryBudget awscall.Budget
}

type group struct {
	name   string // for messages and Origin
	ident  string // what FilterLogEvents is given: the name, or the ARN
	arn    string // for Live Tail; "" when unknown
	format *model.Format
}

// Source follows one or more log groups.
type Source struct {
	cfg    Config
	clock  Clock
	hints  hints
	groups []*group

	mu          sync.Mutex // guards the batch, the identities, and serialises emit
	emit        source.Emit
	seen        *seen
	pending     []model.Event // the batch being built
	pendG       int
	arena       []byte
	dups        int64     // duplicates not yet counted in Status
	newestP     int64     // newest ingestion not yet in Status
	repairFloor int64     // oldest gap start a repair may still read from
	lastForget  time.Time // when live mode last dropped old identities

	// stMu guards the health below apart from mu, so Status never waits
	// for an emit that the consumer is slow to take.
	stMu       sync.Mutex
	mode       string
	newest     int64 // newest ingestion time delivered (ms)
	rate       rateMeter
	sampled    int64
	duplicates int64
	backoff    string
	lastErr    string
	note       string
	final      bool
	memFull    bool
}

// New returns a source for cfg; nothing is called until Run.
func New(cfg Config) *Source {
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = DefaultLookback
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.SessionRenew <= 0 {
		cfg.SessionRenew = DefaultSessionRenew
	}
	if cfg.RepairDelay <= 0 {
		cfg.RepairDelay = DefaultRepairDelay
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.MaxRemembered <= 0 {
		cfg.MaxRemembered = DefaultMaxRemembered
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 500 * time.Millisecond
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 30 * time.Second
	}
	if cfg.Deadlines == (awscall.Deadlines{}) {
		cfg.Deadlines = awscall.Default
	}
	return &Source{cfg: cfg, clock: cfg.Clock, hints: hints{profile: cfg.Profile, sso: cfg.SSO, region: cfg.Region},
		seen: newSeen(cfg.MaxRemembered), mode: "starting", repairFloor: 1 << 62}
}

// Name is what the status bar shows.
func (s *Source) Name() string { return "cloudwatch " + strings.Join(s.cfg.Groups, ",") }

// Status reports tail health.
func (s *Source) Status() source.Status {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	now := s.clock.Now()
	st := source.Status{Mode: s.mode, Rate: s.rate.perSecond(now), Sampled: s.sampled, Duplicates: s.duplicates,
		Backoff: s.backoff, LastError: s.lastErr, Final: s.final}
	if s.newest > 0 {
		st.LagMillis = now.UnixMilli() - s.newest
	}
	if st.LastError == "" {
		st.LastError = s.note
	}
	if s.memFull && st.LastError == "" {
		st.LastError = "de-duplication memory full: a repaired gap may repeat events; lower --lookback"
	}
	return st
}

func (s *Source) setMode(m string) {
	s.stMu.Lock()
	s.mode = m
	s.stMu.Unlock()
}

// setNote adds to what the status shows when nothing is wrong right now:
// a fallback taken, a format guessed, a stream not found.
func (s *Source) setNote(n string) {
	s.stMu.Lock()
	switch {
	case s.note == "":
		s.note = n
	case !strings.Contains(s.note, n):
		s.note += "; " + n
	}
	s.stMu.Unlock()
}

// Run follows the groups until ctx ends, --until is reached, or a final
// error (an *Error) occurs.
func (s *Source) Run(ctx context.Context, emit source.Emit) error {
	s.emit = emit
	err := s.run(ctx)
	var fe *Error
	if errors.As(err, &fe) {
		s.stMu.Lock()
		s.final, s.lastErr, s.backoff, s.mode = true, fe.Message, "", "stopped"
		s.stMu.Unlock()
	}
	return err
}

func (s *Source) run(ctx context.Context) error {
	liveOK, why, err := s.resolve(ctx)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	since := s.cfg.Since
	if since.IsZero() {
		since = now.Add(-DefaultSince)
	}
	if !s.cfg.Until.IsZero() {
		s.setMode("backfill")
		until := s.cfg.Until.UnixMilli()
		for i := range s.groups {
			if err := s.pass(ctx, i, since.UnixMilli(), until); err != nil {
				return err
			}
		}
		s.setMode("done")
		return nil
	}
	if s.cfg.Poll {
		return s.poll(ctx, since.UnixMilli())
	}
	if !liveOK {
		s.setNote("live tail unavailable (" + why + "): polling every " + s.cfg.PollInterval.String())
		return s.poll(ctx, since.UnixMilli())
	}
	return s.live(ctx, since.UnixMilli())
}

// resolve finds each group's name and ARN and its flow-log format. It says
// whether Live Tail can be used and, if not, why.
func (s *Source) resolve(ctx context.Context) (bool, string, error) {
	liveOK, why := true, ""
	if len(s.cfg.Groups) > maxLiveGroups {
		liveOK, why = false, fmt.Sprintf("%d log groups, Live Tail takes at most %d", len(s.cfg.Groups), maxLiveGroups)
	}
	for _, g := range s.cfg.Groups {
		grp := &group{name: g, ident: g}
		if strings.HasPrefix(g, "arn:") {
			grp.arn = strings.TrimSuffix(g, ":*")
			grp.ident = grp.arn
			if _, name, ok := strings.Cut(grp.arn, ":log-group:"); ok {
				grp.name = name
			}
		} else {
			arn, err := s.lookupARN(ctx, g)
			var fe *Error
			switch {
			case errors.As(err, &fe) && fe.Kind == "access":
				liveOK, why = false, "logs:DescribeLogGroups denied, so the group ARNs Live Tail needs are unknown"
			case err != nil:
				return false, "", err
			}
			grp.arn = arn
		}
		grp.format = s.cfg.Format
		if grp.format == nil && s.cfg.FlowLogFormat != nil {
			grp.format = s.flowLogFormat(ctx, grp.name)
		}
		s.checkStreams(ctx, grp)
		s.groups = append(s.groups, grp)
	}
	return liveOK, why, nil
}

// checkStreams says when a --stream names no log stream of the group, so a
// mistyped interface id is not met with silence. The tail goes on: the
// stream may appear later. Errors are left to the calls that need to work.
func (s *Source) checkStreams(ctx context.Context, g *group) {
	var missing []string
	for _, name := range s.cfg.Streams {
		var out *cloudwatchlogs.DescribeLogStreamsOutput
		err := s.cfg.Deadlines.Do(ctx, "logs:DescribeLogStreams", func(ctx context.Context) (err error) {
			out, err = s.cfg.Client.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{
				LogGroupIdentifier: aws.String(g.ident), LogStreamNamePrefix: aws.String(name), Limit: aws.Int32(1),
			})
			return err
		})
		if err != nil {
			return
		}
		if len(out.LogStreams) == 0 || aws.ToString(out.LogStreams[0].LogStreamName) != name {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		s.setNote(fmt.Sprintf("no log stream %s in %s yet: check --stream (streams are named by interface id)", strings.Join(missing, ", "), g.name))
	}
}

func (s *Source) lookupARN(ctx context.Context, name string) (string, error) {
	in := &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)}
	for {
		var out *cloudwatchlogs.DescribeLogGroupsOutput
		err := s.retry(ctx, "logs:DescribeLogGroups", name, func(ctx context.Context) (err error) {
			out, err = s.cfg.Client.DescribeLogGroups(ctx, in)
			return err
		})
		if err != nil {
			return "", err
		}
		for _, lg := range out.LogGroups {
			if aws.ToString(lg.LogGroupName) != name {
				continue
			}
			if lg.LogGroupArn != nil {
				return *lg.LogGroupArn, nil
			}
			return strings.TrimSuffix(aws.ToString(lg.Arn), ":*"), nil
		}
		if aws.ToString(out.NextToken) == "" || aws.ToString(out.NextToken) == aws.ToString(in.NextToken) {
			return "", classify(&types.ResourceNotFoundException{Message: aws.String("no log group named " + name)}, "logs:DescribeLogGroups", name, s.hints)
		}
		in.NextToken = out.NextToken
	}
}

func (s *Source) flowLogFormat(ctx context.Context, name string) *model.Format {
	text, err := s.cfg.FlowLogFormat(ctx, name)
	if err != nil {
		s.setNote(fmt.Sprintf("flow-log format of %s unknown (%s): using the default format; pass --format for a custom one", name, shortError(err)))
		return nil
	}
	if text == "" {
		return nil
	}
	f, err := model.ParseFormat(text)
	if err != nil {
		s.setNote(fmt.Sprintf("flow-log format of %s unreadable (%v): using the default format", name, err))
		return nil
	}
	return f
}

// pass reads one FilterLogEvents query over [start, end] (end 0: open)
// following every nextToken, merging what it finds. A token the service
// already gave in this pass restarts the query from the newest timestamp
// reached, so a looping token neither hangs the tail nor loses events.
func (s *Source) pass(ctx context.Context, gi int, start, end int64) error {
	g := s.groups[gi]
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupIdentifier: aws.String(g.ident), StartTime: aws.Int64(start)}
	if end > 0 {
		in.EndTime = aws.Int64(end)
	}
	if len(s.cfg.Streams) > 0 {
		in.LogStreamNames = s.cfg.Streams
	} else if s.cfg.StreamPrefix != "" {
		in.LogStreamNamePrefix = aws.String(s.cfg.StreamPrefix)
	}
	if s.cfg.FilterPattern != "" {
		in.FilterPattern = aws.String(s.cfg.FilterPattern)
	}
	tokens := map[string]bool{}
	restarts := 0
	newestTS := start
	var empty int // pages in a row with no events and a next token
	var emptySince time.Time
	for {
		var out *cloudwatchlogs.FilterLogEventsOutput
		err := s.retry(ctx, "logs:FilterLogEvents", g.name, func(ctx context.Context) (err error) {
			out, err = s.cfg.Client.FilterLogEvents(ctx, in)
			return err
		})
		if err != nil {
			return err
		}
		s.mu.Lock()
		for i := range out.Events {
			e := &out.Events[i]
			ts := aws.ToInt64(e.Timestamp)
			newestTS = max(newestTS, ts)
			stream, msg := aws.ToString(e.LogStreamName), aws.ToString(e.Message)
			if !s.seen.filtered(gi, stream, ts, msg, aws.ToString(e.EventId)) {
				s.dups++
				continue
			}
			s.add(gi, stream, msg, aws.ToString(e.EventId), ts, aws.ToInt64(e.IngestionTime))
		}
		s.flush()
		if !s.cfg.Until.IsZero() {
			// A history read has no overlapping windows: only a restarted
			// query (below) reads again, from newestTS on.
			s.seen.forget(newestTS - bucketMillis)
		}
		s.mu.Unlock()
		tok := aws.ToString(out.NextToken)
		if tok == "" {
			s.emptyPages(0)
			return nil
		}
		if len(out.Events) > 0 {
			empty = 0
		} else if empty++; empty == 1 {
			emptySince = time.Now()
		}
		if err := s.emptyStreak(g.name, empty, emptySince); err != nil {
			return err
		}
		if tokens[tok] {
			restarts++
			s.setNote(fmt.Sprintf("FilterLogEvents repeated a nextToken for %s: query restarted from the newest timestamp read", g.name))
			if restarts > 3 {
				if s.cfg.RetryBudget > 0 { // a headless read must not end as if complete
					return s.giveUp(fmt.Errorf("logs:FilterLogEvents repeated its nextToken after %d restarts, giving up", restarts), g.name)
				}
				return nil
			}
			tokens = map[string]bool{}
			in.NextToken, in.StartTime = nil, aws.Int64(newestTS)
			continue
		}
		tokens[tok] = true
		in.NextToken = aws.String(tok)
	}
}

// emptyStreak reports a run of empty pages: in the status when it is long,
// and as a final error when a headless read's budget is spent on it
// (CloudWatch returns empty pages while it scans, but not for ever).
func (s *Source) emptyStreak(group string, pages int, since time.Time) error {
	const long = 20
	if pages > 0 && !s.cfg.RetryBudget.Until(since).IsZero() && time.Now().After(s.cfg.RetryBudget.Until(since)) {
		return s.giveUp(fmt.Errorf("logs:FilterLogEvents returned %d empty pages in a row over %s, giving up", pages, time.Since(since).Round(time.Second)), group)
	}
	if pages >= long || pages == 0 {
		s.emptyPages(pages)
	}
	return nil
}

// emptyPages shows (n > 0) or clears a run of empty pages in the status.
func (s *Source) emptyPages(n int) {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	const prefix = "logs:FilterLogEvents: "
	switch {
	case n > 0:
		s.lastErr = fmt.Sprintf("%s%d empty pages in a row: still reading", prefix, n)
	case strings.HasPrefix(s.lastErr, prefix):
		s.lastErr = ""
	}
}

// add appends a delivered event to the batch being built; s.mu is held.
func (s *Source) add(gi int, stream, msg, id string, ts, ingestion int64) {
	if len(s.pending) > 0 && s.pendG != gi || len(s.pending) >= s.cfg.BatchSize {
		s.flush()
	}
	s.pendG = gi
	off := len(s.arena)
	s.arena = append(s.arena, msg...)
	s.pending = append(s.pending, model.Event{Line: s.arena[off:len(s.arena):len(s.arena)], Origin: s.groups[gi].name,
		Stream: stream, EventID: id, Timestamp: ts, Ingestion: ingestion})
	s.newestP = max(s.newestP, ingestion)
}

// flush emits the batch being built; s.mu is held, which also keeps emits
// from the live reader and the repairer from interleaving.
func (s *Source) flush() {
	s.stMu.Lock()
	s.duplicates += s.dups
	s.newest = max(s.newest, s.newestP)
	s.memFull = s.seen.overflow
	if len(s.pending) > 0 {
		s.rate.add(s.clock.Now(), len(s.pending))
	}
	s.stMu.Unlock()
	s.dups = 0
	if len(s.pending) == 0 {
		return
	}
	s.emit(model.Batch{Events: s.pending, Format: s.groups[s.pendG].format})
	s.pending = s.pending[:0]
	s.arena = s.arena[:0]
}

// horizon is the oldest event time a later query may still return.
func (s *Source) horizon(from int64) int64 {
	return from - s.cfg.Lookback.Milliseconds() - bucketMillis
}

// poll re-reads the trailing lookback window every interval; the identity
// memory makes each event arrive once however many passes see it.
func (s *Source) poll(ctx context.Context, since int64) error {
	s.setMode("poll")
	start := since
	for {
		cycle := s.clock.Now()
		for i := range s.groups {
			if err := s.pass(ctx, i, start, 0); err != nil {
				return err
			}
		}
		start = max(since, cycle.UnixMilli()-s.cfg.Lookback.Milliseconds())
		s.mu.Lock()
		s.seen.forget(s.horizon(cycle.UnixMilli()))
		s.mu.Unlock()
		wait := s.cfg.PollInterval - s.clock.Now().Sub(cycle)
		if wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-s.clock.After(wait):
			}
		}
	}
}

type rateMeter struct {
	sec    [8]int64
	counts [8]int64
}

func (r *rateMeter) add(now time.Time, n int) {
	sec := now.Unix()
	i := sec & 7
	if r.sec[i] != sec {
		r.sec[i], r.counts[i] = sec, 0
	}
	r.counts[i] += int64(n)
}

// perSecond averages the last five whole seconds.
func (r *rateMeter) perSecond(now time.Time) float64 {
	cur := now.Unix()
	var n int64
	for i := range r.sec {
		if r.sec[i] < cur && r.sec[i] >= cur-5 {
			n += r.counts[i]
		}
	}
	return float64(n) / 5
}
