package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// crashGuard wraps the root model so that a panic in Update, View or a
// command ends the program cleanly: Bubble Tea restores the terminal, and
// the panic with the state needed to report it goes to a crash file whose
// path Run returns in its error (the program prints it on stderr).
type crashGuard struct {
	m      *rootModel
	crash  *crashReport
	recent []string // the last messages, oldest first
	// resumed hears of each resume, so SIGTSTP is caught again (run_unix.go).
	resumed chan struct{}
}

type crashReport struct {
	value any
	where string
	stack []byte
	path  string // the crash file; "" when it could not be written
	err   error  // why it could not
}

// crashMsg carries a command's panic back to the event loop.
type crashMsg struct {
	value any
	stack []byte
}

const crashRecent = 40

func (g *crashGuard) Init() tea.Cmd { return g.wrap(g.m.Init()) }

func (g *crashGuard) Update(msg tea.Msg) (model tea.Model, cmd tea.Cmd) {
	if c, ok := msg.(crashMsg); ok {
		g.record(c.value, "a background command", c.stack)
	}
	if g.crash != nil {
		return g, tea.Quit
	}
	if _, ok := msg.(tea.ResumeMsg); ok && g.resumed != nil {
		select {
		case g.resumed <- struct{}{}:
		default:
		}
	}
	g.note(msg)
	defer func() {
		if r := recover(); r != nil {
			g.record(r, "update", debug.Stack())
			model, cmd = g, tea.Quit
		}
	}()
	_, cmd = g.m.Update(msg)
	return g, g.wrap(cmd)
}

func (g *crashGuard) View() (v tea.View) {
	if g.crash == nil {
		defer func() {
			if r := recover(); r != nil {
				g.record(r, "view", debug.Stack())
				v = g.View()
			}
		}()
		return g.m.View()
	}
	// Shown for the moment before the next message quits.
	v = tea.NewView("flowtail crashed; restoring the terminal…")
	v.AltScreen = true
	return v
}

// wrap makes a command report its panic as a message instead of taking
// the program down with it; batches are wrapped one command at a time.
func (g *crashGuard) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = crashMsg{r, debug.Stack()}
			}
		}()
		msg = cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for i := range b {
				b[i] = g.wrap(b[i])
			}
		}
		return msg
	}
}

// note keeps a short trail of what the user did before a crash; keys are
// kept by name, other messages by type only (they may hold record data).
func (g *crashGuard) note(msg tea.Msg) {
	var s string
	switch msg := msg.(type) {
	case tickMsg:
		return
	case tea.KeyPressMsg:
		s = "key " + msg.String()
	case tea.WindowSizeMsg:
		s = fmt.Sprintf("window %dx%d", msg.Width, msg.Height)
	case tea.PasteMsg:
		s = fmt.Sprintf("paste of %d bytes", len(msg.Content))
	default:
		s = fmt.Sprintf("%T", msg)
	}
	if len(g.recent) == crashRecent {
		g.recent = append(g.recent[:0], g.recent[1:]...)
	}
	g.recent = append(g.recent, s)
}

func (g *crashGuard) record(value any, where string, stack []byte) {
	if g.crash != nil {
		return // the first panic is the one to report
	}
	c := &crashReport{value: value, where: where, stack: stack}
	c.path, c.err = writeCrashFile(g.report(c))
	g.crash = c
}

// report is the crash file's text: the panic, then the state needed to
// reproduce it.
func (g *crashGuard) report(c *crashReport) string {
	m := g.m
	var b strings.Builder
	fmt.Fprintf(&b, "flowtail crashed in %s at %s\n\npanic: %v\n\n", c.where, time.Now().UTC().Format(time.RFC3339), c.value)
	version := "(unknown)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
	}
	fmt.Fprintf(&b, "version: %s\ngo: %s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "window: %dx%d\nmode: %s\n", m.width, m.height, m.mode)
	if len(m.panes) > 0 && m.active < len(m.panes) {
		fmt.Fprintf(&b, "pane: %s\n", m.panes[m.active].Title())
	}
	fmt.Fprintf(&b, "filter: %q\nsources: %q\n", m.sh.FilterText, m.cfg.Sources)
	cnt := m.sh.Store.Counters()
	fmt.Fprintf(&b, "records: %d seen, %d evicted, %d malformed, buffer %d\n", cnt.Seen, cnt.Evicted, cnt.Malformed, m.sh.Store.Capacity())
	fmt.Fprintf(&b, "times: %s\nrules: %t\n", map[bool]string{false: "UTC", true: "local"}[m.sh.Local], m.cfg.Rules != nil)
	b.WriteString("\nlast input, oldest first:\n")
	for _, r := range g.recent {
		b.WriteString("  " + r + "\n")
	}
	b.WriteString("\n")
	b.Write(c.stack)
	return b.String()
}

func (md mode) String() string {
	switch md {
	case modeNormal:
		return "normal"
	case modeFilter:
		return "filter"
	case modeDetail:
		return "detail"
	case modeHelp:
		return "help"
	case modeExport:
		return "export"
	}
	return fmt.Sprintf("mode(%d)", uint8(md))
}

// err is what Run returns after a crash: it wraps tea.ErrProgramPanic and
// says where the report is.
func (c *crashReport) error() error {
	value := Sanitize(fmt.Sprint(c.value)) // printed on the terminal
	if c.err != nil {
		return fmt.Errorf("%w: %s (in %s); the crash report could not be written: %v\n%s", tea.ErrProgramPanic, value, c.where, c.err, Sanitize(string(c.stack)))
	}
	return fmt.Errorf("%w: %s (in %s); the details are in %s — please attach that file to a bug report", tea.ErrProgramPanic, value, c.where, Sanitize(c.path))
}

// writeCrashFile writes the report under the XDG state directory
// ($XDG_STATE_HOME/flowtail, by default ~/.local/state/flowtail).
func writeCrashFile(text string) (string, error) {
	dir, err := stateDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "crash-"+time.Now().UTC().Format("20060102-150405")+"-*.txt")
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// stateDir is flowtail's folder in the XDG state directory.
func stateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "flowtail"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no home directory and no XDG_STATE_HOME for the crash report")
	}
	return filepath.Join(home, ".local", "state", "flowtail"), nil
}
