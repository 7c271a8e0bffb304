package ui

import (
	"testing"

	"github.com/flowtail/flowtail/model"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"eni-0a1b2c3d", "eni-0a1b2c3d"},
		{"evil\x1b]52;c;aGVsbG8=\x07done", "evil]52;c;aGVsbG8=done"},
		{"\x1b[2J\x1b[Hcleared", "[2J[Hcleared"},
		{"c1\u009b31mred", "c131mred"},
		{"tab\there\nline", "tab here line"},
		{"bidi\u202eevil", "bidievil"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"del\x7fete", "delete"},
		{"ünïcode ok", "ünïcode ok"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeCleanDoesNotAllocate(t *testing.T) {
	s := "eni-0123456789abcdef0"
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
		t.Fatalf("Sanitize of clean text allocated %v times", n)
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("plain")
	f.Add("\x1b[31mred\x1b[0m")
	f.Add("\xc2\x9b")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		for _, r := range out {
			if model.UnsafeRune(r) {
				t.Fatalf("Sanitize(%q) kept control rune %U", s, r)
			}
		}
	})
}
