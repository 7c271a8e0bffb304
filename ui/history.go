package ui

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// maxHistory bounds the filter history kept on disk and in memory.
const maxHistory = 500

// history is the filter bar's up/down recall, persisted one query per line
// so the queries typed in yesterday's incident are there today.
type history struct {
	path  string   // "" keeps history in memory only
	items []string // oldest first
	pos   int      // len(items) = the line being typed
	draft string   // what was typed before walking back
}

// loadHistory reads the file if it exists; a missing or unreadable file
// just starts an empty history.
func loadHistory(path string) *history {
	h := &history{path: path}
	if path == "" {
		return h
	}
	f, err := os.Open(path)
	if err != nil {
		return h
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			h.items = append(h.items, line)
		}
	}
	if len(h.items) > maxHistory {
		h.items = h.items[len(h.items)-maxHistory:]
	}
	h.pos = len(h.items)
	return h
}

// add records an applied filter (not repeating the last one) and saves.
func (h *history) add(text string) {
	text = strings.TrimSpace(text)
	h.pos = len(h.items)
	h.draft = ""
	if text == "" || strings.ContainsAny(text, "\r\n") {
		return
	}
	if n := len(h.items); n > 0 && h.items[n-1] == text {
		return
	}
	h.items = append(h.items, text)
	if len(h.items) > maxHistory {
		h.items = h.items[len(h.items)-maxHistory:]
	}
	h.pos = len(h.items)
	h.save()
}

// prev walks back from the text being typed; ok is false at the oldest.
func (h *history) prev(current string) (string, bool) {
	if h.pos == 0 {
		return "", false
	}
	if h.pos == len(h.items) {
		h.draft = current
	}
	h.pos--
	return h.items[h.pos], true
}

// next walks forward, ending at the text that was being typed.
func (h *history) next() (string, bool) {
	if h.pos >= len(h.items) {
		return "", false
	}
	h.pos++
	if h.pos == len(h.items) {
		return h.draft, true
	}
	return h.items[h.pos], true
}

// reset starts a new walk (the filter bar was opened again).
func (h *history) reset() { h.pos, h.draft = len(h.items), "" }

// save rewrites the file through a temporary one so a crash never leaves
// half a history. Errors are ignored: history is a convenience.
func (h *history) save() {
	if h.path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return
	}
	tmp := h.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(h.items, "\n")+"\n"), 0o600); err != nil {
		return
	}
	os.Rename(tmp, h.path)
}

// DefaultHistoryFile is where the filter history lives: the XDG state
// directory ($XDG_STATE_HOME, else ~/.local/state) under flowtail/.
func DefaultHistoryFile() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "flowtail", "filter_history")
}
