package ui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"eni-0a1b2c3d", "eni-0a1b2c3d"},
		{"evil\x1b]52;c;aGVsbG8=\x07done", "evil\uFFFD]52;c;aGVsbG8=\uFFFDdone"},
		{"\x1b[2J\x1b[Hcleared", "\uFFFD[2J\uFFFD[Hcleared"},
		{"c1\u009b31mred", "c1\uFFFD31mred"},
		{"tab\there\nline", "tab here line"},
		{"bidi\u202eevil", "bidi\uFFFDevil"},
		{"eni-\abell", "eni-\uFFFDbell"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"del\x7fete", "del\uFFFDete"},
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

// unsafeKinds are runes the screen must show, one of each kind: C0 and
// C1 controls, ESC, DEL, bidi controls, invisible formats, a tag.
var unsafeKinds = []rune{0x00, 0x07, '\t', '\n', 0x1b, 0x7f, 0x85, 0x9b, 0x061c, 0x200b, 0x200e, 0x202e, 0x2066, 0x2069, 0xfeff, 0xe0041}

func FuzzSanitize(f *testing.F) {
	f.Add("plain", uint(0), uint(0))
	f.Add("\x1b[31mred\x1b[0m", uint(3), uint(4))
	f.Add("\xc2\x9b", uint(1), uint(1))
	f.Add("eni-evil", uint(4), uint(11))
	f.Fuzz(func(t *testing.T, s string, at, which uint) {
		out := Sanitize(s)
		for _, r := range out {
			if model.UnsafeRune(r) {
				t.Fatalf("Sanitize(%q) kept control rune %U", s, r)
			}
		}
		// Nothing vanishes: each rune (or bad byte) of s is one on screen,
		// and the screen is one cell per rune wherever s had an unsafe one.
		units := 0
		for i := 0; i < len(s); {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			units++
		}
		if n := utf8.RuneCountInString(out); n != units {
			t.Fatalf("Sanitize(%q) = %q: %d runes for %d", s, out, n, units)
		}
		// The same text with an unsafe rune put in never looks the same.
		u := unsafeKinds[which%uint(len(unsafeKinds))]
		cut := int(at % uint(len(s)+1))
		for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut--
		}
		with := s[:cut] + string(u) + s[cut:]
		if Sanitize(with) == out {
			t.Fatalf("Sanitize shows %q and %q alike: %q", s, with, out)
		}
		if strings.Count(Sanitize(with), "\uFFFD")+strings.Count(Sanitize(with), " ") <= strings.Count(out, "\uFFFD")+strings.Count(out, " ") {
			t.Fatalf("Sanitize(%q) = %q shows no mark for %U", with, Sanitize(with), u)
		}
	})
}
