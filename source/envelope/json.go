package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONValue bounds one JSON value held whole (an event, a record, a
// scalar of an envelope): anything larger is not a flow-log event.
const maxJSONValue = 4 << 20

// jsonReader walks a stream of JSON values through a bounded buffer. The
// big arrays of envelopes (logEvents, events) are walked element by
// element, so memory follows the largest event, never the document.
type jsonReader struct {
	src     io.Reader
	buf     []byte
	pos     int
	end     int
	eof     bool
	readErr error
	line    int64 // newlines before buf[linePos]
	linePos int
}

func (r *jsonReader) reset(src io.Reader) {
	if r.buf == nil {
		r.buf = make([]byte, 256<<10)
	}
	*r = jsonReader{src: src, buf: r.buf, line: 1}
}

// lineAt is the 1-based line of buf[pos].
func (r *jsonReader) lineAt(pos int) int64 {
	if pos >= r.linePos {
		r.line += int64(bytes.Count(r.buf[r.linePos:pos], []byte{'\n'}))
		r.linePos = pos
		return r.line
	}
	return r.line - int64(bytes.Count(r.buf[pos:r.linePos], []byte{'\n'}))
}

// fill reads more, keeping buf[keep:end]; it returns how far the kept
// bytes moved left. A full buffer grows up to maxJSONValue.
func (r *jsonReader) fill(keep int) (int, error) {
	if r.eof {
		return 0, io.EOF
	}
	r.lineAt(keep)
	shift := keep
	if shift > 0 {
		copy(r.buf, r.buf[keep:r.end])
		r.end -= shift
		r.pos -= shift
		r.linePos -= shift
	}
	if r.end == len(r.buf) {
		if len(r.buf) >= maxJSONValue {
			return shift, &Error{Looks: fmt.Sprintf("a JSON value longer than %d MiB", maxJSONValue>>20), Line: r.lineAt(0)}
		}
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	n, err := r.src.Read(r.buf[r.end:])
	r.end += n
	if err != nil {
		r.eof = true
		if !errors.Is(err, io.EOF) {
			r.readErr = err
		}
		if n == 0 {
			return shift, io.EOF
		}
	}
	return shift, nil
}

// skipSpace moves to the next non-space byte; false at the end.
func (r *jsonReader) skipSpace() bool {
	for {
		for r.pos < r.end {
			switch r.buf[r.pos] {
			case ' ', '\t', '\r', '\n':
				r.pos++
			default:
				return true
			}
		}
		if _, err := r.fill(r.pos); err != nil {
			return false
		}
	}
}

// value returns the next whole value as buf[start:end].
func (r *jsonReader) value() (start, end int, err error) {
	if !r.skipSpace() {
		return 0, 0, r.errEnd("a value")
	}
	for {
		e, ok := valueEnd(r.buf[r.pos:r.end], r.eof)
		if ok {
			start = r.pos
			r.pos += e
			return start, r.pos, nil
		}
		if e < 0 {
			return 0, 0, r.syntax(r.pos)
		}
		if _, err := r.fill(r.pos); err != nil {
			if IsNotRecords(err) {
				return 0, 0, err
			}
			return 0, 0, r.errEnd("a value")
		}
	}
}

// byteIs consumes c if it comes next.
func (r *jsonReader) byteIs(c byte) bool {
	if r.skipSpace() && r.buf[r.pos] == c {
		r.pos++
		return true
	}
	return false
}

func (r *jsonReader) syntax(pos int) error {
	return &Error{Looks: "JSON with a syntax error", Line: r.lineAt(pos)}
}

func (r *jsonReader) errEnd(what string) error {
	if r.readErr != nil {
		return r.readErr
	}
	return &Error{Looks: "JSON that ends before " + what, Line: r.lineAt(r.end)}
}

// valueEnd finds the end of the JSON value at the start of b. ok is
// false when b ends first (e is 0) or on a syntax error (e < 0). At eof
// a scalar may end with the data.
func valueEnd(b []byte, eof bool) (e int, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	switch b[0] {
	case '{', '[':
		depth := 0
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			case '"':
				j := stringEnd(b, i)
				if j < 0 {
					return 0, false
				}
				i = j - 1
			}
		}
		return 0, false
	case '"':
		j := stringEnd(b, 0)
		if j < 0 {
			return 0, false
		}
		return j, true
	}
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if i == 0 {
				return -1, false
			}
			return i, true
		}
		if c := b[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E') {
			return -1, false
		}
	}
	if eof {
		return len(b), true
	}
	return 0, false
}

