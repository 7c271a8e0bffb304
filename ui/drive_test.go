package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// driver runs the root model synchronously: messages go through Update
// and returned commands are run until they settle (ticks excepted), so
// tests see exactly what a user would after each key.
type driver struct {
	t *testing.T
	m *rootModel
}

func newDriver(t *testing.T, cfg Config, w, h int) *driver {
	d := &driver{t: t, m: newRoot(cfg)}
	d.send(tea.ColorProfileMsg{Profile: colorprofile.Ascii})
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			d.t.Fatal("commands did not settle")
		}
		m := queue[0]
		queue = queue[1:]
		_, cmd := d.m.Update(m)
		queue = append(queue, runCmd(cmd)...)
	}
}

// runCmd runs a command and its batches, skipping timers and terminal
// requests that need a real terminal.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-timeAfter(isTimer(cmd)):
		return nil // a tick or a cursor blink
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runCmd(c)...)
		}
		return out
	case nil, tickMsg:
		return nil
	}
	if isTerminalRequest(msg) {
		return nil
	}
	return []tea.Msg{msg}
}

func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyPress(k))
	}
}

func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// screen is the view as plain text.
func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

// refresh runs one tick as if the timer fired.
func (d *driver) refresh() {
	d.t.Helper()
	d.send(tickMsg{})
}

// namedKeys are the keys tests press by name; anything else is one
// printable character, or ctrl+ a letter.
var namedKeys = map[string]rune{
	"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
	"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "backspace": tea.KeyBackspace,
}

func keyPress(k string) tea.KeyPressMsg {
	if code, ok := namedKeys[k]; ok {
		return tea.KeyPressMsg{Code: code}
	}
	if letter, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(letter[0]), Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// applyFilter replaces the filter bar's text and applies it.
func (d *driver) applyFilter(text string) {
	d.t.Helper()
	d.keys("/", "ctrl+u")
	d.typeText(text)
	d.keys("enter")
}

// lineIndex is the screen line holding text (after lineWith has waited
// for it).
func (d *driver) lineIndex(text string) int {
	d.t.Helper()
	d.lineWith(text)
	for i, l := range strings.Split(d.screen(), "\n") {
		if strings.Contains(l, text) {
			return i
		}
	}
	return -1
}
