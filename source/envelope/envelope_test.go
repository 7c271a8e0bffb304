package envelope

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

func TestSniff(t *testing.T) {
	cases := []struct {
		head string
		want Kind
	}{
		{"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n", Text},
		{"version account-id interface-id\n2 1 eni-1\n", Text},
		{"  \n{\"events\": []}", JSON},
		{"[{\"message\":\"x\"}]", JSON},
		{"\xef\xbb\xbf{\"message\":\"x\"}", JSON},
		{"2023-11-14T22:13:20.000Z 2 123 eni-1 - - - - - - - 1 2 - NODATA\n", Export},
		{"2023-11-14T22:13:20+01:00 2 123\n", Export},
		{"\"version\",\"account_id\",\"srcaddr\"\n2,1,10.0.0.1\n", CSV},
		{"srcaddr,dstaddr,action\n", CSV},
		{"a,b,c\n", Text}, // no field names: not a CSV header, read as (malformed) lines
		{"PAR1\x15\x04", Parquet},
		{"\x00\x00\x01binary", Binary},
		{"\x01\x02\x03\x04\x05\x06\x07\x08abc", Binary},
		{"2 123 eni-1\n2 123 eni-2\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", Text}, // NUL padding after a crash
		{"\x00\x00\x00\n2 123 eni-1\n", Binary},
		{"%PDF-1.7\n\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10abc\n", Binary}, // a text first line, binary after it
		{"", Text},
	}
	for _, c := range cases {
		if got := Sniff([]byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q) = %v, want %v", c.head, got, c.want)
		}
	}
}

func TestISOTime(t *testing.T) {
	for s, want := range map[string]int64{
		"1970-01-01T00:00:00Z x":          0,
		"2023-11-14T22:13:20.000Z x":      1700000000000,
		"2023-11-14T22:13:20.5Z x":        1700000000500,
		"2023-11-14T23:13:20.000+01:00 x": 1700000000000,
	} {
		ms, n := isoTime([]byte(s))
		if n != len(s)-1 || ms != want {
			t.Errorf("%q: %d, %d; want %d", s, ms, n, want)
		}
	}
	for _, s := range []string{"2023-11-14 22:13:20Z x", "2023-13-14T22:13:20Z x", "2023-11-14T22:13:20Zx", "2 123"} {
		if _, n := isoTime([]byte(s)); n != 0 {
			t.Errorf("%q read as a time", s)
		}
	}
}

type got struct {
	lines  []string
	events []model.Event
	format []*model.Format
}

func read(t *testing.T, kind Kind, in string) (got, error) {
	t.Helper()
	var g got
	var d Decoder
	err := d.Read(kind, strings.NewReader(in), "in", func(b model.Batch) {
		for _, ev := range b.Events {
			g.lines = append(g.lines, string(ev.Line))
			ev.Line = nil
			g.events = append(g.events, ev)
			g.format = append(g.format, b.Format)
		}
	}, nil)
	return g, err
}

