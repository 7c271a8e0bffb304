package model

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// sameParse checks that Parse reads line exactly as its general way,
// parseFields, alone does: the same record, or the same error. The
// default format's straight path must never make a difference.
func sameParse(t *testing.T, format *Format, line []byte) {
	t.Helper()
	fast, ref := NewParser(format, NewInterner()), NewParser(format, NewInterner())
	var f, g Flow
	var x, y Ext
	err, want := fast.Parse(line, &f, &x), ref.parseFields(line, &g, &y)
	switch {
	case (err == nil) != (want == nil):
		t.Fatalf("%q: Parse says %v, the general way %v", line, err, want)
	case err != nil:
		if err.Error() != want.Error() {
			t.Fatalf("%q: Parse says %q, the general way %q", line, err, want)
		}
	case f != g || f.HasExt() && x != y:
		t.Fatalf("%q: Parse reads\n%+v\nthe general way\n%+v", line, f, g)
	}
}

// TestParseMatchesReference reads default-format lines, written as AWS
// writes them and then spoilt one way or another, with Parse and with its
// general way alone, under the default format and under formats that
// share its fields in part.
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
