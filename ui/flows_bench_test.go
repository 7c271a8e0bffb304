package ui

import (
	"sync/atomic"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// benchFlowsView measures one frame of the flows pane over a store of n
// records: rendering must follow the visible rows, not the buffer size.
func benchFlowsView(b *testing.B, s *model.Store, filtered bool) {
	sh := &Shared{Store: s, Styles: NewStyles(Theme{Dark: true}), Keys: DefaultKeymap()}
	sh.Loc = sh.Zone()
	p := newFlowsPane(sh).(*flowsPane)
	p.SetSize(120, 37)
	if filtered {
		sh.Filter, _, _ = PlainTextFilter("reject", s.Names())
		msg := scanCmd(s, sh.Filter, 0, new(atomic.Uint64), 0, false)().(filterDoneMsg)
		sh.Matches = &MatchSet{Seqs: msg.seqs, Next: msg.next}
	}
	p.follow = false
	p.cursorSeq, p.topSeq = uint64(s.Len()/2), uint64(s.Len()/2+10) // mid-buffer, not following
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(p.View()) == 0 {
			b.Fatal("empty frame")
		}
	}
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

// BenchmarkFilterScan1M is the background re-filter of a full buffer.
func BenchmarkFilterScan1M(b *testing.B) {
	s := storeOf(b, 1_000_000)
	flt, _, _ := PlainTextFilter("reject 443", s.Names())
	b.ReportAllocs()
	for b.Loop() {
		scanCmd(s, flt, 0, new(atomic.Uint64), 0, false)()
	}
}