// What flowtail cannot read is named for what it looks like, and where.
func TestUnreadableIsNamed(t *testing.T) {
	cases := []struct {
		kind Kind
		in   string
		want string
	}{
		{JSON, "\n\n{\"foo\": 1, \"bar\": [1,2]}\n", "not flow-log records: JSON without a message or field names (line 3)"},
		{JSON, "42\n", "JSON that is not an object or an array of objects (line 1)"},
		{JSON, "{\"message\": \"2 1\"}\n{\"message\": ", "JSON that ends before"},
		{JSON, "{\"message\": \"x\" \"y\"}\n", "JSON with a syntax error (line 1)"},
		{CSV, "2,3,4\n", "CSV without a header row of field names (line 1)"},
		{CSV, "srcaddr,srcaddr\n1,2\n", "a CSV header row that does not make a flow-log format"},
		{Binary, "\x00", "binary data"},
	}
	for _, c := range cases {
		_, err := read(t, c.kind, c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || !IsNotRecords(err) && c.kind != JSON {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
}

// A line that fits the envelope but not the format reaches the decoder
// as a line (counted malformed there); nothing around it is lost.
func TestMalformedInsideAnEnvelope(t *testing.T) {
	in := `{"message":"2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"}
{"message":"not a record"}
{"other":"no message"}
{"message":"2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 REJECT OK"}
`
	g, err := read(t, JSON, in)
	if err != nil {
		t.Fatal(err)
	}
	d := model.NewDecoder(model.NewInterner(), nil)
	var f model.Flow
	var x model.Ext
	var res []model.Result
	for i, l := range g.lines {
		ev := g.events[i]
		ev.Line = []byte(l)
		r, _ := d.Decode(&ev, g.format[i], &f, &x)
		res = append(res, r)
	}
	want := []model.Result{model.ResultRecord, model.ResultMalformed, model.ResultMalformed, model.ResultRecord}
	if fmt.Sprint(res) != fmt.Sprint(want) || g.events[2].LineNo != 3 {
		t.Fatalf("results %v (lines %q), want %v", res, g.lines, want)
	}
}

// A document too large to hold whole is walked event by event, in order,
// with each event's stream and line.
func TestLargeDocumentIsStreamed(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\n  \"events\": [\n")
	n := 40000 // about 4 MB: more than wholeLimit
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `    {"logStreamName": "eni-%d", "timestamp": %d, "message": "2 123456789012 eni-%d 10.0.0.1 10.0.0.2 %d 443 6 1 40 1700000000 1700000060 ACCEPT OK", "ingestionTime": 1, "eventId": "%056d"}`, i%3, i, i%3, i%65536, i)
	}
	b.WriteString("\n  ],\n  \"searchedLogStreams\": []\n}\n")
	if b.Len() < wholeLimit {
		t.Fatalf("document of %d bytes is not large", b.Len())
	}
	g, err := read(t, JSON, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(g.events) != n {
		t.Fatalf("%d events, want %d", len(g.events), n)
	}
	for _, i := range []int{0, 1, 12345, n - 1} {
		ev := g.events[i]
		if ev.Stream != fmt.Sprintf("eni-%d", i%3) || ev.Timestamp != int64(i) || ev.LineNo != int64(3+i) || ev.EventID != fmt.Sprintf("%056d", i) ||
			!strings.Contains(g.lines[i], fmt.Sprintf(" %d 443 ", i%65536)) {
			t.Fatalf("event %d: %+v %q", i, ev, g.lines[i])
		}
	}
}

// Keyed records: unknown keys keep their spelling; keys that cannot name
// a field are left out; null is absent; numbers written as floats are
// read as the integers they are.
func TestKeyedRecords(t *testing.T) {
	g, err := read(t, JSON, `{"@timestamp":"x","version":2.0,"Next_Hop":"igw-1","bytes":2.5e3,"packets":null,"dstPort":443}`+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.lines) != 1 || g.lines[0] != "2 igw-1 2500 - 443" || g.format[0].String() != "${version} ${Next_Hop} ${bytes} ${packets} ${dstport}" || !g.format[0].Keyed() {
		t.Fatalf("%q %v", g.lines, g.format)
	}
}

func TestCSVQuotingAndEmptyCells(t *testing.T) {
	g, err := read(t, CSV, "\"srcaddr\",\"dstport\",action\r\n\"10.0.0.1\",,\"REJECT\"\n10.0.0.2,25238.0,ACCEPT\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.1 - REJECT", "10.0.0.2 25238 ACCEPT"}
	if strings.Join(g.lines, "|") != strings.Join(want, "|") || g.events[1].LineNo != 3 {
		t.Fatalf("%q", g.lines)
	}
}

func TestBatchStringsSurviveReuse(t *testing.T) {
	var in bytes.Buffer
	for i := range 3 * maxBatchEvents {
		fmt.Fprintf(&in, `{"logStreamName":"s%d","eventId":"id%d","message":"m"}`+"\n", i%2, i)
	}
	g, err := read(t, JSON, in.String())
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range g.events {
		if ev.EventID != fmt.Sprintf("id%d", i) || ev.Stream != fmt.Sprintf("s%d", i%2) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
}

// Keyed records that repeat the last keys take a byte-matching path; it
// must read them as the general path does, including the near misses
// that it hands back (escapes, other key order, extra keys, nesting).
func TestRepeatedKeysReadAsGeneralPath(t *testing.T) {
	first := `{"srcaddr":"10.0.0.1","dstport":443,"action":"ACCEPT"}`
	for _, next := range []string{
		`{"srcaddr":"10.0.0.2","dstport":444,"action":"REJECT"}`,
		` { "srcaddr" : "10.0.0.2" ,` + "\n" + `"dstport" : 25238.0 , "action" : null } `,
		`{"srcaddr":"10.0.0.2","dstport":-1,"action":""}`,
		`{"srcaddr":"1\u0030.0.0.2","dstport":1,"action":"A\"B"}`,
		`{"srcaddr":"1\u0030.0.0.2","dstport":1,"action":"A"}`,
		`{"srcaddr":"10.0.0.2","dstport":1,"action":"A\\"}`,
		`{"src\u0061ddr":"10.0.0.2","dstport":1,"action":"A"}`,
		`{"dstport":1,"srcaddr":"10.0.0.2","action":"A"}`,
		`{"srcaddr":"10.0.0.2","dstport":1,"action":"A","bytes":5}`,
		`{"srcaddr":"10.0.0.2","dstport":1}`,
		`{"srcaddr":"10.0.0.2","dstport":[1],"action":"A"}`,
		`{"srcaddr":"10.0.0.2","dstport":{"a":1},"action":"A"}`,
		`{"srcaddr":"10.0.0.2","dstport":1x,"action":"A"}`,
		`{"srcaddr":"10.0.0.2","dstport":1,,"action":"A"}`,
		`{"srcaddr":"10.0.0.2","dstport":true,"action":"A"}`,
		`{"srcaddr":"10.0.0.2","dstport":1,"action":"A"`,
	} {
		for _, in := range []string{first + "\n" + next + "\n" + first + "\n", first + next, "[" + first + "]\n" + next} {
			sameAsGeneralPath(t, []byte(in))
		}
	}
	// Events of an envelope are split as their ends are found; near
	// misses take the general path for their error.
	for _, events := range []string{
		`{"id":"1","timestamp":2,"message":"2 a b"},{"id":"3","timestamp":4,"message":"x\ny"}`,
		`{"id":"1","timestamp":2,"message":"m"}, {"id":"2"` + "\n" + `,"message":"m2","extra":[1,{"a":"}"}]}`,
		`{"id":"1","timestamp":2,"message":"m"},,{"id":"2","message":"m2"}`,
		`{"id":"1","timestamp":2,"message":"m"},{"id":"2","message":"m2"]`,
		`{"id":"1","timestamp":2,"message":"m"},{"id":"2","message":"m2",}`,
		`{"id":"1","timestamp":2,"message":"m"},[1],{"id":"2","message":"m2"}`,
		`{"id":"1","timestamp":2,"message":"m"},{"srcaddr":"1.2.3.4","dstport":1}`,
		`{"id":"1","timestamp":2,"message":"m"},"x"`,
	} {
		sameAsGeneralPath(t, []byte(`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[`+events+`]}`))
		sameAsGeneralPath(t, []byte(`{"events":[`+events+`]}`))
	}
	// Payloads read event by event give what a payload held whole gives,
	// keys given twice or escaped included: the first of each counts.
	ev := `{"id":"1","timestamp":2,"message":"m"}`
	for _, p := range []string{
		`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[` + ev + `],"logGroup":"h","logStream":"t"}`,
		`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[` + ev + `],"log\u0053tream":"t","messageType":"CONTROL_MESSAGE"}`,
		`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[` + ev + `],"logEvents":[{"message":"second"}],"events":[{"message":"third"}]}`,
		`{"messageType":"CONTROL_MESSAGE","logGroup":"g","logStream":"s","logEvents":[` + ev + `],"messageType":"DATA_MESSAGE"}`,
		`{"logGroup":"g","logStream":"s","logEvents":[` + ev + `],"messageType":"CONTROL_MESSAGE"}`,
		`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":5,"logEvents":[` + ev + `]}`,
		`{"messageType":"DATA_MESSAGE","log\u0047roup":"g","logStream":"s","logEvents":[` + ev + `]}`,
	} {
		sameAsGeneralPath(t, []byte(p))
		sameAsGeneralPath(t, []byte(p+p))
	}

	// Across batches and streams: the keys of one stream never carry a
	// format into the next.
	var b strings.Builder
	for i := range 3*maxBatchEvents + 7 {
		fmt.Fprintf(&b, `{"srcaddr":"10.0.%d.%d","dstport":%d,"action":"ACCEPT"}`+"\n", i/256%256, i%256, i)
	}
	sameAsGeneralPath(t, []byte(b.String()))
	var d Decoder
	var fmts []string
	for _, in := range []string{first + "\n" + first, `{"dstport":1,"srcaddr":"x","action":"A"}` + "\n" + first} {
		if err := d.Read(JSON, strings.NewReader(in), "f", func(bt model.Batch) {
			for range bt.Events {
				fmts = append(fmts, bt.Format.String())
			}
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if fmts[0] != fmts[1] || fmts[2] == fmts[0] || fmts[3] != fmts[0] {
		t.Errorf("formats across streams: %q", fmts)
	}
}

// chunkReader hands out its data n bytes at a time, so values cross the
// decoder's buffer ends wherever they fall.
type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.data))
	copy(p, c.data[:k])
	c.data = c.data[k:]
	return k, nil
}

// Subscription payloads in AWS's key order are read event by event as
// they stream in, others held whole; every event keeps its message,
// stream, group, id, time and line, across payloads larger than the
// decoder's buffer and reads that cut them anywhere.
func TestSubscriptionPayloadsStreamed(t *testing.T) {
	type want struct {
		line, group, stream, id string
		ts, lineNo              int64
	}
	var in bytes.Buffer
	var wants []want
	lineNo := int64(1)
	in.WriteString(`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`)
	for p := range 4 {
		group, stream := fmt.Sprintf("/vpc/g%d", p), fmt.Sprintf("eni-%08d-all", p)
		if p%2 == 0 {
			fmt.Fprintf(&in, `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":%q,"logStream":%q,"subscriptionFilters":["f"],"logEvents":[`, group, stream)
		} else { // sorted keys: events first, held whole
			in.WriteString(`{"logEvents":[`)
		}
		for e := range 1500 + 700*p {
			if e > 0 {
				in.WriteByte(',')
			}
			if e%100 == 0 { // some events on lines of their own
				in.WriteByte('\n')
				lineNo++
			}
			msg := fmt.Sprintf("2 123456789012 eni-%08d 10.0.0.%d 10.1.0.1 %d 443 6 1 40 1700000000 1700000060 ACCEPT OK", p, e%256, 1024+e)
			id := fmt.Sprintf("%056d", p*10000+e)
			q := strconv.Quote(msg)
			if e%333 == 7 { // escapes in a message
				q = strings.Replace(q, "ACCEPT", `\u0041CCEPT`, 1)
			}
			fmt.Fprintf(&in, `{"id":"%s","timestamp":%d,"message":%s}`, id, 1700000000000+int64(e), q)
			wants = append(wants, want{msg, group, stream, id, 1700000000000 + int64(e), lineNo})
		}
		if p%2 == 0 {
			in.WriteString("]}")
		} else {
			fmt.Fprintf(&in, `],"logGroup":%q,"logStream":%q,"messageType":"DATA_MESSAGE","owner":"123456789012","subscriptionFilters":["f"]}`, group, stream)
		}
	}
	for _, chunk := range []int{1 << 20, 7777, 333} {
		var d Decoder
		var got []want
		err := d.Read(JSON, &chunkReader{in.Bytes(), chunk}, "f", func(b model.Batch) {
			for _, ev := range b.Events {
				got = append(got, want{string(ev.Line), ev.Origin, ev.Stream, ev.EventID, ev.Timestamp, ev.LineNo})
			}
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(wants) {
			t.Fatalf("chunks of %d: %d events, want %d", chunk, len(got), len(wants))
		}
		for i := range wants {
			if got[i] != wants[i] {
				t.Fatalf("chunks of %d, event %d:\n got %+v\nwant %+v", chunk, i, got[i], wants[i])
			}
		}
	}
	sameAsGeneralPath(t, in.Bytes())
}

// The cost of JSON lines of one shape into lines alone, without parsing
// the lines: go test ./source/envelope -run XXX -bench JSONLinesToLines
func BenchmarkJSONLinesToLines(b *testing.B) {
	var in bytes.Buffer
	for i := range 100_000 {
		fmt.Fprintf(&in, `{"version":2,"account-id":"123456789012","interface-id":"eni-0a1b2c3d4e5f%05d","srcaddr":"10.0.%d.%d","dstaddr":"10.1.%d.%d",`+
			`"srcport":%d,"dstport":443,"protocol":6,"packets":%d,"bytes":%d,"start":%d,"end":%d,"action":"ACCEPT","log-status":"OK"}`+"\n",
			i%64, i/256%256, i%256, i/7%256, i%251, 1024+i%60000, 1+i%300, 40+i%90000, 1700000000+i/1000, 1700000060+i/1000)
	}
	benchJSONToLines(b, in.Bytes())
}

// The cost of subscription payloads (CloudWatch's key order, 1,000 events
// each) into lines alone: go test ./source/envelope -run XXX -bench SubscriptionToLines
func BenchmarkSubscriptionToLines(b *testing.B) {
	var in bytes.Buffer
	for p := range 100 {
		fmt.Fprintf(&in, `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/vpc/flowlogs","logStream":"eni-0a1b2c3d4e5f%05d-all","subscriptionFilters":["f"],"logEvents":[`, p%64)
		for e := range 1000 {
			if e > 0 {
				in.WriteByte(',')
			}
			i := p*1000 + e
			fmt.Fprintf(&in, `{"id":"%056d","timestamp":%d,"message":"2 123456789012 eni-0a1b2c3d4e5f%05d 10.0.%d.%d 10.1.%d.%d %d 443 6 %d %d %d %d ACCEPT OK"}`,
				i, 1700000000000+i, i%64, i/256%256, i%256, i/7%256, i%251, 1024+i%60000, 1+i%300, 40+i%90000, 1700000000+i/1000, 1700000060+i/1000)
		}
		in.WriteString("]}")
	}
	benchJSONToLines(b, in.Bytes())
}

// benchJSONToLines times reading data as JSON into batches of lines.
func benchJSONToLines(b *testing.B, data []byte) {
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	n := 0
	for range b.N {
		if err := d.Read(JSON, bytes.NewReader(data), "f", func(bt model.Batch) { n += len(bt.Events) }, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
}
