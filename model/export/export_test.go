package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
)

type parsed struct {
	format *model.Format
	names  *model.Interner
	f      model.Flow
	x      model.Ext
}

func parse(t testing.TB, format, line string) *parsed {
	t.Helper()
	p := &parsed{format: model.DefaultFormat, names: model.NewInterner()}
	if format != "" {
		p.format = model.MustParseFormat(format)
	}
	if err := model.NewParser(p.format, p.names).Parse([]byte(line), &p.f, &p.x); err != nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	return p
}

// record encodes the record alone, without what precedes a format.
func (p *parsed) record(kind Kind) string {
	return string(NewEncoder(kind, p.names).Append(nil, p.format, &p.f, &p.x))
}

func (p *parsed) encode(kind Kind) string {
	e := NewEncoder(kind, p.names)
	return string(e.Append(e.Header(nil, p.format), p.format, &p.f, &p.x))
}

const (
	v5Format = "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status"
	v5Egress = "5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK"
	sshLine  = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
	noData   = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
	ipv6Line = "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK"
)

func TestJSONKeysAndTypes(t *testing.T) {
	cases := []struct{ format, line, want string }{
		{"", sshLine, `{"version":2,"account-id":"123456789010","interface-id":"eni-1235b8ca123456789","srcaddr":"172.31.16.139","dstaddr":"172.31.16.21","srcport":20641,"dstport":22,"protocol":6,"packets":20,"bytes":4249,"start":1418530010,"end":1418530070,"action":"ACCEPT","log-status":"OK"}`},
		{"", noData, `{"version":2,"account-id":"123456789010","interface-id":"eni-1235b8ca123456789","start":1431280876,"end":1431280934,"log-status":"NODATA"}`},
		{"", ipv6Line, `{"version":2,"account-id":"123456789010","interface-id":"eni-1235b8ca123456789","srcaddr":"2001:db8:1234:a100:8d6e:3477:df66:f105","dstaddr":"2001:db8:1234:a102:3304:8879:34cf:4071","srcport":34892,"dstport":22,"protocol":6,"packets":54,"bytes":8855,"start":1477913708,"end":1477913820,"action":"ACCEPT","log-status":"OK"}`},
		{v5Format, v5Egress, `{"version":5,"srcaddr":"10.0.0.71","dstaddr":"52.95.128.179","srcport":34210,"dstport":80,"protocol":6,"start":1616729292,"end":1616729349,"type":"IPv4","packets":7,"bytes":471,"account-id":"123456789012","vpc-id":"vpc-abcdefab012345678","subnet-id":"subnet-aaaaaaaa012345678","instance-id":"i-0c50d5961bcb2d47b","interface-id":"eni-1235b8ca123456789","region":"ap-southeast-2","az-id":"apse2-az3","action":"ACCEPT","tcp-flags":3,"pkt-srcaddr":"10.0.0.71","pkt-dstaddr":"52.95.128.179","pkt-dst-aws-service":"S3","traffic-path":8,"flow-direction":"egress","log-status":"OK"}`},
		{"version ecs-task-id reject-reason encryption-status resource-id", "8 5f2d8e7c BPA 3 nat-0abc", `{"version":8,"ecs-task-id":"5f2d8e7c","reject-reason":"BPA","encryption-status":3,"resource-id":"nat-0abc"}`},
	}
	for _, c := range cases {
		got := parse(t, c.format, c.line).encode(JSON)
		if got != c.want+"\n" {
			t.Errorf("%s\n got %s\nwant %s", c.line, got, c.want)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(got), &m); err != nil {
			t.Errorf("invalid JSON %s: %v", got, err)
		}
	}
}

