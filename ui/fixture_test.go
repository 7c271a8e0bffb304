package ui

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

// fixtureLines is a small capture: web and database traffic, an SSH scan
// rejected by a security group, ICMP, IPv6, NODATA, and a record whose
// interface id carries an escape sequence.
var fixtureLines = []string{
	"2 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.23 10.0.2.10 44321 443 6 12 4820 1700000000 1700000030 ACCEPT OK",
	"2 123456789012 eni-0a1b2c3d4e5f60002 10.0.2.10 10.0.1.23 443 44321 6 10 18230 1700000000 1700000030 ACCEPT OK",
	"2 123456789012 eni-0a1b2c3d4e5f60002 203.0.113.50 10.0.2.10 51515 22 6 1 40 1700000031 1700000060 REJECT OK",
	"2 123456789012 eni-0a1b2c3d4e5f60002 203.0.113.50 10.0.2.10 51516 23 6 1 40 1700000032 1700000060 REJECT OK",
	"2 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.23 10.0.3.5 0 0 1 4 336 1700000033 1700000060 ACCEPT OK",
	"2 123456789012 eni-0a1b2c3d4e5f60003 - - - - - - - 1700000034 1700000094 - NODATA",
	"2 123456789012 eni-0a1b2c3d4e5f60003 2600:1f18:abcd:1200::10 2600:1f18:abcd:1300::20 40000 5432 6 220 1480000 1700000035 1700000095 ACCEPT OK",
	"2 123456789012 eni-evil\x1b]0;pwned\x07 10.0.9.9 10.0.2.10 1234 80 6 3 180 1700000036 1700000096 ACCEPT OK",
}

// v5Line is the AWS-documented version 5 example, with tcp-flags 19.
const (
	v5Format = "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status"
	v5Line   = "5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK"
)

// appendLines parses lines with format into the store.
func appendLines(tb testing.TB, s *model.Store, format *model.Format, lines ...string) {
	tb.Helper()
	p := model.NewParser(format, s.Names())
	var f model.Flow
	var x model.Ext
	s.Append(func(a model.Appender) {
		for _, l := range lines {
			if err := p.Parse([]byte(l), &f, &x); err != nil {
				tb.Fatalf("fixture line %q: %v", l, err)
			}
			a.Add(&f, &x)
		}
	})
}

func fixtureStore(tb testing.TB) *model.Store {
	s := model.NewStore(1000)
	appendLines(tb, s, model.DefaultFormat, fixtureLines...)
	appendLines(tb, s, model.MustParseFormat(v5Format), v5Line)
	return s
}

// bulkStore fills a store of capacity n with n generated records.
func bulkStore(tb testing.TB, n int) *model.Store {
	s := model.NewStore(n)
	p := model.NewParser(model.DefaultFormat, s.Names())
	var f model.Flow
	var x model.Ext
	const batch = 10000
	for done := 0; done < n; {
		s.Append(func(a model.Appender) {
			for i := 0; i < batch && done < n; i++ {
				line := fmt.Sprintf("2 123456789012 eni-0a1b2c3d4e5f6%04d 10.0.%d.%d 10.1.0.%d %d 443 6 %d %d %d %d %s OK",
					done%16, done%200, done%250, done%100, 1024+done%60000, 1+done%90, 40+done%100000, 1700000000+done/100, 1700000060+done/100,
					[]string{"ACCEPT", "REJECT"}[done%7/6])
				if err := p.Parse([]byte(line), &f, &x); err != nil {
					tb.Fatal(err)
				}
				a.Add(&f, &x)
				done++
			}
		})
	}
	return s
}

var fixedNow = time.Date(2023, 11, 14, 22, 15, 0, 0, time.UTC)

// fixtureConfig is a deterministic configuration: fixed clock, a fixed
// non-UTC local zone, a slow tick so tests drive refreshes themselves.
func fixtureConfig(s *model.Store) Config {
	return Config{
		Store:   s,
		Sources: []string{"capture.log.gz"},
		Now:     func() time.Time { return fixedNow },
		Local:   time.FixedZone("CET", 3600),
		Tick:    time.Hour,
		slots:   testSlots,
	}
}

// testSlots are the panes fixtureConfig shows (onlyPanes); nil: all.
var testSlots []int

// newGen is a filter generation counter for scans run directly.
func newGen() *atomic.Uint64 { return new(atomic.Uint64) }
