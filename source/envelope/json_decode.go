package envelope

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"strconv"

	"github.com/flowtail/flowtail/model"
)

// jsonDecoder turns a stream of JSON into events.
type jsonDecoder struct {
	r       jsonReader
	b       *batcher
	origin  string
	fmts    formats
	mem     []member
	scratch []byte
	// the members of a whole envelope, apart from those of its events
	top        []member
	topScratch []byte
	// the format of the last keyed record (its keys: shapeSeps)
	lastFormat *model.Format
	// shape: the last keys may be matched byte for byte (see sameShape);
	// shapeField says which of them are written as fields
	shape      bool
	shapeField []bool
	// shapeSeps: the bytes before each value when the last keys are
	// written compactly (`"version":`, `,"account-id":`), ends in sepEnds
	shapeSeps []byte
	sepEnds   []int
	noShape   bool // tests: always take the general paths
	names     [][]byte
	records   int64
	// the envelope being walked
	group, stream []byte
	control       bool
}

// run reads every top-level value: objects, or arrays of them.
func (d *jsonDecoder) run(src io.Reader, stop func() error) error {
	d.r.reset(src)
	for d.r.skipSpace() {
		if err := stop(); err != nil {
			return err
		}
		var err error
		switch d.r.buf[d.r.pos] {
		case '{':
			err = d.object()
		case '[':
			d.r.pos++
			err = d.array(d.topElement)
		default:
			err = &Error{Looks: "JSON that is not an object or an array of objects", Line: d.r.lineAt(d.r.pos)}
		}
		if err != nil {
			return err
		}
	}
	if d.r.readErr != nil {
		return d.r.readErr
	}
	return nil
}

// array walks the elements of an array whose '[' was consumed.
func (d *jsonDecoder) array(each func(start, end int) error) error {
	if d.r.byteIs(']') {
		return nil
	}
	for {
		s, e, err := d.r.value()
		if err != nil {
			return err
		}
		if err := each(s, e); err != nil {
			return err
		}
		if d.r.byteIs(',') {
			continue
		}
		if d.r.byteIs(']') {
			return nil
		}
		return d.r.syntax(d.r.pos)
	}
}

// topElement is an element of a top-level array: an object read whole.
func (d *jsonDecoder) topElement(s, e int) error {
	return d.whole(s, e, nil)
}

// wholeLimit is the largest top-level object read whole; a larger one
// (a long `aws logs` output) is walked member by member.
const wholeLimit = maxJSONValue / 2

// object reads a top-level object: whole when it fits (every envelope a
// producer writes at once, in any key order), else member by member,
// the events arrays element by element. An object with no events array
// is one event or one record.
func (d *jsonDecoder) object() error {
	// JSON lines of keyed records mostly repeat the last record's keys:
	// those are written straight into the batch.
	if d.shape && !d.noShape {
		start := d.r.pos
		if n, ok := d.sameShape(d.r.buf[start:d.r.end], start); ok {
			d.r.pos += n
			return nil
		}
	}
	// A subscription payload as AWS writes it names its log group and
	// stream before its events: it is read in one pass, event by event.
	// More is read only while the answer lies past what is here, so a
	// record on a pipe is never held back waiting for the next.
	for !d.noShape {
		yes, sure := eventsLast(d.r.buf[d.r.pos:d.r.end])
		if yes {
			return d.walk()
		}
		if sure || d.r.eof || d.r.end-d.r.pos >= peekBytes {
			break
		}
		if _, err := d.r.fill(d.r.pos); err != nil {
			break
		}
	}
	// The common case, an object wholly in the buffer, is split into its
	// members in one pass; one cut by the buffer's end is read on once
	// and tried again; anything else takes the general path below.
	for tries := 0; ; tries++ {
		if cap(d.topScratch) < d.r.end-d.r.pos {
			d.topScratch = make([]byte, 0, 2*(d.r.end-d.r.pos))
		}
		var n int
		var ok bool
		if d.top, d.topScratch, n, ok = membersEnd(d.r.buf[d.r.pos:d.r.end], d.top, d.topScratch[:0]); ok {
			start := d.r.pos
			d.r.pos += n
			return d.parsedObject(d.r.buf[start:start+n], d.r.lineAt(start))
		}
		if tries > 0 || d.noShape || d.r.eof {
			break
		}
		if e, whole := valueEnd(d.r.buf[d.r.pos:d.r.end], false); whole || e < 0 {
			break // all here: the general path names what is wrong
		}
		if _, err := d.r.fill(d.r.pos); err != nil {
			break
		}
	}
	for {
		e, ok := valueEnd(d.r.buf[d.r.pos:d.r.end], d.r.eof)
		if ok {
			start := d.r.pos
			d.r.pos += e
			return d.wholeObject(d.r.buf[start:start+e], d.r.lineAt(start))
		}
		if e < 0 {
			return d.r.syntax(d.r.pos)
		}
		if d.r.end-d.r.pos >= wholeLimit {
			return d.walk()
		}
		if _, err := d.r.fill(d.r.pos); err != nil {
			if IsNotRecords(err) {
				return err
			}
			return d.r.errEnd("the end of an object")
		}
	}
}