func TestJSONOpaqueFieldsEscaped(t *testing.T) {
	p := parse(t, "version interface-tag next-hop-type", "2 \"a\\b\x1b[31m\u009b\xff x")
	got := p.encode(JSON)
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatalf("invalid JSON %q: %v", got, err)
	}
	if m["interface-tag"] != "\"a\\b\x1b[31m\u009b\ufffd" || m["next-hop-type"] != "x" {
		t.Fatalf("opaque values %q", m)
	}
	if strings.ContainsAny(got, "\x1b\u009b") {
		t.Fatalf("control characters reached the output: %q", got)
	}
}

func TestTextIsTheRecordBack(t *testing.T) {
	for _, c := range []struct{ format, line string }{{"", sshLine}, {"", noData}, {"", ipv6Line}, {v5Format, v5Egress}} {
		if got := parse(t, c.format, c.line).record(Text); got != c.line+"\n" {
			t.Errorf("\n got %q\nwant %q", got, c.line)
		}
	}
	// Repeated spaces and CRLF normalise to single spaces.
	if got := parse(t, "", strings.ReplaceAll(sshLine, " 22 ", "   22\t")+"\r").record(Text); got != sshLine+"\n" {
		t.Errorf("got %q", got)
	}
	// Control bytes and bidi controls in text values never reach a
	// terminal; each becomes one '?'.
	if got := parse(t, "version interface-tag", "2 a\x1bb\u009bc\x9bd\xffé\u202ex").record(Text); got != "2 a?b?c?d?é?x\n" {
		t.Errorf("got %q", got)
	}
}

// CSV values are as safe to print as text: no escape sequence, C1 control
// or stray byte gets through, and the quoting stays valid.
func TestCSVSanitised(t *testing.T) {
	got := parse(t, "version interface-tag", "2 \"a\x1b[31m,\u009bb\x9bé\u202e").encode(CSV)
	if want := "version,interface-tag\n2,\"\"\"a?[31m,?b?é?\"\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCSVHeaderAndRows(t *testing.T) {
	p := parse(t, "version interface-tag action srcaddr", `2 a,"b" - 10.0.0.1`)
	got := p.encode(CSV)
	rows, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatalf("invalid CSV %q: %v", got, err)
	}
	want := [][]string{{"version", "interface-tag", "action", "srcaddr"}, {"2", `a,"b"`, "", "10.0.0.1"}}
	if len(rows) != 2 || strings.Join(rows[0], "|") != strings.Join(want[0], "|") || strings.Join(rows[1], "|") != strings.Join(want[1], "|") {
		t.Fatalf("rows %q, want %q", rows, want)
	}
	if h := NewEncoder(JSON, p.names).Header(nil, p.format); len(h) != 0 {
		t.Fatalf("JSON has a header: %q", h)
	}
}

