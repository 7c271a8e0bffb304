// Package s3 reads flow logs where S3 delivery puts them: it lists only
// the folders and files that can hold records of the time asked for,
// fetches them with a bounded pool of GetObject calls, and streams each
// through the same decoding as a local capture.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
)

// Defaults.
const (
	DefaultConcurrency = 16
	DefaultInterval    = 60 * time.Second
	// DefaultSlack covers the aggregation interval (up to 10 minutes) and
	// the delivery delay (records land up to 10-15 minutes after their
	// end; the folder date is the delivery date, not the record date).
	DefaultSlack = 15 * time.Minute
	// keepErrors is how many unreadable objects are described one by one.
	keepErrors = 10
)

// Config says what to read and how.
type Config struct {
	Clients   *Clients
	Locations []Location
	// Since and Until bound the records read; zero Since reads every
	// object, zero Until reads up to now (and on, when following).
	Since, Until time.Time
	Follow       bool
	Interval     time.Duration // between listings when following
	Lookback     time.Duration // trailing window re-listed, and keys remembered, when following
	Concurrency  int
	Slack        time.Duration
	// Format is --format: the field order that overrides header lines.
	Format *model.Format
	// Report, when set, hears the progress every ReportEvery (default
	// 2s), a line saying how much `--since all` covers before reading
	// starts, and a last line when reading is complete: headless commands
	// pass stderr.
	Report      io.Writer
	ReportEvery time.Duration
	// ReportAs starts each report line, naming the command the way its
	// other messages do ("flowtail query"); "flowtail" when empty.
	ReportAs string
	Now      func() time.Time
}

// Source reads S3 locations.
type Source struct {
	cfg     Config
	prog    progress
	columns func(model.FieldID) bool // fields a query needs, for Parquet

	emitMu sync.Mutex

	mu      sync.Mutex
	backoff string
	lastErr string
	final   bool
	errs    []error
	next    time.Time // the next listing, when following
}

// New returns a source over cfg's locations.
func New(cfg Config) *Source {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Slack <= 0 {
		cfg.Slack = DefaultSlack
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = time.Hour
	}
	if cfg.ReportEvery <= 0 {
		cfg.ReportEvery = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Locations = distinct(cfg.Locations)
	s := &Source{cfg: cfg}
	s.prog.begin = cfg.Now()
	return s
}

// distinct drops locations inside another one given, so no object is read
// twice.
func distinct(locs []Location) []Location {
	var out []Location
	for i, l := range locs {
		inside := false
		for j, o := range locs {
			if i != j && l.Bucket == o.Bucket && !o.Object && strings.HasPrefix(l.Prefix, o.Prefix) && (l.Prefix != o.Prefix || j < i) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, l)
		}
	}
	return out
}

// Name is what the status bar shows.
func (s *Source) Name() string {
	if len(s.cfg.Locations) == 1 {
		return s.cfg.Locations[0].String()
	}
	return fmt.Sprintf("%d S3 locations", len(s.cfg.Locations))
}

// Status reports progress as the mode, with backoff and the last error.
func (s *Source) Status() source.Status {
	p := s.Progress()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := source.Status{Mode: p.String(), Rate: p.RecordRate, Backoff: s.backoff, LastError: s.lastErr, Final: s.final}
	if s.cfg.Follow && !p.Newest.IsZero() {
		// How far behind the newest file delivered is: its five minutes
		// end at its stamp plus FileWindow.
		st.LagMillis = max(s.cfg.Now().Sub(p.Newest.Add(FileWindow)), 0).Milliseconds()
	}
	if s.cfg.Follow && !s.next.IsZero() {
		st.Mode += fmt.Sprintf(", next listing in %s", max(s.next.Sub(s.cfg.Now()), 0).Round(time.Second))
	}
	return st
}

func (s *Source) noteError(err error) {
	s.mu.Lock()
	s.lastErr = err.Error()
	s.mu.Unlock()
}

