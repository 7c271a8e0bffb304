package ui

import (
	"testing"
	"time"
)

// A source whose mode repeats its name ("demo" in "demo (live)") is named
// once in the status bar.
func TestHealthTextNamesTheSourceOnce(t *testing.T) {
	for _, tt := range []struct {
		h    Health
		want string
	}{
		{Health{Source: "demo", Mode: "demo (live)"}, "demo (live)"},
		{Health{Source: "demo", Mode: "demo"}, "demo"},
		{Health{Source: "flows.log", Mode: "follow"}, "flows.log follow"},
		{Health{Source: "/vpc/flows", Mode: "live", Lag: 3 * time.Second, Backoff: "4s"}, "/vpc/flows live lag 3s retry 4s"},
		{Health{Source: "capture.log.gz", Mode: "file", Final: true}, "capture.log.gz file stopped"},
		{Health{Source: "eni\x1b[2J", Mode: "file"}, "eni[2J file"},
	} {
		if got := healthText(tt.h); got != tt.want {
			t.Errorf("healthText(%+v) = %q, want %q", tt.h, got, tt.want)
		}
	}
}