func TestParseKind(t *testing.T) {
	for s, want := range map[string]Kind{"text": Text, "json": JSON, "csv": CSV} {
		if k, err := ParseKind(s); err != nil || k != want || k.String() != s {
			t.Errorf("ParseKind(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := ParseKind("yaml"); err == nil || !strings.Contains(err.Error(), "yaml") {
		t.Errorf("ParseKind(yaml) error %v", err)
	}
}

func TestEncoderSeesNamesInternedLater(t *testing.T) {
	names := model.NewInterner()
	e := NewEncoder(Text, names)
	parser := model.NewParser(model.DefaultFormat, names)
	var f model.Flow
	var x model.Ext
	var out []byte
	for _, eni := range []string{"eni-a", "eni-b", "eni-a", "eni-c"} {
		line := strings.Replace(sshLine, "eni-1235b8ca123456789", eni, 1)
		if err := parser.Parse([]byte(line), &f, &x); err != nil {
			t.Fatal(err)
		}
		out = e.Append(out, model.DefaultFormat, &f, &x)
	}
	for _, eni := range []string{"eni-a", "eni-b", "eni-a", "eni-c"} {
		line, rest, _ := bytes.Cut(out, []byte("\n"))
		if !bytes.Contains(line, []byte(" "+eni+" ")) {
			t.Fatalf("line %q lacks %s", line, eni)
		}
		out = rest
	}
}

func benchEncode(b *testing.B, kind Kind, format, line string) {
	p := parse(b, format, line)
	e := NewEncoder(kind, p.names)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		buf = e.Append(buf[:0], p.format, &p.f, &p.x)
	}
}

func BenchmarkJSONDefault(b *testing.B) { benchEncode(b, JSON, "", sshLine) }
func BenchmarkJSONv5(b *testing.B)      { benchEncode(b, JSON, v5Format, v5Egress) }
func BenchmarkTextDefault(b *testing.B) { benchEncode(b, Text, "", sshLine) }
func BenchmarkCSVDefault(b *testing.B)  { benchEncode(b, CSV, "", sshLine) }
func BenchmarkCSVv5(b *testing.B)       { benchEncode(b, CSV, v5Format, v5Egress) }

// FuzzJSON checks that every record the parser accepts encodes to valid
// JSON whose numbers and strings read back as the text encoding shows them.
func FuzzJSON(f *testing.F) {
	f.Add(sshLine)
	f.Add(noData)
	f.Add(ipv6Line)
	f.Add("2 \"\\\x1b\u009b\xff 10.0.0.1 - 1 2 3 4 5 6 7 ACCEPT OK")
	format := model.MustParseFormat("version interface-tag srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
	f.Fuzz(func(t *testing.T, line string) {
		names := model.NewInterner()
		var fl model.Flow
		var x model.Ext
		if model.NewParser(format, names).Parse([]byte(line), &fl, &x) != nil {
			return
		}
		out := NewEncoder(JSON, names).Append(nil, format, &fl, &x)
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("%q encodes to invalid JSON %q: %v", line, out, err)
		}
		for _, c := range out {
			if c < 0x20 && c != '\n' {
				t.Fatalf("raw control byte in %q", out)
			}
		}
		if v, ok := m["srcport"]; ok {
			if _, isNum := v.(float64); !isNum {
				t.Fatalf("srcport is %T", v)
			}
		}
		// Text and CSV are printed to terminals: one line each, valid
		// UTF-8, no control characters.
		for _, kind := range []Kind{Text, CSV} {
			out := string(NewEncoder(kind, names).Append(nil, format, &fl, &x))
			if !utf8.ValidString(out) || strings.IndexByte(out, '\n') != len(out)-1 {
				t.Fatalf("%v of %q: %q", kind, line, out)
			}
			for _, r := range out[:len(out)-1] {
				if r < 0x20 || r >= 0x7f && r <= 0x9f {
					t.Fatalf("%v of %q has control %U: %q", kind, line, r, out)
				}
			}
		}
	})
}

// Text output starts with the format's header line, as S3 delivery writes
// it, so it reads back in its own format; unknown names keep the spelling
// the format gave them.
func TestTextHeaderLine(t *testing.T) {
	p := parse(t, "${version} ${Next_Hop} ${srcaddr}", "2 x 10.0.0.1")
	if got := p.encode(Text); got != "${version} ${Next_Hop} ${srcaddr}\n2 x 10.0.0.1\n" {
		t.Fatalf("got %q", got)
	}
	if hf := model.HeaderFormat([]byte("${version} ${Next_Hop} ${srcaddr}")); hf == nil || hf.String() != p.format.String() {
		t.Fatalf("header reads back as %v, want %v", hf, p.format)
	}
}

// Transit Gateway numbers are JSON numbers, and an unknown name keeps its
// spelling as a key.
func TestJSONTransitGatewayNumbers(t *testing.T) {
	p := parse(t, "version tgw-attachment-id packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired my_Field",
		"6 tgw-attach-0a1b 12 0 18446744073709551615 - v")
	want := `{"version":6,"tgw-attachment-id":"tgw-attach-0a1b","packets-lost-no-route":12,"packets-lost-blackhole":0,"packets-lost-mtu-exceeded":18446744073709551615,"my_Field":"v"}` + "\n"
	if got := p.encode(JSON); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}
