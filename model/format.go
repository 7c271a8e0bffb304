package model

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
)

// DefaultFormatText is the version 2 default format, exactly as
// DescribeFlowLogs reports it in LogFormat.
const DefaultFormatText = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

// Format is the ordered list of fields of a flow log. It is built once and
// shared by every parser that reads records of that shape.
type Format struct {
	Fields []FieldID
	has    [fieldIDEnd]bool
}

// DefaultFormat is the format used when nothing else names one.
var DefaultFormat = MustParseFormat(DefaultFormatText)

// FormatError says which token of a format string is wrong.
type FormatError struct {
	Column int // 1-based byte column of the token
	Token  string
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("format: %s %q at column %d", e.Reason, e.Token, e.Column)
}

// ParseFormat reads a format in either spelling: the ${field} tokens of
// CreateFlowLogs, or the plain space-separated names of an S3 header line.
// Unknown names are accepted as opaque text fields.
func ParseFormat(s string) (*Format, error) {
	f := &Format{}
	col := 0
	for col < len(s) {
		for col < len(s) && isSpace(s[col]) {
			col++
		}
		if col >= len(s) {
			break
		}
		end := col
		for end < len(s) && !isSpace(s[end]) {
			end++
		}
		tok := s[col:end]
		name := tok
		if strings.HasPrefix(tok, "${") {
			if !strings.HasSuffix(tok, "}") || len(tok) < 4 {
				return nil, &FormatError{col + 1, tok, "unterminated field"}
			}
			name = tok[2 : len(tok)-1]
		}
		if !validFieldName(name) {
			return nil, &FormatError{col + 1, tok, "not a field name"}
		}
		id, ok := fieldFor(name)
		if !ok {
			return nil, &FormatError{col + 1, tok, fmt.Sprintf("more than %d unknown fields", MaxOpaque)}
		}
		if f.has[id] {
			return nil, &FormatError{col + 1, tok, "repeated field"}
		}
		f.has[id] = true
		f.Fields = append(f.Fields, id)
		col = end
	}
	if len(f.Fields) == 0 {
		return nil, &FormatError{1, s, "no fields in"}
	}
	return f, nil
}

// MustParseFormat is ParseFormat for formats written in the program.
func MustParseFormat(s string) *Format {
	f, err := ParseFormat(s)
	if err != nil {
		panic(err)
	}
	return f
}

// Has reports whether records of this format carry the field.
func (f *Format) Has(id FieldID) bool { return id < fieldIDEnd && f.has[id] }

// String renders the format in the ${field} spelling.
func (f *Format) String() string {
	var b strings.Builder
	for i, id := range f.Fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("${")
		b.WriteString(id.Name())
		b.WriteByte('}')
	}
	return b.String()
}

// HeaderFormat recognises the header line S3 delivery puts at the top of a
// file (the field names in format order). It returns nil for a data line
// and for stray text such as "Start of rotated log": a line is a header
// only when every token names a field flowtail knows (in any spelling), or
// it has the shape AWS writes (see awsHeaderShape), or every token is in
// the ${field} spelling. The format returned is interned: the same field
// list always gives the same *Format.
func HeaderFormat(line []byte) *Format {
	known, unknown, braced, shaped := 0, 0, 0, true
	i := 0
	for i < len(line) {
		for i < len(line) && (isSpace(line[i]) || line[i] == '\r' || line[i] == '\n') {
			i++
		}
		start := i
		for i < len(line) && !isSpace(line[i]) && line[i] != '\r' && line[i] != '\n' {
			i++
		}
		tok := line[start:i]
		if len(tok) > 3 && tok[0] == '$' && tok[1] == '{' && tok[len(tok)-1] == '}' {
			tok = tok[2 : len(tok)-1]
			braced++
		}
		if len(tok) == 0 {
			continue
		}
		if !validFieldNameBytes(tok) {
			return nil
		}
		if _, ok := fieldByFolded[foldName(string(tok))]; ok {
			known++
			shaped = shaped && awsName(tok)
			continue
		}
		unknown++
		// An unknown name in the AWS shape is several lowercase words
		// joined by '-': "rotated" or "log" alone is prose.
		shaped = shaped && awsName(tok) && bytes.IndexByte(tok, '-') > 0
	}
	switch {
	case known == 0:
		return nil
	case unknown == 0, braced == known+unknown:
	case shaped && known >= 2 && known > unknown:
	default:
		return nil
	}
	f, err := ParseFormat(strings.TrimRight(string(line), "\r\n"))
	if err != nil {
		return nil
	}
	return InternFormat(f)
}

