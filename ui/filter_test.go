package ui

import (
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

func TestPlainTextFilterMatchesRows(t *testing.T) {
	s := fixtureStore(t)
	tests := []struct {
		text string
		want int // matching records of the fixture
	}{
		{"", -1},
		{"reject", 2},
		{"rjct", 2},         // fuzzy: the letters in order
		{`REJECT ":23"`, 1}, // a word and a phrase
		{`"10.0.2.10:22"`, 1},
		{`"10.0.2.10:2"`, 2}, // a phrase is a substring, not a token
		{"icmp", 1},
		{"nodata", 1},
		{"postgres", 0},         // service names are not in the row text
		{"2600 5432", 1},        // IPv6 endpoint and port
		{"SYN-ACK", 1},          // decoded flags of the v5 record
		{"2021-03-26", 1},       // the UTC date
		{"pwned", 1},            // sanitised interface id still matches
		{"zzz", 0},              // nothing
		{"reject eni-0a1b", 2},  // every word must match
		{"reject nothing12", 0}, // one word failing fails the row
	}
	for _, tt := range tests {
		flt, st, err := PlainTextFilter(tt.text, s.Names())
		if err != nil || st.Kind != FilterValid {
			t.Fatalf("%q: %v %+v", tt.text, err, st)
		}
		if tt.want < 0 {
			if flt != nil {
				t.Errorf("empty text should mean no filter")
			}
			continue
		}
		msg := scanCmd(s, flt, 0, newGen(), 0, false)().(filterDoneMsg)
		if len(msg.seqs) != tt.want {
			t.Errorf("%q matched %d records %v, want %d", tt.text, len(msg.seqs), msg.seqs, tt.want)
		}
		// The per-record path agrees with the batch path.
		n := 0
		s.Read(func(v model.View) {
			for i := 0; i < v.Len(); i++ {
				if flt.Match(v.At(i)) {
					n++
				}
			}
		})
		if n != tt.want {
			t.Errorf("%q: Match found %d records, want %d like MatchBatch", tt.text, n, tt.want)
		}
	}
}

func TestPlainTextFilterStates(t *testing.T) {
	_, st, err := PlainTextFilter(`reject "10.0`, nil)
	if err == nil || st.Kind != FilterIncomplete || st.Pos != 8 {
		t.Fatalf("unterminated quote: %v %+v, want incomplete at column 8", err, st)
	}
	_, st, err = PlainTextFilter(strings.Repeat("a ", maxWords+1), nil)
	if err == nil || st.Kind != FilterInvalid {
		t.Fatalf("too many words: %v %+v", err, st)
	}
}

func FuzzPlainTextFilter(f *testing.F) {
	s := fixtureStore(f)
	f.Add("reject 22")
	f.Add(`"10.0.2.10:22" tcp`)
	f.Add(`"`)
	f.Add("\x00\xff ü")
	f.Fuzz(func(t *testing.T, text string) {
		flt, st, err := PlainTextFilter(text, s.Names())
		if err != nil {
			if st.Kind == FilterValid || st.Pos < 1 || st.Pos > len(text) {
				t.Fatalf("%q: error %v with state %+v", text, err, st)
			}
			return
		}
		if flt != nil {
			scanCmd(s, flt, 0, newGen(), 0, false)()
		}
	})
}