// wholeObject handles a top-level object held whole.
func (d *jsonDecoder) wholeObject(obj []byte, line int64) error {
	if cap(d.topScratch) < len(obj) {
		d.topScratch = make([]byte, 0, 2*len(obj))
	}
	var ok bool
	d.top, d.topScratch, ok = members(obj, d.top, d.topScratch[:0])
	if !ok {
		return &Error{Looks: "JSON with a syntax error", Line: line}
	}
	return d.parsedObject(obj, line)
}

// parsedObject handles a top-level object whose members are in d.top.
func (d *jsonDecoder) parsedObject(obj []byte, line int64) error {
	var events []byte
	sub := false
	d.group, d.stream, d.control = d.group[:0], d.stream[:0], false
	// A key given twice counts the first time, as when a payload is read
	// event by event (walk).
	var seen [3]bool
	for _, m := range d.top {
		switch string(m.key) {
		case "logEvents", "events":
			if events == nil && len(m.val) > 0 && m.val[0] == '[' {
				events, sub = m.val, string(m.key) == "logEvents"
			}
		case "messageType":
			if !seen[0] {
				seen[0], d.control = true, string(m.val) == "CONTROL_MESSAGE"
			}
		case "logGroup":
			if !seen[1] {
				seen[1], d.group = true, append(d.group, m.val...)
			}
		case "logStream":
			if !seen[2] {
				seen[2], d.stream = true, append(d.stream, m.val...)
			}
		}
	}
	if events == nil {
		return d.record(obj, line, nil, d.top)
	}
	if sub && d.control {
		return nil // CONTROL_MESSAGE: CloudWatch checking the destination
	}
	// Lines are counted as the walk goes, not from the start each time.
	line += int64(bytes.Count(obj[:cap(obj)-cap(events)], []byte{'\n'}))
	i := 1
	for {
		for i < len(events) && (events[i] == ' ' || events[i] == '\t' || events[i] == '\r' || events[i] == '\n' || events[i] == ',') {
			if events[i] == '\n' {
				line++
			}
			i++
		}
		if i >= len(events) || events[i] == ']' {
			return nil
		}
		// An event is split into its members as its end is found (one
		// pass); anything unusual takes the general path for its error.
		if cap(d.scratch) < len(events)-i {
			d.scratch = make([]byte, 0, 2*(len(events)-i))
		}
		var mem []member
		var e int
		var ok bool
		if !d.noShape && events[i] == '{' {
			mem, d.scratch, e, ok = membersEnd(events[i:], d.mem, d.scratch[:0])
			d.mem = mem
		}
		if ok {
			if err := d.record(events[i:i+e], line, d.stream, mem); err != nil {
				return err
			}
		} else {
			if e, ok = valueEnd(events[i:], true); !ok {
				return &Error{Looks: "JSON with a syntax error", Line: line}
			}
			if err := d.handle(events[i:i+e], line, d.stream); err != nil {
				return err
			}
		}
		el := events[i : i+e]
		line += int64(bytes.Count(el, []byte{'\n'}))
		i += e
	}
}

