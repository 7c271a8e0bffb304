package cloudwatch

import "testing"

func TestSeenMergesPathsAsMultisets(t *testing.T) {
	s := newSeen(1000)
	// An event delivered live, then found by a repair: once.
	if !s.live(0, "eni-1", 1000, "a") || s.filtered(0, "eni-1", 1000, "a", "id-a") {
		t.Fatal("live then filtered must deliver once")
	}
	// The same repair again: nothing new.
	if s.filtered(0, "eni-1", 1000, "a", "id-a") {
		t.Fatal("a repeated eventId must be suppressed")
	}
	// Two genuinely identical records (different eventIds) both arrive,
	// whichever path sees them first.
	if !s.filtered(0, "eni-1", 2000, "b", "id-b1") || !s.filtered(0, "eni-1", 2000, "b", "id-b2") {
		t.Fatal("identical records with distinct eventIds must both be delivered")
	}
	if s.live(0, "eni-1", 2000, "b") || s.live(0, "eni-1", 2000, "b") || !s.live(0, "eni-1", 2000, "b") {
		t.Fatal("live copies beyond the two already delivered must be new")
	}
	// The same line in another group or stream is another event.
	if !s.live(1, "eni-1", 1000, "a") || !s.live(0, "eni-2", 1000, "a") {
		t.Fatal("group and stream are part of an event's identity")
	}
}

func TestSeenForgetsBehindTheWindowAndStaysBounded(t *testing.T) {
	s := newSeen(50)
	for ts := int64(0); ts < 100_000; ts += 1000 {
		s.live(0, "eni-1", ts, "x")
	}
	s.forget(60_000)
	if s.entries != 40 || s.overflow {
		t.Fatalf("entries %d overflow %v after forgetting before 60s", s.entries, s.overflow)
	}
	if !s.live(0, "eni-1", 10_000, "x") {
		t.Fatal("a forgotten event is new again")
	}
	for ts := int64(100_000); ts < 200_000; ts += 1000 {
		s.live(0, "eni-1", ts, "x")
	}
	s.forget(0)
	if s.entries > 50 || !s.overflow {
		t.Fatalf("entries %d overflow %v: the bound must hold and be reported", s.entries, s.overflow)
	}
}

func BenchmarkSeenLive(b *testing.B) {
	s := newSeen(1 << 22)
	msg := "2 123456789012 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 49152 6 10 840 1767300000 1767300060 ACCEPT OK"
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.live(0, "eni-0a1b2c3d", int64(i), msg)
		if i%100_000 == 0 {
			s.forget(int64(i) - 60_000)
		}
	}
}
