package cli

import "testing"

// TestHeapLimit: a million records get a limit near what they keep (far
// under the twice-the-ring GOGC would allow), and a heap larger than that
// (records with many fields) lifts it to a margin above what is live.
func TestHeapLimit(t *testing.T) {
	floor := memoryFloor(1_000_000)
	if floor < 85<<20 || floor > 100<<20 {
		t.Fatalf("floor for a million records = %d MiB", floor>>20)
	}
	if got := heapLimit(floor, 70<<20, 8<<20); got != floor {
		t.Fatalf("heap under the floor: limit %d, want the floor %d", got, floor)
	}
	if got, want := heapLimit(floor, 400<<20, 8<<20), int64(400<<20+25<<20+8<<20); got != want {
		t.Fatalf("heap of 400 MiB: limit %d MiB, want %d MiB", got>>20, want>>20)
	}
}