// Run lists and reads until done, or, when following, until ctx ends.
// Objects that cannot be read are reported with their keys and the rest
// are read; a location that cannot be listed stops only itself.
func (s *Source) Run(ctx context.Context, emit source.Emit) error {
	if len(s.cfg.Locations) == 0 {
		return errors.New("no s3:// location")
	}
	// Emit is not safe for concurrent use; objects are read in parallel.
	serial := func(b model.Batch) {
		s.emitMu.Lock()
		emit(b)
		s.emitMu.Unlock()
	}
	p := newPool(ctx, s, serial)
	defer p.stop()

	now := s.cfg.Now()
	sp := span{from: s.cfg.Since, to: s.cfg.Until}
	if sp.to.IsZero() {
		sp.to = now
	}
	if s.cfg.Report != nil {
		stop := s.report(ctx)
		defer stop()
	}
	var seen *seenKeys // only following needs to know what was read
	if s.cfg.Follow {
		seen = newSeenKeys()
	}
	listErrs := make([]error, len(s.cfg.Locations))
	counted := false
	if sp.from.IsZero() {
		// Everything: say how much that is before reading any of it.
		n, bytes, err := s.count(ctx, sp)
		if err != nil {
			return s.finish(err)
		}
		s.prog.objects.Store(int64(n))
		s.prog.totalBytes.Store(bytes)
		s.prog.listed.Store(true)
		counted = true
		s.say(fmt.Sprintf("--since all: reading %d objects (%s) from %s", n, humanBytes(bytes), s.Name()))
	}
	ok := 0
	for i, loc := range s.cfg.Locations {
		listErrs[i] = s.listInto(ctx, loc, sp, p, seen, counted)
		if listErrs[i] == nil {
			ok++
		} else {
			s.noteError(listErrs[i])
			if ctx.Err() == nil {
				s.prog.listFailed.Add(1)
			}
		}
	}
	s.prog.listed.Store(true)
	p.wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !s.cfg.Follow || ok == 0 {
		return s.finish(errors.Join(append(listErrs, s.objectErrors()...)...))
	}
	for {
		s.mu.Lock()
		s.next = s.cfg.Now().Add(s.cfg.Interval)
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.cfg.Interval):
		}
		now := s.cfg.Now()
		sp := span{from: now.Add(-s.cfg.Lookback), to: now}
		if !s.cfg.Since.IsZero() && s.cfg.Since.After(sp.from) {
			sp.from = s.cfg.Since
		}
		seen.forget(sp.from.Add(-2*s.cfg.Slack - FileWindow))
		for i, loc := range s.cfg.Locations {
			if listErrs[i] != nil && !transient(listErrs[i]) {
				continue // a location that could not be listed stays off
			}
			if err := s.listInto(ctx, loc, sp, p, seen, false); err != nil {
				s.noteError(err)
			}
		}
		p.wait()
	}
}

// finish records the final state and error.
func (s *Source) finish(err error) error {
	s.mu.Lock()
	// Stopped for good only when nothing could be read; skipped objects
	// are counted in the progress instead.
	s.final = err != nil && s.prog.read.Load() == 0
	s.backoff = ""
	s.mu.Unlock()
	s.prog.done.Store(true)
	return err
}

// say writes a line to the report, if any.
func (s *Source) say(msg string) {
	if s.cfg.Report == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	who := s.cfg.ReportAs
	if who == "" {
		who = "flowtail"
	}
	fmt.Fprintf(s.cfg.Report, "%s: %s: %s\n", who, s.Name(), msg)
}

// report writes the progress every ReportEvery while reading, and once
// more when stopped; stop waits for that last line.
func (s *Source) report(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.cfg.ReportEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				s.say(s.Progress().String())
			}
		}
	}()
	return func() {
		cancel()
		<-done
		if !s.cfg.Follow {
			s.prog.done.Store(true)
			s.say(s.Progress().String())
		}
	}
}

func transient(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindTransient
}

// listInto lists one location and hands each object not read before to the
// pool.
// counted: the objects were counted before, and are not again.
func (s *Source) listInto(ctx context.Context, loc Location, sp span, p *pool, seen *seenKeys, counted bool) error {
	client, err := s.cfg.Clients.bucketClient(ctx, loc.Bucket, s.retry)
	if err != nil {
		return err
	}
	l := &lister{src: s, client: client, loc: loc, span: sp, each: func(o object) error {
		if seen != nil && !seen.add(o.origin(), o.stamp, s.cfg.Now()) {
			return nil
		}
		if !counted {
			s.prog.objects.Add(1)
			s.prog.totalBytes.Add(max(o.size, 0))
		}
		return p.submit(ctx, o)
	}}
	return l.run(ctx)
}

