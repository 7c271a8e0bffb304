package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/ui"
)

// runTUI parses the UI's flags, starts the sources into the store and runs
// the terminal UI until the user quits.
func runTUI(ctx context.Context, args []string, std stdio) int {
	var o options
	fs := newFlagSet("flowtail")
	o.sourceFlags(fs)
	o.tuiFlags(fs)
	help := fs.Bool("help", false, "show help")
	fs.BoolVar(help, "h", false, "short for --help")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(std, "", err)
	}
	if *help {
		fmt.Fprint(std.out, usageText())
		return exitOK
	}
	if o.version {
		fmt.Fprintln(std.out, versionString())
		return exitOK
	}
	o.paths = pos
	if err := o.validate(); err != nil {
		return usageError(std, "", err)
	}

	logger, closeLog, err := openLog(o.logFile)
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %v\n", err)
		return exitRuntime
	}
	defer closeLog()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srcs, err := o.sources(ctx, std)
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %v\n", err)
		return exitRuntime
	}
	if o.record != "" {
		if srcs, err = o.recordSources(srcs); err != nil {
			fmt.Fprintf(std.err, "flowtail: %v\n", err)
			return exitRuntime
		}
	}

	store := model.NewStore(o.buffer)
	health := newHealthBoard(srcs)
	ingested := make(chan struct{})
	go func() {
		defer close(ingested)
		ingestAll(ctx, srcs, store, o.overrideFormat(), func(i int, err error) {
			logger.Error("source stopped", "source", srcs[i].Name(), "err", err)
			health.fail(i, err)
		})
	}()

	var progOpts []tea.ProgramOption
	if slices.Contains(o.paths, "-") {
		// Records arrive on stdin, so keys must come from the terminal.
		tty, err := os.Open("/dev/tty")
		if err != nil {
			fmt.Fprintf(std.err, "flowtail: stdin carries the records and no terminal is available for keys: %v\n", err)
			return exitRuntime
		}
		defer tty.Close()
		progOpts = append(progOpts, tea.WithInput(tty))
	}
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Name()
	}
	rulesSrc, err := o.rulesProvider(func(w string) { logger.Warn("rules file skipped", "err", w) })
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %v\n", err)
		return exitRuntime
	}
	err = ui.Run(ctx, ui.Config{Store: store, Sources: names, Health: health.snapshot, HistoryFile: ui.DefaultHistoryFile(), Rules: rulesSrc}, progOpts...)
	cancel()
	// Let the sources stop so a --record file is flushed and closed; a
	// source blocked on a read that ignores cancellation (stdin) is not
	// waited for long.
	select {
	case <-ingested:
	case <-time.After(2 * time.Second):
	}
	if err != nil {
		fmt.Fprintf(std.err, "flowtail: %v\n", err)
		return exitRuntime
	}
	return exitOK
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
