package query

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestWrittenLinesAreTheirMessage: a line the decoder says is written as
// its record writes it back is, byte for byte, the record's @message; and
// lines spelt otherwise are not taken for such.
func TestWrittenLinesAreTheirMessage(t *testing.T) {
	base := "2 123456789012 eni-0a1b2c3d 10.0.1.50 52.94.0.7 40001 22 6 10 840 1700000000 1700000060 REJECT OK"
	lines := map[string]bool{ // line → written as its @message
		base: true,
		strings.Replace(base, "REJECT", "ACCEPT", 1):                               true,
		strings.Replace(base, " 22 ", " 0 ", 1):                                    true,
		base + "\r":                                                                false,
		strings.Replace(base, " 22 ", " 022 ", 1):                                  false,
		strings.Replace(base, "2 1", "02 1", 1):                                    false,
		strings.Replace(base, " 6 ", "  6 ", 1):                                    false,
		strings.Replace(base, " 6 ", "\t6 ", 1):                                    false,
		strings.Replace(base, "REJECT OK", "reject ok", 1):                         false,
		strings.Replace(base, "1700000000 ", "1700000000123 ", 1):                  false,
		strings.Replace(base, "10.0.1.50", "::ffff:10.0.1.50", 1):                  false,
		strings.Replace(base, "eni-0a1b2c3d", "-", 1):                              false,
		strings.Replace(base, "REJECT OK", "- NODATA", 1):                          false,
		"2 123456789012 eni-0a1b2c3d - - - - - - - 1700000000 1700000060 - NODATA": false,
	}
	names := model.NewInterner()
	dec := model.NewDecoder(names, nil)
	for line, want := range lines {
		var f model.Flow
		var x model.Ext
		res, err := dec.Decode(&model.Event{Line: []byte(line), Origin: "a"}, nil, &f, &x)
		if res != model.ResultRecord {
			t.Fatalf("%q: %v %v", line, res, err)
		}
		got := dec.Written()
		if got != want {
			t.Errorf("%q: Written() = %v, want %v", line, got, want)
		}
		var xp *model.Ext
		if f.HasExt() {
			xp = &x
		}
		if msg := appendMessage(nil, &f, xp, names); got && !bytes.Equal(msg, []byte(line)) {
			t.Errorf("%q taken as written, but its @message is %q", line, msg)
		}
	}
}

// FuzzWrittenLinesAreTheirMessage: whatever the line, when the decoder
// says it is written as its record writes it back, it is its @message.
func FuzzWrittenLinesAreTheirMessage(f *testing.F) {
	f.Add("2 123456789012 eni-0a1b2c3d 10.0.1.50 52.94.0.7 40001 22 6 10 840 1700000000 1700000060 REJECT OK")
	f.Add("2 123456789012 eni-0a1b2c3d 10.0.1.50 52.94.0.7 040001 22 6 10 840 99999999999 1700000060 ACCEPT OK")
	f.Fuzz(func(t *testing.T, line string) {
		names := model.NewInterner()
		dec := model.NewDecoder(names, nil)
		var fl model.Flow
		var x model.Ext
		res, _ := dec.Decode(&model.Event{Line: []byte(line), Origin: "a"}, nil, &fl, &x)
		if res != model.ResultRecord || !dec.Written() {
			return
		}
		var xp *model.Ext
		if fl.HasExt() {
			xp = &x
		}
		if msg := appendMessage(nil, &fl, xp, names); !bytes.Equal(msg, []byte(line)) {
			t.Fatalf("%q taken as written, but its @message is %q", line, msg)
		}
	})
}
