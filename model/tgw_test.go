package model

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func readFixture(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

// checkTokens compares every field of a record with the line's own
// tokens: "-" is absent, anything else reads back as written.
func checkTokens(t *testing.T, format *Format, line []byte, f *Flow, x *Ext, names *Interner) {
	t.Helper()
	toks := strings.Fields(string(line))
	if len(toks) != len(format.Fields) {
		t.Fatalf("%d tokens for %d fields", len(toks), len(format.Fields))
	}
	got := strings.Fields(string(render(format, f, x, names)))
	for i, id := range format.Fields {
		if got[i] != toks[i] {
			t.Errorf("%s = %q, want %q in %s", format.Name(id), got[i], toks[i], line)
		}
	}
}

// The default TGW format reads from its S3 header line, with no format at
// all (version 6 records), and from --format.
func TestTransitGatewayDefaultFormat(t *testing.T) {
	withHeader := readFixture(t, "../testdata/tgw/tgw-default.log")
	bare := readFixture(t, "../testdata/tgw/tgw-default-noheader.log")
	if got := HeaderFormat(withHeader[0]); got == nil || got.String() != DefaultTGWFormatText {
		t.Fatalf("header line reads as %v", got)
	}
	cases := []struct {
		name     string
		override *Format
		lines    [][]byte
	}{
		{"header", nil, withHeader},
		{"no format", nil, bare},
		{"--format", MustParseFormat(DefaultTGWFormatText), bare},
	}
	for _, c := range cases {
		names := NewInterner()
		d := NewDecoder(names, c.override)
		var f Flow
		var x Ext
		records := 0
		for i, line := range c.lines {
			res, err := d.Decode(&Event{Line: line, Origin: "tgw.log", LineNo: int64(i + 1)}, nil, &f, &x)
			if res == ResultHeader {
				continue
			}
			if res != ResultRecord {
				t.Fatalf("%s: line %d: %v %v", c.name, i+1, res, err)
			}
			records++
			if FormatOf(&f).String() != DefaultTGWFormatText {
				t.Fatalf("%s: read with %v", c.name, FormatOf(&f))
			}
			checkTokens(t, DefaultTGWFormat, line, &f, &x, names)
		}
		if records != len(bare) {
			t.Fatalf("%s: %d records, want %d", c.name, records, len(bare))
		}
	}
}

func TestTransitGatewayNumbers(t *testing.T) {
	names := NewInterner()
	p := NewParser(DefaultTGWFormat, names)
	var f Flow
	var x Ext
	lines := readFixture(t, "../testdata/tgw/tgw-default-noheader.log")
	want := [][4]uint64{{0, 0, 0, 0}, {0, 0, 0, 0}, {7, 0, 0, 0}, {0, 4, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, 2}}
	for i, w := range want {
		if err := p.Parse(lines[i], &f, &x); err != nil {
			t.Fatal(err)
		}
		for k, id := range PacketsLost {
			if id.Kind() != KindInt {
				t.Fatalf("%s is not a number field", id.Name())
			}
			if v, ok := Int(&f, &x, id); !ok || v != w[k] {
				t.Errorf("line %d %s = %d %v, want %d", i+1, id.Name(), v, ok, w[k])
			}
		}
	}
	if err := p.Parse(bytes.Replace(lines[2], []byte(" 7 0 0 0 "), []byte(" x 0 0 0 "), 1), &f, &x); err == nil || !strings.Contains(err.Error(), "packets-lost-no-route is not a number") {
		t.Fatalf("bad loss count: %v", err)
	}
}

// A header made only of Transit Gateway names is a header.
func TestHeaderOfOnlyTransitGatewayNames(t *testing.T) {
	for _, h := range []string{
		"tgw-id tgw-attachment-id packets-lost-no-route",
		"resource-type tgw-src-vpc-id tgw-dst-vpc-id tgw-pair-attachment-id",
	} {
		if HeaderFormat([]byte(h)) == nil {
			t.Errorf("%q is not read as a header", h)
		}
	}
}

// Unknown names belong to their format: many formats with different
// unknown names read in one run give what each gives alone, with the
// spelling each gave.
func TestUnknownNamesPerFormat(t *testing.T) {
	names := NewInterner()
	d := NewDecoder(names, nil)
	var f Flow
	var x Ext
	for i := 0; i < 40; i++ { // 120 distinct unknown names in all
		a, b, c := "Col_"+string(rune('a'+i%26))+strings.Repeat("x", i/26), "next-hop-"+itoa(i), "tag"+itoa(i)
		hdr := "${version} ${" + a + "} ${" + b + "} ${" + c + "} ${srcaddr}"
		origin := "f" + itoa(i)
		if res, _ := d.Decode(&Event{Line: []byte(hdr), Origin: origin}, nil, &f, &x); res != ResultHeader {
			t.Fatalf("format %d: header not read", i)
		}
		line := "2 va" + itoa(i) + " vb" + itoa(i) + " - 10.0.0.1"
		res, err := d.Decode(&Event{Line: []byte(line), Origin: origin}, nil, &f, &x)
		if res != ResultRecord {
			t.Fatalf("format %d: %v", i, err)
		}
		rf := FormatOf(&f)
		if got := rf.Name(rf.Fields[1]) + " " + rf.Name(rf.Fields[2]) + " " + rf.Name(rf.Fields[3]); got != a+" "+b+" "+c {
			t.Fatalf("format %d names %q", i, got)
		}
		if id, ok := rf.Lookup(strings.ToLower(strings.ReplaceAll(a, "_", "-"))); !ok || id != rf.Fields[1] {
			t.Fatalf("format %d: %s not found by another spelling", i, a)
		}
		if got := string(render(rf, &f, &x, names)); got != line {
			t.Fatalf("format %d: %q, want %q", i, got, line)
		}
		get := UnknownField(b)
		if v, ok := get(&f, &x); !ok || names.Name(v) != "vb"+itoa(i) {
			t.Fatalf("format %d: %s reads %q %v", i, b, names.Name(v), ok)
		}
		if _, ok := UnknownField(c)(&f, &x); ok {
			t.Fatalf("format %d: absent %s reads as present", i, c)
		}
		if !UnknownInUse(b) {
			t.Fatalf("format %d: %s not in use", i, b)
		}
	}
	if got := MustParseFormat("${version} ${next_hop_type}").Camel(FieldOpaque0); got != "nextHopType" {
		t.Fatalf("camel spelling %q", got)
	}
	var many []string
	for i := 0; i <= MaxOpaque; i++ {
		many = append(many, "u"+itoa(i))
	}
	if _, err := ParseFormat(strings.Join(many, " ")); err == nil || !strings.Contains(err.Error(), "in one format") {
		t.Fatalf("too many unknown names in one format: %v", err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
