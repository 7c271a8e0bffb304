package cli

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An interrupt that cuts a read short must not pass for a whole answer: the
// status is 130 and stderr says the output is partial. A followed read ends
// by interrupt as its normal end.
func TestInterruptedReadIsNotAWholeAnswer(t *testing.T) {
	for _, cmd := range [][]string{
		{"query", "stats count(*)", "-"},
		{"query", "fields srcaddr", "-"},
		{"cat", "-"},
		{"explain", "--rules", demoRulesDir, "-"},
	} {
		t.Run(cmd[0]+" "+cmd[1], func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() {
				// Records, then silence: the read waits for more until interrupted.
				io.WriteString(pw, strings.Join(queryLines[:4], "\n")+"\n")
			}()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			var o, e bytes.Buffer
			code := run(ctx, cmd, stdio{pr, &o, &e})
			if code != exitInterrupted {
				t.Fatalf("exit %d, want %d; stderr %q", code, exitInterrupted, e.String())
			}
			if !strings.Contains(e.String(), "interrupted after ") || !strings.Contains(e.String(), "the output covers only those") {
				t.Errorf("stderr does not say the output is partial: %q", e.String())
			}
		})
	}
	t.Run("follow", func(t *testing.T) {
		path := writeQueryCapture(t, t.TempDir(), "flows.log", queryLines[:4])
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		var o, e bytes.Buffer
		code := run(ctx, []string{"cat", "--follow", filepath.Clean(path)}, stdio{strings.NewReader(""), &o, &e})
		if code != exitOK || strings.Contains(e.String(), "interrupted") {
			t.Fatalf("a followed read ended by interrupt: exit %d, stderr %q", code, e.String())
		}
		if got := strings.Count(o.String(), "\n"); got != 5 { // the header and four records
			t.Errorf("cat --follow printed %d lines before the interrupt, want 5:\n%s", got, o.String())
		}
	})
}
