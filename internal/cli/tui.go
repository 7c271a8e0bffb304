package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	chunkreader "github.com/flowtail/flowtail/source/chunk"
	"github.com/flowtail/flowtail/source/file"
	"github.com/flowtail/flowtail/source/record"
	"github.com/flowtail/flowtail/ui"
)

// newTUICmd is the root command: the terminal UI over the sources named.
// first is the command line's first word.
func newTUICmd(std stdio, first string) *cobra.Command {
	return newTUICmdFor(&options{}, std, first)
}

// newTUICmdFor is newTUICmd binding its flags into o.
func newTUICmdFor(o *options, std stdio, first string) *cobra.Command {
	c := &cobra.Command{
		Use:   "flowtail [flags] [FILE|DIR|-]...",
		Short: "tail and triage AWS VPC Flow Logs in the terminal",
		Long: `flowtail: tail and triage AWS VPC Flow Logs in the terminal.

Without a command, flowtail opens the terminal UI on captures (plain or
gzip), S3 delivery trees, stdin or CloudWatch Logs; the commands answer
the same questions headlessly for scripts.`,
		Example: `  # a live demo, no AWS account needed
  flowtail --demo
  # browse a capture (plain or gzip), or read stdin
  flowtail capture.log.gz
  zcat flows.gz | flowtail -
  # an S3 delivery tree, in time order
  flowtail ./s3-dump/AWSLogs/
  # follow a growing file (like tail -F)
  flowtail -f /var/log/flows.log
  # watch an incident again at 10x
  flowtail --replay 10x incident.log.gz
  # live from CloudWatch Logs
  flowtail -g /aws/vpc/flowlogs --since 30m
  # the last two hours, straight from the bucket S3 delivery writes to
  flowtail s3://my-bucket/AWSLogs/ --since 2h
  # decode records as JSON lines
  flowtail cat -o json capture.log.gz`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == first && looksLikeCommand(first) {
				return usageErr{err: unknownCommand(c.Root(), args[0])}
			}
			o.paths = args
			return exit(runTUI(c.Context(), o, std))
		},
	}
	o.bindSource(c.Flags())
	o.bindTUI(c.Flags())
	o.bindAthenaEngine(c.Flags())
	return c
}

