package model

import "testing"

// The tracker agrees with FormatFor over a map of the last header per
// origin, and takes a line for a header exactly when HeaderFormat does
// (for a line that starts with a letter or '$' in an unkeyed batch).
func TestFormatTrackerFollowsHeadersPerOrigin(t *testing.T) {
	short, err := ParseFormat("version srcaddr dstaddr")
	if err != nil {
		t.Fatal(err)
	}
	lines := []struct{ origin, line string }{
		{"a", "version srcaddr dstaddr"},
		{"b", "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"},
		{"a", "2 10.0.0.1 10.0.0.2"},
		{"b", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"},
		{"a", "  version srcaddr"}, // leading space: data, as the decoder reads it
		{"b", "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"},
	}
	for _, override := range []*Format{nil, short} {
		tr := NewFormatTracker(override)
		byOrigin := map[string]*Format{}
		for i, l := range lines {
			hf, ok := tr.Header(l.origin, []byte(l.line), nil)
			want := HeaderFormat([]byte(l.line))
			if l.line[0] == ' ' {
				want = nil
			}
			if ok != (want != nil) || hf != want {
				t.Fatalf("override %v, line %d: header %v %v, want %v", override != nil, i, hf, ok, want)
			}
			if ok {
				byOrigin[l.origin] = hf
				continue
			}
			if got, want := tr.Format(l.origin, nil), FormatFor(override, byOrigin, l.origin, nil); got != want {
				t.Fatalf("override %v, line %d: format %v, want %v", override != nil, i, got.Fields, want.Fields)
			}
		}
	}
	// A keyed batch names its own fields: no line of it is a header.
	keyed := &Format{Fields: short.Fields, keyed: true}
	if _, ok := NewFormatTracker(nil).Header("a", []byte("version srcaddr dstaddr"), keyed); ok {
		t.Fatal("a line of a keyed batch was taken for a header")
	}
}
