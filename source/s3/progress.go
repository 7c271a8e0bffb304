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
	listFailed atomic.Int64 // locations that could not be listed
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
	Locations, ListFailed int64 // locations given, those that could not be listed
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
		Locations: int64(len(s.cfg.Locations)), ListFailed: p.listFailed.Load(),
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
// 310k lines/s, ~20s left". Once reading has ended it says how: "done in
// 4s" only when every location was listed and every object read; else
// what failed ("3 of 200 objects failed", "listing failed") or that it
// stopped before the end (interrupted, or a query had what it needed).
func (p Progress) String() string {
	var b strings.Builder
	b.WriteString("s3 ")
	total := fmt.Sprint(p.Objects)
	if !p.Listed {
		total += "+" // still listing
	}
	fmt.Fprintf(&b, "%d/%s objects", p.Read, total)
	if p.Failed > 0 && !p.Done {
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
	took := p.Elapsed.Round(100 * time.Millisecond)
	switch {
	case p.Done && (p.ListFailed > 0 || p.Failed > 0):
		var failed []string
		switch {
		case p.ListFailed == 0:
		case p.Locations <= 1 || p.ListFailed >= p.Locations:
			failed = append(failed, "listing failed")
		default:
			failed = append(failed, fmt.Sprintf("listing %d of %d locations failed", p.ListFailed, p.Locations))
		}
		if p.Failed > 0 {
			failed = append(failed, fmt.Sprintf("%d of %d objects failed", p.Failed, p.Objects))
		}
		fmt.Fprintf(&b, ", %s; ended after %s", strings.Join(failed, ", "), took)
	case p.Done && (!p.Listed || p.Read < p.Objects):
		fmt.Fprintf(&b, ", stopped before the end after %s", took)
	case p.Done:
		fmt.Fprintf(&b, ", done in %s", took)
	case p.Left > 0:
		fmt.Fprintf(&b, ", ~%s left", p.Left.Round(time.Second))
	}
	return b.String()
}
