// Package awscall puts deadlines on AWS calls, so that no endpoint that
// accepts a connection and never answers can hang flowtail: a deadline to
// connect, one for the first byte of the answer (and for any silence
// within it), one for the whole call including the SDK's own retries, and
// one for silence on a push stream such as Live Tail. A call cut by its own
// deadline is a HungError, which callers retry as they retry throttling.
// It also routes the SDK's log, which must not write over the terminal UI.
// CloudWatch and EC2 use it; it is meant for every AWS client (S3, Athena).
package awscall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// Deadlines bound each stage of a call.
type Deadlines struct {
	Connect    time.Duration // TCP connect and TLS handshake
	FirstByte  time.Duration // request sent to response headers, and any silence after
	Call       time.Duration // one whole call, the SDK's retries included
	StreamIdle time.Duration // a push stream with nothing on it (Live Tail sends about once a second)
}

// Default are the deadlines of the product.
var Default = Deadlines{
	Connect:    10 * time.Second,
	FirstByte:  30 * time.Second,
	Call:       60 * time.Second,
	StreamIdle: 30 * time.Second,
}

// HTTPClient is an SDK HTTP client that enforces the connect and
// first-byte deadlines. The whole-call deadline is the context's (Do), so
// a long push stream is not cut by it.
func (d Deadlines) HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(n *net.Dialer) { n.Timeout = d.Connect }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = d.Connect
			t.ResponseHeaderTimeout = d.FirstByte
		}).
		WithReadTimeout(d.FirstByte)
}

// HungError is a call that got no answer within its deadline.
type HungError struct {
	Op    string
	After time.Duration
	Err   error
}

func (e *HungError) Error() string {
	return fmt.Sprintf("no answer from %s within %s", e.Op, e.After)
}

func (e *HungError) Unwrap() error { return e.Err }

// Do runs one call under the whole-call deadline. When the deadline (and
// not ctx) ended it, the error is a *HungError.
func (d Deadlines) Do(ctx context.Context, op string, call func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, d.Call)
	defer cancel()
	err := call(cctx)
	if err != nil && ctx.Err() == nil && (cctx.Err() != nil || timedOut(err)) {
		return &HungError{Op: op, After: d.Call, Err: err}
	}
	return err
}

// Open runs a call that opens a push stream: the whole-call deadline holds
// until the call returns, and the stream then lives until ctx ends or
// stop is called (always call it).
func (d Deadlines) Open(ctx context.Context, op string, call func(context.Context) error) (stop func(), err error) {
	cctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(d.Call, cancel)
	err = call(cctx)
	fired := !timer.Stop()
	if err != nil {
		cancel()
		if ctx.Err() == nil && (fired || timedOut(err)) {
			return func() {}, &HungError{Op: op, After: d.Call, Err: err}
		}
		return func() {}, err
	}
	if fired {
		cancel()
		return func() {}, &HungError{Op: op, After: d.Call, Err: context.DeadlineExceeded}
	}
	return cancel, nil
}

// timedOut says whether err is a transport deadline (connect, first byte,
// read) that the SDK passed on after its retries.
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// Budget bounds how long a headless command keeps retrying one failing
// call: like the AWS CLI's max attempts, it then gives up with the last
// error. A zero Budget never gives up (a live tail in the terminal UI, or
// --follow).
type Budget time.Duration

// HeadlessBudget is the retry budget of a headless read. Calls of a
// failing streak are cut at its end too, so a read from a stalled or
// failing endpoint ends within two minutes.
const HeadlessBudget = Budget(90 * time.Second)

// Until is when retrying that began at first must stop (zero: never).
func (b Budget) Until(first time.Time) time.Time {
	if b <= 0 {
		return time.Time{}
	}
	return first.Add(time.Duration(b))
}

// GiveUpError is a headless read ending after its retry budget.
type GiveUpError struct {
	Op       string
	Attempts int
	For      time.Duration
	Err      error // the last error
}

func (e *GiveUpError) Error() string {
	return fmt.Sprintf("%s failed %d times over %s, giving up: %v", e.Op, e.Attempts, e.For.Round(time.Second), e.Err)
}

func (e *GiveUpError) Unwrap() error { return e.Err }

// LoadOptions are the SDK configuration options every AWS client of
// flowtail is built with: the deadlines, and the SDK's log sent to log
// (nil: the SDK's default, standard error, for headless commands).
func LoadOptions(d Deadlines, log *slog.Logger) []func(*config.LoadOptions) error {
	opts := []func(*config.LoadOptions) error{config.WithHTTPClient(d.HTTPClient())}
	if log != nil {
		opts = append(opts, config.WithLogger(Logger(log)), config.WithClientLogMode(aws.ClientLogMode(0)))
	}
	return opts
}

// Logger is an SDK logger writing to log, for when the terminal UI owns
// the screen (log discards when there is no --log file).
func Logger(log *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		level := slog.LevelInfo
		if c == logging.Warn {
			level = slog.LevelWarn
		}
		log.Log(context.Background(), level, fmt.Sprintf(format, v...), "from", "aws-sdk")
	})
}

// Hung is err as a *HungError when it is a call cut by its own deadline
// (after) while ctx, the caller's, still runs; else err.
func Hung(ctx context.Context, err error, op string, after time.Duration) error {
	if err != nil && ctx.Err() == nil && timedOut(err) {
		return &HungError{Op: op, After: after, Err: err}
	}
	return err
}
