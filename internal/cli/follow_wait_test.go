package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Following a file that does not exist yet waits for it, as tail -F does,
// and says so on stderr instead of sitting silent (a mistyped name would
// otherwise look like a capture with nothing new in it).
func TestFollowSaysItWaitsForAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "later\x1b[31m.log")
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() { done <- run(ctx, []string{"cat", "-f", path}, stdio{strings.NewReader(""), out, errb}) }()

	wait := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); {
			if time.Now().After(deadline) {
				t.Fatalf("%s: stdout %q, stderr %q", what, out.String(), errb.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	safe := strings.ReplaceAll(path, "\x1b", "?")
	wait("no waiting notice", func() bool {
		return strings.Contains(errb.String(), "flowtail cat: "+filepath.Base(safe)+": waiting for "+safe+" to appear\n")
	})
	if err := os.WriteFile(path, []byte(catSSH+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("the record was not printed", func() bool { return strings.Contains(out.String(), "172.31.16.139") })
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	if n := strings.Count(errb.String(), "waiting for"); n != 1 {
		t.Errorf("the notice was printed %d times: %q", n, errb.String())
	}
}
