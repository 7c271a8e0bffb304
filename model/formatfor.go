package model

// FormatFor is the format a data line of origin is read with, in the
// order of precedence of Decoder: the override (--format), the origin's
// last header line, the batch's format, the default. A keyed batch format
// (the data names its fields: JSON keys, a CSV header, Parquet columns)
// comes before them all.
func FormatFor(override *Format, headers map[string]*Format, origin string, batch *Format) *Format {
	declared, ok := headers[origin]
	return formatIn(override, declared, ok, batch)
}

// formatIn is FormatFor once the origin's declared format is looked up.
func formatIn(override, declared *Format, ok bool, batch *Format) *Format {
	if batch.Keyed() {
		return batch
	}
	if override != nil {
		return override
	}
	if ok {
		return declared
	}
	if batch != nil {
		return batch
	}
	return DefaultFormat
}

// FormatTracker follows the header lines of each origin and says which
// format is in force for the origin's data lines (see FormatFor). Every
// reader that decides formats — the decoder, the chunked readers, the
// recorder — uses one, so they agree on what is a header and what it
// changes. Not safe for concurrent use.
type FormatTracker struct {
	override *Format
	byOrigin *lru[string, *Format] // the format of the header last seen in an origin
	headers  *lru[string, *Format] // header lines already read
}

// NewFormatTracker returns a tracker under override (nil: per-line rules).
func NewFormatTracker(override *Format) *FormatTracker {
	return &FormatTracker{override: override, byOrigin: newLRU[string, *Format](maxOrigins),
		headers: newLRU[string, *Format](maxHeaderLines)}
}

// Header reports whether line, of origin in a batch of format batch, is a
// header line, and the format it declares. Under an override the header
// changes nothing, but it is still a header and not a record. The line
// is not kept.
func (t *FormatTracker) Header(origin string, line []byte, batch *Format) (*Format, bool) {
	if len(line) == 0 || batch.Keyed() || !MayBeHeader(line) {
		return nil, false
	}
	hf := t.header(line)
	if hf == nil {
		return nil, false
	}
	if t.override == nil {
		t.byOrigin.put(origin, hf)
	}
	return hf, true
}

// Format is the format the next data line of origin is read with.
func (t *FormatTracker) Format(origin string, batch *Format) *Format {
	declared, ok := t.byOrigin.get(origin) // empty under an override
	return formatIn(t.override, declared, ok, batch)
}

// Resume sets the format in force for origin's next lines to f (nil: none
// declared yet), as decided by whoever read the lines before them.
func (t *FormatTracker) Resume(origin string, f *Format) {
	if f == nil {
		t.byOrigin.remove(origin)
	} else {
		t.byOrigin.put(origin, InternFormat(f))
	}
}

// header returns the format a header line declares, remembering recent
// ones so the same header at the top of every file is parsed once.
func (t *FormatTracker) header(line []byte) *Format {
	if it, ok := t.headers.items[string(line)]; ok { // no copy of line to look it up
		return t.headers.touch(it)
	}
	hf := HeaderFormat(line)
	if hf != nil {
		t.headers.put(string(line), hf)
	}
	return hf
}

// MayBeHeader is the cheap first test for a header line, which begins
// with a letter or "$"; records begin with a digit.
func MayBeHeader(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	c := line[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '$'
}
