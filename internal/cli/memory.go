package cli

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"
	"unsafe"

	"github.com/flowtail/flowtail/model"
)

// ringBytes is what a ring of n records takes.
func ringBytes(n int) float64 { return float64(n) * float64(unsafe.Sizeof(model.Flow{})) }

// physicalMemory is the machine's memory in bytes, or 0 when unknown.
func physicalMemory() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("MemTotal:")); ok {
			kb, err := strconv.ParseFloat(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// maxBuffer is the largest --buffer the machine can hold: the ring alone
// must fit in its memory (and in the address space where that is unknown).
func maxBuffer(mem float64) int {
	if mem <= 0 {
		mem = math.MaxInt / 2
	}
	return int(min(mem/ringBytes(1), math.MaxInt/2))
}

// perRecordBytes is what the TUI keeps per buffered record with every pane
// visited: the ring's 56-byte Flow plus the live conversations (15 B) and
// the interface aggregate's port counts (about 4 B). Its peer table grows
// with the distinct peers, a few percent of the records; where they are
// many, the limit follows the live heap (heapLimit).
const perRecordBytes = 80

// memoryFloor is the TUI's memory limit for a ring of n records: what a
// full ring and its observers take plus room for the runtime and garbage.
func memoryFloor(n int) int64 {
	return int64(n)*perRecordBytes + 16<<20
}

// heapLimit is the limit for a live heap (and other runtime memory) of
// the given sizes: the floor, or a little above what is live when records
// with many fields make it larger, so the collector never runs back to
// back.
func heapLimit(floor int64, live, other uint64) int64 {
	return max(floor, int64(live+max(live/16, 8<<20)+other))
}

// boundMemory holds the TUI's memory near what it keeps. Left to GOGC the
// heap would grow to twice the ring before collecting and keep the pages
// after; the ring is pointer-free, so collecting more often costs little.
// A GOMEMLIMIT the user sets wins.
func boundMemory(ctx context.Context, n int) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	floor := memoryFloor(n)
	debug.SetMemoryLimit(floor)
	samples := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(samples)
		v := func(i int) uint64 { return samples[i].Value.Uint64() }
		other := v(1) - v(2) - v(3) - v(4) - v(5) // stacks, runtime metadata
		debug.SetMemoryLimit(heapLimit(floor, v(0), other))
	}
}