// awsName reports whether a name is spelt as AWS spells field names in
// headers: lowercase letters and digits, words joined by single '-'.
func awsName(tok []byte) bool {
	for i, c := range tok {
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && c >= '0' && c <= '9':
		case i > 0 && i < len(tok)-1 && c == '-' && tok[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// validFieldName accepts names like "pkt-srcaddr", "tcp_flags", "dstPort":
// a letter first, then letters, digits, '-' or '_'.
func validFieldName(s string) bool { return validFieldNameBytes([]byte(s)) }

func validFieldNameBytes(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_'):
		default:
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// formats numbers every format records were read with, so a record can
// name its own field order in two bytes (for @message and the detail view),
// and interns formats by their field list, so a header repeated at the top
// of every file (or alternating with another) costs one Format, not one per
// line. A registration publishes a longer slice header (appending writes
// only past the length readers hold), so FormatOf, called per record, reads
// the list without a lock. The table is bounded by maxFormats.
var formats struct {
	mu    sync.Mutex // serialises registration
	list  atomic.Pointer[[]*Format]
	byKey map[string]uint16
}

// maxFormats bounds the distinct formats numbered in one process; past it
// records of new formats are still read, they only cannot name their
// format (FormatOf answers nil).
const maxFormats = math.MaxUint16

// fieldKey is the field list as bytes: equal lists, equal keys.
func (f *Format) fieldKey() string {
	b := make([]byte, len(f.Fields))
	for i, id := range f.Fields {
		b[i] = byte(id)
	}
	return string(b)
}

// InternFormat returns the one *Format with f's field list, registering f
// when it is the first; f itself when the table is full.
func InternFormat(f *Format) *Format {
	if f == nil {
		return nil
	}
	id := registerFormat(f)
	if id == 0 {
		return f
	}
	return (*formats.list.Load())[id-1]
}

// registerFormat returns the format's number (1-based), registering it on
// first use; 0 when too many distinct formats were seen.
func registerFormat(f *Format) uint16 {
	key := f.fieldKey()
	formats.mu.Lock()
	defer formats.mu.Unlock()
	if id, ok := formats.byKey[key]; ok {
		return id
	}
	var list []*Format
	if l := formats.list.Load(); l != nil {
		list = *l
	}
	if len(list) >= maxFormats {
		return 0
	}
	if formats.byKey == nil {
		formats.byKey = map[string]uint16{}
	}
	list = append(list, f)
	formats.list.Store(&list)
	id := uint16(len(list))
	formats.byKey[key] = id
	return id
}

// FormatOf is the format the record was read with (nil when unknown).
func FormatOf(f *Flow) *Format {
	if f.format == 0 {
		return nil
	}
	return (*formats.list.Load())[f.format-1]
}

// streamFormats caches StreamFormat's answers by interned format.
var streamFormats sync.Map // *Format → *Format

// StreamFormat is the format a record from log stream stream is shown in.
// A VPC flow log names each CloudWatch stream after its interface, and the
// decoder fills interface-id from that name when the format lacks it; the
// record is then shown with interface-id where the default format has it
// (after account-id, else after version, else first), so cat, query and
// the TUI show the same fields.
func StreamFormat(f *Format, stream string) *Format {
	if f == nil || f.Has(FieldInterfaceID) || !strings.HasPrefix(stream, "eni-") {
		return f
	}
	if out, ok := streamFormats.Load(f); ok {
		return out.(*Format)
	}
	at := 0
	for i, id := range f.Fields {
		if id == FieldAccountID || id == FieldVersion && at == 0 {
			at = i + 1
		}
	}
	out := &Format{Fields: make([]FieldID, 0, len(f.Fields)+1), has: f.has}
	out.Fields = append(append(append(out.Fields, f.Fields[:at]...), FieldInterfaceID), f.Fields[at:]...)
	out.has[FieldInterfaceID] = true
	out = InternFormat(out)
	streamFormats.Store(f, out)
	return out
}
