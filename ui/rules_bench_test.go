package ui

import (
	"testing"

	"github.com/flowtail/flowtail/model/rules"
)

// benchRulesRefresh measures what the rules pane does on each tick while
// shown: read the selected record, look back for its reversed record,
// evaluate it and render every line; then draw a frame. The cost must
// not follow the buffer size (the look-back is bounded).
func benchRulesRefresh(b *testing.B, n int) {
	s := storeOf(b, n)
	snap := rules.NewSnapshot()
	sh := &Shared{Store: s, Styles: NewStyles(Theme{Dark: true}), Keys: DefaultKeymap(),
		Rules: &staticRules{snap: snap}, Selected: func() (uint64, bool) { return uint64(n - 1), true }}
	p := newRulesPane(sh).(*rulesPane)
	p.SetSize(120, 37)
	p.Update(RefreshMsg{})
	p.Update(rulesLoadedMsg{pane: p, iface: p.pkt.Interface, snap: snap})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.Update(RefreshMsg{})
		if len(p.View()) == 0 {
			b.Fatal("empty frame")
		}
	}
}

func BenchmarkRulesRefresh1K(b *testing.B) { benchRulesRefresh(b, 1_000) }
func BenchmarkRulesRefresh1M(b *testing.B) { benchRulesRefresh(b, 1_000_000) }
