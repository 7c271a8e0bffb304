// Package envelope reads the wrappings flow-log records arrive in, told
// apart by their bytes (never by a file name): CloudWatch Logs subscription
// payloads, `aws logs` JSON output and JSON lines of events, CloudWatch
// export-to-S3 lines, JSON objects keyed by field names, CSV with a header
// row and Parquet. Each comes out as batches of flow-log lines, with the
// event's origin (log group, stream, event id, timestamp) where the
// envelope carries one, exactly as a live CloudWatch source sends them.
// Plain text is not an envelope: the file source reads it line by line.
package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Kind is what a stream's first bytes look like.
type Kind uint8

const (
	Text    Kind = iota // flow-log lines, as S3 and Firehose deliver them
	JSON                // JSON: subscription payloads, aws logs output, events, keyed records
	Export              // CloudWatch export-to-S3 lines: an ISO-8601 time, then the record
	CSV                 // comma-separated values under a header row of field names
	Parquet             // a Parquet file
	Binary              // none of these
)

func (k Kind) String() string {
	switch k {
	case JSON:
		return "JSON"
	case Export:
		return "CloudWatch Logs export"
	case CSV:
		return "CSV"
	case Parquet:
		return "Parquet"
	case Binary:
		return "binary data"
	}
	return "text"
}

// SniffBytes is how much of a stream Sniff wants to see.
const SniffBytes = 4096

// Sniff says what a stream is from its first bytes (after any gzip
// layer is removed). A short head is fine: it is all there is.
func Sniff(head []byte) Kind {
	if bytes.HasPrefix(head, []byte("PAR1")) {
		return Parquet
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark
	if looksBinary(head) {
		return Binary
	}
	i := 0
	for i < len(head) && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n') {
		i++
	}
	if i < len(head) && (head[i] == '{' || head[i] == '[') {
		return JSON
	}
	first := head[i:]
	if n := bytes.IndexByte(first, '\n'); n >= 0 {
		first = first[:n]
	}
	if _, n := isoTime(first); n > 0 {
		return Export
	}
	if csvHeader(first) {
		return CSV
	}
	return Text
}

// looksBinary reports bytes no text log holds: a first line with NUL or
// mostly control bytes and invalid UTF-8, or a head that is mostly such
// bytes besides NULs. A text log whose later lines hold NULs (a crash left
// its end unwritten) is text: those lines are reported as malformed, and
// the records around them are kept. A cut at the end of head may split one
// rune.
func looksBinary(b []byte) bool {
	first := b
	if n := bytes.IndexByte(b, '\n'); n >= 0 {
		first = b[:n]
	}
	if bytes.IndexByte(first, 0) >= 0 {
		return true
	}
	return mostlyControl(first) || mostlyControl(b)
}

// mostlyControl reports whether more than a tenth of the bytes of b that
// are not NUL are control bytes (other than tab and line ends) or invalid
// UTF-8.
func mostlyControl(b []byte) bool {
	bad, nul := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0:
				nul++
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				bad++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 && len(b)-i >= utf8.UTFMax {
			bad++
		}
		i += size
	}
	return bad*10 > len(b)-nul
}

// isoTime reads a leading ISO-8601 time such as 2023-05-01T12:00:00.000Z
// and returns it in Unix milliseconds and the bytes it used, with the
// space after it; n is 0 when the line does not start with one.
func isoTime(b []byte) (ms int64, n int) {
	// YYYY-MM-DDTHH:MM:SS
	if len(b) < 20 {
		return 0, 0
	}
	digits := func(s []byte) (int, bool) {
		v := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	h, ok4 := digits(b[11:13])
	mi, ok5 := digits(b[14:16])
	s, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' ||
		y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return 0, 0
	}
	i := 19
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		scale := 100
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			frac += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	switch {
	case i < len(b) && b[i] == 'Z':
		i++
	case i+6 <= len(b) && (b[i] == '+' || b[i] == '-') && b[i+3] == ':':
		oh, okh := digits(b[i+1 : i+3])
		om, okm := digits(b[i+4 : i+6])
		if !okh || !okm {
			return 0, 0
		}
		off := (oh*60 + om) * 60
		if b[i] == '+' {
			off = -off
		}
		s += off
		i += 6
	}
	if i >= len(b) || (b[i] != ' ' && b[i] != '\t') {
		return 0, 0
	}
	days := daysFromCivil(y, mo, d)
	ms = ((days*24+int64(h))*60+int64(mi))*60*1000 + int64(s)*1000 + int64(frac)
	return ms, i + 1
}

// daysFromCivil counts days since 1970-01-01 (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// Error says what a stream looks like when it holds no flow-log records
// flowtail can read, and where that was found.
type Error struct {
	Looks string // what the bytes look like
	Line  int64  // 1-based line where it was found, 0 for the whole stream
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("not flow-log records: %s (line %d)", e.Looks, e.Line)
	}
	return "not flow-log records: " + e.Looks
}

// ErrBinary is the error for a stream of binary data.
var ErrBinary = &Error{Looks: "binary data (not text, gzip, JSON, CSV or Parquet)"}

// IsNotRecords reports whether err says the stream is not flow-log records.
func IsNotRecords(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
