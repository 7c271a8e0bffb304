package ui

import (
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestInterfacesPaneSumPastSixtyFourBits: an interface whose records
// hold more than 2^64−1 bytes and packets in all shows more than the
// largest value (">18E"), not the few bytes left after wrapping.
func TestInterfacesPaneSumPastSixtyFourBits(t *testing.T) {
	s := model.NewStore(10)
	appendLines(t, s, model.DefaultFormat,
		"2 123456789012 eni-0big00000000000aa 10.0.0.1 10.0.0.2 1000 443 6 18446744073709551615 18446744073709551615 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-0big00000000000aa 10.0.0.1 10.0.0.2 1000 443 6 7 300 1700000000 1700000060 ACCEPT OK",
	)
	d := newDriver(t, fixtureConfig(s), 120, 40)
	d.keys("2")
	d.refresh()
	// INTERFACE FLOWS PACKETS BYTES …
	got := fields(d.lineWith("eni-0big00000000000aa"))
	if len(got) < 4 || got[1] != "2" || got[2] != ">18E" || got[3] != ">18E" {
		t.Errorf("row %q, want flows 2, packets and bytes >18E", strings.Join(got, " "))
	}
}