// stringEnd returns the index after the closing quote of the string
// starting at b[i], or -1 when b ends first. Quotes are found with
// IndexByte (most bytes of an event are inside its message).
func stringEnd(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		// The quote ends the string unless an odd run of backslashes escapes it.
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
}

// spaceEnd returns the index of the first byte from i on in b that is
// not JSON white space, or len(b).
func spaceEnd(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// member is one key and its raw value.
type member struct {
	key, val []byte
	number   bool // val is a JSON number
}

// members splits a whole object into its members, unescaping keys and
// string values into scratch; values keep their JSON form otherwise
// (numbers, true, null, nested values). ok is false if obj is not an
// object.
func members(obj []byte, out []member, scratch []byte) ([]member, []byte, bool) {
	out, scratch, _, ok := membersEnd(obj, out, scratch)
	return out, scratch, ok
}

// membersEnd is members for an object at the start of obj, which may go
// on past it; end is the index after its closing brace.
func membersEnd(obj []byte, out []member, scratch []byte) (_ []member, _ []byte, end int, ok bool) {
	out = out[:0]
	if len(obj) < 2 || obj[0] != '{' {
		return out, scratch, 0, false
	}
	i := 1
	for {
		i = spaceEnd(obj, i)
		if i >= len(obj) {
			return out, scratch, 0, false
		}
		if obj[i] == '}' {
			return out, scratch, i + 1, true
		}
		if obj[i] == ',' {
			i++
			continue
		}
		if obj[i] != '"' {
			return out, scratch, 0, false
		}
		var key []byte
		if j := quoteOrEscape(obj, i+1); j < len(obj) && obj[j] == '"' {
			key, i = obj[i+1:j], j+1 // keys are short and plain: one scan
		} else {
			ke := stringEnd(obj, i)
			if ke < 0 {
				return out, scratch, 0, false
			}
			key, scratch = unquote(obj[i:ke], scratch)
			i = ke
		}
		i = spaceEnd(obj, i)
		if i >= len(obj) || obj[i] != ':' {
			return out, scratch, 0, false
		}
		i++
		i = spaceEnd(obj, i)
		ve, ok := valueEnd(obj[i:], true)
		if !ok {
			return out, scratch, 0, false
		}
		val := obj[i : i+ve]
		number := false
		switch {
		case val[0] == '"':
			val, scratch = unquote(val, scratch)
		case string(val) == "null":
			val = nil
		default:
			number = val[0] == '-' || val[0] >= '0' && val[0] <= '9'
		}
		out = append(out, member{key, val, number})
		i += ve
	}
}

// unquote returns the text of a JSON string: the bytes themselves when it
// has no escapes, else unescaped into scratch (which may then move, so
// slices taken from scratch before stay valid only if it had room: the
// caller sizes it).
func unquote(q []byte, scratch []byte) ([]byte, []byte) {
	s := q[1 : len(q)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return s, scratch
	}
	from := len(scratch)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			scratch = append(scratch, c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			scratch = append(scratch, '\n')
		case 't':
			scratch = append(scratch, '\t')
		case 'r':
			scratch = append(scratch, '\r')
		case 'b':
			scratch = append(scratch, '\b')
		case 'f':
			scratch = append(scratch, '\f')
		case 'u':
			if i+4 < len(s) {
				v, err := strconv.ParseUint(string(s[i+1:i+5]), 16, 32)
				if err == nil {
					r := rune(v)
					i += 4
					if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
						if v2, err := strconv.ParseUint(string(s[i+3:i+7]), 16, 32); err == nil {
							r = utf16.DecodeRune(r, rune(v2))
							i += 6
						}
					}
					scratch = utf8.AppendRune(scratch, r)
					continue
				}
			}
			scratch = append(scratch, '\\', 'u')
		default: // \" \\ \/
			scratch = append(scratch, s[i])
		}
	}
	return scratch[from:len(scratch):len(scratch)], scratch
}
