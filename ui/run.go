package ui

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// Health is what a source reports for the status bar. The program fills it
// from its sources; ui does not import them.
type Health struct {
	Source    string
	Mode      string        // "file", "follow", "replay 10x", "live", "poll"
	Lag       time.Duration // how far behind real time the newest data is
	Rate      float64       // events per second the source delivers (0: not reported)
	Sampled   int64         // seconds of live tail that were sampled by the service
	Dups      int64         // events suppressed as already delivered
	Backoff   string        // set while waiting to retry
	LastError string        // what happened and what to do
	Final     bool          // the source stopped for good
	// Read and Size are the bytes of files read so far and in all (Size
	// 0: unknown); Loaded is set once they are read to their end.
	Read, Size int64
	Loaded     bool
	Waiting    string // a followed file that does not exist yet
}

// Config is what the TUI needs.
type Config struct {
	Store   *model.Store
	Sources []string        // names shown in the tab bar
	Health  func() []Health // polled on the tick; nil when no source reports
	// HistoryFile keeps the filter bar's history across runs; "" keeps it
	// in memory only.
	HistoryFile string
	Compile     FilterCompiler // nil: the query language and bare words, with Rules
	Rules       RuleSource     // rules for the rules pane; nil: none
	// Owners says who owns an address (AWS ip-ranges, the loaded
	// interfaces); nil: nothing is known.
	Owners model.OwnerLookup
	// OwnersNote says where the public owners come from ("AWS ip-ranges
	// of 2026-12-01, syncToken 1764547200"), for the detail view.
	OwnersNote string
	// InterfaceName names an interface by id ("web-1 · instance"), for the
	// interfaces pane's name column; nil hides the column.
	InterfaceName func(id string) (string, bool)
	// Theme is the theme and style overrides asked for (theme.go); the
	// zero value follows the terminal.
	Theme ThemeChoice
	// Keys replaces the default keymap (RemapKeys); nil: DefaultKeymap.
	Keys *Keymap
	// Mouse: the wheel scrolls, a click selects a row or a tab, a double
	// click opens the detail (mouse.go). Off leaves the mouse to the
	// terminal's text selection.
	Mouse bool
	// Queries are the config file's saved queries, shown in the command
	// palette beside the built-in ones.
	Queries []Triage
	Remote  RemoteEngine // runs the stats query on AWS; nil: none
	// Tick is how often the store is polled for changes (default 200ms).
	Tick time.Duration
	// Ingested, when set, is closed once the sources have delivered
	// everything (a capture read to its end): the screen catches up at
	// once instead of at the next tick.
	Ingested <-chan struct{}
	// Now and Local fix the clock and local zone (tests); nil means the
	// real clock and time.Local.
	Now   func() time.Time
	Local *time.Location

	slots []int // the panes to show, by slot (tests); nil: all
}

// Run shows the TUI until the user quits, ctx is cancelled, a SIGTERM,
// SIGINT or SIGHUP arrives, or the program fails. Bubble Tea restores the
// terminal on every one of these paths; a panic in Update, View or a
// command also leaves a crash report, whose path the error gives.
//
// Signals are turned into a context cancel here rather than left to Bubble
// Tea's own handler: when the caller also cancels ctx on SIGTERM, that
// handler can block forever delivering its quit message to an event loop
// that has already stopped, and the program never exits.
func Run(ctx context.Context, cfg Config, opts ...tea.ProgramOption) error {
	if cfg.Store == nil {
		return errors.New("ui: no store")
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stop()
	g := &crashGuard{m: newRoot(cfg), resumed: make(chan struct{}, 1)}
	opts = append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithoutSignalHandler()}, opts...)
	p := tea.NewProgram(g, opts...)
	go suspendOnSignal(ctx, p.Send, g.resumed)
	_, err := p.Run()
	if g.crash != nil {
		return g.crash.error()
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrProgramPanic):
		return nil
	case errors.Is(err, tea.ErrInterrupted):
		return nil
	}
	return fmt.Errorf("ui: %w", err)
}
