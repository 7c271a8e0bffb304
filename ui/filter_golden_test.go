package ui

import (
	"fmt"
	"strings"
	"testing"
)

// counted is the state where the filter bar holds text and has counted
// what it selects.
func counted(text string) func(r *rootModel) bool {
	return func(r *rootModel) bool {
		return r.input.Value() == text && r.inputCount.known && r.inputCount.text == text
	}
}

func typing(s string) []string {
	keys := []string{"/"}
	for _, r := range s {
		keys = append(keys, string(r))
	}
	return keys
}

// TestGoldenFilterReading: while typing, the filter bar says how it reads
// the words and how many records they select.
func TestGoldenFilterReading(t *testing.T) {
	for _, tt := range []struct {
		w, h int
		text string
	}{{80, 24, "10.0.2.21"}, {120, 40, "ssh reject"}} {
		t.Run(fmt.Sprintf("%dx%d", tt.w, tt.h), func(t *testing.T) {
			runGolden(t, tt.w, tt.h, counted(tt.text), typing(tt.text)...)
		})
	}
}

func TestFilterBarShowsTheReading(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"10.0.2.21", "10.0.2.21 → address = 10.0.2.21 · 0 rows"},
		{"22", "22 → port = 22 · 1 row"},
		{"reject", "reject → action = REJECT · 2 rows"},
	} {
		d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
		d.keys("/")
		d.typeText(tt.text)
		if !strings.Contains(d.screen(), tt.want) {
			t.Errorf("typing %q: the filter bar does not say %q:\n%s", tt.text, tt.want, d.screen())
		}
	}
}