// walk reads a top-level object too large to hold, member by member.
// Keys that say where events come from must precede the events (as AWS
// writes them).
func (d *jsonDecoder) walk() error {
	start := d.r.pos
	line := d.r.lineAt(start)
	d.r.pos++
	d.group, d.stream, d.control = d.group[:0], d.stream[:0], false
	var seen [3]bool // messageType, logGroup, logStream
	arrays := false
	var kept []byte // scalars of the envelope, in case it is a record after all
	for {
		if d.r.byteIs('}') {
			break
		}
		if !d.r.skipSpace() {
			return d.r.errEnd("the end of an object")
		}
		if d.r.buf[d.r.pos] == ',' {
			d.r.pos++
			continue
		}
		ks, ke, err := d.r.value()
		if err != nil {
			return err
		}
		if d.r.buf[ks] != '"' {
			return d.r.syntax(ks)
		}
		kb, _ := unquote(d.r.buf[ks:ke], nil)
		key := string(kb) // envelope keys are few and short
		if !d.r.byteIs(':') {
			return d.r.syntax(d.r.pos)
		}
		if (key == "logEvents" || key == "events") && d.r.skipSpace() && d.r.buf[d.r.pos] == '[' {
			if !arrays { // the first events array is the payload's
				arrays = true
				d.r.pos++
				if err := d.events(key == "logEvents"); err != nil {
					return err
				}
				continue
			}
			if _, _, err := d.r.value(); err != nil {
				return err
			}
			continue
		}
		vs, ve, err := d.r.value()
		if err != nil {
			return err
		}
		v := d.r.buf[vs:ve]
		// A key given twice counts the first time: the events read so far
		// came from where it said.
		switch {
		case key == "messageType" && !seen[0]:
			seen[0], d.control = true, string(v) == `"CONTROL_MESSAGE"`
		case key == "logGroup" && !seen[1]:
			seen[1] = true
			d.group, _ = unquoteInto(d.group[:0], v)
		case key == "logStream" && !seen[2]:
			seen[2] = true
			d.stream, _ = unquoteInto(d.stream[:0], v)
		}
		kept = append(kept, ',')
		kept = strconv.AppendQuote(kept, key)
		kept = append(kept, ':')
		kept = append(kept, v...)
	}
	if arrays {
		return nil
	}
	obj := append([]byte{'{'}, kept[min(1, len(kept)):]...)
	obj = append(obj, '}')
	return d.handle(obj, line, nil)
}

// peekBytes is how much of an object is looked at to choose its path.
const peekBytes = 4 << 10

// eventsLast reports whether the object at the start of b reaches a
// logEvents array after naming its type, log group and stream, with only the
// keys of a subscription payload before it (as AWS writes them). Then
// its events may be read as they come: where they come from is known.
// sure is false when b ends before the answer.
func eventsLast(b []byte) (yes, sure bool) {
	if len(b) == 0 {
		return false, false
	}
	if b[0] != '{' {
		return false, true
	}
	group, stream, kind := false, false, false
	i := 1
	for n := 0; n < 8; n++ {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n' || b[i] == ',') {
			i++
		}
		if i >= len(b) {
			return false, false
		}
		if b[i] != '"' {
			return false, true
		}
		ke := stringEnd(b, i)
		if ke < 0 {
			return false, false
		}
		key := b[i+1 : ke-1]
		i = spaceEnd(b, ke)
		if i >= len(b) {
			return false, false
		}
		if b[i] != ':' {
			return false, true
		}
		i = spaceEnd(b, i+1)
		switch string(key) {
		case "logEvents":
			if i >= len(b) {
				return false, false
			}
			return group && stream && kind && b[i] == '[', true
		case "logGroup":
			group = true
		case "logStream":
			stream = true
		case "messageType":
			kind = true
		case "owner", "subscriptionFilters", "policyLevel":
		default:
			return false, true
		}
		ve, ok := valueEnd(b[i:], false)
		if !ok {
			return false, ve < 0
		}
		i += ve
	}
	return false, true
}

// events walks the elements of an events array whose '[' was consumed.
// An event wholly in the buffer is split into its members as its end is
// found (one pass); one that is not (it crosses the buffer's end, or is
// not an object) takes the general path. Commas are read as the whole
// path reads them: any run of them between elements.
func (d *jsonDecoder) events(subscription bool) error {
	for {
		for d.r.byteIs(',') {
		}
		if !d.r.skipSpace() {
			return d.r.errEnd("the end of an events array")
		}
		if d.r.buf[d.r.pos] == ']' {
			d.r.pos++
			return nil
		}
		var ok bool
		var e int
		if d.r.buf[d.r.pos] == '{' && !d.noShape {
			if cap(d.scratch) < d.r.end-d.r.pos {
				d.scratch = make([]byte, 0, 2*(d.r.end-d.r.pos))
			}
			d.mem, d.scratch, e, ok = membersEnd(d.r.buf[d.r.pos:d.r.end], d.mem, d.scratch[:0])
		}
		if ok {
			s := d.r.pos
			d.r.pos += e
			if !(subscription && d.control) {
				if err := d.record(d.r.buf[s:s+e], d.r.lineAt(s), d.stream, d.mem); err != nil {
					return err
				}
			}
		} else {
			s, e, err := d.r.value()
			if err != nil {
				return err
			}
			if err := d.event(s, e, subscription); err != nil {
				return err
			}
		}
	}
}

