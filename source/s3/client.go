package s3

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source/awscall"
)

// ClientOptions say how to reach S3: the standard credential chain with
// --profile and --region, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL for
// S3-compatible stores (addressed path-style), and --no-sign-request for
// public buckets.
type ClientOptions struct {
	Profile string
	Region  string
	NoSign  bool
}

// Clients hands out an S3 client per region, so each bucket is asked in
// its own region.
type Clients struct {
	cfg   aws.Config
	hints hints

	mu       sync.Mutex
	byRegion map[string]*s3.Client
	buckets  map[string]string // bucket -> region
}

// callTimeout bounds every request that is not a body being streamed.
var callTimeout = 30 * time.Second

// retryBudget bounds how long one call is retried: like the CloudWatch
// reads, a read from a stalled or failing endpoint ends within two
// minutes.
var retryBudget = time.Duration(awscall.HeadlessBudget)

// NewClients loads the AWS configuration. No region configured is not an
// error here: each bucket's region is asked of S3 itself.
func NewClients(ctx context.Context, opt ClientOptions) (*Clients, error) {
	var opts []func(*config.LoadOptions) error
	if opt.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(opt.Profile))
	}
	if opt.Region != "" {
		opts = append(opts, config.WithRegion(opt.Region))
	}
	if opt.NoSign {
		opts = append(opts, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var pe config.SharedConfigProfileNotExistError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("s3: profile %q is not in ~/.aws/config or ~/.aws/credentials: check --profile/AWS_PROFILE (`aws configure list-profiles`)", pe.Profile)
		}
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	h := hints{profile: opt.Profile, region: cfg.Region}
	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok {
			if sc.SSOSessionName != "" || sc.SSOStartURL != "" {
				h.sso = true
			}
			if h.profile == "" {
				h.profile = sc.Profile
			}
		}
	}
	return &Clients{cfg: cfg, hints: h, byRegion: map[string]*s3.Client{}, buckets: map[string]string{}}, nil
}

// client is the client for a region ("" is the configured one, or
// us-east-1 when none is).
func (c *Clients) client(region string) *s3.Client {
	if region == "" {
		region = c.cfg.Region
	}
	if region == "" {
		region = "us-east-1"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.byRegion[region]; ok {
		return cl
	}
	cl := s3.NewFromConfig(c.cfg, func(o *s3.Options) {
		o.Region = region
		if o.BaseEndpoint != nil {
			// MinIO and other S3-compatible stores serve buckets by path.
			o.UsePathStyle = true
		}
		// Throttling and dropped connections are retried by the source,
		// with its own backoff, so the status bar can say so.
		o.RetryMaxAttempts = 1
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	c.byRegion[region] = cl
	return cl
}

// bucketClient is the client for a bucket's own region, found with
// HeadBucket: its x-amz-bucket-region header answers even when the request
// went to the wrong region or was refused.
func (c *Clients) bucketClient(ctx context.Context, bucket string, retry func(context.Context, op, string, string, func(context.Context) error) error) (*s3.Client, error) {
	c.mu.Lock()
	region, ok := c.buckets[bucket]
	c.mu.Unlock()
	if ok {
		return c.client(region), nil
	}
	err := retry(ctx, opHead, bucket, "", func(ctx context.Context) error {
		out, err := c.client("").HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		if err == nil {
			region = aws.ToString(out.BucketRegion)
			return nil
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.Response != nil {
			if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
				region = r
				if re.HTTPStatusCode() == 301 || re.HTTPStatusCode() == 400 {
					return nil // asked in the wrong region: the answer names the right one
				}
			}
		}
		return err
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Kind == KindAccess || e.Kind == KindRegion) {
			// HeadBucket needs s3:ListBucket too; the listing will say
			// exactly what is missing. Ask in the region found, if any.
			err = nil
		} else {
			return nil, err
		}
	}
	c.mu.Lock()
	c.buckets[bucket] = region
	c.mu.Unlock()
	return c.client(region), nil
}

// safeKey makes a key fit to print under the headless text policy: each
// control, bidi control, invisible format character and bad byte becomes
// '?'.
func safeKey(s string) string { return model.MaskUnsafe(s) }
