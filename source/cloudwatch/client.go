// Package cloudwatch follows VPC flow logs in CloudWatch Logs: a backfill
// with FilterLogEvents, then Live Tail for push delivery, with every gap
// (sampled updates, reconnects, session ends) repaired by re-querying the
// window and merging by event identity; or polling a trailing window when
// Live Tail is off or unavailable. Throttling and transient faults back off
// and resume; permission and credential problems stop with what to do.
package cloudwatch

import (
	"context"
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
	}}, optFns...)
	return cloudwatchlogs.NewFromConfig(cfg, fns...)
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
