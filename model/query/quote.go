package query

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
)

// Quote writes s as a string literal of the query language that reads
// back as exactly s, whatever bytes it holds, and shows as it reads: the
// quote and backslash are escaped, newline, return and tab by letter,
// and the rest as EscapeUnsafe writes it. A filter written from a value
// (a drill-down) selects that value and no other.
func Quote(s string) string {
	return `"` + EscapeUnsafe(quoteEscapes.Replace(s)) + `"`
}

var quoteEscapes = strings.NewReplacer(`"`, `\"`, `\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

// EscapeUnsafe writes the characters of s that are unsafe on a terminal
// (controls, bidi controls, invisible formats) as \u{…} and the bytes
// that are not UTF-8 as \xNN, the escapes a quoted string reads back; the
// rest is left as it is.
func EscapeUnsafe(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case model.UnsafeRune(r):
			fmt.Fprintf(&b, `\u{%x}`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// QuoteName writes a field name so that the query language reads it back
// as that name: as it is where it reads as one plain name, else in
// backticks (a format's own names may hold a '-' before a digit, or be a
// word such as "in"). A name in a query never holds a backtick, so every
// name a query resolved can be written back.
func QuoteName(name string) string {
	l := lexer{src: name}
	if t := l.next(); t.kind == tIdent && t.raw == name && !isKeyword(t) && !strings.HasPrefix(name, "`") {
		return name
	}
	return "`" + name + "`"
}
