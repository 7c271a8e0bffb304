package s3

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// progress counts what the source has done; workers update it as they go.
type progress struct {
	begin      time.Time
	lists      atomic.Int64 // ListObjectsV2 calls
	pruned     atomic.Int64 // files listed but outside the time span by name
	objects    atomic.Int64 // objects to read
	totalBytes atomic.Int64
	read       atomic.Int64 // objects read whole
	failed     atomic.Int64 // objects skipped as unreadable
	bytes      atomic.Int64 // object bytes received
	lines      atomic.Int64 // lines handed on (records and header lines)
	dropped    atomic.Int64 // records outside [since, until], dropped
	throttled  atomic.Int64 // calls retried after throttling or a dropped connection
	newestUnix atomic.Int64 // the newest file stamp read
	listed     atomic.Bool  // the first listing is complete: the totals are known
	done       atomic.Bool
}

func (p *progress) newest(t time.Time) {
	if t.IsZero() {
		return
	}
	for {
		cur := p.newestUnix.Load()
		if t.Unix() <= cur || p.newestUnix.CompareAndSwap(cur, t.Unix()) {
			return
		}
	}
}

// Progress is a snapshot of what an S3 source has listed and read.
type Progress struct {
	Objects, Read, Failed int64 // objects to read, read, skipped as unreadable
	Bytes, TotalBytes     int64
	Lines, Dropped        int64 // lines handed on, records outside the window
	Lists, Pruned         int64 // LIST calls, files skipped by name
	Retries               int64
	Listed, Done          bool // listing complete; reading complete
	Elapsed               time.Duration
	RecordRate            float64       // lines per second
	Left                  time.Duration // estimated time to go; 0 when unknown
	Newest                time.Time     // the stamp of the newest file read
}

// Progress reports what has been done so far.
func (s *Source) Progress() Progress {
	p := &s.prog
	out := Progress{
		Objects: p.objects.Load(), Read: p.read.Load(), Failed: p.failed.Load(),
		Bytes: p.bytes.Load(), TotalBytes: p.totalBytes.Load(),
		Lines: p.lines.Load(), Dropped: p.dropped.Load(),
		Lists: p.lists.Load(), Pruned: p.pruned.Load(), Retries: p.throttled.Load(),
		Listed: p.listed.Load(), Done: p.done.Load(),
		Elapsed: s.cfg.Now().Sub(p.begin),
	}
	if n := p.newestUnix.Load(); n > 0 {
		out.Newest = time.Unix(n, 0)
	}
	if secs := out.Elapsed.Seconds(); secs > 0 {
		out.RecordRate = float64(out.Lines) / secs
		if out.Listed && out.Bytes > 0 && out.TotalBytes > out.Bytes {
			out.Left = time.Duration(float64(out.TotalBytes-out.Bytes) / (float64(out.Bytes) / secs) * float64(time.Second))
		}
	}
	return out
}

// String is the one-line progress the status bar and stderr show:
// "s3 12/200 objects (3 skipped), 45.0 MiB of 300.0 MiB, 1.2M lines,
// 310k lines/s, ~20s left".
func (p Progress) String() string {
	var b strings.Builder
	b.WriteString("s3 ")
	total := fmt.Sprint(p.Objects)
	if !p.Listed {
		total += "+" // still listing
	}
	fmt.Fprintf(&b, "%d/%s objects", p.Read, total)
	if p.Failed > 0 {
		fmt.Fprintf(&b, " (%d skipped)", p.Failed)
	}
	b.WriteString(", ")
	b.WriteString(humanBytes(p.Bytes))
	if p.Listed && p.TotalBytes > 0 {
		b.WriteString(" of " + humanBytes(p.TotalBytes))
	}
	fmt.Fprintf(&b, ", %d lines", p.Lines)
	if p.Dropped > 0 {
		fmt.Fprintf(&b, " (%d outside the time window)", p.Dropped)
	}
	if p.RecordRate > 0 && !p.Done {
		fmt.Fprintf(&b, ", %.0f lines/s", p.RecordRate)
	}
	switch {
	case p.Done:
		fmt.Fprintf(&b, ", done in %s", p.Elapsed.Round(100*time.Millisecond))
	case p.Left > 0:
		fmt.Fprintf(&b, ", ~%s left", p.Left.Round(time.Second))
	}
	return b.String()
}
