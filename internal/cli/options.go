package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/flowtail/flowtail/internal/config"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source/s3"
)

// options is the typed configuration every command is built from: flags
// are parsed into it once, and --format is parsed once by validate, so
// nothing below re-reads a flag's text.
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
	// command is the headless command's name ("query"), which its
	// messages on stderr start with: "flowtail query: …".
	command string
	// hasBuffer: --buffer is registered (only the TUI keeps a ring).
	hasBuffer bool

	logGroups     []string
	streams       []string
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
	sdkLog  *slog.Logger // where the AWS SDK logs while the TUI owns the terminal
	record  string
	force   bool
	output  string

	ipRanges string // --ip-ranges FILE
	noMouse  bool
	// ownersNote says which ip-ranges.json labels addresses (set by owners).
	ownersNote string

	override *model.Format // --format parsed once, or nil

	// --max-memory: its text, and the bytes validate reads from it (0:
	// the command has no such flag)
	maxMemoryText string
	maxMemory     int64

	fs  *pflag.FlagSet // the command's flags, to tell what the user gave
	cfg *config.Config // the config file, once applyConfig has read it
	// The TUI's remote engine for Athena (the stats pane's R).
	athenaTable, workgroup, athenaOutput string
}

// bindSource registers the flags every command that reads flow logs takes.
func (o *options) bindSource(fs *pflag.FlagSet) {
	o.fs = fs
	fs.BoolVar(&o.demo, "demo", false, "read the embedded demo capture (no AWS, no files); the TUI and --follow replay it live, in a loop")
	fs.BoolVarP(&o.follow, "follow", "f", false, "keep reading files as they grow, across truncation and rotation (like tail -F)")
	fs.StringVar(&o.replay, "replay", "", "replay captures paced by their start times: SPEED like 1x, 10x or max")
	fs.StringVar(&o.format, "format", "", "record FORMAT: '${version} ${srcaddr} …' or plain field names (default: file header, else the v2 default)")
	fs.StringArrayVarP(&o.logGroups, "log-group", "g", nil, "a CloudWatch Logs log group NAME|ARN to tail (repeatable)")
	fs.StringArrayVar(&o.streams, "stream", nil, "only this log stream (ENI id; repeatable)")
	fs.StringVar(&o.streamPrefix, "stream-prefix", "", "only log streams starting with PREFIX")
	fs.StringVar(&o.since, "since", "", "read from T: a duration (15m, 2h30m), RFC3339, unix seconds, or all (s3:// only) (default 10m for log groups, 1h for s3://)")
	fs.StringVar(&o.until, "until", "", "read history up to T, then stop")
	fs.StringVar(&o.filterPattern, "filter-pattern", "", "a CloudWatch Logs filter PATTERN, applied by AWS")
	fs.BoolVar(&o.poll, "poll", false, "poll FilterLogEvents instead of Live Tail")
	fs.DurationVar(&o.lookback, "lookback", 15*time.Minute, "trailing WINDOW re-read in poll mode for late events")
	fs.StringVar(&o.profile, "profile", "", "the AWS shared config PROFILE (default: AWS_PROFILE or the default chain)")
	fs.StringVar(&o.region, "region", "", "the AWS REGION (default: AWS_REGION or the profile's)")
	fs.BoolVar(&o.noSign, "no-sign-request", false, "read public s3:// buckets without credentials")
	fs.IntVar(&o.s3Concurrency, "s3-concurrency", s3.DefaultConcurrency, "fetch up to N s3:// objects at once")
	fs.DurationVar(&o.s3Interval, "s3-interval", s3.DefaultInterval, "with -f, list s3:// locations again every INTERVAL")
}

// bindRules registers --rules for the commands that evaluate or derive from
// security group and network ACL rules (the TUI, explain, query).
func (o *options) bindRules(fs *pflag.FlagSet) {
	fs.StringVar(&o.rules, "rules", "", "read DIR of SG, NACL and ENI JSON saved from aws ec2 describe-* (offline rule inspection)")
}

// bindTUI registers the flags only the terminal UI takes.
func (o *options) bindTUI(fs *pflag.FlagSet) {
	o.bindRules(fs)
	fs.IntVar(&o.buffer, "buffer", model.DefaultCapacity, "ring buffer size in RECORDS")
	o.hasBuffer = true
	fs.StringVar(&o.logFile, "log", "", "write diagnostics to FILE (the UI owns the terminal)")
	fs.StringVar(&o.record, "record", "", "write every line ingested to FILE (.gz compresses) for --replay later; an existing FILE is refused")
	fs.BoolVar(&o.force, "force", false, "with --record, replace an existing FILE")
	fs.BoolVar(&o.noMouse, "no-mouse", false, "leave the mouse to the terminal (text selection) instead of scrolling and clicking")
	o.bindIPRanges(fs)
}

// defaultMaxMemory is what a query's answer may hold unless --max-memory
// says otherwise: a few million stats groups or sorted records, a
// fraction of a laptop's memory (half the machine's, where that is less).
const defaultMaxMemory = "2GiB"

// bindMaxMemory registers --max-memory for the commands that hold an
// answer in memory.
func (o *options) bindMaxMemory(fs *pflag.FlagSet) {
	fs.StringVar(&o.maxMemoryText, "max-memory", defaultMaxMemory, "stop when the answer (stats groups, records kept to sort or dedup) outgrows SIZE, such as 512MiB or 8GiB (default: half this machine's memory if that is less)")
}

