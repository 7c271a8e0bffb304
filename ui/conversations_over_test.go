package ui

import (
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestConversationsSumPastSixtyFourBits: a conversation whose records
// hold more than 2^64−1 bytes and packets in all shows more than the
// largest value (">18E"), not the few left after wrapping.
func TestConversationsSumPastSixtyFourBits(t *testing.T) {
	s := model.NewStore(10)
	appendLines(t, s, model.DefaultFormat,
		"2 123456789012 eni-0big00000000000aa 10.0.0.1 10.0.0.2 40000 443 6 18446744073709551615 18446744073709551615 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-0big00000000000aa 10.0.0.1 10.0.0.2 40000 443 6 7 200 1700000000 1700000060 ACCEPT OK",
		"2 123456789012 eni-0big00000000000aa 10.0.0.2 10.0.0.1 443 40000 6 5 100 1700000000 1700000060 ACCEPT OK",
	)
	d := newDriver(t, fixtureConfig(s), 120, 40)
	d.keys("3", "c")
	d.refresh()
	row := fields(d.lineWith("10.0.0.1:40000"))
	if len(row) == 0 || row[len(row)-1] != ">18E" {
		t.Errorf("row %q, want bytes >18E", strings.Join(row, " "))
	}
	if l := d.lineWith("client chosen by"); !strings.Contains(l, "request 2 records, >18E packets") ||
		!strings.Contains(l, "reply 1 record, 5 packets") {
		t.Errorf("cursor line %q, want the request's packets as >18E and the reply's as 5", l)
	}
}
