package chunk

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/aggregate"
	"github.com/flowtail/flowtail/source/file"

	"github.com/flowtail/flowtail/model/query"
)

// benchQuery answers text over FLOWTAIL_BENCH_FILES (space-separated
// paths; the benchmark is skipped without them), the way `query` does.
func benchQuery(b *testing.B, text string, opt Options) {
	paths := benchPaths(b)
	b.ReportAllocs()
	for b.Loop() {
		p := compile(&testing.T{}, text)
		rd := New(paths, opt)
		ch := make(chan *query.Chunk, 4)
		go rd.Run(context.Background(), ch)
		p.RunChunks(ch, 2, nil, rd.Release)
	}
}

func benchPaths(b *testing.B) []string {
	v := os.Getenv("FLOWTAIL_BENCH_FILES")
	if v == "" {
		b.Skip("set FLOWTAIL_BENCH_FILES to captures to read")
	}
	var paths []string
	for _, p := range splitSpaces(v) {
		paths = append(paths, p)
	}
	return paths
}

func splitSpaces(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}

func BenchmarkMessageRegex(b *testing.B) {
	benchQuery(b, `filter @message like /eni-0000001[0-3].*REJECT/ | stats count(*)`, Options{Ordered: false})
}

// BenchmarkMessageRegexRare is the regex of the side-by-side against
// grep -cE: a rare literal, then a class and REJECT on the same line.
func BenchmarkMessageRegexRare(b *testing.B) {
	benchQuery(b, `filter @message like /eni-0000000000000001[0-3].*REJECT/ | stats count(*)`, Options{Ordered: false})
}

// BenchmarkHeadlineTwoKeys is the headline query of the several-files
// figures.
func BenchmarkHeadlineTwoKeys(b *testing.B) {
	benchQuery(b, `filter action = "REJECT" | stats count(*) by dstaddr, dstport | sort count(*) desc | limit 20`, Options{Ordered: false})
}

func BenchmarkHeadline(b *testing.B) {
	benchQuery(b, `filter action = "REJECT" | stats count(*) as n by dstport | sort n desc | limit 5`, Options{Ordered: false})
}

// BenchmarkLoad fills a 1M ring the way the TUI loads captures read to
// their end; BenchmarkLoadSequential the way it did, one ingester.
func BenchmarkLoad(b *testing.B) {
	paths := benchPaths(b)
	b.ReportAllocs()
	for b.Loop() {
		st := model.NewStore(model.DefaultCapacity)
		Load(context.Background(), New(paths, Options{}), st, nil, runtime.GOMAXPROCS(0))
	}
}

func BenchmarkLoadSequential(b *testing.B) {
	paths := benchPaths(b)
	b.ReportAllocs()
	for b.Loop() {
		st := model.NewStore(model.DefaultCapacity)
		in := model.NewIngester(st, nil)
		file.New(paths, file.Options{}).Run(context.Background(), in.Ingest)
	}
}

// BenchmarkLoadTUI is the TUI's load of FLOWTAIL_BENCH_FILES: parallel
// decode, appended in order into a ring of 1M records that carries the
// per-interface aggregate, as the TUI opens a capture.
func BenchmarkLoadTUI(b *testing.B) {
	paths := benchPaths(b)
	b.ReportAllocs()
	for b.Loop() {
		st := model.NewStore(1_000_000)
		aggregate.Attach(st)
		rd := New(paths, Options{})
		if errs := Load(context.Background(), rd, st, nil, runtime.GOMAXPROCS(0)); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
