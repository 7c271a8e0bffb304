package ui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Texts that broke width arithmetic before: shorter than the width, wide
// runes, combining marks, emoji sequences, invalid UTF-8.
var hardTexts = []string{
	"", "a", "ab", "short", "ansi… already", "日本語のテキスト", "e\u0301te\u0301",
	"👩‍👩‍👧 family", "a\u200bb", "\xff\xfe bad", "10.0.0.1:443", "2600:1f18:abcd:1200::10]:5432",
	strings.Repeat("x", 300),
}

// checkText asserts the helpers' contract for one text and width; the
// width is measured independently of the helpers, with ansi.StringWidth.
func checkText(t *testing.T, s string, w int) {
	t.Helper()
	want := max(w, 0)
	for name, got := range map[string]string{
		"padRight":  string(padRight(nil, s, w)),
		"padLeft":   string(padLeft(nil, s, w)),
		"padTail":   string(padTail(nil, s, w)),
		"padMiddle": string(padMiddle(nil, s, w)),
		"fit":       fit(s, w),
	} {
		if n := ansi.StringWidth(got); n != want && !(w > 0 && n < want && hasWide(s)) {
			t.Errorf("%s(%q, %d) = %q: %d cells", name, s, w, got, n)
		}
		if ansi.StringWidth(got) > want {
			t.Errorf("%s(%q, %d) = %q: wider than %d", name, s, w, got, want)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("%s(%q, %d) = %q: cut inside a rune", name, s, w, got)
		}
	}
	for name, got := range map[string]string{
		"truncRight": truncRight(s, w), "truncLeft": truncLeft(s, w), "fitWidth": fitWidth(s, w),
		"fitCells": fitCells(s, w),
	} {
		if ansi.StringWidth(got) > want {
			t.Errorf("%s(%q, %d) = %q: wider than %d", name, s, w, got, want)
		}
		if w > 0 && ansi.StringWidth(s) <= want && got != s && name != "fitCells" {
			t.Errorf("%s(%q, %d) = %q: cut a text that fits", name, s, w, got)
		}
	}
	if tr := truncRight(s, w); w > 0 && tr != s && !strings.HasPrefix(s, strings.TrimSuffix(tr, "…")) {
		t.Errorf("truncRight(%q, %d) = %q: not a prefix", s, w, tr)
	}
	if tl := truncLeft(s, w); w > 0 && tl != s && !strings.HasSuffix(s, strings.TrimPrefix(tl, "…")) {
		t.Errorf("truncLeft(%q, %d) = %q: not a suffix", s, w, tl)
	}
	for _, got := range []string{truncMiddle(s, w), fitPair(s, " → ", s, w)} {
		if ansi.StringWidth(got) > want {
			t.Errorf("truncMiddle/fitPair(%q, %d) = %q: wider than %d", s, w, got, want)
		}
	}
	if w > 0 {
		lines := wrapWords(s, w)
		for _, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("wrapWords(%q, %d) line %q is wider", s, w, l)
			}
		}
		if !hasWide(s) || w > 1 {
			if got, want := strings.ReplaceAll(strings.Join(lines, ""), " ", ""), strings.ReplaceAll(s, " ", ""); got != want {
				t.Errorf("wrapWords(%q, %d) lost text: %q", s, w, lines)
			}
		}
		for _, l := range wrapIndent(s, w, 5) {
			if ansi.StringWidth(l) > w {
				t.Errorf("wrapIndent(%q, %d) line %q is wider", s, w, l)
			}
		}
		for _, l := range wrapParts(strings.Fields(s), " · ", w) {
			if ansi.StringWidth(l) > w {
				t.Errorf("wrapParts(%q, %d) line %q is wider", s, w, l)
			}
		}
	}
}

// hasWide reports a character wider than one cell: at width 1 it cannot
// be shown, so a line may stay narrower than asked.
func hasWide(s string) bool {
	for len(s) > 0 {
		g, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
		if g == "" {
			return false
		}
		if w > 1 {
			return true
		}
		s = s[len(g):]
	}
	return false
}

func TestTextHelpersAnyWidth(t *testing.T) {
	for _, s := range hardTexts {
		for w := -1; w <= 40; w++ {
			checkText(t, s, w)
		}
	}
}

// The footer drew every error message through truncRight, which sliced
// past the end of a message shorter than the terminal.
func TestTruncRightShortText(t *testing.T) {
	if got := truncRight(" no such folder", 80); got != " no such folder" {
		t.Errorf("got %q", got)
	}
	if got := truncLeft("eni-1", 80); got != "eni-1" {
		t.Errorf("got %q", got)
	}
	if got := truncRight("日本語", 4); got != "日…" {
		t.Errorf("got %q", got)
	}
}

func FuzzTextHelpers(f *testing.F) {
	for _, s := range hardTexts {
		f.Add(s, 0)
		f.Add(s, 1)
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		if w > 400 || w < -2 || len(s) > 1000 {
			return
		}
		// Raw text (invalid UTF-8, escape sequences) has no defined width
		// and is sanitized before anything is drawn: the helpers must not
		// panic on it; the contract is checked on its sanitized form.
		for _, fn := range []func(){func() { padMiddle(nil, s, w) }, func() { wrapWords(s, w) }, func() { truncLeft(s, w) }} {
			fn()
		}
		checkText(t, Sanitize(s), w)
	})
}
