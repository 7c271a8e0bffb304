package model

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// awsExample is a record AWS documents, with the format it is written in.
type awsExample struct {
	name, format, line string
}

const (
	tcpFlagFormat = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status"
	tcpFlagPrefix = "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 "
	natFormat     = "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr"
	tgwFormat     = "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status"
	v5Format29    = "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status"
)

// awsExamples are every record of the reference's section 5, verbatim
// (the "…" of the reference filled with the fields it stands for).
var awsExamples = []awsExample{
	{"ssh accepted", DefaultFormatText, "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"},
	{"rdp rejected", DefaultFormatText, "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK"},
	{"no data", DefaultFormatText, "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"},
	{"skipped", DefaultFormatText, "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA"},
	{"ping in", DefaultFormatText, "2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK"},
	{"ping reply rejected", DefaultFormatText, "2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK"},
	{"ipv6 ssh", DefaultFormatText, "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK"},
	{"syn", tcpFlagFormat, tcpFlagPrefix + "52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK"},
	{"syn-ack", tcpFlagFormat, tcpFlagPrefix + "10.0.0.62 52.213.180.42 5001 43416 10.0.0.62 52.213.180.42 6 376 7 1566848875 1566848933 ACCEPT 18 OK"},
	{"syn 2", tcpFlagFormat, tcpFlagPrefix + "52.213.180.42 10.0.0.62 43418 5001 52.213.180.42 10.0.0.62 6 100701 70 1566848875 1566848933 ACCEPT 2 OK"},
	{"syn-ack 2", tcpFlagFormat, tcpFlagPrefix + "10.0.0.62 52.213.180.42 5001 43418 10.0.0.62 52.213.180.42 6 632 12 1566848875 1566848933 ACCEPT 18 OK"},
	{"fin server", tcpFlagFormat, tcpFlagPrefix + "10.0.0.62 52.213.180.42 5001 43418 10.0.0.62 52.213.180.42 6 63388 1219 1566848933 1566849113 ACCEPT 1 OK"},
	{"fin client", tcpFlagFormat, tcpFlagPrefix + "52.213.180.42 10.0.0.62 43418 5001 52.213.180.42 10.0.0.62 6 23294588 15774 1566848933 1566849113 ACCEPT 1 OK"},
	{"short client", tcpFlagFormat, tcpFlagPrefix + "52.213.180.42 10.0.0.62 43638 5001 52.213.180.42 10.0.0.62 6 1260 17 1566933133 1566933193 ACCEPT 3 OK"},
	{"short server double space", tcpFlagFormat, tcpFlagPrefix + "10.0.0.62 52.213.180.42 5001 43638  10.0.0.62 52.213.180.42 6 967 14 1566933133 1566933193 ACCEPT 19 OK"},
	{"nat instance to nat", natFormat, "- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5"},
	{"nat to host", natFormat, "- eni-1235b8ca123456789 10.0.0.220 203.0.113.5 10.0.0.220 203.0.113.5"},
	{"host to nat", natFormat, "- eni-1235b8ca123456789 203.0.113.5 10.0.0.220 203.0.113.5 10.0.0.220"},
	{"nat to instance", natFormat, "- eni-1235b8ca123456789 10.0.0.220 10.0.1.5 203.0.113.5 10.0.1.5"},
	{"instance to host", natFormat, "i-01234567890123456 eni-1111aaaa2222bbbb3 10.0.1.5 203.0.113.5 10.0.1.5 203.0.113.5"},
	{"host to instance", natFormat, "i-01234567890123456 eni-1111aaaa2222bbbb3 203.0.113.5 10.0.1.5 203.0.113.5 10.0.1.5"},
	{"tgw request at server", tgwFormat, "3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.20.33.164 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK"},
	{"tgw response", tgwFormat, "3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.40.2.236 10.20.33.164 80 39812 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK"},
	{"tgw eni request", tgwFormat, "3 eni-11111111111111111 123456789010 vpc-abcdefab012345678 subnet-11111111aaaaaaaaa - 10.40.1.175 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK"},
	{"tgw eni response", tgwFormat, "3 eni-22222222222222222 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb - 10.40.2.236 10.40.2.31 80 39812 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK"},
	{"v5 ingress from s3", v5Format29, "5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK"},
	{"v5 egress to s3", v5Format29, "5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK"},
}

