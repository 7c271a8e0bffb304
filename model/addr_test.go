package model

import "testing"

// IPv4 with leading zeros is ambiguous (octal to inet_aton, decimal to
// others) and net/netip rejects it: the line is malformed. IPv4-mapped
// IPv6 addresses print as they were written.
func TestAddressForms(t *testing.T) {
	format := MustParseFormat("srcaddr dstaddr pkt-srcaddr pkt-dstaddr")
	p := NewParser(format, NewInterner())
	var f Flow
	var x Ext
	for _, bad := range []string{
		"01.02.03.04 10.0.0.1 - -",
		"10.0.0.1 10.0.0.010 - -",
		"10.0.0.1 10.0.0.1 010.1.1.1 -",
		"10.00.0.1 10.0.0.1 - -",
	} {
		if err := p.Parse([]byte(bad), &f, &x); err == nil {
			t.Errorf("%q read as %v %v", bad, f.SrcAddr(&x), f.DstAddr(&x))
		}
	}
	for _, tc := range []struct{ line, src, dst, psrc, pdst string }{
		{"10.0.0.1 0.0.0.0 - -", "10.0.0.1", "0.0.0.0", "invalid IP", "invalid IP"},
		{"::ffff:10.0.0.1 10.0.0.2 ::ffff:192.0.2.1 192.0.2.2", "::ffff:10.0.0.1", "10.0.0.2", "::ffff:192.0.2.1", "192.0.2.2"},
		{"10.0.0.100 2001:db8::1 10.0.0.100 2001:db8::1", "10.0.0.100", "2001:db8::1", "10.0.0.100", "2001:db8::1"},
	} {
		if err := p.Parse([]byte(tc.line), &f, &x); err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		got := [4]string{f.SrcAddr(&x).String(), f.DstAddr(&x).String(), x.PktSrcAddr().String(), x.PktDstAddr().String()}
		if got != [4]string{tc.src, tc.dst, tc.psrc, tc.pdst} {
			t.Errorf("%q read as %q", tc.line, got)
		}
	}
}
