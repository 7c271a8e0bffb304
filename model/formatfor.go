package model

// FormatFor is the format a data line of origin is read with, in the
// order of precedence of Decoder: the override (--format), the origin's
// last header line, the batch's format, the default. A keyed batch format
// (the data names its fields: JSON keys, a CSV header, Parquet columns)
// comes before them all.
func FormatFor(override *Format, headers map[string]*Format, origin string, batch *Format) *Format {
	if batch.Keyed() {
		return batch
	}
	if override != nil {
		return override
	}
	if f, ok := headers[origin]; ok {
		return f
	}
	if batch != nil {
		return batch
	}
	return DefaultFormat
}
