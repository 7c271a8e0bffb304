package model

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// refParse is the parser as first written, token by token: the reference the
// fast one is checked against. It decodes one line into f, and into x when the record needs fields
// stored outside Flow (then f.HasExt() reports true). Fields separated by
// runs of spaces or tabs; a trailing CR is ignored. On error f and x hold
// garbage and the line should be kept as malformed.
func (p *Parser) refParse(line []byte, f *Flow, x *Ext) error {
	*f = Flow{format: p.fmtID}
	extReady := false
	if p.needExt {
		*x = Ext{}
		extReady = true
		f.ext = 1
	}
	if len(line) > MaxLineBytes {
		return &ParseError{Reason: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
	}
	for len(line) > 0 && (line[len(line)-1] == '\r' || line[len(line)-1] == '\n') {
		line = line[:len(line)-1]
	}
	fields := p.format.Fields
	tabs := bytes.IndexByte(line, '\t') >= 0
	i, k := 0, 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		start := i
		if k < len(fields) && numericCore[fields[k]] {
			// Numbers are read while scanning: one pass over the digits.
			var v uint64
			for i < len(line) && line[i]-'0' <= 9 && i-start < 19 {
				v = v*10 + uint64(line[i]-'0')
				i++
			}
			if i > start && (i == len(line) || line[i] == ' ' || line[i] == '\t') {
				id := fields[k]
				k++
				if err := setUint(id, v, f); err != "" {
					return &ParseError{Column: start + 1, Field: id, Reason: err}
				}
				continue
			}
			i = start // "-", a non-digit or a long number: the general path says which
		}
		if tabs {
			for i < len(line) && line[i] != ' ' && line[i] != '\t' {
				i++
			}
		} else {
			for i < len(line) && line[i] != ' ' {
				i++
			}
		}
		if k >= len(fields) {
			return &ParseError{Column: start + 1, Reason: fmt.Sprintf("more than the %d fields of the format", len(fields))}
		}
		tok := line[start:i]
		id := fields[k]
		k++
		if len(tok) == 1 && tok[0] == '-' {
			continue // absent
		}
		if err := p.field(id, tok, f, x, &extReady); err != "" {
			return &ParseError{Column: start + 1, Field: id, Reason: err}
		}
	}
	if k == 0 {
		return &ParseError{Reason: "empty line"}
	}
	if k < len(fields) {
		return &ParseError{Column: len(line) + 1, Reason: fmt.Sprintf("%d fields, the format has %d (next: %s)", k, len(fields), p.format.Name(fields[k]))}
	}
	return nil
}

// sameParse checks that Parse reads line exactly as refParse does: the
// same record, or the same error.
func sameParse(t *testing.T, format *Format, line []byte) {
	t.Helper()
	fast, ref := NewParser(format, NewInterner()), NewParser(format, NewInterner())
	var f, g Flow
	var x, y Ext
	err, want := fast.Parse(line, &f, &x), ref.refParse(line, &g, &y)
	switch {
	case (err == nil) != (want == nil):
		t.Fatalf("%q: Parse says %v, the reference %v", line, err, want)
	case err != nil:
		if err.Error() != want.Error() {
			t.Fatalf("%q: Parse says %q, the reference %q", line, err, want)
		}
	case f != g || f.HasExt() && x != y:
		t.Fatalf("%q: Parse reads\n%+v\nthe reference\n%+v", line, f, g)
	}
}

// TestParseMatchesReference reads default-format lines, written as AWS
// writes them and then spoilt one way or another, with Parse and with the
// reference, under the default format and under formats that share its
// fields in part.
func TestParseMatchesReference(t *testing.T) {
	formats := []*Format{DefaultFormat, MustParseFormat(v5Format29), MustParseFormat("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags")}
	r := rand.New(rand.NewPCG(1, 2))
	spoil := []func([]byte) []byte{
		func(b []byte) []byte { return b },
		func(b []byte) []byte { return append(b, '\r') },
		func(b []byte) []byte { return append(b, ' ', ' ') },
		func(b []byte) []byte { return append([]byte(" "), b...) },
		func(b []byte) []byte { return append(b, " 7"...) },
		func(b []byte) []byte { return b[:r.IntN(len(b)+1)] },
		func(b []byte) []byte { i := r.IntN(len(b)); return append(b[:i:i], append([]byte{' '}, b[i:]...)...) },
		func(b []byte) []byte { i := r.IntN(len(b)); return append(b[:i:i], append([]byte{'\t'}, b[i:]...)...) },
		func(b []byte) []byte { i := r.IntN(len(b)); return append(b[:i:i], b[i+1:]...) },
		func(b []byte) []byte { b[r.IntN(len(b))] = "0123456789.-: \tAaxZ"[r.IntN(19)]; return b },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" 1"), []byte(" 01"), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte("ACCEPT"), []byte("accept"), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" OK"), []byte(" NODATA"), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" OK"), []byte(" OKAY"), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" 10."), []byte(" ::ffff:10."), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" 1795"), []byte(" 1795000"), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" 1795"), []byte(" 9999999999999999999999"), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" 6 "), []byte(" 256 "), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(" 443 "), []byte(" 65536 "), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte("eni-"), []byte("- eni-"), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(".1"), []byte(".256"), 1) },
	}
	lines := benchLines(400)
	for _, format := range formats {
		for i, l := range lines {
			for _, s := range spoil {
				sameParse(t, format, s(slices.Clone(l)))
			}
			if i%7 == 0 {
				sameParse(t, format, []byte(awsExamples[i%len(awsExamples)].line))
			}
		}
	}
}

// FuzzParseMatchesReference is TestParseMatchesReference for any line.
func FuzzParseMatchesReference(f *testing.F) {
	for _, l := range benchLines(20) {
		f.Add(l)
	}
	f.Add([]byte("2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1795000000 1795000060 ACCEPT OK"))
	f.Add([]byte("2 123456789012 eni-1 10.0.0.1 010.0.0.2 1 2 6 3 4 1795000000000 1795000060 REJECT OK\r"))
	f.Fuzz(func(t *testing.T, line []byte) {
		sameParse(t, DefaultFormat, line)
		sameParse(t, MustParseFormat(v5Format29), line)
	})
}
