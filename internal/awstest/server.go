// Package awstest is a wire-level fake of the AWS endpoints flowtail calls,
// for tests: an httptest server on 127.0.0.1 that speaks the real protocols,
// so the real aws-sdk-go-v2 clients run through their own serialisation,
// signing, retries, error decoding and event-stream decoding.
//
// CloudWatch Logs (JSON 1.1, X-Amz-Target Logs_20140328.*) is served by this
// package itself; any other request goes to the handler given to Mount, which
// is how other protocols (the EC2 query API) share one endpoint.
package awstest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Clock is the fake's notion of time: when events become visible and when
// live-tail updates are sent. Tests share one Clock with the code under test.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// WallClock is the real time.
var WallClock Clock = wallClock{}

// ScaledClock runs Factor times faster than the wall clock from a chosen
// start, so minutes of late delivery pass in seconds of test time.
type ScaledClock struct {
	start  time.Time
	wall   time.Time
	factor float64
}

// NewScaledClock returns a clock reading start now and advancing factor
// times faster than real time.
func NewScaledClock(start time.Time, factor float64) *ScaledClock {
	if factor <= 0 {
		factor = 1
	}
	return &ScaledClock{start: start, wall: time.Now(), factor: factor}
}

// Now is the scaled time.
func (c *ScaledClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.wall)) * c.factor))
}

// After fires once d of scaled time has passed.
func (c *ScaledClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	time.AfterFunc(time.Duration(float64(d)/c.factor), func() { ch <- c.Now() })
	return ch
}

// Real converts a scaled duration to the wall-clock time it takes.
func (c *ScaledClock) Real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.factor)
}

// Option configures a Server.
type Option func(*Server)

// WithClock makes the server use c for visibility and live-tail pacing.
func WithClock(c Clock) Option { return func(s *Server) { s.clock = c } }

// Server is the fake endpoint. The zero value is not usable; call New.
type Server struct {
	srv   *httptest.Server
	clock Clock

	mu         sync.Mutex
	mounted    http.Handler
	logs       *logStore
	faults     []*Fault
	denied     map[string]string // operation -> IAM action reported as missing
	calls      map[string]int
	live       liveConfig
	pageSize   int
	searchLag  int64 // ms between visibility to Live Tail and to FilterLogEvents
	emptyPages int   // EmptyPage answers so far, numbering their tokens

	sessionSeq int

	insights insightsState
	athena   athenaState
}

// New starts a fake endpoint on 127.0.0.1. When t is not nil the server is
// closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	s := &Server{clock: WallClock, logs: newLogStore(), denied: map[string]string{}, calls: map[string]int{}}
	s.live = defaultLiveConfig()
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

// URL is the endpoint to give the SDK (aws.Config.BaseEndpoint or
// AWS_ENDPOINT_URL).
func (s *Server) URL() string { return s.srv.URL }

// Clock is the clock the server runs on.
func (s *Server) Clock() Clock { return s.clock }

// Close stops the server and ends open live-tail sessions.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Mount routes every request that is not a CloudWatch Logs JSON 1.1 call
// (X-Amz-Target Logs_20140328.*) to h, for example an EC2 query-protocol
// handler. The handler sees the request exactly as the SDK sent it.
func (s *Server) Mount(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mounted = h
}

// Calls is how many requests reached operation op (for example
// "FilterLogEvents"), faults included.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

const logsTargetPrefix = "Logs_20140328."

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if op, ok := strings.CutPrefix(target, logsTargetPrefix); ok {
		s.serveLogs(w, r, op)
		return
	}
	if s.serveAthena(w, r, target) {
		return
	}
	s.mu.Lock()
	h := s.mounted
	s.mu.Unlock()
	if h == nil {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "no handler for "+r.Method+" "+r.URL.Path+" "+target)
		return
	}
	h.ServeHTTP(w, r)
}

// AWSConfig is an SDK configuration that reaches this server only: static
// test credentials, the fake's region, BaseEndpoint set to URL, and quick
// SDK retries so fault tests take milliseconds.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret", ""),
		BaseEndpoint: aws.String(s.URL()),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxBackoff = 20 * time.Millisecond
				o.RateLimiter = ratelimit.None
			})
		},
	}
}
