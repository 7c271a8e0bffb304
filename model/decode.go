package model

import "strings"

// Result says what a line turned out to be.
type Result uint8

const (
	ResultRecord Result = iota
	ResultHeader        // an S3 header line: the origin's format changed
	ResultBlank         // an empty line, ignored
	ResultMalformed
)

// Decoder picks the format for each line and parses it. The format comes
// from, in order: the override (--format), the header line most recently
// seen in the same origin, the batch's format, the default v2 format.
// Not safe for concurrent use; one per ingesting goroutine.
type Decoder struct {
	names    *Interner
	override *Format
	formats  *FormatTracker         // the format in force in each origin
	byFormat *lru[*Format, *Parser] // parsers of the formats in use

	// The parser chosen for the previous data line, and for what: lines
	// come in batches of one origin and one format, so the choice is
	// nearly always the same.
	cur       *Parser
	curOrigin string
	curBatch  *Format

	skip *[fieldIDEnd]bool // see InternOnly
	last *Parser           // the parser of the last data line (see Written)
}

// Written reports whether the last record Decode returned was read from
// a line written as the record writes it back (see Parser.Written).
func (d *Decoder) Written() bool { return d.last != nil && d.last.Written() }

// Rebind makes the decoder intern into names from now on. What it knows
// of each origin (the header lines seen) is kept; parsers, which cache ids
// of the old interner, are made anew.
func (d *Decoder) Rebind(names *Interner) {
	d.names = names
	d.byFormat = newLRU[*Format, *Parser](maxParsers)
	d.cur = nil
	if d.override != nil {
		d.parserFor(d.override)
	}
}

// InternOnly makes the decoder intern only the known string fields need
// reports: the others are marked present and read as "". A headless query
// reads a few fields of every record; interning the rest (every account,
// interface and VPC id ever seen) would make its memory follow the
// input's history instead of the query. Fields flowtail does not know are
// always interned.
func (d *Decoder) InternOnly(need func(FieldID) bool) {
	var skip [fieldIDEnd]bool
	for id := FieldNone + 1; id < fieldKnownEnd; id++ {
		skip[id] = id.Kind() == KindString && !need(id)
	}
	d.skip = &skip
	d.byFormat = newLRU[*Format, *Parser](maxParsers) // parsers made before carry no mask
	d.cur = nil
	if d.override != nil {
		d.parserFor(d.override)
	}
}

// NewDecoder returns a decoder interning into names; override may be nil.
func NewDecoder(names *Interner, override *Format) *Decoder {
	d := &Decoder{names: names, override: override, formats: NewFormatTracker(override),
		byFormat: newLRU[*Format, *Parser](maxParsers)}
	if override != nil {
		d.parserFor(override) // registers it, so queries may name its unknown fields
	}
	return d
}

// Bounds on what a decoder remembers. Formats are interned, so the parser
// cache is keyed by field list; a parser carries its intern caches (a few
// KiB per string field), hence the small bound. Origins are files or log
// groups: a file's header matters until the file is read, and files are
// read a few at a time.
const (
	maxParsers     = 16
	maxHeaderLines = 16
	maxOrigins     = 4096
)

func (d *Decoder) parserFor(f *Format) *Parser {
	p, ok := d.byFormat.get(f)
	if !ok {
		p = NewParser(f, d.names)
		p.skip = d.skip
		if old, evicted := d.byFormat.put(f, p); evicted && old == d.cur {
			d.cur = nil
		}
	}
	return p
}

// FormatFor is the format the next data line of this origin is read with.
func (d *Decoder) FormatFor(origin string, batch *Format) *Format {
	return d.parser(origin, batch).format
}

// parser picks the parser of a data line: the override's, else that of the
// header last seen in the origin, else the batch's, else the default's.
func (d *Decoder) parser(origin string, batch *Format) *Parser {
	if d.cur != nil && batch == d.curBatch && origin == d.curOrigin {
		return d.cur
	}
	p := d.parserFor(d.formats.Format(origin, batch))
	d.cur, d.curOrigin, d.curBatch = p, origin, batch
	return p
}

// Resume sets the format in force for origin's next lines to f (nil: none
// declared yet), as decided by whoever read the lines before them in
// order: a reader that cuts a stream into chunks for several decoders.
func (d *Decoder) Resume(origin string, f *Format) {
	d.formats.Resume(origin, f)
	d.cur = nil
}

// Decode reads one event into f and x.
func (d *Decoder) Decode(ev *Event, batch *Format, f *Flow, x *Ext) (Result, error) {
	line := ev.Line
	if isBlank(line) {
		return ResultBlank, nil
	}
	if _, ok := d.formats.Header(ev.Origin, line, batch); ok {
		if d.override == nil {
			d.cur = nil
		}
		return ResultHeader, nil
	}
	p := d.parser(ev.Origin, batch)
	if p.format == DefaultFormat {
		// Nothing named a format: a Transit Gateway record reads in its own default.
		if df := DefaultFormatFor(line); df != DefaultFormat {
			p = d.parserFor(df)
		}
	}
	d.last = p
	if err := p.Parse(line, f, x); err != nil {
		return ResultMalformed, err
	}
	if !f.Has(FieldInterfaceID) && strings.HasPrefix(ev.Stream, "eni-") {
		f.SetInterface(d.names.RecordID(ev.Stream))
	}
	GroupTransitGateway(f, x)
	return ResultRecord, nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// Ingester decodes batches into a store.
type Ingester struct {
	store *Store
	dec   *Decoder
	f     Flow
	x     Ext
}

// NewIngester feeds store, reading lines with override (nil: per-line rules).
func NewIngester(store *Store, override *Format) *Ingester {
	return &Ingester{store: store, dec: NewDecoder(store.Names(), override)}
}

// Ingest appends a batch: records to the ring, malformed lines to the
// side ring with their reason, all under one lock.
func (in *Ingester) Ingest(b Batch) {
	in.store.Append(func(a Appender) {
		for i := range b.Events {
			ev := &b.Events[i]
			res, err := in.dec.Decode(ev, b.Format, &in.f, &in.x)
			switch res {
			case ResultRecord:
				a.Add(&in.f, &in.x)
			case ResultHeader:
				a.Header()
			case ResultMalformed:
				a.Bad(MalformedEvent(ev, err))
			}
		}
	})
}

// KeepLine copies a malformed line for display, cut to a bounded length.
func KeepLine(b []byte) string {
	const keep = 1024
	if len(b) > keep {
		return string(b[:keep]) + "…"
	}
	return string(b)
}
