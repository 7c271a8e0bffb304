package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/awscall"
	"github.com/flowtail/flowtail/source/cloudwatch"
)

func init() { awsSources = buildAWSSources }

// buildAWSSources makes the CloudWatch Logs source for -g with the standard
// credential chain: --profile/AWS_PROFILE (SSO included), --region/AWS_REGION,
// and AWS_ENDPOINT_URL for any compatible endpoint.
func buildAWSSources(ctx context.Context, o *options) ([]source.Source, error) {
	now := time.Now()
	since, err := parseWhen(cmp.Or(o.since, "10m"), now)
	if err != nil {
		return nil, fmt.Errorf("invalid value %q for flag --since: %v", o.since, err)
	}
	untilText := o.until
	if untilText == "" && o.once && !o.follow {
		untilText = "now" // like a file, a headless command reads a log group to its end unless --follow
	}
	var until time.Time
	if untilText != "" {
		if until, err = parseWhen(untilText, now); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag --until: %v", untilText, err)
		}
		if !until.After(since) {
			return nil, fmt.Errorf("--until %s is not after --since %s", untilText, o.since)
		}
	}
	if o.lookback <= 0 {
		return nil, fmt.Errorf("invalid value %s for flag --lookback: must be positive", o.lookback)
	}
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	profile := o.profile
	if profile == "" {
		profile = os.Getenv("AWS_PROFILE")
	}
	c := cloudwatch.Config{
		Client:        cloudwatch.NewClient(cfg),
		Groups:        o.logGroups,
		Streams:       o.streams,
		StreamPrefix:  o.streamPrefix,
		Since:         since,
		Until:         until,
		FilterPattern: o.filterPattern,
		Poll:          o.poll,
		Lookback:      o.lookback,
		Format:        o.overrideFormat(),
		Profile:       profile,
		SSO:           isSSOProfile(cfg),
		Region:        cfg.Region,
	}
	if o.once && !o.follow {
		c.RetryBudget = awscall.HeadlessBudget // a headless read ends; --follow and the TUI keep trying
	}
	if c.Format == nil {
		c.FlowLogFormat = flowLogFormat(ec2.NewFromConfig(cfg, func(o *ec2.Options) {
			if o.HTTPClient != nil {
				o.HTTPClient = cloudwatch.CopyRequestBodies(o.HTTPClient)
			}
		}))
	}
	return []source.Source{cloudwatch.New(c)}, nil
}

func loadAWSConfig(ctx context.Context, o *options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	opts = append(opts, awscall.LoadOptions(awscall.Default, o.sdkLog)...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var pe config.SharedConfigProfileNotExistError
		if errors.As(err, &pe) {
			return cfg, fmt.Errorf("aws: profile %q is not in ~/.aws/config or ~/.aws/credentials: check --profile/AWS_PROFILE (`aws configure list-profiles`)", pe.Profile)
		}
		return cfg, fmt.Errorf("aws: load configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("aws: no region: pass --region, set AWS_REGION, or set region in the profile")
	}
	return cfg, nil
}

// isSSOProfile says whether the profile the configuration was loaded from
// logs in through IAM Identity Center, so an expired login can be met with
// `aws sso login`.
func isSSOProfile(cfg aws.Config) bool {
	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok && (sc.SSOSessionName != "" || sc.SSOStartURL != "") {
			return true
		}
	}
	return false
}

// flowLogFormat reads the LogFormat of the flow log that delivers to a log
// group (ec2:DescribeFlowLogs); "" when no flow log names the group.
func flowLogFormat(client *ec2.Client) func(context.Context, string) (string, error) {
	return func(ctx context.Context, group string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := client.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{
			Filter: []ec2types.Filter{{Name: aws.String("log-group-name"), Values: []string{group}}},
		})
		if err != nil {
			return "", fmt.Errorf("ec2:DescribeFlowLogs: %w", err)
		}
		for _, fl := range out.FlowLogs {
			if f := aws.ToString(fl.LogFormat); f != "" {
				return f, nil
			}
		}
		return "", nil
	}
}

// parseWhen reads a point in time: "now", a duration before now (15m,
// 2h30m, 1d), RFC3339 (2026-01-02T15:04:05Z), or unix seconds/milliseconds.
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "now":
		return now, nil
	case strings.HasSuffix(s, "d") && !strings.ContainsAny(s, "T:"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 0 {
			return time.Time{}, errors.New("want a duration like 15m, 2h30m or 1d, RFC3339, or unix seconds")
		}
		return now.Add(-time.Duration(n) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, errors.New("a duration before now must not be negative")
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e11 { // milliseconds
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	return time.Time{}, errors.New("want a duration like 15m, 2h30m or 1d, RFC3339 (2026-01-02T15:04:05Z), or unix seconds")
}
