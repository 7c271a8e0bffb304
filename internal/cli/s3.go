package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/s3"
)

// s3Source builds the source for s3:// arguments. Without --since it reads
// the last hour, so a bucket is never listed whole by accident; `--since
// all` reads everything.
func (o *options) s3Source(ctx context.Context, urls []string, std stdio) (source.Source, error) {
	cfg := s3.Config{Follow: o.follow, Interval: o.s3Interval, Lookback: o.lookback, Concurrency: o.s3Concurrency, Format: o.overrideFormat()}
	now := time.Now()
	var err error
	switch o.since {
	case "all":
	case "":
		cfg.Since = now.Add(-time.Hour)
	default:
		if cfg.Since, err = parseWhen(o.since, now); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag --since: %v", o.since, err)
		}
	}
	if o.until != "" {
		if cfg.Until, err = parseWhen(o.until, now); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag --until: %v", o.until, err)
		}
	}
	for _, u := range urls {
		loc, err := s3.ParseLocation(u)
		if err != nil {
			return nil, err
		}
		cfg.Locations = append(cfg.Locations, loc)
	}
	if cfg.Clients, err = s3.NewClients(ctx, s3.ClientOptions{Profile: o.profile, Region: o.region, NoSign: o.noSign}); err != nil {
		return nil, err
	}
	if o.once && !o.quiet {
		cfg.Report = std.err
		cfg.ReportAs = strings.TrimSpace("flowtail " + o.command)
	}
	return s3.New(cfg), nil
}
