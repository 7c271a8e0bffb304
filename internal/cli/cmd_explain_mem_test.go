package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// explain's memory follows the reversed-record window, not the input: a
// capture of many distinct flows is explained in flat memory.
func TestExplainMemoryBoundedByLookback(t *testing.T) {
	n := 250_000
	if testing.Short() {
		n = 100_000
	}
	path := filepath.Join(t.TempDir(), "many.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "2 123456789010 eni-0aaa1111111111111 10.%d.%d.%d 10.0.1.10 %d 443 6 1 40 1620000000 1620000060 ACCEPT OK\n",
			i>>16&255, i>>8&255, i&255, 1024+i%60000)
	}
	w.Flush()
	f.Close()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	var errb strings.Builder
	code := run(context.Background(), []string{"explain", "--rules", demoRulesDir, path}, stdio{strings.NewReader(""), io.Discard, &errb})
	close(stop)
	<-done
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	grew := int64(peak.Load()) - int64(base)
	t.Logf("%d distinct flows: peak heap %d MiB above the start", n, grew>>20)
	if grew > 48<<20 {
		t.Errorf("explain held %d MiB for %d records", grew>>20, n)
	}
}
