// Package cloudwatch follows VPC flow logs in CloudWatch Logs: a backfill
// with FilterLogEvents, then Live Tail for push delivery, with every gap
// (sampled updates, reconnects, session ends) repaired by re-querying the
// window and merging by event identity; or polling a trailing window when
// Live Tail is off or unavailable. Throttling and transient faults back off
// and resume; permission and credential problems stop with what to do.
package cloudwatch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// NewClient builds the CloudWatch Logs client. With a custom endpoint
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, endpoint_url in the
// profile) the SDK would still put its "stream-" host prefix in front of
// StartLiveTail's host, which no emulator or proxy answers to, so the prefix
// is switched off for custom endpoints only.
func NewClient(cfg aws.Config, optFns ...func(*cloudwatchlogs.Options)) *cloudwatchlogs.Client {
	fns := append([]func(*cloudwatchlogs.Options){func(o *cloudwatchlogs.Options) {
		if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
			o.APIOptions = append(o.APIOptions, disableHostPrefix)
		}
		if o.HTTPClient != nil {
			o.HTTPClient = CopyRequestBodies(o.HTTPClient)
		}
	}}, optFns...)
	return cloudwatchlogs.NewFromConfig(cfg, fns...)
}

// bodyCopier hands the transport a request body of its own. The SDK closes
// the request body as soon as response headers arrive, while net/http may
// still be reading it to check for extra bytes: the closed body answers
// io.EOF from WriteTo, net/http takes that for a failed write and closes the
// connection, which ends a Live Tail stream just after it began (and cuts
// off a large FilterLogEvents page). The bodies are small JSON documents.
type bodyCopier struct{ next HTTPDoer }

// HTTPDoer is the HTTP client every SDK service client takes.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// CopyRequestBodies wraps an SDK service client's HTTP client so the
// transport gets its own copy of each request body (see bodyCopier).
func CopyRequestBodies(c HTTPDoer) HTTPDoer { return bodyCopier{c} }

func (c bodyCopier) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("cloudwatch: read request body: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return c.next.Do(r)
}

func disableHostPrefix(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("FlowtailNoHostPrefix",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

// Clock is the source's time: the wall clock in the product, a faster one in
// tests so minutes of late delivery take seconds.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
