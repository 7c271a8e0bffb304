package ui

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes a string from a log, a file or the network safe to draw:
// ESC and every other C0 and C1 control, DEL, bidirectional overrides and
// invalid UTF-8 are dropped (tab and newline become a space), so no escape
// sequence in a flow log can move the cursor, retitle the window or write
// to the clipboard. Clean ASCII, the common case, is returned unchanged
// without allocating.
func Sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r == utf8.RuneError && size <= 1:
			b.WriteRune('\uFFFD')
		case unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune reports control characters and the invisible formatting runes
// that reorder or hide text on screen.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
