package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/flowtail/flowtail/model"
)

// An ECS record (version 7): its ARNs and the 64-digit container id are
// longer than the value column at 80 columns, and longer still than the
// left column of the side-by-side layout at 120.
const (
	ecsFormat = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ecs-cluster-arn ecs-container-id ecs-task-arn"
	ecsArn    = "arn:aws:ecs:us-east-1:123456789012:cluster/payments-production-cluster"
	ecsCID    = "8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a"
	ecsTask   = "arn:aws:ecs:us-east-1:123456789012:task/payments-production-cluster/0123456789abcdef0123456789abcdef"
	ecsLine   = "7 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.23 10.0.2.10 44321 443 6 12 4820 1700000000 1700000030 ACCEPT OK " + ecsArn + " " + ecsCID + " " + ecsTask
)

// The detail view is where a value is read whole: a value longer than its
// column wraps under it instead of being cut.
func TestDetailShowsLongValuesWhole(t *testing.T) {
	s := model.NewStore(10)
	appendLines(t, s, model.MustParseFormat(ecsFormat), ecsLine)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		d := newDriver(t, fixtureConfig(s), size[0], size[1])
		d.keys("enter")
		if d.m.mode != modeDetail {
			t.Fatalf("enter did not open the detail view")
		}
		for _, l := range d.m.detail.lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line wider than the window (%d): %q", size[0], size[1], w, l)
			}
		}
		for _, v := range []string{ecsArn, ecsCID, ecsTask} {
			if !shownWhole(d.m.detail.lines, v) {
				t.Errorf("%dx%d: the detail view does not show %s whole:\n%s", size[0], size[1], v, strings.Join(d.m.detail.lines, "\n"))
			}
		}
	}
}

// shownWhole reports whether v is on the lines, whole or wrapped: a word
// that starts it, then on the lines after, words that continue it.
func shownWhole(lines []string, v string) bool {
	for i := range lines {
		rest := v
		for j := i; j < len(lines) && rest != ""; j++ {
			cont := false
			for _, f := range strings.Fields(ansi.Strip(lines[j])) {
				if (len(f) >= 8 || rest != v) && strings.HasPrefix(rest, f) {
					rest, cont = rest[len(f):], true
					break
				}
			}
			if !cont {
				break
			}
		}
		if rest == "" {
			return true
		}
	}
	return false
}
