package cli

import "github.com/charmbracelet/x/ansi"

// cellWidth is how many terminal cells s takes once printed: one a byte
// for ASCII, two for East Asian wide characters and most emoji, none for
// combining marks. Tables pad by it so that such text in one cell does not
// push the columns after it out of line. The text has been through the
// headless text policy already, so it holds no escape sequences.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// cellWidthBytes is cellWidth of b, converting only text that is not ASCII.
func cellWidthBytes(b []byte) int {
	for _, c := range b {
		if c >= 0x80 {
			return ansi.StringWidth(string(b))
		}
	}
	return len(b)
}
