package ui

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/flowtail/flowtail/model"
)

// The monkey test drives the root model with random keys, pastes, window
// sizes and arriving records, and checks after every event that nothing
// panicked and no drawn line is wider than the window. It is seeded: a
// failure names its seed and step, and FLOWTAIL_MONKEY_SEED replays it.
// FLOWTAIL_MONKEY_STEPS runs it longer (see the README).
func TestMonkey(t *testing.T) {
	steps := 1500
	if testing.Short() {
		steps = 300
	}
	if s := os.Getenv("FLOWTAIL_MONKEY_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	seeds := []uint64{1, 2}
	if s := os.Getenv("FLOWTAIL_MONKEY_SEED"); s != "" {
		n, _ := strconv.ParseUint(s, 10, 64)
		seeds = []uint64{n}
	}
	capture := demoCapture(t)
	snap := demoRules(t)
	t.Chdir(t.TempDir()) // exports land here
	for _, seed := range seeds {
		for _, input := range []string{"demo", "malformed"} {
			t.Run(fmt.Sprintf("%s/seed=%d", input, seed), func(t *testing.T) {
				lines := capture
				if input == "malformed" {
					lines = withMalformed(capture, rand.New(rand.NewPCG(seed, 7)))
				}
				cfg := fixtureConfig(model.NewStore(500)) // small: the monkey sees eviction
				cfg.Rules = &staticRules{snap: snap}
				monkey(t, cfg, lines, seed, steps)
			})
		}
	}
}

// demoCapture is the demo's embedded capture, header line first.
func demoCapture(t *testing.T) [][]byte {
	t.Helper()
	gz, err := os.ReadFile(filepath.Join("..", "source", "demo", "capture.log.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(data), []byte("\n"))
}

// withMalformed mixes broken lines into the capture: cut records, binary
// bytes, escape sequences, over-long lines and stray headers.
func withMalformed(lines [][]byte, r *rand.Rand) [][]byte {
	bad := [][]byte{
		[]byte("Start of rotated log"),
		[]byte("5 \x1b]0;pwned\x07 10.0.0.1"),
		[]byte("\xff\xfe\x00\x01 binary"),
		bytes.Repeat([]byte("x"), 5000),
		[]byte("version srcaddr dstaddr"),
		[]byte("5 1.2.3.4 5.6.7.8 99999 -1 6 a b c"),
		[]byte("5 日本語 ‮evil 80 443 6"),
	}
	out := [][]byte{lines[0]}
	for _, l := range lines[1:] {
		if r.IntN(8) == 0 {
			out = append(out, bad[r.IntN(len(bad))])
		}
		if r.IntN(10) == 0 && len(l) > 10 {
			l = l[:r.IntN(len(l))]
		}
		out = append(out, l)
	}
	return out
}

var monkeyKeys = []string{
	"q", "?", "tab", "shift+tab", "1", "2", "3", "4", "5", "/", "t", "r", "e", "R",
	"j", "k", "up", "down", "pgup", "pgdown", "g", "G", "home", "end",
	"f", "p", "enter", "y", "Y", "m", "n", "N", "ctrl+s", "esc", "backspace", "ctrl+u",
	"s", "c", "v", "space", "left", "right", "x", "a", "0", "9", "=", "|", "\"",
}

func monkeyEvent(r *rand.Rand) tea.Msg {
	switch n := r.IntN(100); {
	case n < 70:
		k := monkeyKeys[r.IntN(len(monkeyKeys))]
		switch k {
		case "shift+tab":
			return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
		case "home":
			return tea.KeyPressMsg{Code: tea.KeyHome}
		case "end":
			return tea.KeyPressMsg{Code: tea.KeyEnd}
		case "left":
			return tea.KeyPressMsg{Code: tea.KeyLeft}
		case "right":
			return tea.KeyPressMsg{Code: tea.KeyRight}
		case "space":
			return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		}
		return keyPress(k)
	case n < 78:
		runes := []rune("aZ5 .:/-_日本\u0301‮\x1b\x07é👩‍👧")
		rr := runes[r.IntN(len(runes))]
		return tea.KeyPressMsg{Code: rr, Text: string(rr)}
	case n < 82:
		return tea.PasteMsg{Content: randomText(r)}
	case n < 90:
		if r.IntN(4) == 0 { // the small sizes break layouts
			return tea.WindowSizeMsg{Width: 1 + r.IntN(20), Height: 1 + r.IntN(14)}
		}
		return tea.WindowSizeMsg{Width: 1 + r.IntN(300), Height: 1 + r.IntN(100)}
	default:
		return tickMsg{}
	}
}

func randomText(r *rand.Rand) string {
	parts := []string{"action = \"REJECT\"", "10.0.1.", "| stats count(*) by dstPort", "ssh", "\n", "\t",
		"日本語", "\x1b[2J", "(", ")", " and ", "srcaddr", "~", "e\u0301", strings.Repeat("w", 200)}
	var b strings.Builder
	for i := r.IntN(6); i >= 0; i-- {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func monkey(t *testing.T, cfg Config, lines [][]byte, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 1))
	in := model.NewIngester(cfg.Store, nil)
	feed := func(n int) {
		var b model.Batch
		for ; n > 0 && len(lines) > 0; n-- {
			b.Events = append(b.Events, model.Event{Line: lines[0], Origin: "capture.log"})
			lines = lines[1:]
		}
		in.Ingest(b)
	}
	feed(200)
	m := newRoot(cfg)
	w, h := 80, 24
	var history []string
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("seed %d: panic after %d events: %v\nlast events:\n%s", seed, len(history), p, strings.Join(lastN(history, 15), "\n"))
		}
	}()
	send := func(msg tea.Msg) {
		history = append(history, fmt.Sprintf("%#v", msg))
		if ws, ok := msg.(tea.WindowSizeMsg); ok {
			w, h = ws.Width, ws.Height
		}
		monkeySend(t, m, msg)
		view := m.View().Content
		if m.mode == modeNormal && m.width >= minWidth && m.height >= minHeight && len(m.panes) > 0 {
			// The pane's own drawing, before the root cuts it to the window.
			pw, _ := m.paneSize()
			for i, l := range strings.Split(m.panes[m.active].View(), "\n") {
				if ansi.StringWidth(l) > pw {
					t.Fatalf("seed %d step %d: %s pane line %d is %d cells in %d: %q\nlast events:\n%s", seed, len(history), m.panes[m.active].Title(), i, ansi.StringWidth(l), pw, ansi.Strip(l), strings.Join(lastN(history, 15), "\n"))
				}
			}
		}
		got := strings.Split(view, "\n")
		if view != "" && len(got) > h {
			t.Fatalf("seed %d step %d: %d lines in a window %d high\nlast events:\n%s", seed, len(history), len(got), h, strings.Join(lastN(history, 15), "\n"))
		}
		for i, l := range got {
			if ansi.StringWidth(l) > w {
				t.Fatalf("seed %d step %d: line %d is %d cells in a window %d wide: %q\nlast events:\n%s", seed, len(history), i, ansi.StringWidth(l), w, ansi.Strip(l), strings.Join(lastN(history, 15), "\n"))
			}
		}
	}
	send(tea.ColorProfileMsg{Profile: colorprofile.ANSI})
	send(tea.WindowSizeMsg{Width: w, Height: h})
	for i := 0; i < steps; i++ {
		if r.IntN(20) == 0 {
			feed(1 + r.IntN(150))
		}
		send(monkeyEvent(r))
	}
}

// monkeySend is the driver's send without waiting on timers: a timer's
// message (a tick, a blink) is one the monkey sends at random anyway.
func monkeySend(t *testing.T, m *rootModel, msg tea.Msg) {
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			t.Fatal("commands did not settle")
		}
		_, cmd := m.Update(queue[0])
		queue = append(queue[1:], runNow(cmd)...)
	}
}

func runNow(cmd tea.Cmd) []tea.Msg {
	if cmd == nil || isTimer(cmd) {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runNow(c)...)
		}
		return out
	case nil, tickMsg, tea.QuitMsg, tea.SuspendMsg:
		return nil
	default:
		if isTerminalRequest(msg) {
			return nil
		}
		return []tea.Msg{msg}
	}
}

func lastN(s []string, n int) []string { return s[max(len(s)-n, 0):] }
