package s3

import (
	"testing"
	"time"
)

// TestProgressLastLine: the line after reading ends says "done" only when
// every location was listed and every object read.
func TestProgressLastLine(t *testing.T) {
	p := Progress{Objects: 10, Read: 10, Bytes: 2048, TotalBytes: 2048, Lines: 40, Listed: true, Done: true, Locations: 1, Elapsed: 1200 * time.Millisecond}
	for _, c := range []struct {
		name string
		edit func(*Progress)
		want string
	}{
		{"all read", func(*Progress) {}, "s3 10/10 objects, 2.0 KiB of 2.0 KiB, 40 lines, done in 1.2s"},
		{"objects failed", func(p *Progress) { p.Read, p.Failed = 7, 3 }, "s3 7/10 objects, 2.0 KiB of 2.0 KiB, 40 lines, 3 of 10 objects failed; ended after 1.2s"},
		{"listing failed", func(p *Progress) { p.Objects, p.Read, p.TotalBytes, p.Bytes, p.Lines, p.ListFailed = 0, 0, 0, 0, 0, 1 },
			"s3 0/0 objects, 0 B, 0 lines, listing failed; ended after 1.2s"},
		{"one of two listings failed", func(p *Progress) { p.Locations, p.ListFailed, p.Failed, p.Read = 2, 1, 1, 9 },
			"s3 9/10 objects, 2.0 KiB of 2.0 KiB, 40 lines, listing 1 of 2 locations failed, 1 of 10 objects failed; ended after 1.2s"},
		{"stopped early", func(p *Progress) { p.Read = 4 }, "s3 4/10 objects, 2.0 KiB of 2.0 KiB, 40 lines, stopped before the end after 1.2s"},
		{"stopped while listing", func(p *Progress) { p.Listed = false }, "s3 10/10+ objects, 2.0 KiB, 40 lines, stopped before the end after 1.2s"},
		{"reading", func(p *Progress) { p.Done, p.Read, p.Failed = false, 5, 1 }, "s3 5/10 objects (1 skipped), 2.0 KiB of 2.0 KiB, 40 lines"},
	} {
		q := p
		c.edit(&q)
		if got := q.String(); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
