package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source/s3"
)

// options holds every flag that chooses sources and how they are read; the
// TUI and the headless commands share it so a source works the same way
// everywhere.
type options struct {
	paths  []string // FILE, DIR or - arguments
	demo   bool
	follow bool
	replay string
	format string
	buffer int
	// once: a headless command, which reads --demo once and a log group to
	// its end unless --follow.
	once bool
	// hasBuffer: --buffer is registered (only the TUI keeps a ring).
	hasBuffer bool

	logGroups     stringList
	streams       stringList
	streamPrefix  string
	since         string
	until         string
	filterPattern string
	poll          bool
	lookback      time.Duration
	profile       string
	region        string
	noSign        bool
	s3Concurrency int
	s3Interval    time.Duration
	quiet         bool

	rules   string
	logFile string
	record  string
	output  string
	version bool
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// sourceFlags registers the flags every command that reads flow logs takes.
func (o *options) sourceFlags(fs *flag.FlagSet) {
	fs.BoolVar(&o.demo, "demo", false, "read the embedded demo capture (no AWS, no files); the TUI and --follow replay it live, in a loop")
	fs.BoolVar(&o.follow, "follow", false, "keep reading files as they grow, across truncation and rotation (like tail -F)")
	fs.BoolVar(&o.follow, "f", false, "short for --follow")
	fs.StringVar(&o.replay, "replay", "", "replay captures paced by their start times: `SPEED` like 1x, 10x or max")
	fs.StringVar(&o.format, "format", "", "record `FORMAT`: '${version} ${srcaddr} …' or plain field names (default: file header, else the v2 default)")
	fs.Var(&o.logGroups, "log-group", "CloudWatch Logs log group `NAME|ARN` to tail (repeatable)")
	fs.Var(&o.logGroups, "g", "short for --log-group")
	fs.Var(&o.streams, "stream", "only this log stream (`ENI` id; repeatable)")
	fs.StringVar(&o.streamPrefix, "stream-prefix", "", "only log streams starting with `PREFIX`")
	fs.StringVar(&o.since, "since", "", "read from `T`: a duration (15m, 2h30m), RFC3339, unix seconds, or all (s3:// only) (default 10m for log groups, 1h for s3://)")
	fs.StringVar(&o.until, "until", "", "read history up to `T`, then stop")
	fs.StringVar(&o.filterPattern, "filter-pattern", "", "CloudWatch Logs filter `PATTERN` applied by AWS")
	fs.BoolVar(&o.poll, "poll", false, "poll FilterLogEvents instead of Live Tail")
	fs.DurationVar(&o.lookback, "lookback", 15*time.Minute, "trailing `WINDOW` re-read in poll mode for late events")
	fs.StringVar(&o.profile, "profile", "", "AWS shared config `PROFILE` (default: AWS_PROFILE or the default chain)")
	fs.StringVar(&o.region, "region", "", "AWS `REGION` (default: AWS_REGION or the profile's)")
	fs.BoolVar(&o.noSign, "no-sign-request", false, "read public s3:// buckets without credentials")
	fs.IntVar(&o.s3Concurrency, "s3-concurrency", s3.DefaultConcurrency, "fetch up to `N` s3:// objects at once")
	fs.DurationVar(&o.s3Interval, "s3-interval", s3.DefaultInterval, "with -f, list s3:// locations again every `INTERVAL`")
}

// rulesFlag registers --rules for the commands that evaluate or derive from
// security group and network ACL rules (the TUI, explain, query).
func (o *options) rulesFlag(fs *flag.FlagSet) {
	fs.StringVar(&o.rules, "rules", "", "read `DIR` of SG, NACL and ENI JSON saved from aws ec2 describe-* (offline rule inspection)")
}

// tuiFlags registers the flags only the terminal UI takes.
func (o *options) tuiFlags(fs *flag.FlagSet) {
	o.rulesFlag(fs)
	fs.IntVar(&o.buffer, "buffer", model.DefaultCapacity, "ring buffer size in `RECORDS`")
	o.hasBuffer = true
	fs.StringVar(&o.logFile, "log", "", "write diagnostics to `FILE` (the UI owns the terminal)")
	fs.StringVar(&o.record, "record", "", "write every line ingested to `FILE` (.gz compresses) for --replay later")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
}

// parseHeadless parses a headless command's flags: the source flags, -o
// (outputs[0] is the default) and, when withRules, --rules. It returns the
// positional arguments, or an exit code when the command should end here
// (--help printed, or a usage error reported).
func parseHeadless(name string, args []string, std stdio, outputs []string, withRules bool) (*options, []string, int, bool) {
	o := &options{once: true}
	fs := newFlagSet(name)
	o.sourceFlags(fs)
	if withRules {
		o.rulesFlag(fs)
	}
	choices := strings.Join(outputs[:len(outputs)-1], ", ") + " or " + outputs[len(outputs)-1]
	fs.StringVar(&o.output, "output", outputs[0], "output `FORMAT`: "+choices)
	fs.StringVar(&o.output, "o", outputs[0], "short for --output")
	fs.BoolVar(&o.quiet, "quiet", false, "print no s3:// progress on stderr")
	fs.BoolVar(&o.quiet, "q", false, "short for --quiet")
	pos, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(std.out, commands[name].usage)
		return nil, nil, exitOK, false
	case err != nil:
		return nil, nil, usageError(std, name, err), false
	case !slices.Contains(outputs, o.output):
		return nil, nil, usageError(std, name, fmt.Errorf("invalid value %q for flag -o: want %s", o.output, choices)), false
	}
	if len(o.logGroups) == 0 && !slices.ContainsFunc(pos, s3.IsURL) {
		var cwOnly string
		fs.Visit(func(f *flag.Flag) {
			if logGroupFlags[f.Name] && cwOnly == "" {
				cwOnly = f.Name
			}
		})
		if cwOnly != "" {
			return nil, nil, usageError(std, name, fmt.Errorf("flag --%s applies to CloudWatch Logs log groups (-g LOG_GROUP); files, stdin and --demo are read whole", cwOnly)), false
		}
	}
	return o, pos, 0, true
}

