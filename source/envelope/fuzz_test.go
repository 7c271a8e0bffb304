package envelope

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
)

func readAll(kind Kind, in []byte) ([]string, error) {
	var out []string
	var d Decoder
	err := d.Read(kind, bytes.NewReader(in), "f", func(b model.Batch) {
		for _, ev := range b.Events {
			out = append(out, string(ev.Line))
		}
	}, nil)
	return out, err
}

// Any bytes read as JSON end in events or a named error, never a panic;
// a message wrapper gives back exactly its message.
func FuzzJSONEnvelope(f *testing.F) {
	for _, name := range []string{"events.jsonl", "keyed.jsonl", "message.jsonl", "filter-log-events.json", "get-log-events.json"} {
		if b, err := os.ReadFile("../../testdata/envelopes/" + name); err == nil {
			f.Add(b[:min(len(b), 2000)], "x")
		}
	}
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":2,"message":"m"}]}`), "2 a b")
	f.Add([]byte(`{"owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":2,"message":"m"},{"id":"2","message":"a\\\"b"}]}{"messageType":"CONTROL_MESSAGE","logGroup":"","logStream":"","logEvents":[{"message":"x"}]}`), "")
	f.Add([]byte(`[{"version":2.0,"srcaddr":"1.2.3.4"}]`), "\u00e9\\\"")
	f.Add([]byte("{\"srcaddr\":\"1.2.3.4\",\"dstport\":443}\n{\"srcaddr\":\"1.2.3.5\",\"dstport\":44.0}\n{\"srcaddr\":\"a\\\"b\",\"dstport\":null}\n"), "")
	f.Fuzz(func(t *testing.T, in []byte, msg string) {
		lines, err := readAll(JSON, in)
		sameAsGeneralPath(t, in)
		if err == nil && len(in) > 0 && len(bytes.TrimSpace(in)) > 0 && len(lines) == 0 && !bytes.Contains(in, []byte("CONTROL_MESSAGE")) && !bytes.Contains(in, []byte("[]")) && !bytes.Contains(in, []byte("events")) {
			if b := bytes.TrimSpace(in); b[0] == '{' {
				t.Fatalf("an object gave neither events nor an error: %q", in)
			}
		}
		if strings.ContainsAny(msg, "\n") {
			return
		}
		q, _ := json.Marshal(map[string]string{"message": msg})
		lines, err = readAll(JSON, q)
		var m map[string]string
		json.Unmarshal(q, &m)
		want := m["message"]
		if msg == "" {
			if err != nil || len(lines) != 1 || lines[0] != "" {
				t.Fatalf("%s: %q %v", q, lines, err)
			}
			return
		}
		if err != nil || len(lines) != 1 || lines[0] != want {
			t.Fatalf("%s: %q %v, want %q", q, lines, err, want)
		}
	})
}

// CSV rows come back cell by cell as tokens; quoting never leaks.
func FuzzCSV(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/envelopes/records.csv"); err == nil {
		f.Add(b[:min(len(b), 2000)])
	}
	f.Add([]byte("srcaddr,dstport,action\n\"1.2.3.4\",,\"REJECT\"\n\"a\"\"b\",1,2\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		lines, err := readAll(CSV, in)
		if err != nil && !IsNotRecords(err) {
			t.Fatalf("unnamed error %v", err)
		}
		for _, l := range lines {
			if strings.ContainsAny(l, "\n") {
				t.Fatalf("line holds a newline: %q", l)
			}
		}
	})
}

// An export line's time prefix is stripped only when it is a time; the
// rest of the line is kept as it was.
func FuzzExportPrefix(f *testing.F) {
	f.Add([]byte("2023-11-14T22:13:20.000Z 2 123 eni-1 - - - - - - - 1 2 - NODATA"))
	f.Add([]byte("2023-11-14T22:13:20+05:30 x"))
	f.Add([]byte("2 123"))
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.ContainsAny(line, "\r\n") {
			return
		}
		ms, n := isoTime(line)
		lines, err := readAll(Export, append(append([]byte{}, line...), '\n'))
		if err != nil || len(lines) != 1 {
			t.Fatalf("%q: %q %v", line, lines, err)
		}
		if lines[0] != string(line[n:]) {
			t.Fatalf("%q: kept %q, want %q", line, lines[0], line[n:])
		}
		if n > 0 && (ms < 0 || ms > 253402300800000) {
			t.Fatalf("%q: time %d out of range", line, ms)
		}
	})
}

// Any bytes read as Parquet end in rows or a named error, never a panic;
// a file that both read gives the lines the library's own row reader
// gives.
func FuzzParquetRows(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/envelopes/records.parquet"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var d Decoder
		var lines []string
		err := d.ReadParquet(bytes.NewReader(in), int64(len(in)), "f", nil, func(b model.Batch) {
			for _, ev := range b.Events {
				if bytes.ContainsAny(ev.Line, "\n") {
					t.Fatalf("row holds a newline: %q", ev.Line)
				}
				lines = append(lines, string(ev.Line))
			}
		}, nil)
		if err != nil {
			return
		}
		if want, ok := rowReaderLines(in); ok && !reflect.DeepEqual(lines, want) {
			t.Fatalf("lines %q\nthe row reader gives %q", lines, want)
		}
	})
}

