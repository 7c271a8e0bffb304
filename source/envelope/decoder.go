package envelope

import (
	"io"

	"github.com/flowtail/flowtail/model"
)

// Decoder reads envelopes into batches, keeping its buffers from one
// stream to the next. Not safe for concurrent use.
type Decoder struct {
	json   jsonDecoder
	export exportDecoder
	csv    csvDecoder
	b      *batcher
	pq     []pageColumn // Parquet column readers, kept for the next file
}

// Read decodes a stream of the given kind (from Sniff) into batches for
// emit; origin names the stream (a path, "-", an S3 URL). stop is asked
// between events and ends the read with its error. Text is not an
// envelope (the caller reads lines); Parquet needs ReadParquet; Binary is
// ErrBinary.
func (d *Decoder) Read(kind Kind, r io.Reader, origin string, emit func(model.Batch), stop func() error) error {
	if stop == nil {
		stop = func() error { return nil }
	}
	if d.b == nil {
		d.b = newBatcher(emit)
	}
	d.b.emit = emit
	d.b.format = nil
	var err error
	switch kind {
	case JSON:
		d.json.b, d.json.origin, d.json.records = d.b, origin, 0
		d.json.group = d.json.group[:0]
		d.json.lastFormat = nil
		err = d.json.run(r, stop)
	case Export:
		d.export.b, d.export.origin = d.b, origin
		err = d.export.run(r, stop)
	case CSV:
		d.csv.b, d.csv.origin = d.b, origin
		err = d.csv.run(r, stop)
	case Parquet:
		err = &Error{Looks: "a Parquet file read as a stream (it needs random access: read it from a file)"}
	case Binary:
		err = ErrBinary
	default:
		err = &Error{Looks: "plain text (read it as lines)"}
	}
	d.b.flush() // what was read before an error is delivered
	return err
}
