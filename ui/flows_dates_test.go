package ui

import (
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestFlowsDatesWhenRowsSpanMidnight: records arrive out of order (late
// delivery, several interfaces), so the buffer's first and last records
// can fall on one day while a record between them is on the next. The
// rows must then carry their dates: at 80 columns 00:00:10 on 11-15 read
// as the same day as 23:59:50 on 11-14. Dates by hand: 1700006390 is
// 2023-11-14 23:59:50 UTC, 1700006410 is 2023-11-15 00:00:10.
func TestFlowsDatesWhenRowsSpanMidnight(t *testing.T) {
	s := model.NewStore(10)
	appendLines(t, s, model.DefaultFormat,
		"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1700006390 1700006400 ACCEPT OK",
		"2 1 eni-1 10.0.0.3 10.0.0.2 1 2 6 1 40 1700006410 1700006420 ACCEPT OK",
		"2 1 eni-1 10.0.0.5 10.0.0.2 1 2 6 1 40 1700006395 1700006400 ACCEPT OK") // delivered late
	d := newDriver(t, fixtureConfig(s), 80, 24)
	d.refresh()
	for addr, when := range map[string]string{
		"10.0.0.1:1": "11-14 23:59:50",
		"10.0.0.3:1": "11-15 00:00:10",
		"10.0.0.5:1": "11-14 23:59:55",
	} {
		if l := d.lineWith(addr); !strings.Contains(l, when) {
			t.Errorf("the row of %s does not say %s:\n%s", addr, when, l)
		}
	}
}
