package file

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
)

var update = flag.Bool("update", false, "rewrite the envelope fixtures under testdata/envelopes from plain.log")

const envelopeDir = "../../testdata/envelopes"

// twin reads the plain-text twin: its header and its 50 record lines.
func twin(t *testing.T) (header string, lines []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(envelopeDir, "plain.log"))
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	return all[0], all[1:]
}

// twinEvent is what CloudWatch Logs holds for a twin line: the log stream
// is the interface, the event time the record's start.
type twinEvent struct {
	stream string
	ts     int64
	id     string
	line   string
}

func twinEvents(lines []string) []twinEvent {
	out := make([]twinEvent, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		start, _ := strconv.ParseInt(f[10], 10, 64)
		out[i] = twinEvent{stream: f[2], ts: start * 1000, id: fmt.Sprintf("3757%052d", i), line: l}
	}
	return out
}

func gzipped(members ...[]byte) []byte {
	var buf bytes.Buffer
	for _, m := range members {
		zw := gzip.NewWriter(&buf)
		zw.Write(m)
		zw.Close()
	}
	return buf.Bytes()
}

func mustJSON(v any, indent bool) []byte {
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "    ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		panic(err)
	}
	return b
}

// writeEnvelopeFixtures writes every envelope of the twin's records, each
// the way its producer writes it (encoding/json, not flowtail's code).
func writeEnvelopeFixtures(t *testing.T) {
	header, lines := twin(t)
	evs := twinEvents(lines)
	names := strings.Fields(header)
	type cwEvent struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	// Firehose: each subscription record a gzip member of its own, a
	// CONTROL_MESSAGE first; one DATA_MESSAGE per run of one stream.
	ctl := map[string]any{"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "", "subscriptionFilters": []string{},
		"logEvents": []cwEvent{{ID: "", Timestamp: 1700000000000, Message: "CWL CONTROL MESSAGE: Checking health of destination Firehose."}}}
	members := [][]byte{mustJSON(ctl, false)}
	for i := 0; i < len(evs); {
		j := i
		var batch []cwEvent
		for ; j < len(evs) && evs[j].stream == evs[i].stream; j++ {
			batch = append(batch, cwEvent{evs[j].id, evs[j].ts, evs[j].line})
		}
		members = append(members, mustJSON(map[string]any{"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/vpc/flowlogs",
			"logStream": evs[i].stream, "subscriptionFilters": []string{"to-firehose"}, "logEvents": batch}, false))
		i = j
	}
	write(t, filepath.Join(envelopeDir, "subscription.json.gz"), gzipped(members...))

	type filtered struct {
		LogStreamName string `json:"logStreamName"`
		Timestamp     int64  `json:"timestamp"`
		Message       string `json:"message"`
		IngestionTime int64  `json:"ingestionTime"`
		EventID       string `json:"eventId"`
	}
	var fl []filtered
	var jl bytes.Buffer
	for _, e := range evs {
		f := filtered{e.stream, e.ts, e.line, e.ts + 300000, e.id}
		fl = append(fl, f)
		jl.Write(mustJSON(f, false))
		jl.WriteByte('\n')
	}
	write(t, filepath.Join(envelopeDir, "filter-log-events.json"), append(mustJSON(map[string]any{"events": fl,
		"searchedLogStreams": []map[string]any{{"logStreamName": "eni-0a1b2c3d4e5f60001", "searchedCompletely": true}}}, true), '\n'))
	write(t, filepath.Join(envelopeDir, "events.jsonl"), jl.Bytes())

	type got struct {
		Timestamp     int64  `json:"timestamp"`
		Message       string `json:"message"`
		IngestionTime int64  `json:"ingestionTime"`
	}
	var gl []got
	var msgs, export bytes.Buffer
	for _, e := range evs {
		gl = append(gl, got{e.ts, e.line, e.ts + 300000})
		msgs.Write(mustJSON(map[string]string{"message": e.line}, false))
		msgs.WriteByte('\n')
		fmt.Fprintf(&export, "%s %s\n", time.UnixMilli(e.ts).UTC().Format("2006-01-02T15:04:05.000Z"), e.line)
	}
	write(t, filepath.Join(envelopeDir, "get-log-events.json"), append(mustJSON(map[string]any{"events": gl,
		"nextForwardToken": "f/37577987123456789012345678901234567890123456789012345678", "nextBackwardToken": "b/37577987123456789012345678901234567890123456789012345678"}, true), '\n'))
	write(t, filepath.Join(envelopeDir, "message.jsonl"), msgs.Bytes())
	write(t, filepath.Join(envelopeDir, "export.log.gz"), gzipped(export.Bytes()))

	// Keyed by field names: AWS spelling on even lines, camelCase on odd
	// ones; bytes written as a float, as some pipelines store numbers;
	// absent fields left out. CSV in Athena's column names.
	var keyed, csv bytes.Buffer
	camel := func(s string) string {
		parts := strings.Split(s, "-")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		return strings.Join(parts, "")
	}
	for i, n := range names {
		if i > 0 {
			csv.WriteByte(',')
		}
		fmt.Fprintf(&csv, "%q", strings.ReplaceAll(n, "-", "_"))
	}
	csv.WriteByte('\n')
	for i, l := range lines {
		toks := strings.Fields(l)
		keyed.WriteByte('{')
		first := true
		for k, tok := range toks {
			if k > 0 {
				csv.WriteByte(',')
			}
			if tok == "-" {
				continue
			}
			csv.WriteString(tok)
			key := names[k]
			if i%2 == 1 {
				key = camel(key)
			}
			if !first {
				keyed.WriteByte(',')
			}
			first = false
			fmt.Fprintf(&keyed, "%q:", key)
			switch {
			case key == "bytes":
				keyed.WriteString(tok + ".0")
			case tok[0] >= '0' && tok[0] <= '9' && !strings.ContainsAny(tok, ".:") && names[k] != "account-id":
				keyed.WriteString(tok)
			default:
				fmt.Fprintf(&keyed, "%q", tok)
			}
		}
		keyed.WriteString("}\n")
		csv.WriteByte('\n')
	}
	write(t, filepath.Join(envelopeDir, "keyed.jsonl"), keyed.Bytes())
	write(t, filepath.Join(envelopeDir, "records.parquet"), parquetOf(t, lines))
	write(t, filepath.Join(envelopeDir, "records.csv"), csv.Bytes())
}

