package query

import (
	"strings"
)

// tokKind is the lexical class of a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // field, command, keyword or function name
	tNumber         // 22, 1.5, -3
	tDur            // 1m, 5s, 2h (only meaningful inside bin())
	tString         // "text" or 'text', unquoted
	tRegex          // /pattern/, without the slashes
	tOp             // = != < <= > >= =~
	tPipe           // |
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tStar
	tBad // a character that starts no token
)

// token is one lexeme with its 1-based byte column and end offset, so errors
// can point at it and "after" messages can point just past it.
type token struct {
	kind tokKind
	text string // identifier, operator, literal value (unescaped)
	raw  string // the exact source text
	col  int    // 1-based start column
	end  int    // 0-based offset just past the token
	// unterminated is set for a string or regex that runs to the end of the
	// input: the user is still typing.
	unterminated bool
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tString:
		return "string " + t.raw
	case tRegex:
		return "regex " + t.raw
	}
	return "'" + t.raw + "'"
}

// lexer splits query text into tokens on demand.
type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '@'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '.'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// next returns the next token. Field names may contain '-' when a letter
// follows it (pkt-srcaddr, tcp-flags), as flow-log names do.
func (l *lexer) next() token {
	s := l.src
	for l.pos < len(s) && (s[l.pos] == ' ' || s[l.pos] == '\t' || s[l.pos] == '\n' || s[l.pos] == '\r') {
		l.pos++
	}
	start := l.pos
	mk := func(k tokKind, text string) token {
		return token{kind: k, text: text, raw: s[start:l.pos], col: start + 1, end: l.pos}
	}
	if l.pos >= len(s) {
		return token{kind: tEOF, col: len(s) + 1, end: len(s)}
	}
	c := s[l.pos]
	switch {
	case isIdentStart(c):
		l.pos++
		for l.pos < len(s) {
			d := s[l.pos]
			if isIdentPart(d) || d == '-' && l.pos+1 < len(s) && isLetter(s[l.pos+1]) {
				l.pos++
				continue
			}
			break
		}
		return mk(tIdent, s[start:l.pos])
	case c == '`':
		end := strings.IndexByte(s[l.pos+1:], '`')
		if end < 0 {
			l.pos = len(s)
			t := mk(tIdent, s[start+1:])
			t.unterminated = true
			return t
		}
		l.pos += end + 2
		return mk(tIdent, s[start+1:l.pos-1])
	case isDigit(c) || (c == '-' || c == '.') && l.pos+1 < len(s) && isDigit(s[l.pos+1]):
		l.pos++
		for l.pos < len(s) && (isDigit(s[l.pos]) || s[l.pos] == '.') {
			l.pos++
		}
		if e := l.pos; e+1 < len(s) && (s[e] == 'e' || s[e] == 'E') {
			d := e + 1
			if s[d] == '+' || s[d] == '-' {
				d++
			}
			if d < len(s) && isDigit(s[d]) {
				l.pos = d
				for l.pos < len(s) && isDigit(s[l.pos]) {
					l.pos++
				}
				return mk(tNumber, s[start:l.pos])
			}
		}
		if l.pos < len(s) && isLetter(s[l.pos]) {
			for l.pos < len(s) && isLetter(s[l.pos]) {
				l.pos++
			}
			return mk(tDur, s[start:l.pos])
		}
		return mk(tNumber, s[start:l.pos])
	case c == '"' || c == '\'':
		return l.quoted(c, tString)
	case c == '/':
		return l.quoted('/', tRegex)
	case c == '|':
		l.pos++
		return mk(tPipe, "|")
	case c == '(':
		l.pos++
		return mk(tLParen, "(")
	case c == ')':
		l.pos++
		return mk(tRParen, ")")
	case c == '[':
		l.pos++
		return mk(tLBrack, "[")
	case c == ']':
		l.pos++
		return mk(tRBrack, "]")
	case c == ',':
		l.pos++
		return mk(tComma, ",")
	case c == '*':
		l.pos++
		return mk(tStar, "*")
	case c == '=':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '~' {
			l.pos++
			return mk(tOp, "=~")
		}
		if l.pos < len(s) && s[l.pos] == '=' { // == is a common habit; same meaning
			l.pos++
		}
		return mk(tOp, "=")
	case c == '!':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '=' {
			l.pos++
			return mk(tOp, "!=")
		}
		return mk(tBad, "!")
	case c == '<' || c == '>':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '=' {
			l.pos++
		}
		return mk(tOp, s[start:l.pos])
	}
	// One UTF-8 sequence, so the message quotes a whole character.
	l.pos++
	for l.pos < len(s) && s[l.pos]&0xC0 == 0x80 {
		l.pos++
	}
	return mk(tBad, s[start:l.pos])
}

// quoted reads a string or regex delimited by q. Backslash escapes the
// delimiter and itself in strings; in a regex only "\/" is unescaped, so
// the pattern reaches the regexp package as written.
func (l *lexer) quoted(q byte, kind tokKind) token {
	s := l.src
	start := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(s) {
		c := s[l.pos]
		switch {
		case c == '\\' && l.pos+1 < len(s):
			n := s[l.pos+1]
			switch {
			case n == q:
				b.WriteByte(q)
			case kind == tString && n == '\\':
				b.WriteByte('\\')
			case kind == tString && n == 'n':
				b.WriteByte('\n')
			case kind == tString && n == 't':
				b.WriteByte('\t')
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			l.pos += 2
			continue
		case c == q:
			l.pos++
			return token{kind: kind, text: b.String(), raw: s[start:l.pos], col: start + 1, end: l.pos}
		}
		b.WriteByte(c)
		l.pos++
	}
	return token{kind: kind, text: b.String(), raw: s[start:], col: start + 1, end: len(s), unterminated: true}
}
