package ui

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

var triageStores = map[int]*model.Store{}

// triageBenchStore is a full store of n generated records over the same
// shape whatever n: 16 interfaces, three hours, the same ports and
// verdict mix, so the sizes differ only in how many records are buffered.
// Built once per size.
func triageBenchStore(b *testing.B, n int) *model.Store {
	if s, ok := triageStores[n]; ok {
		return s
	}
	s := model.NewStore(n)
	liveAggregate(s) // attached before ingest, as in the program
	p := model.NewParser(model.MustParseFormat(flagsFormat), s.Names())
	var f model.Flow
	var x model.Ext
	ports := []int{443, 22, 5432, 80, 53, 3389, 6379, 8080}
	flags := []string{"2", "18", "3", "19", "1", "0", "4", "-"}
	const span = 3 * 3600
	for done := 0; done < n; {
		s.Append(func(a model.Appender) {
			for i := 0; i < 10000 && done < n; i++ {
				start := 1700000000 + done*span/n
				line := fmt.Sprintf("3 eni-0a1b2c3d4e5f6%04d 10.0.%d.%d 10.1.0.%d %d %d 6 %d %d %d %d %s %s OK",
					done%16, done%200, done%250, done%100, 1024+done%60000, ports[done%len(ports)], 1+done%90, 40+done%100000,
					start, start+60, []string{"ACCEPT", "REJECT"}[done%7/6], flags[done%len(flags)])
				if err := p.Parse([]byte(line), &f, &x); err != nil {
					b.Fatal(err)
				}
				a.Add(&f, &x)
				done++
			}
		})
	}
	triageStores[n] = s
	return s
}

// triagePane builds a pane over a store of n records at 120×37 (a 120×40
// terminal) and loads its data the way a refresh tick does.
func triagePane(b *testing.B, n int, build func(*Shared) Pane, keys ...string) Pane {
	s := triageBenchStore(b, n)
	sh := &Shared{Store: s, Styles: NewStyles(Theme{Dark: true}), Keys: DefaultKeymap()}
	sh.Loc = sh.Zone()
	sh.Now = func() time.Time { return fixedNow }
	p := build(sh)
	p.SetSize(120, 37)
	settle(p, RefreshMsg{})
	for _, k := range keys {
		settle(p, keyPress(k))
	}
	return p
}

// settle delivers msg and then the results of the commands it starts.
func settle(p Pane, msg tea.Msg) {
	for msg != nil {
		var cmd tea.Cmd
		p, cmd = p.Update(msg)
		msg = nil
		if cmd != nil {
			msg = cmd()
		}
	}
}

// benchView measures one frame: it must follow the visible rows, not the
// buffer (the 1M figure within 1.2× of the 1K one).
func benchView(b *testing.B, p Pane) {
	runtime.GC() // not the garbage of building the store
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(p.View()) == 0 {
			b.Fatal("empty frame")
		}
	}
}

func BenchmarkInterfacesView1K(b *testing.B) {
	benchView(b, triagePane(b, 1_000, newInterfacesPane))
}
func BenchmarkInterfacesView1M(b *testing.B) {
	benchView(b, triagePane(b, 1_000_000, newInterfacesPane))
}
func BenchmarkFlagsView1K(b *testing.B) { benchView(b, triagePane(b, 1_000, newFlagsPane)) }
func BenchmarkFlagsView1M(b *testing.B) { benchView(b, triagePane(b, 1_000_000, newFlagsPane)) }
func BenchmarkConversationsView1K(b *testing.B) {
	benchView(b, triagePane(b, 1_000, newFlagsPane, "c"))
}
func BenchmarkConversationsView1M(b *testing.B) {
	benchView(b, triagePane(b, 1_000_000, newFlagsPane, "c"))
}

// BenchmarkInterfacesRefresh is the background work behind one refresh of
// the unfiltered interfaces pane: a snapshot of the incremental
// aggregate, proportional to interfaces, ports and time buckets.
func BenchmarkInterfacesRefresh1K(b *testing.B) { benchRefresh(b, 1_000) }
func BenchmarkInterfacesRefresh1M(b *testing.B) { benchRefresh(b, 1_000_000) }

func benchRefresh(b *testing.B, n int) {
	p := triagePane(b, n, newInterfacesPane).(*interfacesPane)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.rc.busy, p.rc.pace = false, throttle{}
		p.refresh()()
	}
}
