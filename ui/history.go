package ui

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
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
	// appendOnly is set when the file held what could not be read: it
	// is then added to, never rewritten.
	appendOnly bool
}

// maxHistoryLine is the longest line kept; longer ones are skipped.
const maxHistoryLine = 64 << 10

// loadHistory reads the file if it exists; a missing file starts an empty
// history. Lines over maxHistoryLine are skipped, not the rest of the file;
// when anything could not be read (a long line, a read error, a file that
// exists but cannot be opened) the file is never rewritten: new entries
// are appended, so nothing in it is lost.
func loadHistory(path string) *history {
	h := &history{path: path}
	if path == "" {
		return h
	}
	f, err := os.Open(path)
	if err != nil {
		h.appendOnly = !errors.Is(err, fs.ErrNotExist)
		return h
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 4096)
	var line []byte
	long := false
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if err != io.EOF {
				h.appendOnly = true
			}
			break
		}
		if !long {
			line = append(line, chunk...)
		}
		if len(line) > maxHistoryLine {
			long, line = true, line[:0]
		}
		if isPrefix {
			continue
		}
		if long {
			h.appendOnly = true
		} else if text := strings.TrimSpace(string(line)); text != "" {
			h.items = append(h.items, text)
		}
		line, long = line[:0], false
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

// save rewrites the file through a temporary one (or appends the newest
// entry, see appendOnly) so a crash never leaves
// half a history. Errors are ignored: history is a convenience.
func (h *history) save() {
	if h.path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return
	}
	if h.appendOnly {
		f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return
		}
		f.WriteString(h.items[len(h.items)-1] + "\n")
		f.Close()
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