// logGroupFlags only mean something with -g; given without it they would
// be ignored in silence, so headless commands refuse them.
var logGroupFlags = map[string]bool{"since": true, "until": true, "filter-pattern": true, "poll": true, "lookback": true, "stream": true, "stream-prefix": true}

// newFlagSet returns a flag set that reports errors to the caller instead
// of printing and exiting.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments (`flowtail cat file.gz -o json`); "--" ends flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return append(pos, tail...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError prints a usage problem the way every command does and returns
// the usage exit code.
func usageError(std stdio, cmd string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return -1
	}
	name := "flowtail"
	if cmd != "" {
		name += " " + cmd
	}
	fmt.Fprintf(std.err, "%s: %v\nRun '%s --help' for usage.\n", name, err, name)
	return exitUsage
}

// validate checks flag values whose errors should name the flag.
func (o *options) validate() error {
	if o.hasBuffer && o.buffer < 1 {
		return fmt.Errorf("invalid value %d for flag --buffer: must be at least 1", o.buffer)
	}
	if o.format != "" {
		if _, err := model.ParseFormat(o.format); err != nil {
			return fmt.Errorf("invalid value for flag --format: %v", err)
		}
	}
	if o.replay != "" {
		if _, err := parseSpeed(o.replay); err != nil {
			return fmt.Errorf("invalid value %q for flag --replay: %v", o.replay, err)
		}
	}
	if len(o.logGroups) == 0 && !o.demo && len(o.paths) == 0 {
		return errors.New("no source: give FILE, DIR or - (stdin), s3://BUCKET[/PREFIX], -g LOG_GROUP, or --demo")
	}
	return nil
}

// overrideFormat is the --format format, or nil.
func (o *options) overrideFormat() *model.Format {
	if o.format == "" {
		return nil
	}
	f, _ := model.ParseFormat(o.format)
	return f
}

// parseSpeed reads --replay: "max" (0) or a positive factor like "10x".
func parseSpeed(s string) (float64, error) {
	if s == "max" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0, errors.New("want a speed like 1x, 10x, 0.5x or max")
	}
	return f, nil
}

// flagsHelp renders a flag set's flags, folding short aliases into their
// long forms ("-f, --follow").
func flagsHelp(fs *flag.FlagSet) string {
	short := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			long := strings.TrimPrefix(f.Usage, "short for --")
			short[long] = f.Name
		}
	})
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		name := "    --" + f.Name
		if s, ok := short[f.Name]; ok {
			name = "-" + s + ", --" + f.Name
		}
		if arg != "" && arg != "value" {
			name += " " + arg
		} else if arg == "value" {
			name += " VALUE"
		}
		fmt.Fprintf(&b, "  %-30s %s", name, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			if !strings.Contains(usage, "default") {
				fmt.Fprintf(&b, " (default %s)", f.DefValue)
			}
		}
		b.WriteByte('\n')
	})
	return b.String()
}

var sourceFlagsHelp, rulesFlagHelp, tuiFlagsHelp = func() (string, string, string) {
	var o options
	s := newFlagSet("")
	o.sourceFlags(s)
	r := newFlagSet("")
	o.rulesFlag(r)
	t := newFlagSet("")
	o.tuiFlags(t)
	return flagsHelp(s), flagsHelp(r), flagsHelp(t)
}()
