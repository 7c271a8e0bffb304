package ui

import (
	"strings"
	"testing"
)

// Narrower than 80 columns the flows table gives up tcp-flags, then the
// packet count, before the addresses shrink further; every layout fills
// the width exactly.
func TestLayoutColumnsKeepsAddressesReadable(t *testing.T) {
	for _, tt := range []struct {
		width       int
		flags, pkts bool
		minAddr     int
	}{
		{60, false, false, 12},
		{66, false, false, 12},
		{72, false, true, 12},
		{80, false, false, fullEndpoint},
		{100, false, true, fullEndpoint},
		{120, true, true, fullEndpoint},
	} {
		c := layoutColumns(tt.width, false, false)
		if (c.flags > 0) != tt.flags || (c.pkts > 0) != tt.pkts || min(c.src, c.dst) < tt.minAddr {
			t.Errorf("width %d: flags %d pkts %d src %d dst %d", tt.width, c.flags, c.pkts, c.src, c.dst)
		}
		p := &flowsPane{sh: &Shared{Styles: NewStyles(Theme{NoColor: true})}}
		p.SetSize(tt.width, 10)
		header := string(p.appendHeader(nil))
		if cellWidth(header) != tt.width {
			t.Errorf("width %d: header is %d cells: %q", tt.width, cellWidth(header), header)
		}
		if strings.Contains(header, "PKTS") != tt.pkts {
			t.Errorf("width %d: header %q", tt.width, header)
		}
	}
}
