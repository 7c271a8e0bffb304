package cli

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"strconv"
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
