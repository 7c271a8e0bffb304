package ui

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
)

// columns are the flows table's cell widths for one terminal width. They
// are computed on resize, never per frame. A width of 0 hides a column.
type columns struct {
	width      int
	time       int
	timeLayout string
	iface      int
	src, dst   int
	arrow      string
	proto      int
	pkts       int
	bytes      int
	verdict    int
	flags      int
}

// layoutColumns fits the table to width: full dates and interface ids when
// there is room, then the optional columns go first when there is not.
func layoutColumns(width int) columns {
	c := columns{width: width, time: 8, timeLayout: "15:04:05", iface: 8, arrow: " → ",
		proto: 5, pkts: 4, bytes: 5, verdict: 6, flags: 4}
	if width < 100 {
		c.arrow = "→"
	} else {
		c.iface = 21
	}
	if width >= 120 {
		c.time, c.timeLayout, c.verdict = 19, "2006-01-02 15:04:05", 8
	}
	fixed := func() int {
		n := 1 + c.time + 1 + c.iface + 1 + len([]rune(c.arrow)) + 1 + c.proto + 1 + c.bytes + 1 + c.verdict
		if c.pkts > 0 {
			n += c.pkts + 1
		}
		if c.flags > 0 {
			n += 1 + c.flags
		}
		return n
	}
	// Addresses are what a row is about: below 80 columns the flags go
	// first, then the packet count (bytes say how big a flow was).
	const minFlow = 24
	if width-fixed() < minFlow {
		c.flags = 0
	}
	if width-fixed() < minFlow {
		c.pkts = 0
	}
	flow := max(width-fixed(), 10)
	c.src = (flow + 1) / 2
	c.dst = flow - c.src
	return c
}

// padRight appends s cut or padded to exactly w cells.
func padRight(b []byte, s string, w int) []byte {
	n := cellWidth(s)
	if n > w {
		return append(b, truncRight(s, w)...)
	}
	b = append(b, s...)
	return appendSpaces(b, w-n)
}

// padLeft appends s right-aligned in w cells.
func padLeft(b []byte, s string, w int) []byte {
	n := cellWidth(s)
	if n > w {
		return append(b, truncLeft(s, w)...)
	}
	b = appendSpaces(b, w-n)
	return append(b, s...)
}

// padTail appends s in w cells, keeping its end when it is too long
// ("…4e5f6789", "…:7f3a]:443"): the end of an id or address is what tells
// records apart.
func padTail(b []byte, s string, w int) []byte {
	n := cellWidth(s)
	if n > w {
		return append(b, truncLeft(s, w)...)
	}
	b = append(b, s...)
	return appendSpaces(b, w-n)
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
func fitWidth(s string, w int) string {
	if cellWidth(s) > w {
		return truncRight(s, w)
	}
	return s
}

// fitCells cuts a styled line to at most w cells (long ARNs and ids),
// keeping its escape sequences whole.
func fitCells(l string, w int) string {
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

// wrapWords breaks text into lines of at most w cells at spaces.
func wrapWords(s string, w int) []string {
	w = max(w, 10)
	var out []string
	for cellWidth(s) > w {
		cut := -1
		for i, r := range s {
			if cellWidth(s[:i]) > w {
				break
			}
			if r == ' ' {
				cut = i
			}
		}
		if cut <= 0 { // one long word: cut it where it stops fitting
			cut = 0
			for i := range s {
				if i > 0 && cellWidth(s[:i]) > w {
					break
				}
				cut = i
			}
			if cut == 0 {
				break
			}
			out = append(out, s[:cut])
			s = s[cut:]
			continue
		}
		out = append(out, s[:cut])
		s = strings.TrimLeft(s[cut:], " ")
	}
	return append(out, s)
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

func cellWidth(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

// truncRight keeps the first w cells, ending in "…".
func truncRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if isASCII(s) {
		if len(s) <= w {
			return s // an error flash shorter than the footer
		}
		return s[:w-1] + "…"
	}
	return ansi.Truncate(s, w, "…")
}

// truncLeft keeps the last w cells, starting with "…".
func truncLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if isASCII(s) {
		return "…" + s[len(s)-w+1:]
	}
	return ansi.TruncateLeft(s, cellWidth(s)-w+1, "…")
}

// bstr views a scratch buffer as a string without copying it (an
// allocation per cell saved); the view is valid until the buffer is next
// written.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// padMiddle appends s in w cells, eliding its middle when too long
// ("185.22…161:37908"): the network prefix and the host and port at the
// end both tell endpoints apart.
func padMiddle(b []byte, s string, w int) []byte {
	n := cellWidth(s)
	if n <= w {
		b = append(b, s...)
		return appendSpaces(b, w-n)
	}
	if !isASCII(s) || w < 6 {
		return append(b, truncLeft(s, w)...)
	}
	head := (w - 1) * 2 / 5
	b = append(b, s[:head]...)
	b = append(b, "…"...)
	return append(b, s[len(s)-(w-1-head):]...)
}