// checkFields verifies every field of a parsed record against the token
// the line holds for it: "-" must be absent, anything else present with
// the same value, read back through the public accessors.
func checkFields(t *testing.T, format *Format, line string, f *Flow, x *Ext, names *Interner) {
	t.Helper()
	toks := strings.Fields(line)
	if len(toks) != len(format.Fields) {
		t.Fatalf("test line has %d tokens for %d fields", len(toks), len(format.Fields))
	}
	for k, id := range format.Fields {
		tok := toks[k]
		if tok == "-" {
			if Present(f, x, id) {
				t.Errorf("%s: \"-\" should be absent", id.Name())
			}
			continue
		}
		if !Present(f, x, id) {
			t.Errorf("%s: %q not present", id.Name(), tok)
			continue
		}
		var got string
		switch id.Kind() {
		case KindInt:
			v, _ := Int(f, x, id)
			got = strconv.FormatUint(v, 10)
		case KindAddr:
			a := Addr(f, x, id)
			if want := netip.MustParseAddr(tok); a != want {
				t.Errorf("%s = %v, want %v", id.Name(), a, want)
			}
			continue
		case KindEnum:
			if id == FieldAction {
				got = f.Action().String()
			} else {
				got = f.Status().String()
			}
		default:
			s, _ := StrID(f, x, id)
			got = names.Name(s)
		}
		if got != tok {
			t.Errorf("%s = %q, want %q", id.Name(), got, tok)
		}
	}
}

func TestParseAWSExamplesEveryField(t *testing.T) {
	for _, ex := range awsExamples {
		t.Run(ex.name, func(t *testing.T) {
			format := MustParseFormat(ex.format)
			names := NewInterner()
			var f Flow
			var x Ext
			if err := NewParser(format, names).Parse([]byte(ex.line), &f, &x); err != nil {
				t.Fatalf("parse: %v", err)
			}
			checkFields(t, format, ex.line, &f, &x, names)
		})
	}
}

// TestParseAWSExamplesMeaning spells out what a user reads from a few of
// the examples, beyond token equality.
func TestParseAWSExamplesMeaning(t *testing.T) {
	parse := func(i int) (*Flow, *Ext) {
		ex := awsExamples[i]
		var f Flow
		var x Ext
		if err := NewParser(MustParseFormat(ex.format), NewInterner()).Parse([]byte(ex.line), &f, &x); err != nil {
			t.Fatal(err)
		}
		return &f, &x
	}
	if f, _ := parse(0); f.Action() != ActionAccept || f.DstPort != 22 || f.Proto != 6 || f.Bytes != 4249 || f.Start != 1418530010 || f.IPv6() || f.HasExt() {
		t.Errorf("ssh accepted: %+v", f)
	}
	if f, _ := parse(2); f.Status() != StatusNoData || f.Action() != ActionNone || f.Has(FieldSrcAddr) || f.Has(FieldPackets) || !f.Has(FieldStart) {
		t.Errorf("no data: %+v", f)
	}
	if f, _ := parse(3); f.Status() != StatusSkipData {
		t.Errorf("skipped: %+v", f)
	}
	if f, x := parse(6); !f.IPv6() || f.SrcAddr(x).String() != "2001:db8:1234:a100:8d6e:3477:df66:f105" {
		t.Errorf("ipv6: %v", f.SrcAddr(x))
	}
	if f, _ := parse(14); f.Flags != FlagFIN|FlagSYN|FlagACK || FlagNames(f.Flags) != "FIN SYN-ACK" {
		t.Errorf("short server: flags %d %q", f.Flags, FlagNames(f.Flags))
	}
	if f, x := parse(18); f.Has(FieldVersion) || f.SrcAddr(x).String() != "10.0.0.220" || x.PktSrcAddr().String() != "203.0.113.5" {
		t.Errorf("nat to instance: src %v pkt-src %v", f.SrcAddr(x), x.PktSrcAddr())
	}
	if f, x := parse(25); !x.Has(FieldPktSrcAWSService) || x.Has(FieldTrafficPath) || x.Has(FieldSublocationType) || f.Flags != 19 {
		t.Errorf("v5 ingress: %+v", x)
	}
	if _, x := parse(26); x.Num[numSlot(FieldTrafficPath)] != 8 || x.Has(FieldPktSrcAWSService) {
		t.Errorf("v5 egress traffic-path: %+v", x)
	}
}

