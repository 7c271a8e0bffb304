package ui

import (
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// benchFlowsView measures one frame of the flows pane over a store of n
// records: rendering must follow the visible rows, not the buffer size.
func benchFlowsView(b *testing.B, s *model.Store, filtered bool) {
	p := benchPane(b, s, filtered)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(p.View()) == 0 {
			b.Fatal("empty frame")
		}
	}
}

// benchPane is a flows pane at 120×37 over s, cursor mid-buffer.
func benchPane(b *testing.B, s *model.Store, filtered bool) *flowsPane {
	sh := &Shared{Store: s, Styles: NewStyles(Theme{Dark: true}), Keys: DefaultKeymap()}
	sh.Loc = sh.Zone()
	p := newFlowsPane(sh).(*flowsPane)
	p.SetSize(120, 37)
	if filtered {
		sh.Filter, _, _ = QueryFilter("reject", s.Names())
		msg := scanCmd(s, sh.Filter, 0, new(atomic.Uint64), 0, false)().(filterDoneMsg)
		sh.Matches = &MatchSet{Seqs: msg.seqs, Next: msg.next}
	}
	p.follow = false
	p.cursorSeq, p.topSeq = uint64(s.Len()/2), uint64(s.Len()/2+10) // mid-buffer, not following
	return p
}

// BenchmarkFlowsViewRatio draws frames over 1k and 1M records alternately,
// so load from other processes hits both alike, and reports the ratio of
// the two frame costs (target: at most 1.2).
func BenchmarkFlowsViewRatio(b *testing.B) {
	small, large := benchPane(b, storeOf(b, 1_000), false), benchPane(b, storeOf(b, 1_000_000), false)
	var tSmall, tLarge time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		small.View()
		t1 := time.Now()
		large.View()
		tSmall += t1.Sub(t0)
		tLarge += time.Since(t1)
	}
	b.ReportMetric(float64(tSmall.Nanoseconds())/float64(b.N), "ns/frame-1k")
	b.ReportMetric(float64(tLarge.Nanoseconds())/float64(b.N), "ns/frame-1M")
	b.ReportMetric(float64(tLarge)/float64(tSmall), "ratio")
}

var benchStores = map[int]*model.Store{}

func storeOf(b *testing.B, n int) *model.Store {
	if s, ok := benchStores[n]; ok {
		return s
	}
	s := bulkStore(b, n)
	benchStores[n] = s
	return s
}

func BenchmarkFlowsView1K(b *testing.B)         { benchFlowsView(b, storeOf(b, 1_000), false) }
func BenchmarkFlowsView1M(b *testing.B)         { benchFlowsView(b, storeOf(b, 1_000_000), false) }
func BenchmarkFlowsViewFiltered1K(b *testing.B) { benchFlowsView(b, storeOf(b, 1_000), true) }
func BenchmarkFlowsViewFiltered1M(b *testing.B) { benchFlowsView(b, storeOf(b, 1_000_000), true) }

// BenchmarkFilterScan1M is the background re-filter of a full buffer, for
// each kind of bare word: none may allocate per record (the scan's result
// slice grows, a few dozen allocations in all).
func BenchmarkFilterScan1M(b *testing.B) {
	s := storeOf(b, 1_000_000)
	for _, text := range []string{"reject 443", "10.0.2.21", "10.0.0.0/16 https", "5f60007", "~rjct", `action = "REJECT" and dstport = 443`} {
		b.Run(text, func(b *testing.B) {
			flt, _, err := QueryFilter(text, s.Names())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				scanCmd(s, flt, 0, new(atomic.Uint64), 0, false)()
			}
		})
	}
}

// BenchmarkRootView1M is a whole screen (tab bar, flows pane, status bar,
// footer) over a million records, as the program draws it after a change.
func BenchmarkRootView1M(b *testing.B) {
	m := newRoot(Config{Store: storeOf(b, 1_000_000), Sources: []string{"capture.log.gz"}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.frame = ""
		if len(m.View().Content) == 0 {
			b.Fatal("empty frame")
		}
	}
}

// BenchmarkDetailOpen1M builds the detail view of a record in a full
// million-record buffer: the reverse-record search is bounded, so this
// does not grow with the buffer.
func BenchmarkDetailOpen1M(b *testing.B) {
	s := storeOf(b, 1_000_000)
	sh := &Shared{Store: s, Styles: NewStyles(Theme{Dark: true}), Keys: DefaultKeymap(), Loc: time.UTC}
	b.ReportAllocs()
	for b.Loop() {
		d := newDetail(sh, 500_000, 120, 37)
		if len(d.lines) == 0 {
			b.Fatal("empty detail")
		}
	}
}
