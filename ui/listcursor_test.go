package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestListCursorMove(t *testing.T) {
	km := DefaultKeymap()
	k := newTriageKeys(&km)
	press := func(s string) tea.KeyPressMsg {
		switch s {
		case "pgdown":
			return tea.KeyPressMsg{Code: tea.KeyPgDown}
		case "pgup":
			return tea.KeyPressMsg{Code: tea.KeyPgUp}
		}
		return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
	}
	tests := []struct {
		name        string
		n, h        int
		start       listCursor
		keys        []string
		cursor, top int
	}{
		{"down scrolls one row at the bottom edge", 10, 3, listCursor{2, 0}, []string{"j"}, 3, 1},
		{"up stops at the first row", 10, 3, listCursor{0, 0}, []string{"k", "k"}, 0, 0},
		{"page down stops on the last row without scrolling past it", 10, 3, listCursor{0, 0}, []string{"pgdown", "pgdown", "pgdown", "pgdown"}, 9, 7},
		{"page up from the end", 10, 3, listCursor{9, 7}, []string{"pgup"}, 6, 6},
		{"g goes to the last row", 10, 4, listCursor{0, 0}, []string{"g"}, 9, 6},
		{"G goes back to the first", 10, 4, listCursor{9, 6}, []string{"G"}, 0, 0},
		{"an empty list keeps the cursor at 0", 0, 4, listCursor{0, 0}, []string{"j", "g"}, 0, 0},
		{"a list shorter than the screen never scrolls", 2, 5, listCursor{0, 0}, []string{"j", "j", "j"}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.start
			for _, s := range tt.keys {
				if !c.move(press(s), &k, tt.n, tt.h) {
					t.Fatalf("key %q not taken as a move", s)
				}
			}
			if c.cursor != tt.cursor || c.top != tt.top {
				t.Errorf("cursor %d top %d, want cursor %d top %d", c.cursor, c.top, tt.cursor, tt.top)
			}
		})
	}
	c := listCursor{3, 1}
	if c.move(press("s"), &k, 10, 3) || c != (listCursor{3, 1}) {
		t.Errorf("s (sort) moved the cursor: %+v", c)
	}
}

// A list that shrinks under the cursor (a new snapshot) keeps the cursor
// on its last row and the screen full.
func TestListCursorClampAfterShrink(t *testing.T) {
	c := listCursor{cursor: 40, top: 35}
	c.clamp(12, 6)
	if c.cursor != 11 || c.top != 6 {
		t.Errorf("cursor %d top %d, want 11 and 6", c.cursor, c.top)
	}
}