// unquoteInto appends the text of a JSON string to dst.
func unquoteInto(dst, q []byte) ([]byte, bool) {
	if len(q) < 2 || q[0] != '"' {
		return dst, false
	}
	s, _ := unquote(q, nil)
	return append(dst, s...), true
}

// event is one element of an events array: {id, timestamp, message} in a
// subscription payload; {logStreamName, timestamp, message, eventId} in
// aws logs output.
func (d *jsonDecoder) event(s, e int, subscription bool) error {
	if subscription && d.control {
		return nil // CONTROL_MESSAGE: CloudWatch checking the destination
	}
	return d.whole(s, e, d.stream)
}

// whole handles one object held in the reader's buffer.
func (d *jsonDecoder) whole(s, e int, stream []byte) error {
	return d.handle(d.r.buf[s:e], d.r.lineAt(s), stream)
}

// handle turns one object into an event: a message (with the event's
// stream, id and time when it carries them) or a record keyed by field
// names.
func (d *jsonDecoder) handle(obj []byte, line int64, stream []byte) error {
	if cap(d.scratch) < len(obj) {
		d.scratch = make([]byte, 0, 2*len(obj))
	}
	var ok bool
	d.mem, d.scratch, ok = members(obj, d.mem, d.scratch[:0])
	if !ok {
		if len(obj) > 0 && obj[0] != '{' {
			return &Error{Looks: "JSON that is not an object or an array of objects", Line: line}
		}
		return &Error{Looks: "JSON with a syntax error", Line: line}
	}
	return d.record(obj, line, stream, d.mem)
}

// sameKeys reports whether mem has the keys of the last keyed record, in
// order, so its format is known without looking each key up again.
func (d *jsonDecoder) sameKeys(mem []member) bool {
	if len(mem) != len(d.sepEnds) || d.lastFormat == nil {
		return false
	}
	for k, m := range mem {
		if string(m.key) != string(d.shapeKey(k)) {
			return false
		}
	}
	return true
}

// shapeKey is the k-th of the last keys, read from its separator.
func (d *jsonDecoder) shapeKey(k int) []byte {
	from := 0
	if k > 0 {
		from = d.sepEnds[k-1] + 1 // past the comma
	}
	return d.shapeSeps[from+1 : d.sepEnds[k]-2]
}

func (d *jsonDecoder) rememberKeys(mem []member, f *model.Format) {
	d.shapeSeps, d.sepEnds, d.shapeField = d.shapeSeps[:0], d.sepEnds[:0], d.shapeField[:0]
	d.shape = true
	for k, m := range mem {
		if k > 0 {
			d.shapeSeps = append(d.shapeSeps, ',')
		}
		d.shapeSeps = append(d.shapeSeps, '"')
		d.shapeSeps = append(d.shapeSeps, m.key...)
		d.shapeSeps = append(d.shapeSeps, '"', ':')
		d.sepEnds = append(d.sepEnds, len(d.shapeSeps))
		d.shapeField = append(d.shapeField, fieldName(m.key))
		// A key the general path gives a meaning to, or one whose bytes
		// could read differently once quoted, rules out matching by bytes.
		if envelopeKey(m.key) || bytes.ContainsAny(m.key, "\\\"") {
			d.shape = false
		}
	}
	d.lastFormat = f
}

// envelopeKey reports keys that say where an event comes from or hold
// events, rather than name a field.
func envelopeKey(k []byte) bool {
	switch string(k) {
	case "message", "logStreamName", "logStream", "logGroup", "id", "eventId", "timestamp", "ingestionTime",
		"logEvents", "events", "messageType":
		return true
	}
	return false
}

