package aggregate

import (
	"iter"
	"math/bits"
)

// portCounts counts an interface's flows by destination port. Every record
// entering or leaving the ring passes through it, on the one goroutine
// that appends, so it must cost a few nanoseconds: a small open-addressed
// table while few ports are seen, and a direct array of all 65,536 ports
// once a busy interface has seen thousands (replies to clients land on
// most ephemeral ports), where the array is also the smaller of the two.
type portCounts struct {
	slots []uint64 // port<<32 | count; count 0 is an empty slot
	dense []uint32 // count by port, once the table would outgrow it
	used  int      // ports counted non-zero
}

const (
	firstPortSlots = 16
	// densePortSlots is the table size at which the array takes over:
	// 32,768 slots of 8 bytes weigh as much as 65,536 counts of 4.
	densePortSlots = 1 << 15
)

// Len is how many ports have a non-zero count.
func (c *portCounts) Len() int { return c.used }

// add counts a flow to port (d = 1) or takes one away (d = -1); a port
// whose count reaches zero is forgotten, so the counts follow the ring.
func (c *portCounts) add(port uint16, d int) {
	if c.dense != nil {
		n := c.dense[port]
		switch {
		case d > 0:
			if n == 0 {
				c.used++
			}
			c.dense[port] = n + 1
		case n > 0:
			if n == 1 {
				c.used--
			}
			c.dense[port] = n - 1
		}
		return
	}
	if d > 0 {
		c.increment(port)
	} else {
		c.decrement(port)
	}
}

func (c *portCounts) home(port uint16) int {
	// Fibonacci hashing: the top bits of the product spread nearby ports.
	return int(uint32(port) * 0x9E3779B1 >> (32 - bits.TrailingZeros(uint(len(c.slots)))))
}

func (c *portCounts) increment(port uint16) {
	if (c.used+1)*4 > len(c.slots)*3 {
		c.grow()
		if c.dense != nil {
			c.add(port, 1)
			return
		}
	}
	mask := len(c.slots) - 1
	for i := c.home(port); ; i = (i + 1) & mask {
		s := c.slots[i]
		if s == 0 {
			c.slots[i] = uint64(port)<<32 | 1
			c.used++
			return
		}
		if uint16(s>>32) == port {
			c.slots[i] = s + 1
			return
		}
	}
}

func (c *portCounts) decrement(port uint16) {
	if len(c.slots) == 0 {
		return
	}
	mask := len(c.slots) - 1
	i := c.home(port)
	for ; ; i = (i + 1) & mask {
		s := c.slots[i]
		if s == 0 {
			return // not counted
		}
		if uint16(s>>32) == port {
			if uint32(s) > 1 {
				c.slots[i] = s - 1
				return
			}
			break
		}
	}
	// The count reaches zero: empty the slot, shifting back the entries
	// after it that probed past it, so no probe stops short of its key.
	c.used--
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		s := c.slots[j]
		if s == 0 {
			break
		}
		h := c.home(uint16(s >> 32))
		// The entry at j may move to i unless its home lies cyclically
		// in (i, j].
		if (i <= j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			c.slots[i] = s
			i = j
		}
	}
	c.slots[i] = 0
}

// grow doubles the table, or turns it into the direct array.
func (c *portCounts) grow() {
	old := c.slots
	size := max(2*len(old), firstPortSlots)
	if size >= densePortSlots {
		c.dense = make([]uint32, 1<<16)
		for _, s := range old {
			if s != 0 {
				c.dense[uint16(s>>32)] = uint32(s)
			}
		}
		c.slots = nil
		return
	}
	c.slots = make([]uint64, size)
	mask := size - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := c.home(uint16(s >> 32))
		for c.slots[i] != 0 {
			i = (i + 1) & mask
		}
		c.slots[i] = s
	}
}

// all yields every port with a non-zero count, in no particular order.
func (c *portCounts) all() iter.Seq2[uint16, uint32] {
	return func(yield func(uint16, uint32) bool) {
		if c.dense != nil {
			for p, n := range c.dense {
				if n != 0 && !yield(uint16(p), n) {
					return
				}
			}
			return
		}
		for _, s := range c.slots {
			if s != 0 && !yield(uint16(s>>32), uint32(s)) {
				return
			}
		}
	}
}
