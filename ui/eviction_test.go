package ui

import (
	"fmt"
	"strings"
	"testing"
)

// Once the ring has wrapped, the status bar says how many records were
// evicted and the aggregate panes say which records they cover, with the
// flag that keeps more: never a silent partial answer.
func TestEvictionIsNeverSilent(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := queryDriver(t, genStore(t, 10, 25), size[0], size[1])
			d.refresh()
			if s := d.statusLine(); !strings.Contains(s, "evicted 15") {
				t.Errorf("status bar does not count evictions: %q", s)
			}
			want := "the newest 10 of 25 records"
			for _, pane := range []string{"flags", "interfaces"} {
				gotoPane(t, d, pane)
				d.refresh()
				if !strings.Contains(d.screen(), want) {
					t.Errorf("%s pane does not say what it covers:\n%s", pane, d.screen())
				}
			}
			gotoPane(t, d, "flags")
			d.keys("c") // conversations
			if !strings.Contains(d.screen(), want) {
				t.Errorf("conversations do not say what they cover:\n%s", d.screen())
			}
			d.keys("esc")
			d.applyFilter("stats count(*) by dstport")
			gotoPane(t, d, "stats")
			if !strings.Contains(d.screen(), want) || !strings.Contains(d.screen(), "--buffer") {
				t.Errorf("stats do not say what they cover:\n%s", d.screen())
			}
		})
	}
}

// While every record read is held, nothing talks of eviction.
func TestNoEvictionNoNotice(t *testing.T) {
	d := queryDriver(t, genStore(t, 100, 25), 120, 40)
	d.refresh()
	if s := d.statusLine(); strings.Contains(s, "evicted") {
		t.Errorf("status bar: %q", s)
	}
	gotoPane(t, d, "flags")
	d.refresh()
	if strings.Contains(d.screen(), "newest") {
		t.Errorf("flags pane:\n%s", d.screen())
	}
}
