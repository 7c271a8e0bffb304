package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/demo"
	"github.com/flowtail/flowtail/source/file"
	"github.com/flowtail/flowtail/source/replay"
	"github.com/flowtail/flowtail/source/s3"
)

// awsSources builds the CloudWatch Logs sources for -g; aws.go sets it so
// the AWS SDK is touched only when a log group is asked for.
var awsSources func(ctx context.Context, o *options) ([]source.Source, error)

// sources builds every source the options name.
func (o *options) sources(ctx context.Context, std stdio) ([]source.Source, error) {
	var out []source.Source
	if o.demo {
		s, err := o.demoSource()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	local, remote := splitS3(o.paths)
	if len(local) > 0 {
		s, err := o.localSources(local, std)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	if len(remote) > 0 {
		s, err := o.s3Source(ctx, remote, std)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(o.logGroups) > 0 {
		if awsSources == nil {
			return nil, errors.New("this build has no CloudWatch Logs support")
		}
		s, err := awsSources(ctx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// demoSource is the embedded demo capture: replayed live in a loop for the
// TUI and for --follow, read once otherwise (o.once) so headless commands
// end, paced by --replay if given.
func (o *options) demoSource() (source.Source, error) {
	s, err := demo.New(nil)
	if err != nil || !o.once || o.follow {
		return s, err
	}
	return o.paced(s.Once())
}

// localSources reads FILE, DIR and - arguments as one source, in the order
// given (directories in time order), paced by --replay when asked.
func (o *options) localSources(paths []string, std stdio) ([]source.Source, error) {
	s, err := o.paced(file.New(paths, file.Options{Follow: o.follow, Stdin: std.in}))
	if err != nil {
		return nil, err
	}
	return []source.Source{s}, nil
}

// splitS3 separates s3:// arguments from local ones.
func splitS3(paths []string) (local, remote []string) {
	for _, p := range paths {
		if s3.IsURL(p) {
			remote = append(remote, p)
		} else {
			local = append(local, p)
		}
	}
	return local, remote
}

// paced wraps s in --replay's pacing, when asked.
func (o *options) paced(s source.Source) (source.Source, error) {
	if o.replay == "" {
		return s, nil
	}
	speed, err := parseSpeed(o.replay)
	if err != nil {
		return nil, fmt.Errorf("invalid value %q for flag --replay: %v", o.replay, err)
	}
	if speed > 0 { // "max": no pacing at all
		s = replay.New(s, speed, o.startTimes(), nil)
	}
	return s, nil
}

// startTimes reads each line's start time for --replay with a decoder of
// its own, so header lines set the format exactly as they will on ingest.
func (o *options) startTimes() replay.Stamp {
	dec := model.NewDecoder(model.NewInterner(), o.overrideFormat())
	var f model.Flow
	var x model.Ext
	return func(ev *model.Event, format *model.Format) (int64, bool) {
		res, _ := dec.Decode(ev, format, &f, &x)
		if res != model.ResultRecord || !f.Has(model.FieldStart) {
			return 0, false
		}
		return int64(f.Start), true
	}
}

// ingestAll feeds every source into the store, each through its own
// ingester (decoders are per goroutine).
func ingestAll(ctx context.Context, srcs []source.Source, store *model.Store, override *model.Format, onErr func(i int, err error)) {
	ins := make([]*model.Ingester, len(srcs))
	for i := range srcs {
		ins[i] = model.NewIngester(store, override)
	}
	source.RunAll(ctx, srcs, func(i int, b model.Batch) { ins[i].Ingest(b) }, onErr)
}
