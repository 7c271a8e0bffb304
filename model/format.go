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
	// unknown holds, by opaque slot, the names flowtail does not know,
	// spelled as the format gave them; folded are their lookup keys.
	unknown []string
	folded  []string
	// keyed: the data names its own fields (JSON keys, a CSV header row,
	// Parquet columns), so this format wins over --format.
	keyed bool
}

// KeyedFormat is the format of records whose data names every value (the
// keys of a JSON object, a CSV header row, Parquet columns). Records read
// with it ignore --format and header lines: the names travel with the data.
func KeyedFormat(names []string) (*Format, error) {
	f, err := ParseFormat(strings.Join(names, " "))
	if err != nil {
		return nil, err
	}
	f.keyed = true
	noteHeader(f)
	return f, nil
}

// Keyed reports whether the data names this format's fields itself.
func (f *Format) Keyed() bool { return f != nil && f.keyed }

// DefaultFormat is the format used when nothing else names one.
var DefaultFormat = MustParseFormat(DefaultFormatText)

// DefaultTGWFormatText is the Transit Gateway flow logs' default format,
// "all fields" in the order AWS writes them.
const DefaultTGWFormatText = "${version} ${resource-type} ${account-id} ${tgw-id} ${tgw-attachment-id} ${tgw-src-vpc-account-id} ${tgw-dst-vpc-account-id} ${tgw-src-vpc-id} ${tgw-dst-vpc-id} ${tgw-src-subnet-id} ${tgw-dst-subnet-id} ${tgw-src-eni} ${tgw-dst-eni} ${tgw-src-az-id} ${tgw-dst-az-id} ${tgw-pair-attachment-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${log-status} ${type} ${packets-lost-no-route} ${packets-lost-blackhole} ${packets-lost-mtu-exceeded} ${packets-lost-ttl-expired} ${tcp-flags} ${region} ${flow-direction} ${pkt-src-aws-service} ${pkt-dst-aws-service}"

// DefaultTGWFormat is the Transit Gateway default format.
var DefaultTGWFormat = MustParseFormat(DefaultTGWFormatText)

// DefaultFormatFor is the format a line is read with when nothing names
// one: a version-6 record (Transit Gateway) is in the TGW default format,
// anything else in the VPC default format.
func DefaultFormatFor(line []byte) *Format {
	i := 0
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	if len(line) > i+1 && line[i] == '6' && isSpace(line[i+1]) {
		return DefaultTGWFormat
	}
	return DefaultFormat
}

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
		id, ok := f.fieldFor(name)
		if !ok {
			return nil, &FormatError{col + 1, tok, fmt.Sprintf("more than %d fields flowtail does not know in one format", MaxOpaque)}
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

// fieldFor returns the id of a format token: a known field, or the next
// opaque slot of this format for a name flowtail does not know (a repeat
// returns the slot it already has, so the caller reports it).
func (f *Format) fieldFor(name string) (FieldID, bool) {
	if id, ok := LookupField(name); ok {
		return id, true
	}
	key := foldName(name)
	for k, n := range f.folded {
		if n == key {
			return FieldOpaque0 + FieldID(k), true
		}
	}
	if len(f.unknown) >= MaxOpaque {
		return FieldNone, false
	}
	f.unknown = append(f.unknown, name)
	f.folded = append(f.folded, key)
	return FieldOpaque0 + FieldID(len(f.unknown)-1), true
}

// Name spells a field of this format: the AWS name of a known field, the
// name as the format gave it for one flowtail does not know.
func (f *Format) Name(id FieldID) string {
	if id.Opaque() {
		if f != nil {
			if k := int(id - FieldOpaque0); k < len(f.unknown) {
				return f.unknown[k]
			}
		}
		return ""
	}
	return id.Name()
}

// Camel is the camelCase spelling of a field of this format, the style
// CloudWatch Logs Insights shows (unknown names written the same way).
func (f *Format) Camel(id FieldID) string {
	if id.Opaque() {
		return camelName(f.Name(id))
	}
	return id.Camel()
}

// Lookup finds a field of this format by any spelling: a known field the
// format carries, or one of its unknown names.
func (f *Format) Lookup(name string) (FieldID, bool) {
	if id, ok := LookupField(name); ok {
		return id, f.Has(id)
	}
	key := foldName(name)
	for k, n := range f.folded {
		if n == key {
			return FieldOpaque0 + FieldID(k), true
		}
	}
	return FieldNone, false
}

// Unknown lists the ids of the names this format holds that flowtail
// does not know, in the format's order of first use.
func (f *Format) Unknown() []FieldID {
	if f == nil {
		return nil
	}
	out := make([]FieldID, len(f.unknown))
	for k := range f.unknown {
		out[k] = FieldOpaque0 + FieldID(k)
	}
	return out
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
		b.WriteString(f.Name(id))
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
		// joined by '-': "rotated" or "log" alone is prose. A typo of a
		// known field ("srcadr") is a field name too, read as text and
		// warned about (noteHeader), not a header taken for a record.
		shaped = shaped && awsName(tok) && (bytes.IndexByte(tok, '-') > 0 || typoOfField(tok))
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
	noteHeader(f)
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
	b := make([]byte, len(f.Fields), len(f.Fields)+2)
	for i, id := range f.Fields {
		b[i] = byte(id)
	}
	// Unknown names are the format's own, spelled as given: "version foo"
	// and "version bar" are two formats. A keyed format is another too.
	for _, n := range f.unknown {
		b = append(b, 0)
		b = append(b, n...)
	}
	if f.keyed {
		b = append(b, 0, 0)
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

// UnknownInUse reports whether a format records are read with carries
// name as a field flowtail does not know, so a query may name it.
func UnknownInUse(name string) bool {
	l := formats.list.Load()
	if l == nil {
		return false
	}
	for _, f := range *l {
		if id, ok := f.Lookup(name); ok && id.Opaque() {
			return true
		}
	}
	return false
}

// UnknownField reads a field flowtail does not know by its name, through
// each record's own format (formats number such names their own way).
// Safe for concurrent use.
func UnknownField(name string) func(f *Flow, x *Ext) (uint32, bool) {
	key := foldName(name)
	return func(f *Flow, x *Ext) (uint32, bool) {
		rf := FormatOf(f)
		if rf == nil {
			return 0, false
		}
		for k, n := range rf.folded {
			if n == key {
				return StrID(f, x, FieldOpaque0+FieldID(k))
			}
		}
		return 0, false
	}
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
	out := &Format{Fields: make([]FieldID, 0, len(f.Fields)+1), has: f.has, unknown: f.unknown, folded: f.folded, keyed: f.keyed}
	out.Fields = append(append(append(out.Fields, f.Fields[:at]...), FieldInterfaceID), f.Fields[at:]...)
	out.has[FieldInterfaceID] = true
	out = InternFormat(out)
	streamFormats.Store(f, out)
	return out
}
