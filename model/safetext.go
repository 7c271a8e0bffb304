package model

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Text from a log, a file name or the network is made safe before it is
// drawn or printed. Each unsafe rune is shown, never dropped, one for one:
// the terminal UI shows it as U+FFFD (ReplaceUnsafe), headless output as
// '?' (MaskUnsafe, MaskAppended), so columns and carets still line up,
// and JSON escapes it (AppendJSONString). Dropping one would let
// "eni-\u202eevil" look exactly like "eni-evil", or "eni-\abell" like
// "eni-bell": two values that differ would read the same, which hides a
// record in plain sight. Unsafe is every C0 and C1 control (so ESC and
// every escape sequence), DEL, invalid UTF-8, the invisible bidirectional
// controls that reorder text on screen (U+202E and kin), the other
// invisible format characters (zero-width space and joiners, U+FEFF, soft
// hyphen, tag characters), and the line and paragraph separators.

// UnsafeRune reports the runes no policy lets through as they are.
func UnsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case bidiControl(r):
		return true
	case r >= 0xa0 && unicode.Is(unicode.Cf, r):
		return true
	case r == 0x2028 || r == 0x2029:
		return true // line and paragraph separators: a line break to some terminals and editors
	}
	return false
}

// bidiControl reports the runes that reorder the text around them.
func bidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// plainASCII reports text that needs no work: printable ASCII only.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// ReplaceUnsafe is the terminal UI's policy: every unsafe rune and each
// invalid UTF-8 byte becomes U+FFFD, except tab, newline and return,
// which are layout and become a space: one cell either way, so a value
// holding one can never shift the columns after it. Clean ASCII is
// returned as it is, without allocating.
func ReplaceUnsafe(s string) string {
	if plainASCII(s) {
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
		case r == utf8.RuneError && size <= 1, UnsafeRune(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaskUnsafe is the headless policy: each unsafe rune and each invalid
// UTF-8 byte becomes '?'. Clean text is returned as it is.
func MaskUnsafe(s string) string {
	if plainASCII(s) {
		return s
	}
	return string(MaskAppended([]byte(s), 0))
}

// MaskAppended applies MaskUnsafe to dst[from:] in place (a masked
// multi-byte rune shrinks to one byte) and returns dst, so a writer can
// mask a value it has just appended without a copy.
func MaskAppended(dst []byte, from int) []byte {
	w := from
	for i := from; i < len(dst); {
		c := dst[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				c = '?'
			}
			dst[w] = c
			w++
			i++
			continue
		}
		r, size := utf8.DecodeRune(dst[i:])
		if r == utf8.RuneError && size <= 1 || UnsafeRune(r) {
			dst[w] = '?'
			w++
		} else {
			w += copy(dst[w:], dst[i:i+size])
		}
		i += size
	}
	return dst[:w]
}

const hexDigits = "0123456789abcdef"

// appendJSONEscape appends the \u escape of a rune of the basic plane.
func appendJSONEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}

// AppendJSONString appends s as the inside of a JSON string (the caller
// writes the quotes): quotes and backslashes are escaped, unsafe runes are
// written as \u escapes so nothing reaches a terminal that prints the
// JSON, and invalid UTF-8 becomes \ufffd. Nothing is lost but bad bytes.
func AppendJSONString(dst []byte, s string) []byte {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\' {
		i++
	}
	if i == len(s) {
		return append(dst, s...)
	}
	dst = append(dst, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case UnsafeRune(r):
			if r > 0xffff { // a tag character: JSON writes it as a surrogate pair
				hi, lo := utf16.EncodeRune(r)
				dst = appendJSONEscape(appendJSONEscape(dst, hi), lo)
			} else {
				dst = appendJSONEscape(dst, r)
			}
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
