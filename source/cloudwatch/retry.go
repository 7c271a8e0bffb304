package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/awscall"
)

// retry calls fn until it succeeds, backing off with jitter on throttling,
// transient faults and calls that got no answer within their deadline; it
// returns a final *Error or ctx's error. With a retry budget (headless
// reads) a failing streak ends in a final *Error with the last error.
func (s *Source) retry(ctx context.Context, action, group string, fn func(context.Context) error) error {
	_, err := s.retryCall(ctx, action, group, false, fn)
	return err
}

// retryCall is retry; with stream set the call opens a push stream that
// lives until stop is called.
func (s *Source) retryCall(ctx context.Context, action, group string, stream bool, fn func(context.Context) error) (stop func(), err error) {
	var first time.Time
	var prev error
	for attempt := 1; ; attempt++ {
		callCtx, cancel := ctx, context.CancelFunc(func() {})
		began := time.Now()
		if attempt == 1 {
			first = began
		}
		if until := s.cfg.RetryBudget.Until(first); !until.IsZero() {
			callCtx, cancel = context.WithDeadline(ctx, until)
		}
		stop = func() {}
		if stream {
			stop, err = s.cfg.Deadlines.Open(callCtx, action, fn)
		} else {
			err = s.cfg.Deadlines.Do(callCtx, action, fn)
		}
		if err == nil {
			if attempt > 1 {
				s.stMu.Lock()
				s.backoff = ""
				s.stMu.Unlock()
			}
			end := stop
			return func() { end(); cancel() }, nil
		}
		if ctx.Err() == nil && callCtx.Err() != nil && !errors.As(err, new(*awscall.HungError)) {
			// Cut by the budget: the error worth showing is the one
			// before, if any.
			if prev != nil {
				err = prev
			} else {
				err = &awscall.HungError{Op: action, After: time.Since(began).Round(time.Millisecond), Err: err}
			}
		}
		prev = err
		cancel()
		if ctx.Err() != nil {
			return stop, ctx.Err()
		}
		if fe := classify(err, action, group, s.hints); fe != nil {
			return stop, fe
		}
		d := source.Backoff(s.cfg.BackoffBase, s.cfg.BackoffMax, attempt)
		if until := s.cfg.RetryBudget.Until(first); !until.IsZero() && time.Now().Add(d).After(until) {
			return stop, s.giveUp(&awscall.GiveUpError{Op: action, Attempts: attempt, For: time.Since(first), Err: err}, group)
		}
		s.stMu.Lock()
		s.lastErr = shortError(err)
		s.backoff = fmt.Sprintf("%s retry %d in %s", action, attempt, d.Round(time.Millisecond))
		s.stMu.Unlock()
		select {
		case <-ctx.Done():
			return stop, ctx.Err()
		case <-s.clock.After(d):
		}
	}
}

// giveUp is the final error of a headless read whose retry budget ran out.
func (s *Source) giveUp(err error, group string) *Error {
	return &Error{Kind: "unavailable", Err: err, Message: fmt.Sprintf(
		"log group %s: %v; check the network and the endpoint (AWS_ENDPOINT_URL, --region), or use --follow to keep retrying",
		group, err)}
}