func TestHeaderDetection(t *testing.T) {
	for _, ex := range awsExamples {
		if HeaderFormat([]byte(ex.line)) != nil {
			t.Errorf("%s: data line taken for a header", ex.name)
		}
	}
	for _, h := range []string{
		"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
		v5Format29,
		natFormat,
		DefaultFormatText,
		v5Format29 + "\r\n",
		"version my-new-field srcaddr",
	} {
		f := HeaderFormat([]byte(h))
		if f == nil {
			t.Errorf("header not recognised: %q", h)
			continue
		}
		if want := MustParseFormat(strings.TrimSpace(h)); f.String() != want.String() {
			t.Errorf("header %q read as %s", h, f)
		}
	}
	for _, notHeader := range []string{"hello", "- - -", "version 2 srcaddr", "my-field other-field"} {
		if HeaderFormat([]byte(notHeader)) != nil {
			t.Errorf("%q taken for a header", notHeader)
		}
	}
}

// ingest runs lines through an ingester as one batch per origin list.
func ingest(t *testing.T, override *Format, batches ...Batch) *Store {
	t.Helper()
	store := NewStore(1000)
	in := NewIngester(store, override)
	for _, b := range batches {
		in.Ingest(b)
	}
	return store
}

func events(origin string, lines ...string) []Event {
	out := make([]Event, len(lines))
	for i, l := range lines {
		out[i] = Event{Line: []byte(l), Origin: origin, LineNo: int64(i + 1)}
	}
	return out
}

func TestMixedFormatsAcrossFiles(t *testing.T) {
	a := events("a.log", awsExamples[0].line, "version srcaddr action", "3 10.0.0.1 REJECT")
	b := events("b.log.gz", v5Format29, awsExamples[26].line)
	c := events("c.log", awsExamples[1].line)
	// Files interleave in one batch (several sources); each keeps its format.
	mixed := []Event{a[0], b[0], a[1], b[1], a[2], c[0]}
	store := ingest(t, nil, Batch{Events: mixed})
	if c := store.Counters(); c.Seen != 4 || c.Headers != 2 || c.Malformed != 0 {
		t.Fatalf("counters %+v", c)
	}
	store.Read(func(v View) {
		want := []struct {
			version uint8
			src     string
		}{{2, "172.31.16.139"}, {5, "10.0.0.71"}, {3, "10.0.0.1"}, {2, "172.31.9.69"}}
		for i, w := range want {
			f, x := v.At(i)
			if f.Version != w.version || f.SrcAddr(x).String() != w.src {
				t.Errorf("record %d: version %d src %v, want %d %s", i, f.Version, f.SrcAddr(x), w.version, w.src)
			}
		}
	})
}

func TestOverrideFormatWinsOverHeader(t *testing.T) {
	override := MustParseFormat("${srcaddr} ${dstport} ${action}")
	store := ingest(t, override, Batch{Events: events("x", "version account-id", "10.0.0.9 443 ACCEPT")})
	if c := store.Counters(); c.Seen != 1 || c.Headers != 1 || c.Malformed != 0 {
		t.Fatalf("counters %+v", c)
	}
}