// envelopeRecords reads a file through the file source and decodes its
// events as every command does; records come back as lines of the
// default format, with each event's origin.
func envelopeRecords(t *testing.T, path string) (recs []string, evs []model.Event) {
	t.Helper()
	names := model.NewInterner()
	dec := model.NewDecoder(names, nil)
	enc := export.NewEncoder(export.Text, names)
	var f model.Flow
	var x model.Ext
	err := New([]string{path}, Options{}).Run(t.Context(), func(b model.Batch) {
		for i := range b.Events {
			ev := b.Events[i]
			res, err := dec.Decode(&ev, b.Format, &f, &x)
			switch res {
			case model.ResultMalformed:
				t.Errorf("%s:%d: %v: %q", path, ev.LineNo, err, ev.Line)
			case model.ResultRecord:
				recs = append(recs, strings.TrimSuffix(string(enc.Append(nil, model.DefaultFormat, &f, &x)), "\n"))
				ev.Line = nil
				evs = append(evs, ev)
			}
		}
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs, evs
}

// Every envelope holds the twin's 50 records and decodes to exactly them,
// in order; envelopes that carry CloudWatch events give each record its
// stream, event id and time, the log group as origin where one is named.
func TestEnvelopesDecodeToTheirPlainTwin(t *testing.T) {
	if *update {
		writeEnvelopeFixtures(t)
	}
	_, lines := twin(t)
	want := twinEvents(lines)
	cases := []struct {
		file              string
		origin            string // "" = the path
		stream, ids, time bool
	}{
		{"plain.log", "", false, false, false},
		{"subscription.json.gz", "/vpc/flowlogs", true, true, true},
		{"filter-log-events.json", "", true, true, true},
		{"get-log-events.json", "", false, false, true},
		{"events.jsonl", "", true, true, true},
		{"message.jsonl", "", false, false, false},
		{"export.log.gz", "", false, false, true},
		{"keyed.jsonl", "", false, false, false},
		{"records.csv", "", false, false, false},
		{"records.parquet", "", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(envelopeDir, c.file)
			recs, evs := envelopeRecords(t, path)
			equal(t, recs, lines)
			for i, ev := range evs {
				w := want[i]
				origin := c.origin
				if origin == "" {
					origin = path
				}
				if ev.Origin != origin {
					t.Fatalf("record %d: origin %q, want %q", i+1, ev.Origin, origin)
				}
				if c.stream && ev.Stream != w.stream || c.ids && ev.EventID != w.id || c.time && ev.Timestamp != w.ts {
					t.Fatalf("record %d: stream %q id %q time %d, want %q %q %d", i+1, ev.Stream, ev.EventID, ev.Timestamp, w.stream, w.id, w.ts)
				}
			}
		})
	}
}

// The streamer other sources hand their objects to reads every fixture
// from its bytes alone: a reader (Parquet through ReadAt).
func TestStreamerReadsEveryFixture(t *testing.T) {
	_, lines := twin(t)
	files, _ := filepath.Glob(filepath.Join(envelopeDir, "*"))
	st := NewStreamer(Options{})
	for _, path := range files {
		if strings.HasSuffix(path, ".md") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		count := func(b model.Batch) {
			for _, ev := range b.Events {
				if len(ev.Line) > 0 && ev.Line[0] != 'v' && ev.Line[0] != '"' { // not a header row
					n++
				}
			}
		}
		if err := st.ReadAt(t.Context(), bytes.NewReader(data), int64(len(data)), "s3://bucket/key", count); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if n != len(lines) {
			t.Fatalf("%s: %d events, want %d", path, n, len(lines))
		}
		if strings.HasSuffix(path, ".parquet") {
			continue
		}
		n = 0
		if err := st.Read(t.Context(), bytes.NewReader(data), "s3://bucket/key", count); err != nil || n != len(lines) {
			t.Fatalf("%s: %d events, %v", path, n, err)
		}
	}
}