// sameShape writes a top-level keyed record that has exactly the keys of
// the last one, in order, unescaped and with scalar values, straight into
// the batch: no members, no key lookups. It gives what the general path
// gives for such an object (same line, event and batch bounds); for
// anything else it writes nothing and ok is false, and the general path
// reads the object. obj is the buffer from the object's '{' on; start is
// where it is in the reader's buffer. n is the object's length.
func (d *jsonDecoder) sameShape(obj []byte, start int) (n int, ok bool) {
	b := d.b
	if d.lastFormat == nil || b.format != d.lastFormat || len(b.events) >= maxBatchEvents || cap(b.lines)-len(b.lines) < model.MaxLineBytes {
		return 0, false // the general path flushes the batch first
	}
	lines := b.lines
	from := len(lines)
	i, sepFrom, first := 1, 0, true
	for k, sepEnd := range d.sepEnds {
		// Compact JSON has exactly the separator of the last record;
		// anything else (spaces, newlines) is matched piece by piece.
		sep := d.shapeSeps[sepFrom:sepEnd]
		sepFrom = sepEnd
		if sepAt(obj, i, sep) {
			i += len(sep)
		} else {
			key := d.shapeKey(k)
			i = spaceEnd(obj, i)
			if k > 0 {
				if i >= len(obj) || obj[i] != ',' {
					return 0, false
				}
				i = spaceEnd(obj, i+1)
			}
			e := i + 1 + len(key)
			if e >= len(obj) || obj[i] != '"' || obj[e] != '"' || string(obj[i+1:e]) != string(key) {
				return 0, false
			}
			i = spaceEnd(obj, e+1)
			if i >= len(obj) || obj[i] != ':' {
				return 0, false
			}
			i = spaceEnd(obj, i+1)
			if i >= len(obj) {
				return 0, false
			}
		}
		var v []byte
		number := false
		if obj[i] == '"' {
			j := quoteOrEscape(obj, i+1)
			if j >= len(obj) || obj[j] == '\\' {
				return 0, false
			}
			v = obj[i+1 : j]
			i = j + 1
		} else {
			j := i
			for j < len(obj) && obj[j] >= '0' && obj[j] <= '9' {
				j++
			}
			digits := j > i
			for j < len(obj) {
				c := obj[j]
				if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E') {
					break
				}
				digits = false
				j++
			}
			if j == i || j >= len(obj) {
				return 0, false
			}
			switch obj[j] {
			case ',', '}', ' ', '\t', '\r', '\n':
			default:
				return 0, false
			}
			v = obj[i:j]
			if digits && d.shapeField[k] { // an integer, written as it is
				if !first {
					lines = append(lines, ' ')
				}
				first = false
				lines = appendShort(lines, v)
				i = j
				continue
			}
			if string(v) == "null" {
				v = nil
			} else {
				number = v[0] == '-' || v[0] >= '0' && v[0] <= '9'
			}
			i = j
		}
		if d.shapeField[k] {
			if !first {
				lines = append(lines, ' ')
			}
			first = false
			switch {
			case number || len(v) == 0:
				lines = appendValue(lines, v, number)
			case v[0] >= '0' && v[0] <= '9' && integral(v) >= 0:
				lines = appendShort(lines, v[:integral(v)]) // "25238.0" as 25238
			default:
				lines = appendShort(lines, v)
			}
			if len(lines)-from > model.MaxLineBytes {
				return 0, false
			}
		}
	}
	i = spaceEnd(obj, i)
	if i >= len(obj) || obj[i] != '}' {
		return 0, false
	}
	n = i + 1
	if from+n+len(d.sepEnds) > cap(b.lines) {
		return 0, false // the general path would start a new batch
	}
	d.group, d.stream, d.control = d.group[:0], d.stream[:0], false
	b.lines = lines
	b.add(from, model.Event{Origin: d.origin, LineNo: d.r.lineAt(start)})
	d.records++
	return n, true
}