func TestBatchFormatAndStreamInterface(t *testing.T) {
	format := MustParseFormat("${srcaddr} ${dstaddr} ${action}")
	b := Batch{Format: format, Events: []Event{{Line: []byte("10.0.0.1 10.0.0.2 ACCEPT"), Stream: "eni-0abc"}}}
	store := ingest(t, nil, b)
	store.Read(func(v View) {
		f, _ := v.At(0)
		if v.Len() != 1 || !f.Has(FieldInterfaceID) || v.Names().Name(f.Iface) != "eni-0abc" {
			t.Fatalf("interface-id from the stream not filled: %+v", f)
		}
	})
}

func TestMalformedLinesCountedAndSkipped(t *testing.T) {
	good := awsExamples[0].line
	lines := []string{
		good,
		"2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 99999 6 20 4249 1418530010 1418530070 ACCEPT OK", // port
		good,
		"2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT",       // short
		"2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK xx", // long
		"2 123456789010 eni-1 172.31.16.999 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",    // addr
		"2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 MAYBE OK",     // action
		"",
		"   ",
		strings.Repeat("2 ", MaxLineBytes),
		good,
	}
	store := ingest(t, nil, Batch{Events: events("f.log", lines...)})
	c := store.Counters()
	if c.Seen != 3 || c.Malformed != 6 {
		t.Fatalf("counters %+v: want 3 records and 6 malformed", c)
	}
	bad := store.MalformedLines()
	wantNo := []int64{2, 4, 5, 6, 7, 10}
	wantWhy := []string{"port is not a number from 0 to 65535 at column 55 (dstport)", "13 fields, the format has 14 (next: log-status)",
		"more than the 14 fields of the format", "not an IP address at column 22 (srcaddr)", "action is not ACCEPT, REJECT or -", "line longer than"}
	for i, m := range bad {
		if m.LineNo != wantNo[i] || m.Origin != "f.log" || !strings.Contains(m.Err, wantWhy[i]) {
			t.Errorf("malformed %d: line %d %q, want line %d %q", i, m.LineNo, m.Err, wantNo[i], wantWhy[i])
		}
		if len(m.Line) > 1100 {
			t.Errorf("malformed line kept with %d bytes", len(m.Line))
		}
	}
	store.Read(func(v View) {
		for i := 0; i < v.Len(); i++ {
			if f, _ := v.At(i); f.DstPort != 22 || f.Action() != ActionAccept {
				t.Errorf("record %d damaged by a neighbouring bad line: %+v", i, f)
			}
		}
	})
}

func TestParseQuirks(t *testing.T) {
	names := NewInterner()
	p := NewParser(DefaultFormat, names)
	var f Flow
	var x Ext
	for _, line := range []string{
		"2  123456789010\teni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1418530010 1418530070 ACCEPT OK\r",
		" 2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1418530010000 1418530070000 ACCEPT OK  ",
	} {
		if err := p.Parse([]byte(line), &f, &x); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if f.Start != 1418530010 || f.End != 1418530070 || f.Status() != StatusOK || names.Name(f.Iface) != "eni-1" {
			t.Errorf("%q: %+v", line, f)
		}
	}
}

func TestHeaderSwitchesFormatWithinOneOrigin(t *testing.T) {
	store := ingest(t, nil, Batch{Events: events("a.log", awsExamples[0].line, "version srcaddr action", "3 10.0.0.1 REJECT")})
	if c := store.Counters(); c.Seen != 2 || c.Headers != 1 || c.Malformed != 0 {
		t.Fatalf("counters %+v", c)
	}
	store.Read(func(v View) {
		if f, x := v.At(1); f.Version != 3 || f.SrcAddr(x).String() != "10.0.0.1" || f.Action() != ActionReject {
			t.Errorf("line after the header read as version %d src %v action %v", f.Version, f.SrcAddr(x), f.Action())
		}
	})
}