// runTUI starts the sources into the store and runs the terminal UI until
// the user quits.
func runTUI(ctx context.Context, o *options, std stdio) int {
	if err := o.validate(); err != nil {
		return usageError(std, "", err)
	}
	theme, keys, err := o.look()
	if err != nil {
		return usageError(std, "", err)
	}

	logger, closeLog, err := openLog(o.logFile)
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %s\n", cleanCell(err.Error()))
		return exitRuntime
	}
	defer closeLog()
	o.sdkLog = logger // the SDK must not write over the screen
	// The UI has no place for notes on the input: they go to the log, as
	// a skipped rules file does.
	for _, m := range o.overrideFormat().Misspellings() {
		logger.Warn("--format: " + m.String())
	}
	if o.overrideFormat() == nil {
		from := model.HeaderMisspellingsMark()
		defer func() {
			for _, m := range model.HeaderMisspellings(from) {
				logger.Warn("in the input: " + m.String())
			}
		}()
	}

	// A path that cannot give one record is said here, not in a TUI.
	if err := file.Check(o.paths, o.follow); err != nil {
		fmt.Fprintf(std.err, "flowtail: %s\n", cleanCell(err.Error()))
		return exitRuntime
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srcs, err := o.sources(ctx, std)
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %s\n", cleanCell(err.Error()))
		return exitRuntime
	}
	var rec *record.Recorder
	if o.record != "" && len(srcs) > 0 {
		rec, err = record.Open(o.record, record.Options{
			Override: o.overrideFormat(), Force: o.force, Inputs: o.paths,
			// The status bar shows it too (the recorded sources report it).
			OnError: func(err error) { logger.Error("recording stopped", "err", err) },
		})
		if errors.Is(err, record.ErrExists) || errors.Is(err, record.ErrIsInput) {
			return usageError(std, "", err)
		}
		if err != nil {
			fmt.Fprintf(std.err, "flowtail: %s\n", cleanCell(err.Error()))
			return exitRuntime
		}
		defer rec.Close() // also on a panic; Close is idempotent
		srcs = rec.Wrap(srcs)
	}

	store := model.NewStore(o.buffer)
	go boundMemory(ctx, o.buffer)
	health := newHealthBoard(srcs)
	ingested := make(chan struct{})
	go func() {
		defer close(ingested)
		onErr := func(i int, err error) {
			logger.Error("source stopped", "source", srcs[i].Name(), "err", err)
			health.fail(i, err)
		}
		if o.plainFiles() && o.record == "" && !(slices.Contains(o.paths, "-") && source.IsStream(std.in)) {
			// Captures read to their end are parsed on every core, as
			// query reads them; the source still names them in the status bar.
			// A pipe or terminal on stdin is read as lines come instead: a
			// producer writing a few records a second must see them now, not
			// when a chunk fills.
			rd := chunkreader.New(o.paths, chunkreader.Options{Stdin: std.in})
			if errs := chunkreader.Load(ctx, rd, store, o.overrideFormat(), runtime.GOMAXPROCS(0)); len(errs) > 0 && ctx.Err() == nil {
				onErr(0, errors.Join(errs...))
			}
			return
		}
		ingestAll(ctx, srcs, store, o.overrideFormat(), onErr)
	}()

	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Name()
	}
	rulesSrc, err := o.rulesProvider(func(w string) { logger.Warn("rules file skipped", "err", w) })
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %s\n", cleanCell(err.Error()))
		return exitRuntime
	}
	owners, err := o.owners(ctx, rulesSrc)
	if err != nil {
		return usageError(std, "", err)
	}
	// Everything that can be said about the command line has been said:
	// now the UI needs somewhere to draw and to read keys from.
	if !onTerminal(std.out) {
		return usageError(std, "", errNoTerminal)
	}
	var progOpts []tea.ProgramOption
	if stdinRecords := slices.Contains(o.paths, "-"); stdinRecords || !onTerminal(std.in) {
		// Records arrive on stdin, or stdin is not a terminal: keys must
		// come from the terminal.
		tty, err := os.Open("/dev/tty")
		if err != nil {
			why := "stdin carries the records"
			if !stdinRecords {
				why = "stdin is not a terminal"
			}
			fmt.Fprintf(std.err, "flowtail: %s and no terminal is available for keys: %s; without one, use flowtail cat (or flowtail query 'QUERY')\n", why, cleanCell(err.Error()))
			return exitRuntime
		}
		defer tty.Close()
		progOpts = append(progOpts, tea.WithInput(tty))
	}
	remoteEngine, waitRemote := o.remoteEngine(ctx, store)
	err = ui.Run(ctx, ui.Config{Store: store, Sources: names, Health: health.snapshot, HistoryFile: ui.DefaultHistoryFile(), Rules: rulesSrc,
		Ingested: ingested, Owners: owners, OwnersNote: o.ownersNote, InterfaceName: interfaceNames(rulesSrc), Remote: remoteEngine, Local: o.zone(), Theme: theme, Keys: keys, Mouse: !o.noMouse, Queries: o.savedQueries()}, progOpts...)
	cancel()
	waitRemote()
	// Let the sources stop so a --record file is flushed and closed; a
	// source blocked on a read that ignores cancellation (stdin) is not
	// waited for long.
	select {
	case <-ingested:
	case <-time.After(2 * time.Second):
	}
	code := exitOK
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %s\n", cleanCell(err.Error()))
		code = exitRuntime
	}
	// The recording is finished (gzip stream closed) on every way out,
	// even while stdin is still open; a failed write fails the run.
	if rec != nil {
		if err := rec.Close(); err != nil {
			fmt.Fprintf(std.err, "flowtail: %s\n", cleanCell(err.Error()))
			code = exitRuntime
		}
	}
	return code
}

// errNoTerminal is the TUI asked to draw where it cannot: a file or a pipe.
var errNoTerminal = errors.New("the terminal UI needs a terminal and its output is not one: to write records to a file or a pipe, use flowtail cat (or flowtail query 'QUERY')")

// onTerminal reports whether s is a terminal (a file, a pipe, /dev/null or
// a test's buffer is not).
func onTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && isTerminal(f)
}

// healthBoard turns the sources' own status reports and final errors into
// what the status bar shows.
type healthBoard struct {
	srcs []source.Source
	mu   sync.Mutex
	errs []error
}

func newHealthBoard(srcs []source.Source) *healthBoard {
	return &healthBoard{srcs: srcs, errs: make([]error, len(srcs))}
}

func (h *healthBoard) fail(i int, err error) {
	h.mu.Lock()
	h.errs[i] = err
	h.mu.Unlock()
}

func (h *healthBoard) snapshot() []ui.Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]ui.Health, 0, len(h.srcs))
	for i, s := range h.srcs {
		hl := ui.Health{Source: s.Name()}
		if r, ok := s.(source.Reporter); ok {
			st := r.Status()
			hl.Mode, hl.Backoff, hl.LastError, hl.Final = st.Mode, st.Backoff, st.LastError, st.Final
			hl.Read, hl.Size, hl.Loaded, hl.Waiting = st.Read, st.Size, st.Loaded, st.Waiting
			hl.Lag = time.Duration(st.LagMillis) * time.Millisecond
			hl.Rate, hl.Sampled, hl.Dups = st.Rate, st.Sampled, st.Duplicates
		}
		if h.errs[i] != nil {
			hl.LastError, hl.Final = h.errs[i].Error(), true
		}
		out = append(out, hl)
	}
	return out
}

// openLog sends diagnostics to --log, or nowhere: the UI owns the terminal.
func openLog(path string) (*slog.Logger, func(), error) {
	if path == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil)), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, nil)), func() { f.Close() }, nil
}
