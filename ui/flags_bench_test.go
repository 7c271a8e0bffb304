package ui

import "testing"

// BenchmarkFlagsRefresh is the background recount behind the flags pane:
// flag counts from the aggregate plus pairing every buffered record into
// conversations (a pass over the buffer, paced by its own cost).
func BenchmarkFlagsRefresh1K(b *testing.B) { benchFlagsRefresh(b, 1_000) }
func BenchmarkFlagsRefresh1M(b *testing.B) { benchFlagsRefresh(b, 1_000_000) }

func benchFlagsRefresh(b *testing.B, n int) {
	p := triagePane(b, n, newFlagsPane).(*flagsPane)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.rc.busy = false
		p.refresh(true)()
	}
}
