package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
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

// While files load the footer shows how far (bytes of size, records,
// rate, time left), and says when it is done.
func TestLoadingProgressAndDone(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			cfg := fixtureConfig(fixtureStore(t))
			now := fixedNow
			cfg.Now = func() time.Time { return now }
			h := Health{Source: "big.log", Mode: "file", Size: 4_000_000}
			cfg.Health = func() []Health { return []Health{h} }
			d := newDriver(t, cfg, size[0], size[1])
			d.refresh()
			for _, read := range []int64{1_000_000, 2_000_000} {
				now = now.Add(time.Second)
				h.Read = read
				d.refresh()
			}
			foot := d.footerLine()
			for _, want := range []string{"loading 2.0 MB of 4.0 MB (50%)", "9 records"} {
				if !strings.Contains(foot, want) {
					t.Errorf("footer %q lacks %q", foot, want)
				}
			}
			if size[0] >= 120 && !strings.Contains(foot, "s left") {
				t.Errorf("footer %q lacks the time left", foot)
			}
			now = now.Add(time.Second)
			h.Read, h.Loaded = 4_000_000, true
			d.refresh()
			if foot := d.footerLine(); !strings.Contains(foot, "done: read 4.0 MB, 9 records") {
				t.Errorf("footer after loading: %q", foot)
			}
		})
	}
}

// Following a file that is not there yet: the footer says what it waits for.
func TestWaitingForAFileIsShown(t *testing.T) {
	cfg := fixtureConfig(model.NewStore(10))
	cfg.Health = func() []Health { return []Health{{Source: "later.log", Mode: "follow", Waiting: "/var/log/later.log"}} }
	d := newDriver(t, cfg, 80, 24)
	d.refresh()
	if foot := d.footerLine(); !strings.Contains(foot, "waiting for /var/log/later.log to appear") {
		t.Errorf("footer %q", foot)
	}
}
