package ui

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
)

// The text helpers below are the only code in ui that cuts text to a
// width. They are safe by construction: any string (wide runes, combining
// marks, invalid UTF-8) and any width (0, 1, negative) give a result of at
// most the width asked for, and the pad helpers exactly that width. They cut
// between grapheme clusters, never inside one. Plain text only: styled
// lines go through fitCells.

// padRight appends s cut or padded to exactly w cells.
func padRight(b []byte, s string, w int) []byte {
	s = truncRight(s, w)
	b = append(b, s...)
	return appendSpaces(b, w-cellWidth(s))
}

// padLeft appends s right-aligned in w cells, keeping its end when cut.
func padLeft(b []byte, s string, w int) []byte {
	s = truncLeft(s, w)
	b = appendSpaces(b, w-cellWidth(s))
	return append(b, s...)
}

// padTail appends s in w cells, keeping its end when it is too long
// ("…4e5f6789", "…:7f3a]:443"): the end of an id or address is what tells
// records apart.
func padTail(b []byte, s string, w int) []byte {
	s = truncLeft(s, w)
	b = append(b, s...)
	return appendSpaces(b, w-cellWidth(s))
}

// padMiddle appends s in w cells, eliding its middle when too long
// ("185.22…161:37908", "2600:1f18…1300::20]:5432"): the network prefix and
// the host and port at the end both tell endpoints apart.
func padMiddle(b []byte, s string, w int) []byte {
	if n := cellWidth(s); n <= w {
		b = append(b, s...)
		return appendSpaces(b, w-n)
	}
	if w < 6 {
		return padTail(b, s, w)
	}
	headW := (w - 1) * 2 / 5
	head, hw := cutRight(s, headW)
	tail, tw := cutLeft(s[len(head):], w-1-hw)
	b = append(b, head...)
	b = append(b, "…"...)
	b = append(b, tail...)
	return appendSpaces(b, w-1-hw-tw)
}

// truncMiddle is s in at most w cells, its middle elided when too long.
func truncMiddle(s string, w int) string {
	if cellWidth(s) <= w {
		return s
	}
	return strings.TrimRight(string(padMiddle(nil, s, w)), " ")
}

// fitPair joins a and b with sep in at most w cells, eliding the middle
// of the longer one first ("198.51…00.7:40001 → 10.0.0.62:5432"): both ends
// of a conversation stay readable.
func fitPair(a, sep, b string, w int) string {
	room := w - cellWidth(sep)
	aw, bw := cellWidth(a), cellWidth(b)
	if aw+bw <= room {
		return a + sep + b
	}
	if room < 2 {
		return truncRight(a+sep+b, w)
	}
	bRoom := min(bw, max(room/2, room-aw))
	return truncMiddle(a, room-bRoom) + sep + truncMiddle(b, bRoom)
}

// padMin pads s with spaces to n cells, leaving it whole when it is
// longer: for labels and rule texts that must not be cut.
func padMin(s string, n int) string {
	if w := cellWidth(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// padMinLeft is padMin aligned right.
func padMinLeft(s string, n int) string {
	if w := cellWidth(s); w < n {
		return strings.Repeat(" ", n-w) + s
	}
	return s
}

// fit cuts or pads s to exactly w cells, so every line of a pane has the
// pane's width.
func fit(s string, w int) string { return string(padRight(nil, s, max(w, 0))) }

// fitWidth cuts plain text to at most w cells, ending in "…".
func fitWidth(s string, w int) string { return truncRight(s, w) }

// fitCells cuts a styled line to at most w cells (long ARNs and ids),
// keeping its escape sequences whole.
func fitCells(l string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(l) > w {
		return ansi.Truncate(l, w, "…")
	}
	return l
}

// wrapParts joins parts with sep into lines of at most w cells, breaking
// between parts; a part longer than a line is wrapped at its spaces.
func wrapParts(parts []string, sep string, w int) []string {
	var out []string
	line := ""
	for _, p := range parts {
		switch {
		case line == "":
			line = p
		case cellWidth(line)+cellWidth(sep)+cellWidth(p) <= w:
			line += sep + p
		default:
			out = append(out, line)
			line = p
		}
		if cellWidth(line) > w {
			wrapped := wrapWords(line, w)
			out = append(out, wrapped[:len(wrapped)-1]...)
			line = wrapped[len(wrapped)-1]
		}
	}
	return append(out, line)
}

// wrapWords breaks text into lines of at most w cells, at spaces where it
// can and inside a word that is longer than a line. A character wider than
// the whole line (a wide rune at w = 1) becomes "…".
func wrapWords(s string, w int) []string {
	w = max(w, 1)
	var out []string
	for cellWidth(s) > w {
		head, _ := cutRight(s, w)
		if head == "" {
			out = append(out, "…")
			g, _ := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
			s = s[len(g):]
			continue
		}
		if cut := strings.LastIndexByte(head, ' '); cut > 0 && len(head) < len(s) && s[len(head)] != ' ' {
			head = head[:cut]
		}
		out = append(out, head)
		s = strings.TrimLeft(s[len(head):], " ")
	}
	return append(out, s)
}

// wrapIndent is wrapWords with continuation lines indented by indent
// spaces (a record's notes, a long reason).
func wrapIndent(s string, w, indent int) []string {
	first := wrapWords(s, w)
	if len(first) == 1 || indent >= w {
		return first
	}
	pad := strings.Repeat(" ", indent)
	out := first[:1]
	rest := strings.TrimLeft(s[len(first[0]):], " ")
	for _, l := range wrapWords(rest, w-indent) {
		out = append(out, pad+l)
	}
	return out
}

func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// printable reports text of printable ASCII only, one cell a byte: the
// fast path of the width helpers.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// cellWidth is the number of terminal cells s takes.
func cellWidth(s string) int {
	if printable(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

// truncRight keeps the first cells of s, ending in "…", so that it takes
// at most w cells; s is returned whole when it fits.
func truncRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if cellWidth(s) <= w {
		return s
	}
	head, _ := cutRight(s, w-1)
	return head + "…"
}

// truncLeft keeps the last cells of s, starting with "…", so that it takes
// at most w cells; s is returned whole when it fits.
func truncLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if cellWidth(s) <= w {
		return s
	}
	tail, _ := cutLeft(s, w-1)
	return "…" + tail
}

// cutRight is the longest prefix of s made of whole grapheme clusters
// that takes at most w cells, and its width.
func cutRight(s string, w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	if printable(s) {
		n := min(len(s), w)
		return s[:n], n
	}
	used, i := 0, 0
	for i < len(s) {
		g, gw := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		if g == "" || used+gw > w {
			break
		}
		used += gw
		i += len(g)
	}
	return s[:i], used
}

// cutLeft is the longest suffix of s made of whole grapheme clusters that
// takes at most w cells, and its width.
func cutLeft(s string, w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	if printable(s) {
		n := min(len(s), w)
		return s[len(s)-n:], n
	}
	type cluster struct{ at, width int }
	var cs []cluster
	for i := 0; i < len(s); {
		g, gw := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		if g == "" {
			break
		}
		cs = append(cs, cluster{i, gw})
		i += len(g)
	}
	used, from := 0, len(s)
	for j := len(cs) - 1; j >= 0 && used+cs[j].width <= w; j-- {
		used += cs[j].width
		from = cs[j].at
	}
	return s[from:], used
}

// bstr views a scratch buffer as a string without copying it (an
// allocation per cell saved); the view is valid until the buffer is next
// written.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
