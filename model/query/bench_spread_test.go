package query

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

var spread struct {
	once sync.Once
	text []byte
}

// spreadText is a million default-format lines as a busy VPC writes them:
// addresses all over their range, 400 interfaces, half the destination
// ports from ten services and half anywhere, 30% REJECT, 1% NODATA. The
// cost per line of parsing and counting depends on this spread (branch
// and cache misses), which capture's few hosts and ports hide.
func spreadText() []byte {
	spread.once.Do(func() {
		r := rand.New(rand.NewPCG(1, 7))
		common := []int{443, 80, 22, 3389, 5432, 3306, 53, 123, 8080, 1043}
		t := 1795000000
		b := make([]byte, 0, 125<<20)
		for i := range 1_000_000 {
			if i%50 == 0 {
				t++
			}
			eni := r.IntN(400)
			if r.IntN(100) == 0 {
				b = fmt.Appendf(b, "2 123456789012 eni-0a1b2c3d4e5f6%04d - - - - - - - %d %d - NODATA\n", eni, t, t+60)
				continue
			}
			dport := r.IntN(65536)
			if r.IntN(2) == 0 {
				dport = common[r.IntN(len(common))]
			}
			act := "ACCEPT"
			if r.IntN(10) < 3 {
				act = "REJECT"
			}
			b = fmt.Appendf(b, "2 123456789012 eni-0a1b2c3d4e5f6%04d 10.%d.%d.%d %d.%d.%d.%d %d %d %d %d %d %d %d %s OK\n",
				eni, r.IntN(256), r.IntN(256), 1+r.IntN(254), 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254),
				1024+r.IntN(64000), dport, []int{6, 6, 6, 17, 1}[r.IntN(5)], 1+r.IntN(5000), 40+r.IntN(5000000), t, t+r.IntN(60), act)
		}
		spread.text = b
	})
	return spread.text
}

// BenchmarkSpreadChunks1M is what one core spends besides decompression
// on each file of a many-file read: a million spread lines cut into 1 MiB
// chunks and answered by a single worker. On two cores, ten gzip files
// take (inflate + this) / 2, against the one stream's inflate alone.
func BenchmarkSpreadChunks1M(b *testing.B) {
	text := spreadText()
	for _, tc := range []struct{ name, query string }{
		{"headline", `filter action = "REJECT" | stats count(*) as n by dstport | sort n desc | limit 5`},
		{"by-dstaddr", `filter action = "REJECT" | stats count(*) as n by dstaddr | sort n desc | limit 5`},
		{"sum-bytes", `stats sum(bytes) as b by interface-id | sort b desc | limit 5`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			start := cpuTime()
			defer reportCPU(b, start)
			for b.Loop() {
				p := benchProgram(b, nil, tc.query)
				res, info := p.RunChunks(feedChunks(text), 1, nil, nil)
				if len(res.Rows) == 0 || info.Records == 0 {
					b.Fatal("no answer: the benchmark measures nothing")
				}
			}
		})
	}
}
