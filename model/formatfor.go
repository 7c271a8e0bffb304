package model

// FormatFor is the format a data line of origin is read with, in the
// order of precedence of Decoder: the override (--format), the origin's
// last header line, the batch's format, the default.
func FormatFor(override *Format, headers map[string]*Format, origin string, batch *Format) *Format {
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