// record turns one parsed object into an event: see handle.
func (d *jsonDecoder) record(obj []byte, line int64, stream []byte, mem []member) error {
	if d.sameKeys(mem) {
		return d.keyed(mem, d.lastFormat, len(obj), model.Event{Origin: d.origin, LineNo: line})
	}
	ev := model.Event{Origin: d.origin, LineNo: line}
	var msg []byte
	hasMsg := false
	known := 0
	for _, m := range mem {
		switch string(m.key) {
		case "message":
			msg, hasMsg = m.val, true
			continue
		case "logStreamName", "logStream":
			stream = m.val
			continue
		case "id", "eventId":
			ev.EventID = d.b.str(m.val)
			continue
		case "timestamp":
			ev.Timestamp = millis(m.val)
			continue
		case "ingestionTime":
			ev.Ingestion = millis(m.val)
			continue
		}
		if _, ok := model.LookupFieldBytes(m.key); ok {
			known++
		}
	}
	if len(d.group) > 0 {
		ev.Origin = d.b.group(d.group)
	}
	if len(stream) > 0 {
		ev.Stream = d.b.stream(stream)
	}
	if hasMsg {
		d.b.room(len(msg), nil)
		from := len(d.b.lines)
		d.b.lines = append(d.b.lines, msg...)
		d.b.add(from, ev)
		d.records++
		return nil
	}
	if known == 0 {
		if d.records == 0 {
			return &Error{Looks: "JSON without a message or field names", Line: line}
		}
		// Keep it in view as a malformed line, as a text file would.
		d.b.room(len(obj), nil)
		from := len(d.b.lines)
		d.b.lines = append(d.b.lines, bytes.ReplaceAll(obj, []byte{'\n'}, []byte{' '})...)
		d.b.add(from, ev)
		return nil
	}
	// A record keyed by field names: written as a line of its own format.
	d.names = d.names[:0]
	for _, m := range mem {
		if fieldName(m.key) {
			d.names = append(d.names, m.key)
		}
	}
	f := d.fmts.get(d.names)
	if f == nil {
		return &Error{Looks: "JSON whose keys do not make a flow-log format (a repeated field, or more unknown names than one format holds)", Line: line}
	}
	if ev.Stream == "" && ev.EventID == "" && ev.Timestamp == 0 && ev.Ingestion == 0 {
		d.rememberKeys(mem, f) // a plain keyed record: the next one likely has the same keys
	}
	return d.keyed(mem, f, len(obj), ev)
}

// keyed writes a record keyed by field names as a line of format f.
func (d *jsonDecoder) keyed(mem []member, f *model.Format, size int, ev model.Event) error {
	d.b.room(size+len(mem), f)
	from := len(d.b.lines)
	first := true
	for _, m := range mem {
		if !fieldName(m.key) {
			continue
		}
		if !first {
			d.b.lines = append(d.b.lines, ' ')
		}
		first = false
		d.b.lines = appendValue(d.b.lines, m.val, m.number)
	}
	d.b.add(from, ev)
	d.records++
	return nil
}

// quoteOrEscape returns the index of the first '"' or '\\' in b from
// i on, or len(b). Values are short, so eight bytes are looked at a time
// in a word rather than through two IndexByte calls.
func quoteOrEscape(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, e := x^(ones*'"'), x^(ones*'\\')
		// The lowest byte flagged is exact: the first zero byte of q or e.
		if m := ((q-ones)&^q | (e-ones)&^e) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '"' || b[i] == '\\' {
			return i
		}
	}
	return i
}

// sepAt reports whether obj holds sep at i with more after it. Separators
// of field names are 8 to 16 bytes: two words, the second overlapping the
// first, compare them.
func sepAt(obj []byte, i int, sep []byte) bool {
	n := len(sep)
	if n < 8 || n > 16 || len(obj)-i <= n {
		return len(obj)-i > n && string(obj[i:i+n]) == string(sep)
	}
	le := binary.LittleEndian
	return le.Uint64(obj[i:]) == le.Uint64(sep) && le.Uint64(obj[i+n-8:]) == le.Uint64(sep[n-8:])
}

// appendShort appends v to dst. Values are mostly short: when v is at
// most 16 bytes and both slices have 16 bytes of room (v's reaches into
// the reader's buffer), two word copies do it without a memmove.
func appendShort(dst, v []byte) []byte {
	at, n := len(dst), len(v)
	if n > 16 || cap(v) < 16 || cap(dst)-at < 16 {
		return append(dst, v...)
	}
	le := binary.LittleEndian
	src, out := v[:16], dst[at:at+16]
	le.PutUint64(out, le.Uint64(src))
	le.PutUint64(out[8:], le.Uint64(src[8:]))
	return dst[:at+n]
}

// millis reads a time in milliseconds: digits, as CloudWatch writes them,
// without strconv's generality; anything else through strconv (0 if it
// is not an integer).
func millis(v []byte) int64 {
	if len(v) == 0 || len(v) > 18 {
		n, _ := strconv.ParseInt(string(v), 10, 64)
		return n
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			n, _ := strconv.ParseInt(string(v), 10, 64)
			return n
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
