// Package export writes records as text, JSON lines or CSV. Encoders
// append into a caller's buffer so a million records cost no allocation
// per record.
package export

import (
	"fmt"
	"strconv"

	"github.com/flowtail/flowtail/model"
)

// Kind is an output encoding.
type Kind uint8

const (
	Text Kind = iota // the record in its format's field order, "-" for absent
	JSON             // one object per line, AWS field names as keys
	CSV              // a header row of field names, then one row per record
)

// ParseKind reads the -o value.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "text", "":
		return Text, nil
	case "json", "jsonl", "ndjson":
		return JSON, nil
	case "csv":
		return CSV, nil
	}
	return 0, fmt.Errorf("unknown output %q: want text, json or csv", s)
}

func (k Kind) String() string {
	switch k {
	case JSON:
		return "json"
	case CSV:
		return "csv"
	}
	return "text"
}

// Encoder appends records in one encoding. It keeps the interned names it
// has escaped for JSON, so each distinct value is escaped once. Not safe
// for concurrent use: one per goroutine.
type Encoder struct {
	kind  Kind
	names *model.Interner
	json  []jsonName // interned names as JSON strings, quoted and escaped
	plans map[*model.Format][]column
	last  *model.Format
	plan  []column
}

// column is a format field prepared once: its kind and its JSON key with
// the separator in front (`,"srcaddr":`).
type column struct {
	id   model.FieldID
	kind model.Kind
	key  []byte
}

// columns returns the prepared fields of a format, built on first use.
func (e *Encoder) columns(format *model.Format) []column {
	if format == e.last {
		return e.plan
	}
	plan, ok := e.plans[format]
	if !ok {
		if e.plans == nil {
			e.plans = map[*model.Format][]column{}
		}
		for _, id := range format.Fields {
			key := append([]byte(`,"`), model.AppendJSONString(nil, format.Name(id))...)
			plan = append(plan, column{id: id, kind: id.Kind(), key: append(key, '"', ':')})
		}
		e.plans[format] = plan
	}
	e.last, e.plan = format, plan
	return plan
}

// NewEncoder returns an encoder resolving string ids through names.
func NewEncoder(kind Kind, names *model.Interner) *Encoder {
	return &Encoder{kind: kind, names: names}
}

// Kind is the encoder's encoding.
func (e *Encoder) Kind() Kind { return e.kind }

// jsonName is an interned name and its JSON string form; the name is kept
// to notice an id a store's interner reclaimed and reused.
type jsonName struct{ name, quoted string }

// jsonName is an interned name as a JSON string, escaped once per distinct value.
func (e *Encoder) jsonName(id uint32) string {
	name := e.names.Name(id)
	if int(id) >= len(e.json) {
		e.json = append(e.json, make([]jsonName, int(id)+1-len(e.json))...)
	}
	j := &e.json[id]
	if j.quoted == "" || j.name != name {
		q := append([]byte{'"'}, model.AppendJSONString(nil, name)...)
		*j = jsonName{name, string(append(q, '"'))}
	}
	return j.quoted
}

// Header appends what precedes records of this format: the CSV header row,
// the field names separated by spaces for text (the header line S3
// delivery writes, so the output reads back in its own format), nothing
// for JSON, whose keys name every value. Callers write it again when the
// format changes (captures of several formats in one run).
func (e *Encoder) Header(dst []byte, format *model.Format) []byte {
	switch e.kind {
	case CSV:
		for i, id := range format.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCSVField(dst, format.Name(id))
		}
	case Text:
		// With names flowtail does not know, the ${name} spelling, which
		// the header test always takes for a header.
		braced := len(format.Unknown()) > 0
		for i, id := range format.Fields {
			if i > 0 {
				dst = append(dst, ' ')
			}
			if braced {
				dst = append(dst, '$', '{')
			}
			dst = append(dst, format.Name(id)...) // names are letters, digits, '-' and '_' only
			if braced {
				dst = append(dst, '}')
			}
		}
	default:
		return dst
	}
	return append(dst, '\n')
}

// Append appends one record of the given format and a newline.
func (e *Encoder) Append(dst []byte, format *model.Format, f *model.Flow, x *model.Ext) []byte {
	switch e.kind {
	case JSON:
		return e.appendJSON(dst, format, e.columns(format), f, x)
	case CSV:
		return e.appendCSV(dst, format, f, x)
	}
	return e.appendText(dst, format, f, x)
}

// own maps an unknown field of format to the same name in the record's
// own format: a record carries its unknown names by its format's slots,
// and a format written for records of several formats (an export of a
// mixed selection) numbers them its own way.
func own(format *model.Format, id model.FieldID, f *model.Flow) model.FieldID {
	if !id.Opaque() {
		return id
	}
	rf := model.FormatOf(f)
	if rf == format || rf == nil {
		return id
	}
	if rid, ok := rf.Lookup(format.Name(id)); ok {
		return rid
	}
	return model.FieldNone
}

