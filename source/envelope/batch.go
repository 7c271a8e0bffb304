package envelope

import (
	"strconv"
	"unsafe"

	"github.com/flowtail/flowtail/model"
)

// Batch limits, as for files: a batch is emitted at this many events or
// when its line buffer is full.
const (
	maxBatchEvents = 4096
	lineBufBytes   = 1 << 20
	arenaBytes     = 64 << 10
)

// batcher collects events and their lines into batches of one format.
// The line buffer is reused after every emit (receivers copy what they
// keep); strings that events carry (stream, event id) live in arenas that
// are never reused, since a receiver may keep them.
type batcher struct {
	emit   func(model.Batch)
	format *model.Format
	lines  []byte
	events []model.Event
	arena  []byte
	// last strings handed out, so repeated values cost nothing
	lastStream, lastGroup string
	flushes               int // times lines was started over
}

func newBatcher(emit func(model.Batch)) *batcher {
	return &batcher{emit: emit, lines: make([]byte, 0, lineBufBytes+model.MaxLineBytes), events: make([]model.Event, 0, maxBatchEvents)}
}

// room makes sure a line of up to n bytes fits, in a batch of format.
func (b *batcher) room(n int, format *model.Format) {
	if format != b.format || len(b.events) == maxBatchEvents || len(b.lines)+n > cap(b.lines) {
		b.flush()
		b.format = format
	}
}

// line starts a line; the caller appends to b.lines and then calls add.
func (b *batcher) add(from int, ev model.Event) {
	ev.Line = b.lines[from:len(b.lines):len(b.lines)]
	b.events = append(b.events, ev)
}

func (b *batcher) flush() {
	if len(b.events) > 0 {
		b.emit(model.Batch{Events: b.events, Format: b.format})
	}
	b.events = b.events[:0]
	b.lines = b.lines[:0]
	b.flushes++
}

// str returns a string for b, kept in an arena: one allocation per arena,
// not per event.
func (b *batcher) str(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if len(v) > arenaBytes/4 {
		return string(v)
	}
	if len(b.arena)+len(v) > cap(b.arena) {
		b.arena = make([]byte, 0, arenaBytes)
	}
	from := len(b.arena)
	b.arena = append(b.arena, v...)
	return unsafe.String(&b.arena[from], len(v))
}

// stream returns the string of a log stream name, the last one reused.
func (b *batcher) stream(v []byte) string {
	if string(v) != b.lastStream {
		b.lastStream = string(v)
	}
	return b.lastStream
}

// group returns the string of a log group name, the last one reused.
func (b *batcher) group(v []byte) string {
	if string(v) != b.lastGroup {
		b.lastGroup = string(v)
	}
	return b.lastGroup
}

// formats interns keyed formats by their names, so records with the same
// keys share one format (and one batch). Bounded: a stream of records
// that each name different keys starts over rather than growing.
type formats struct {
	byKey   map[string]*model.Format
	byCanon map[string]*model.Format // by the format's own spelling: "accountId" and "account_id" keys share one
	key     []byte
	names   []string
}

const maxFormats = 256

// get returns the keyed format of names (nil if they make no format).
func (fs *formats) get(names [][]byte) *model.Format {
	fs.key = fs.key[:0]
	for _, n := range names {
		fs.key = append(fs.key, n...)
		fs.key = append(fs.key, ' ')
	}
	if f, ok := fs.byKey[string(fs.key)]; ok {
		return f
	}
	fs.names = fs.names[:0]
	for _, n := range names {
		fs.names = append(fs.names, string(n))
	}
	f, err := model.KeyedFormat(fs.names)
	if err != nil {
		return nil
	}
	if fs.byKey == nil || len(fs.byKey) >= maxFormats {
		fs.byKey, fs.byCanon = map[string]*model.Format{}, map[string]*model.Format{}
	}
	canon := f.String()
	if same, ok := fs.byCanon[canon]; ok {
		f = same
	} else {
		fs.byCanon[canon] = f
	}
	fs.byKey[string(fs.key)] = f
	return f
}

// appendValue writes one value as a flow-log token: "-" when empty or
// null, an integer written as a float (25238.0; 2.5e3 when number, a JSON
// number) as the integer.
func appendValue(dst, v []byte, number bool) []byte {
	if len(v) == 0 {
		return append(dst, '-')
	}
	if v[0] >= '0' && v[0] <= '9' {
		if i := integral(v); i >= 0 {
			return append(dst, v[:i]...)
		}
		if number {
			if f, err := strconv.ParseFloat(unsafe.String(&v[0], len(v)), 64); err == nil && f >= 0 && f < 1<<63 && f == float64(uint64(f)) {
				return strconv.AppendUint(dst, uint64(f), 10)
			}
		}
	}
	return append(dst, v...)
}

// integral returns the length of the integer part of a number written
// with only zeros after its point ("25238.000" → 5), or -1.
func integral(v []byte) int {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == len(v) {
		return i
	}
	if i == 0 || v[i] != '.' {
		return -1
	}
	for j := i + 1; j < len(v); j++ {
		if v[j] != '0' {
			return -1
		}
	}
	return i
}

// fieldName reports whether a key can name a field (a letter, then
// letters, digits, '-' or '_'), so pipeline keys such as "@timestamp"
// are left out rather than turned into fields.
func fieldName(k []byte) bool {
	if len(k) == 0 || len(k) > 64 {
		return false
	}
	for i, c := range k {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_'):
		default:
			return false
		}
	}
	return true
}
