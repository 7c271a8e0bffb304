package model

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// A stray line of prose is not a header: it is a malformed line, and the
// records after it keep the format they had.
func TestStrayTextIsNotHeader(t *testing.T) {
	lines := []string{
		"2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK",
		"Start of rotated log",
		"start of rotated log",
		"version of the log",
		"Action required",
	}
	for i := 0; i < 5; i++ {
		lines = append(lines, fmt.Sprintf("2 123456789010 eni-%d 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK", i))
	}
	s := ingest(t, nil, Batch{Events: events("f", lines...)})
	c := s.Counters()
	if c.Seen != 6 || c.Malformed != 4 || c.Headers != 0 {
		t.Fatalf("records %d malformed %d headers %d, want 6, 4, 0", c.Seen, c.Malformed, c.Headers)
	}
	bad := s.MalformedLines()
	if len(bad) != 4 || bad[0].Line != "Start of rotated log" || bad[0].LineNo != 2 {
		t.Fatalf("kept malformed lines %+v", bad)
	}
}

func TestHeaderShapes(t *testing.T) {
	for _, tc := range []struct {
		line   string
		header bool
	}{
		{"version account-id interface-id srcaddr", true},
		{"srcAddr dstAddr dstPort", true},         // every token known
		{"version srcaddr ecs-cluster-arn", true}, // AWS shape: a new field AWS may add
		{"${version} ${srcaddr} ${custom}", true}, // the CreateFlowLogs spelling
		{"Start of rotated log", false},           // "Start" is a field, the rest prose
		{"start of rotated log", false},
		{"version srcaddr rotated", false},       // one-word unknown name: prose
		{"version srcadr dstaddr bytes", true},   // a typo of a known field is a field name
		{"start of rotated lgo", false},          // even near a field, prose is prose
		{"Version Srcaddr Some-Thing", false},    // not the AWS spelling
		{"version new-field other-field", false}, // more unknown than known
		{"action required", false},
		{"end", true},
	} {
		if got := HeaderFormat([]byte(tc.line)) != nil; got != tc.header {
			t.Errorf("%q: header %v, want %v", tc.line, got, tc.header)
		}
	}
}

// The same field list is one Format however often and however spelt.
func TestHeaderFormatInterned(t *testing.T) {
	a := HeaderFormat([]byte("version srcaddr dstaddr"))
	b := HeaderFormat([]byte("${version}  ${srcaddr} ${dstaddr}\r"))
	c := HeaderFormat([]byte("version srcAddr dst-addr"))
	if a == nil || a != b || a != c {
		t.Fatalf("not one format: %p %p %p", a, b, c)
	}
}

// heapAfterGC is the live heap in bytes.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// 20 MB of alternating headers, each followed by a record, must not grow
// the decoder's memory with the number of header lines.
func TestAlternatingHeadersMemoryFlat(t *testing.T) {
	hdrA := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id"
	hdrB := "version interface-id account-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status subnet-id vpc-id"
	recA := "2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK vpc-1 subnet-1"
	recB := "2 eni-1 123456789010 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK subnet-1 vpc-1"
	pair := len(hdrA) + len(recA) + len(hdrB) + len(recB) + 4
	n := 20 << 20 / pair
	if testing.Short() {
		n /= 10
	}
	names := NewInterner()
	dec := NewDecoder(names, nil)
	var f Flow
	var x Ext
	base := heapAfterGC()
	line := func(origin, s string) Result {
		r, err := dec.Decode(&Event{Line: []byte(s), Origin: origin}, nil, &f, &x)
		if r == ResultMalformed {
			t.Fatalf("%q: %v", s, err)
		}
		return r
	}
	for i := 0; i < n; i++ {
		// a header line of its own each time, as a file read into memory has
		a, b := strings.Clone(hdrA), strings.Clone(hdrB)
		if line("f", a) != ResultHeader || line("f", recA) != ResultRecord || line("f", b) != ResultHeader || line("f", recB) != ResultRecord {
			t.Fatal("not header, record, header, record")
		}
		if v, _ := StrID(&f, &x, FieldVPCID); names.Name(v) != "vpc-1" {
			t.Fatalf("vpc-id %q", names.Name(v))
		}
	}
	grew := int64(heapAfterGC()) - int64(base)
	t.Logf("%d header lines: heap grew %d KiB", 2*n, grew>>10)
	if grew > 4<<20 {
		t.Errorf("heap grew %d MiB over %d header lines", grew>>20, 2*n)
	}
	runtime.KeepAlive(dec)
}

// FuzzHeaderTracker: any line is a record, a header, blank or malformed;
// a header's format is interned and reads back as itself, and a line
// taken for a header names only valid fields.
func FuzzHeaderTracker(f *testing.F) {
	for _, s := range []string{"version srcaddr dstaddr", "Start of rotated log", "${version} ${x-y}", "2 123 eni-1 - - - - - - - - - NODATA", "version srcaddr ecs-cluster-arn"} {
		f.Add(s)
	}
	dec := NewDecoder(NewInterner(), nil)
	var fl Flow
	var x Ext
	f.Fuzz(func(t *testing.T, line string) {
		hf := HeaderFormat([]byte(line))
		if hf != nil {
			again, err := ParseFormat(hf.String())
			if err != nil || InternFormat(again) != hf {
				t.Fatalf("%q: format %s does not read back (%v)", line, hf, err)
			}
		}
		res, err := dec.Decode(&Event{Line: []byte(line), Origin: "o"}, nil, &fl, &x)
		if (res == ResultHeader) != (hf != nil) && !isBlank([]byte(line)) && line[0] != ' ' && line[0] != '\t' {
			t.Fatalf("%q: decoder says %v, HeaderFormat %v", line, res, hf)
		}
		if (res == ResultMalformed) != (err != nil) {
			t.Fatalf("%q: result %v with error %v", line, res, err)
		}
	})
}
