package query

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
)

// substring matches the row text, ignoring case.
func (c *compiler) substring(rt **rowCells, s string) (Pred, string, error) {
	t := c.cells(rt)
	pat := []byte(foldASCII(s))
	return func(f *model.Flow, x *model.Ext) bool { return containsFoldBytes(t.get(f, x), pat) },
		fmt.Sprintf("text contains %q", s), nil
}

// rowCells lays out a record's row text once for all the words that read it.
type rowCells struct {
	write func(dst []byte, f *model.Flow, x *model.Ext) []byte
	buf   []byte
	valid bool // buf holds the current record's text
}

func (c *compiler) cells(rt **rowCells) *rowCells {
	if *rt == nil {
		t := &rowCells{write: c.env.opt.RowText, buf: make([]byte, 0, 512)}
		if t.write == nil {
			names := c.env.names
			t.write = func(dst []byte, f *model.Flow, x *model.Ext) []byte { return appendMessage(dst, f, x, names) }
		}
		*rt = t
	}
	return *rt
}

func (t *rowCells) get(f *model.Flow, x *model.Ext) []byte {
	if !t.valid {
		t.buf = t.write(t.buf[:0], f, x)
		t.valid = true
	}
	return t.buf
}

// foldASCII lower-cases ASCII letters only: the row text is folded the
// same way while matching, so no per-record copy is made.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFoldBytes reports whether s contains the lower-case needle,
// ignoring the ASCII case of s.
func containsFoldBytes(s, lower []byte) bool {
	if len(lower) == 0 {
		return true
	}
	first := lower[0]
	for i := 0; i+len(lower) <= len(s); i++ {
		if lowerByte(s[i]) != first {
			continue
		}
		j := 1
		for ; j < len(lower); j++ {
			if lowerByte(s[i+j]) != lower[j] {
				break
			}
		}
		if j == len(lower) {
			return true
		}
	}
	return false
}

// fuzzyCells reports whether the runes of pat occur in order, ignoring
// case, within one cell of the row text. Cells are separated by NUL (the
// row as drawn) or by spaces (the record's own text).
func fuzzyCells(row []byte, pat string) bool {
	j := 0
	for i := 0; i < len(row); {
		c := row[i]
		if c == 0 || c == ' ' {
			j = 0
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if lowerByte(c) == pat[j] {
				j++
			}
			i++
		} else {
			r, n := utf8.DecodeRune(row[i:])
			pr, pn := utf8.DecodeRuneInString(pat[j:])
			if r == pr || unicode.ToLower(r) == pr {
				j += pn
			}
			i += n
		}
		if j == len(pat) {
			return true
		}
	}
	return false
}