// bindIPRanges registers --ip-ranges for the commands that name the owners
// of addresses.
func (o *options) bindIPRanges(fs *pflag.FlagSet) {
	fs.StringVar(&o.ipRanges, "ip-ranges", "", "label public addresses with their AWS service and Region from FILE (AWS's ip-ranges.json; default: the cached copy, if any)")
}

// bindOutput registers -o with the command's choices, outputs[0] the
// default; usage describes them.
func (o *options) bindOutput(fs *pflag.FlagSet, usage string, outputs ...string) []string {
	fs.StringVarP(&o.output, "output", "o", outputs[0], "output FORMAT: "+usage)
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print no s3:// progress on stderr")
	return outputs
}

// headless checks what a headless command's flags say beyond their types:
// -o is one of outputs, and no CloudWatch-only flag is given without -g.
func (o *options) headless(fs *pflag.FlagSet, outputs []string) error {
	o.once = true
	o.command = fs.Name() // cobra names a command's flag set after it
	if !slices.Contains(outputs, o.output) {
		choices := strings.Join(outputs[:len(outputs)-1], ", ") + " or " + outputs[len(outputs)-1]
		return fmt.Errorf("invalid value %q for flag -o: want %s", o.output, choices)
	}
	if len(o.logGroups) == 0 && !slices.ContainsFunc(fs.Args(), s3.IsURL) {
		var cwOnly string
		fs.Visit(func(f *pflag.Flag) {
			if logGroupFlags[f.Name] && cwOnly == "" {
				cwOnly = f.Name
			}
		})
		if cwOnly != "" {
			return fmt.Errorf("flag --%s applies to CloudWatch Logs log groups (-g LOG_GROUP); files, stdin and --demo are read whole", cwOnly)
		}
	}
	return nil
}

// logGroupFlags only mean something with -g; given without it they would
// be ignored in silence, so headless commands refuse them.
var logGroupFlags = map[string]bool{"since": true, "until": true, "filter-pattern": true, "poll": true, "lookback": true, "stream": true, "stream-prefix": true}

// usageError prints a usage problem the way every command does and returns
// the usage exit code.
func usageError(std stdio, cmd string, err error) int {
	name := "flowtail"
	if cmd != "" {
		name += " " + cmd
	}
	fmt.Fprintf(std.err, "%s: %v\nRun '%s --help' for usage.\n", name, cleanCell(err.Error()), name)
	return exitUsage
}

// validate fills what the command line left unset from the config file,
// then checks flag values whose errors should name the flag.
func (o *options) validate() error {
	if err := o.applyConfig(); err != nil {
		return err
	}
	if o.hasBuffer && o.buffer < 1 {
		return fmt.Errorf("invalid value %d for flag --buffer: must be at least 1", o.buffer)
	}
	if limit := maxBuffer(physicalMemory()); o.hasBuffer && o.buffer > limit {
		return fmt.Errorf("invalid value %d for flag --buffer: %d records take %.0f GB, more than this machine's memory holds (at most %d)", o.buffer, o.buffer, ringBytes(o.buffer)/1e9, limit)
	}
	if o.format != "" {
		f, err := model.ParseFormat(o.format)
		if err != nil {
			return fmt.Errorf("invalid value for flag --format: %v", err)
		}
		// Interned, as formats records are read with are, so a query can
		// name the fields it holds that flowtail does not know.
		o.override = model.InternFormat(f)
	}
	if o.maxMemoryText != "" {
		n, err := parseSize(o.maxMemoryText)
		if err != nil {
			return fmt.Errorf("invalid value %q for flag --max-memory: %v", o.maxMemoryText, err)
		}
		o.maxMemory = n
		if mem := physicalMemory(); mem > 0 && o.fs != nil && !o.fs.Changed("max-memory") {
			o.maxMemory = min(n, int64(mem/2)) // the default must fit a small machine
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

// overrideFormat is the --format format, or nil. validate parses it; a
// configuration built without validate (tests) has it parsed here, once.
func (o *options) overrideFormat() *model.Format {
	if o.override == nil && o.format != "" {
		f, _ := model.ParseFormat(o.format)
		o.override = model.InternFormat(f)
	}
	return o.override
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

// parseSize reads a number of bytes: a number and a unit, B, K, M, G or T
// (KiB, MiB … and KB, MB … alike: powers of 1024), "1.5GiB" too.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	if err != nil {
		return 0, errors.New("want a size such as 512MiB, 2GiB or 1.5G")
	}
	var mul float64
	switch strings.ToLower(strings.TrimSpace(t[i:])) {
	case "b", "":
		mul = 1
	case "k", "kb", "kib":
		mul = 1 << 10
	case "m", "mb", "mib":
		mul = 1 << 20
	case "g", "gb", "gib":
		mul = 1 << 30
	case "t", "tb", "tib":
		mul = 1 << 40
	default:
		return 0, fmt.Errorf("unknown unit %q: want B, KiB, MiB, GiB or TiB", t[i:])
	}
	v := n * mul
	switch {
	case v < 1<<20:
		return 0, errors.New("want at least 1MiB")
	case v >= 1<<62:
		return 0, errors.New("too large")
	}
	return int64(v), nil
}
