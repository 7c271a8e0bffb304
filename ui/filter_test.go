package ui

import (
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestFilterBarWords counts what bare words select on the fixture; the
// wants are counted by hand from fixtureLines and v5Line.
func TestFilterBarWords(t *testing.T) {
	s := fixtureStore(t)
	tests := []struct {
		text    string
		want    int // matching records of the fixture; -1: no filter
		reading string
	}{
		{"", -1, ""},
		{"10.0.2.21", 0, "10.0.2.21 → address = 10.0.2.21"}, // fuzzy matching found most rows
		{"10.0.2.10", 5, "10.0.2.10 → address = 10.0.2.10"},
		{"22", 1, "22 → port = 22"}, // fuzzy matching found every row
		{"ssh", 1, "ssh → port = 22 (ssh)"},
		{"postgres", 1, "postgres → port = 5432 (postgres)"},
		{"reject", 2, "reject → action = REJECT"},
		{"reject 23", 1, "reject → action = REJECT · 23 → port = 23"},
		{"nodata", 1, "nodata → log-status = NODATA"},
		{"icmp", 1, "icmp → protocol = 1 (icmp)"},
		{"10.0.0.0/16", 7, "10.0.0.0/16 → address in 10.0.0.0/16"},
		{"eni-1235b8ca123456789", 1, "eni-1235b8ca123456789 → interface-id = eni-1235b8ca123456789"},
		{`"10.0.2.10:22"`, 1, `10.0.2.10:22 → text contains "10.0.2.10:22"`},
		{`"10.0.2.10:2"`, 2, ""}, // a phrase is a substring, not a token
		{"SYN-ACK", 1, `SYN-ACK → text contains "SYN-ACK"`},
		{"2021-03-26", 1, ""}, // the date as the row shows it
		{"pwned", 1, ""},      // a sanitised interface id still matches
		{"zzz", 0, ""},
		{"~rjct", 2, `~rjct → fuzzy "rjct" (its letters in order in one cell of the row)`},
		{"rjct", 0, ""}, // no fuzzy matching unless asked
	}
	for _, tt := range tests {
		flt, st, err := QueryFilter(tt.text, s.Names())
		if err != nil || st.Kind != FilterValid {
			t.Fatalf("%q: %v %+v", tt.text, err, st)
		}
		if tt.reading != "" && st.Reading != tt.reading {
			t.Errorf("%q read as %q, want %q", tt.text, st.Reading, tt.reading)
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
		gen := newGen()
		if n, ok := countMatches(s, flt, gen.Load(), gen); !ok || n != tt.want {
			t.Errorf("%q: countMatches %d, want %d like the scan", tt.text, n, tt.want)
		}
	}
}

func TestFilterBarStates(t *testing.T) {
	_, st, err := QueryFilter(`reject "10.0`, nil)
	if err == nil || st.Kind != FilterIncomplete || st.Pos != 8 {
		t.Fatalf("unterminated quote: %v %+v, want incomplete at column 8", err, st)
	}
	_, st, err = QueryFilter(strings.Repeat("a ", 201), model.NewInterner())
	if err == nil || st.Kind != FilterInvalid {
		t.Fatalf("too many words: %v %+v", err, st)
	}
	_, st, _ = QueryFilter(`dstport = 22`, model.NewInterner())
	if st.Kind != FilterValid || st.Reading != "" {
		t.Fatalf("query text: %+v, want valid without a word reading", st)
	}
}

func FuzzFilterBar(f *testing.F) {
	s := fixtureStore(f)
	f.Add("reject 22")
	f.Add(`"10.0.2.10:22" tcp`)
	f.Add(`"`)
	f.Add("~\x00\xff ü")
	f.Fuzz(func(t *testing.T, text string) {
		flt, st, err := QueryFilter(text, s.Names())
		if err != nil {
			if st.Kind == FilterValid || st.Pos < 1 || st.Pos > len(text)+1 {
				t.Fatalf("%q: error %v with state %+v", text, err, st)
			}
			return
		}
		if flt != nil {
			scanCmd(s, flt, 0, newGen(), 0, false)()
		}
	})
}
