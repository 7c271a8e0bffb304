package file

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

// manyFollowed follows a directory of n plain files, each with one line,
// then appends a second line to each; it fails unless every line arrives
// exactly once. It returns the heap the source held after the first read.
func manyFollowed(t *testing.T, n int, opt Options) uint64 {
	dir := t.TempDir()
	for i := range n {
		write(t, filepath.Join(dir, fmt.Sprintf("f%05d.log", i)), []byte(fmt.Sprintf("first %d\n", i)))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opt.Follow, opt.Poll = true, 5*time.Millisecond
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	go func() {
		done <- New([]string{dir}, opt).Run(ctx, func(b model.Batch) {
			mu.Lock()
			for _, ev := range b.Events {
				seen[fmt.Sprintf("%s:%d:%s", filepath.Base(ev.Origin), ev.LineNo, ev.Line)]++
			}
			mu.Unlock()
		})
	}()
	wait := func(want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for count() < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := count(); got != want {
			t.Fatalf("%d distinct lines, want %d", got, want)
		}
	}
	wait(n)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	for i := range n {
		appendTo(t, filepath.Join(dir, fmt.Sprintf("f%05d.log", i)), fmt.Sprintf("second %d\n", i))
	}
	wait(2 * n)
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
	for i := range n {
		for no, text := range []string{"first", "second"} {
			key := fmt.Sprintf("f%05d.log:%d:%s %d", i, no+1, text, i)
			if seen[key] != 1 {
				t.Fatalf("%s seen %d times", key, seen[key])
			}
		}
	}
	return after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
}

// Following a directory of many files holds no buffer per file and only
// the descriptors of files that grow, up to a cap, and loses nothing.
func TestFollowManyFilesSharesBuffers(t *testing.T) {
	heap := manyFollowed(t, 400, Options{MaxOpen: 8})
	t.Logf("400 followed files: heap %d KiB", heap>>10)
	if heap > 24<<20 {
		t.Fatalf("400 followed files hold %d MiB", heap>>20)
	}
}

// Under a low descriptor limit (set in a child process, as `ulimit -n`
// would) every line of 300 followed files arrives exactly once.
func TestFollowUnderLowDescriptorLimit(t *testing.T) {
	if os.Getenv("FLOWTAIL_LOW_NOFILE") == "1" {
		lim := syscall.Rlimit{Cur: 40, Max: 40}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Skip("cannot lower the descriptor limit:", err)
		}
		manyFollowed(t, 300, Options{})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFollowUnderLowDescriptorLimit$", "-test.v")
	cmd.Env = append(os.Environ(), "FLOWTAIL_LOW_NOFILE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