// value appends a present field's value as text; ok is false when absent.
func (e *Encoder) value(dst []byte, id model.FieldID, f *model.Flow, x *model.Ext) ([]byte, bool) {
	switch id.Kind() {
	case model.KindInt:
		if v, ok := model.Int(f, x, id); ok {
			return strconv.AppendUint(dst, v, 10), true
		}
	case model.KindAddr:
		if a := model.Addr(f, x, id); a.IsValid() {
			return a.AppendTo(dst), true
		}
	case model.KindEnum:
		switch {
		case id == model.FieldAction && f.Has(id) && f.Action() != model.ActionNone:
			return append(dst, f.Action().String()...), true
		case id == model.FieldLogStatus && f.Has(id) && f.Status() != model.StatusNone:
			return append(dst, f.Status().String()...), true
		}
	default:
		if s, ok := model.StrID(f, x, id); ok {
			return append(dst, e.names.Name(s)...), true
		}
	}
	return dst, false
}

func (e *Encoder) appendText(dst []byte, format *model.Format, f *model.Flow, x *model.Ext) []byte {
	for i, id := range format.Fields {
		id = own(format, id, f)
		if i > 0 {
			dst = append(dst, ' ')
		}
		from := len(dst)
		var ok bool
		if dst, ok = e.value(dst, id, f, x); !ok {
			dst = append(dst, '-')
		} else if id.Kind() == model.KindString {
			dst = model.MaskAppended(dst, from)
		}
	}
	return append(dst, '\n')
}

func (e *Encoder) appendJSON(dst []byte, format *model.Format, cols []column, f *model.Flow, x *model.Ext) []byte {
	dst = append(dst, '{')
	open := len(dst)
	for i := range cols {
		c := &cols[i]
		mark := len(dst)
		if mark == open {
			dst = append(dst, c.key[1:]...) // the first key has no comma
		} else {
			dst = append(dst, c.key...)
		}
		ok := false
		switch c.kind {
		case model.KindInt:
			var v uint64
			if v, ok = model.Int(f, x, c.id); ok {
				dst = strconv.AppendUint(dst, v, 10)
			}
		case model.KindAddr:
			if a := model.Addr(f, x, c.id); a.IsValid() {
				dst = append(dst, '"')
				dst = a.AppendTo(dst)
				dst = append(dst, '"')
				ok = true
			}
		case model.KindString:
			if s, present := model.StrID(f, x, own(format, c.id, f)); present {
				dst = append(dst, e.jsonName(s)...)
				ok = true
			}
		default: // action and log-status never need escaping
			dst = append(dst, '"')
			if dst, ok = e.value(dst, c.id, f, x); ok {
				dst = append(dst, '"')
			}
		}
		if !ok {
			dst = dst[:mark] // absent: no key at all
		}
	}
	return append(dst, '}', '\n')
}

func (e *Encoder) appendCSV(dst []byte, format *model.Format, f *model.Flow, x *model.Ext) []byte {
	for i, id := range format.Fields {
		id = own(format, id, f)
		if i > 0 {
			dst = append(dst, ',')
		}
		if id.Kind() == model.KindString {
			if s, ok := model.StrID(f, x, id); ok {
				dst = appendCSVField(dst, e.names.Name(s))
			}
			continue
		}
		dst, _ = e.value(dst, id, f, x)
	}
	return append(dst, '\n')
}

// Formula reports whether a spreadsheet would take a CSV cell for a
// formula and run it (CSV injection): a leading '=', '+', '@', tab or CR,
// or '-' followed by anything. A lone "-" is flow logs' "absent" and
// stays as it is; flow-log numbers are never negative, so no real value
// starts with '-' and more.
func Formula(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
		return true
	case '-':
		return len(s) > 1
	}
	return false
}

// SafeCell is a CSV cell a spreadsheet shows as text: a formula-like value
// gets a leading apostrophe (the OWASP advice), which spreadsheets hide
// and treat as "this is text". Every CSV flowtail writes goes through it:
// no flow-log value starts that way, so only hostile text is changed.
func SafeCell(s string) string {
	if Formula(s) {
		return "'" + s
	}
	return s
}

// appendCSVField quotes a value when it holds a comma, quote or line break
// (RFC 4180), neutralises a formula-like value (see SafeCell), and
// sanitises it when it holds anything but printable ASCII (the quoting
// bytes are printable, so the CSV stays valid).
func appendCSVField(dst []byte, s string) []byte {
	if Formula(s) {
		dst = append(dst, '"', '\'')
		from := len(dst)
		for i := 0; i < len(s); i++ {
			if s[i] == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, s[i])
		}
		dst = model.MaskAppended(dst, from)
		return append(dst, '"')
	}
	quote, unsafe := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ',' || c == '"':
			quote = true
		case c < 0x20 || c >= 0x7f:
			quote = quote || c == '\n' || c == '\r'
			unsafe = true
		}
	}
	from := len(dst)
	if !quote {
		dst = append(dst, s...)
	} else {
		dst = append(dst, '"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, s[i])
		}
		dst = append(dst, '"')
	}
	if unsafe {
		dst = model.MaskAppended(dst, from)
	}
	return dst
}
