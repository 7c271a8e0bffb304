package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// lockedBuffer is the program's output, read after it finishes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runProgram starts Run with a piped keyboard and a captured screen.
func runProgram(ctx context.Context, cfg Config) (keys *io.PipeWriter, out *lockedBuffer, done chan error) {
	pr, pw := io.Pipe()
	out = &lockedBuffer{}
	done = make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, tea.WithInput(pr), tea.WithOutput(out), tea.WithWindowSize(80, 24))
	}()
	return pw, out, done
}

func waitRun(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	return nil
}

// leftAltScreen reports whether the terminal was given back: the
// alternate screen closed and the cursor shown again.
func leftAltScreen(out string) bool {
	return strings.Contains(out, "\x1b[?1049l") && strings.Contains(out, "\x1b[?25h")
}

func TestRunQuitsCleanlyWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, out, done := runProgram(ctx, fixtureConfig(fixtureStore(t)))
	time.Sleep(300 * time.Millisecond)
	cancel() // what SIGTERM does in the program
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if !leftAltScreen(out.String()) {
		t.Fatalf("terminal not restored after cancel: %q", tail(out.String()))
	}
}

func TestRunQuitsOnQ(t *testing.T) {
	keys, out, done := runProgram(context.Background(), fixtureConfig(fixtureStore(t)))
	time.Sleep(300 * time.Millisecond)
	keys.Write([]byte("q"))
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run after q = %v", err)
	}
	if !leftAltScreen(out.String()) {
		t.Fatalf("terminal not restored after q: %q", tail(out.String()))
	}
}

func TestRunRestoresTerminalAfterPanic(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the crash report is written there, not in the user's state folder
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Compile = func(string, *model.Interner) (Filter, FilterState, error) { panic("compiler bug") }
	keys, out, done := runProgram(context.Background(), cfg)
	time.Sleep(300 * time.Millisecond)
	keys.Write([]byte("/x"))
	err := waitRun(t, done)
	if !errors.Is(err, tea.ErrProgramPanic) {
		t.Fatalf("Run after a panic = %v, want an error wrapping ErrProgramPanic", err)
	}
	if !leftAltScreen(out.String()) {
		t.Fatalf("terminal not restored after a panic: %q", tail(out.String()))
	}
}

func tail(s string) string {
	if len(s) > 200 {
		return s[len(s)-200:]
	}
	return s
}

// panicFilter matches nothing: it panics, in the background scan.
type panicFilter struct{}

func (panicFilter) Match(*model.Flow, *model.Ext) bool { panic("matcher bug") }

// A panic, in Update or in a background command, restores the terminal
// and leaves a crash file in the XDG state directory with the panic, the
// stack and the state; the error names the file.
func TestCrashLeavesAReport(t *testing.T) {
	for _, tt := range []struct {
		name, keys, want string
		compile          FilterCompiler
	}{
		{"update", "/x", "compiler bug",
			func(string, *model.Interner) (Filter, FilterState, error) { panic("compiler bug") }},
		{"command", "/x\r", "matcher bug",
			func(string, *model.Interner) (Filter, FilterState, error) { return panicFilter{}, FilterState{}, nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			t.Setenv("XDG_STATE_HOME", state)
			cfg := fixtureConfig(fixtureStore(t))
			cfg.Compile = tt.compile
			keys, out, done := runProgram(context.Background(), cfg)
			time.Sleep(300 * time.Millisecond)
			keys.Write([]byte(tt.keys))
			err := waitRun(t, done)
			if !errors.Is(err, tea.ErrProgramPanic) {
				t.Fatalf("Run after a panic = %v", err)
			}
			if !leftAltScreen(out.String()) {
				t.Fatalf("terminal not restored: %q", tail(out.String()))
			}
			files, _ := filepath.Glob(filepath.Join(state, "flowtail", "crash-*.txt"))
			if len(files) != 1 {
				t.Fatalf("crash files %v", files)
			}
			if !strings.Contains(err.Error(), files[0]) {
				t.Fatalf("error %q does not say where the report is (%s)", err, files[0])
			}
			report, _ := os.ReadFile(files[0])
			for _, want := range []string{"panic: " + tt.want, "window: 80x24", "mode: filter", "pane: flows",
				"records: 9 seen", "key /", "goroutine"} {
				if tt.name == "command" && want == "mode: filter" {
					want = "filter: \"x\""
				}
				if !strings.Contains(string(report), want) {
					t.Errorf("crash report lacks %q:\n%s", want, report)
				}
			}
		})
	}
}
