package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilterHistoryRecallsAndPersists applies two filters, walks back to
// them with up/down, and finds them again in a new session.
func TestFilterHistoryRecallsAndPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "flowtail", "filter_history")
	cfg := fixtureConfig(fixtureStore(t))
	cfg.HistoryFile = path
	d := newDriver(t, cfg, 80, 24)
	for _, f := range []string{"reject", "accept"} {
		d.keys("/")
		for range 10 {
			d.keys("backspace")
		}
		d.typeText(f)
		d.keys("enter")
	}
	d.keys("/")
	for range 10 {
		d.keys("backspace")
	}
	d.typeText("draft")
	d.keys("up")
	if got := d.m.input.Value(); got != "accept" {
		t.Fatalf("up recalls the newest filter: got %q", got)
	}
	d.keys("up")
	if got := d.m.input.Value(); got != "reject" {
		t.Fatalf("up again recalls the one before: got %q", got)
	}
	d.keys("up") // at the oldest: stays
	if got := d.m.input.Value(); got != "reject" {
		t.Fatalf("up at the oldest keeps it: got %q", got)
	}
	d.keys("down", "down")
	if got := d.m.input.Value(); got != "draft" {
		t.Fatalf("down past the newest gives back what was typed: got %q", got)
	}
	d.keys("esc")

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("history not saved: %v", err)
	}
	if got := strings.TrimSpace(string(data)); got != "reject\naccept" {
		t.Fatalf("history file = %q", got)
	}
	d2 := newDriver(t, cfg, 80, 24)
	d2.keys("/", "up")
	if got := d2.m.input.Value(); got != "accept" {
		t.Fatalf("a new session recalls the saved history: got %q", got)
	}
}

func TestHistoryDropsRepeatsAndKeepsABound(t *testing.T) {
	h := loadHistory("")
	h.add("a")
	h.add("a")
	h.add(" ")
	if len(h.items) != 1 {
		t.Fatalf("items = %q, want one", h.items)
	}
	for i := range maxHistory + 10 {
		h.add(strings.Repeat("x", i%7+1) + string(rune('a'+i%26)))
	}
	if len(h.items) > maxHistory {
		t.Fatalf("history grew to %d, bound is %d", len(h.items), maxHistory)
	}
}
