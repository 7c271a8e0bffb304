package wide

import (
	"math"
	"testing"
)

func TestAddCapped(t *testing.T) {
	for _, c := range []struct{ a, b, want uint64 }{
		{1, 2, 3},
		{math.MaxUint64, 0, math.MaxUint64},
		{math.MaxUint64, 1, math.MaxUint64},
		{math.MaxUint64 - 1, 1, math.MaxUint64},
		{1 << 63, 1 << 63, math.MaxUint64},
	} {
		if got := AddCapped(c.a, c.b); got != c.want {
			t.Errorf("AddCapped(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
