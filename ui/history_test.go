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
	if got := d.m.filter.input.Value(); got != "accept" {
		t.Fatalf("up recalls the newest filter: got %q", got)
	}
	d.keys("up")
	if got := d.m.filter.input.Value(); got != "reject" {
		t.Fatalf("up again recalls the one before: got %q", got)
	}
	d.keys("up") // at the oldest: stays
	if got := d.m.filter.input.Value(); got != "reject" {
		t.Fatalf("up at the oldest keeps it: got %q", got)
	}
	d.keys("down", "down")
	if got := d.m.filter.input.Value(); got != "draft" {
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
	if got := d2.m.filter.input.Value(); got != "accept" {
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

// A line over 64 KiB used to stop the loading there, and the next save
// dropped every entry after it. Now it is skipped, the rest is loaded, and
// the file is added to rather than rewritten.
func TestFilterHistorySkipsLongLinesAndKeepsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "filter_history")
	long := strings.Repeat("x", 70<<10)
	orig := "first\n" + long + "\nafter the long line\nlast\n"
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	h := loadHistory(path)
	if got := strings.Join(h.items, "|"); got != "first|after the long line|last" {
		t.Fatalf("loaded %q", got)
	}
	h.add("new")
	data, _ := os.ReadFile(path)
	if string(data) != orig+"new\n" {
		t.Fatalf("the file was rewritten: %d bytes, want the original %d and the new entry", len(data), len(orig))
	}
}

// A file that exists but cannot be read is never replaced.
func TestFilterHistoryNeverRewritesAnUnreadableFile(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads any file")
	}
	path := filepath.Join(t.TempDir(), "filter_history")
	if err := os.WriteFile(path, []byte("precious\n"), 0o200); err != nil {
		t.Fatal(err)
	}
	h := loadHistory(path)
	h.add("new")
	os.Chmod(path, 0o600)
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "precious\n") {
		t.Fatalf("history file replaced: %q", data)
	}
}