// count lists every location once, only to say how much `--since all`
// will read before reading it. A location that cannot be listed counts
// for nothing here; listing it again for reading reports why.
func (s *Source) count(ctx context.Context, sp span) (int, int64, error) {
	n, size := 0, int64(0)
	for _, loc := range s.cfg.Locations {
		client, err := s.cfg.Clients.bucketClient(ctx, loc.Bucket, s.retry)
		if err != nil {
			continue // reading it will fail the same way, and say so
		}
		l := &lister{src: s, client: client, loc: loc, span: sp, each: func(o object) error {
			n++
			size += max(o.size, 0)
			return nil
		}}
		if err := l.run(ctx); err != nil && ctx.Err() != nil {
			return 0, 0, ctx.Err()
		}
	}
	return n, size, nil
}

// maxAttempts bounds the retries of one call on throttling and dropped
// connections.
const maxAttempts = 8

// retry runs call with a deadline, backing off with jitter on throttling
// (SlowDown, 503) and dropped connections; other failures are returned as
// an *Error that says what to do.
func (s *Source) retry(ctx context.Context, o op, bucket, key string, call func(context.Context) error) error {
	first := time.Now()
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := call(cctx)
		hung := err != nil && ctx.Err() == nil && cctx.Err() != nil
		cancel()
		if err == nil {
			if attempt > 1 {
				s.mu.Lock()
				s.backoff = ""
				s.mu.Unlock()
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e := classify(err, o, bucket, key, s.cfg.Clients.hints)
		if hung {
			e = &Error{Kind: KindTransient, Err: err, Message: fmt.Sprintf(
				"%s s3://%s/%s: no answer within %s: check the network and the endpoint (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, --region)",
				o.verb(), bucket, safeKey(key), callTimeout)}
		}
		wait := source.Backoff(250*time.Millisecond, 20*time.Second, attempt)
		if e.Kind != KindTransient || attempt >= maxAttempts || time.Since(first)+wait > retryBudget {
			return e
		}
		s.prog.throttled.Add(1)
		s.mu.Lock()
		s.backoff = wait.Round(time.Millisecond).String()
		s.lastErr = e.Message
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// objectFailed notes an object that could not be read.
func (s *Source) objectFailed(o object, err error) {
	s.prog.failed.Add(1)
	msg := err.Error()
	if !strings.Contains(msg, o.origin()) {
		msg = o.origin() + ": " + msg
	}
	err = errors.New(safeKey(msg))
	s.noteError(err)
	s.mu.Lock()
	if len(s.errs) < keepErrors {
		s.errs = append(s.errs, err)
	}
	s.mu.Unlock()
}

// objectErrors are the unreadable objects' errors, the first few one by
// one and a count of the rest.
func (s *Source) objectErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]error(nil), s.errs...)
	failed := s.prog.failed.Load()
	if failed > int64(len(out)) {
		out = append(out, fmt.Errorf("… and %d more objects could not be read", failed-int64(len(out))))
	}
	if failed > 0 {
		out = append(out, fmt.Errorf("%d of %d objects skipped as unreadable; the others were read", failed, s.prog.objects.Load()))
	}
	return out
}

// seenKeys remembers the objects already read while following, for the
// lookback window only, so memory follows the window, not the bucket.
type seenKeys struct {
	mu   sync.Mutex
	keys map[string]time.Time
}

func newSeenKeys() *seenKeys { return &seenKeys{keys: map[string]time.Time{}} }

// add reports whether key is new, remembering it by its stamp (or now).
func (k *seenKeys) add(key string, stamp, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[key]; ok {
		return false
	}
	if stamp.IsZero() {
		stamp = now
	}
	k.keys[key] = stamp
	return true
}

// forget drops keys stamped before t: they are older than any listing
// from now on will cover.
func (k *seenKeys) forget(t time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, at := range k.keys {
		if at.Before(t) {
			delete(k.keys, key)
		}
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