// sameAsGeneralPath checks that the byte-matching path for repeated keys
// gives exactly what the general member-by-member path gives: lines,
// events, formats and error.
func sameAsGeneralPath(t *testing.T, in []byte) {
	t.Helper()
	type out struct {
		lines  []string
		events []model.Event
		fmts   []string
		err    string
	}
	run := func(general bool) out {
		var o out
		var d Decoder
		d.json.noShape = general
		err := d.Read(JSON, bytes.NewReader(in), "f", func(b model.Batch) {
			for _, ev := range b.Events {
				o.lines = append(o.lines, string(ev.Line))
				ev.Line = nil
				o.events = append(o.events, ev)
				if b.Format == nil {
					o.fmts = append(o.fmts, "")
				} else {
					o.fmts = append(o.fmts, b.Format.String())
				}
			}
		}, nil)
		if err != nil {
			o.err = err.Error()
		}
		return o
	}
	fast, general := run(false), run(true)
	if fast.err != "" && general.err != "" {
		// A payload read event by event has delivered the events before
		// its syntax error; the general path holds the payload whole and
		// delivers none of it. What the general path gives comes first.
		n := len(general.events)
		if len(fast.events) < n || !reflect.DeepEqual(fast.events[:n], general.events) ||
			!reflect.DeepEqual(fast.lines[:n], general.lines) || !reflect.DeepEqual(fast.fmts[:n], general.fmts) {
			t.Fatalf("%q:\nfast path    %+v\ngeneral path %+v", in, fast, general)
		}
		return
	}
	if !reflect.DeepEqual(fast, general) {
		t.Fatalf("%q:\nrepeated-keys path %+v\ngeneral path       %+v", in, fast, general)
	}
}

// The word-at-a-time scans give what a byte loop and a plain compare give.
func FuzzWordScans(f *testing.F) {
	f.Add([]byte(`{"srcaddr":"10.0.0.1","dstport":443}`), 2, `,"srcaddr":`)
	f.Add([]byte(`abcdefgh\ijklmnop"qr`), 0, `"interface-id":`)
	f.Add([]byte(`"tgw-src-vpc-account-id":"1"`), 0, `"tgw-src-vpc-account-id":`)
	f.Fuzz(func(t *testing.T, b []byte, i int, sep string) {
		if i < 0 || i > len(b) {
			return
		}
		want := i
		for want < len(b) && b[want] != '"' && b[want] != '\\' {
			want++
		}
		if got := quoteOrEscape(b, i); got != want {
			t.Fatalf("quoteOrEscape(%q, %d) = %d, want %d", b, i, got, want)
		}
		wantSep := len(b)-i > len(sep) && bytes.HasPrefix(b[i:], []byte(sep))
		if got := sepAt(b, i, []byte(sep)); got != wantSep {
			t.Fatalf("sepAt(%q, %d, %q) = %v, want %v", b, i, sep, got, wantSep)
		}
	})
}

// members splits a valid object as encoding/json reads it: the same keys
// in order, the same text for string values.
func FuzzMembers(f *testing.F) {
	f.Add([]byte(`{"id":"1","timestamp":2,"message":"2 a b"}`))
	f.Add([]byte(`{"a\"b":"x\\y","\u0041":null,"k":{"n":[1,"]"]},"":""}`))
	f.Add([]byte(` { "srcaddr" : "10.0.0.1" , "dstport" : 443.0 } `))
	f.Fuzz(func(t *testing.T, in []byte) {
		if !utf8.Valid(in) {
			return // encoding/json writes U+FFFD for bad bytes; members keeps them
		}
		var want []json.RawMessage
		var keys []string
		dec := json.NewDecoder(bytes.NewReader(in))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return
			}
			keys, want = append(keys, k.(string)), append(want, v)
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('}') || !json.Valid(bytes.TrimSpace(in)) {
			return
		}
		got, _, ok := members(bytes.TrimSpace(in), nil, make([]byte, 0, 2*len(in)))
		if !ok || len(got) != len(keys) {
			t.Fatalf("%q: %d members (ok %v), want %d", in, len(got), ok, len(keys))
		}
		for i, m := range got {
			if string(m.key) != keys[i] {
				t.Fatalf("%q: key %d %q, want %q", in, i, m.key, keys[i])
			}
			var s string
			if json.Unmarshal(want[i], &s) == nil && string(m.val) != s {
				t.Fatalf("%q: value %d %q, want %q", in, i, m.val, s)
			}
		}
	})
}
