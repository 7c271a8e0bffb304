package aggregate

import (
	"math/rand/v2"
	"testing"
)

// TestPortCountsFollowAMap adds and takes away flows at random, in the
// mixes an interface sees (a few service ports; most ephemeral ports),
// and checks every count against a plain map after each step.
func TestPortCountsFollowAMap(t *testing.T) {
	for _, spread := range []int{8, 300, 5000, 65536} {
		rng := rand.New(rand.NewPCG(uint64(spread), 7))
		var c portCounts
		want := map[uint16]uint32{}
		var live []uint16 // ports added and not yet taken away
		for step := range 200_000 {
			if len(live) > 0 && rng.IntN(100) < 45 {
				i := rng.IntN(len(live))
				p := live[i]
				live[i] = live[len(live)-1]
				live = live[:len(live)-1]
				c.add(p, -1)
				if want[p]--; want[p] == 0 {
					delete(want, p)
				}
			} else {
				p := uint16(rng.IntN(spread))
				live = append(live, p)
				c.add(p, 1)
				want[p]++
			}
			if step%997 == 0 || step > 199_000 {
				check(t, &c, want)
			}
		}
		for _, p := range live { // the ring empties
			c.add(p, -1)
		}
		if c.Len() != 0 {
			t.Fatalf("spread %d: %d ports left after every flow was taken away", spread, c.Len())
		}
		for p, n := range c.all() {
			t.Fatalf("spread %d: port %d still counts %d", spread, p, n)
		}
	}
}

func check(t *testing.T, c *portCounts, want map[uint16]uint32) {
	t.Helper()
	if c.Len() != len(want) {
		t.Fatalf("%d ports counted, want %d", c.Len(), len(want))
	}
	seen := 0
	for p, n := range c.all() {
		if want[p] != n {
			t.Fatalf("port %d counts %d, want %d", p, n, want[p])
		}
		seen++
	}
	if seen != len(want) {
		t.Fatalf("%d ports listed, want %d", seen, len(want))
	}
}

// TestPortCountsIgnoreUncounted: taking away a port never counted (a
// record the aggregate did not see) changes nothing.
func TestPortCountsIgnoreUncounted(t *testing.T) {
	var c portCounts
	c.add(443, -1)
	c.add(443, 1)
	c.add(80, -1)
	if c.Len() != 1 {
		t.Fatalf("%d ports, want 1", c.Len())
	}
	for p, n := range c.all() {
		if p != 443 || n != 1 {
			t.Fatalf("port %d counts %d, want 443 once", p, n)
		}
	}
}

func BenchmarkPortCounts(b *testing.B) {
	ports := make([]uint16, 1<<16)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range ports {
		if rng.IntN(2) == 0 {
			ports[i] = []uint16{443, 80, 22, 5432}[rng.IntN(4)]
		} else {
			ports[i] = uint16(1024 + rng.IntN(64512))
		}
	}
	var c portCounts
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.add(ports[i&0xffff], 1)
		c.add(ports[(i-30000)&0xffff], -1)
		i++
	}
}
