package ui

import (
	"sync/atomic"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// abandonAfter is a filter that moves the count's generation on after
// its nth match call, as the next keystroke in the filter bar does, and
// counts the calls made.
type abandonAfter struct {
	n     int
	calls int
	gen   *atomic.Uint64
}

func (a *abandonAfter) Match(*model.Flow, *model.Ext) bool {
	if a.calls++; a.calls == a.n {
		a.gen.Add(1)
	}
	return true
}

// TestCountAbandonedPromptly: each keystroke in the filter bar starts a
// count and abandons the one before. An abandoned count must stop within
// a small number of records, not finish its chunk: a pasted or fast-typed
// filter of thousands of characters over a full buffer otherwise queues
// thousands of chunk-long counts (16,384 records each), and the terminal
// stops answering for minutes.
func TestCountAbandonedPromptly(t *testing.T) {
	s := bulkStore(t, 3*filterChunk)
	gen := newGen()
	flt := &abandonAfter{n: 10, gen: gen}
	if _, ok := countMatches(s, flt, gen.Load(), gen); ok {
		t.Fatal("the count finished though its generation moved on")
	}
	if flt.calls > 2*countCheckEvery {
		t.Fatalf("an abandoned count matched %d records after it was abandoned at the 10th, want at most %d",
			flt.calls, 2*countCheckEvery)
	}
}
