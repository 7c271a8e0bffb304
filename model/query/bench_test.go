package query

import (
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

var bench struct {
	once  sync.Once
	store *model.Store
}

// benchStore is a full 1,000,000-record ring of default-format records.
func benchStore(b testing.TB) *model.Store {
	bench.once.Do(func() {
		recs := capture(1_000_000)
		for i := range recs {
			recs[i].custom = false
		}
		bench.store, _ = load(b, recs)
	})
	return bench.store
}

// benchProgram compiles text against the store's names, or against a
// fresh interner (literals interned) when st is nil.
func benchProgram(b testing.TB, st *model.Store, text string) *Program {
	q, err := Parse(text)
	if err != nil {
		b.Fatal(err)
	}
	names, opt := model.NewInterner(), Options{Intern: true}
	if st != nil {
		names, opt = st.Names(), Options{}
	}
	p, err := Compile(q, names, opt)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU time per operation, which on a machine shared
// with other work says more than the wall time does.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

func BenchmarkFilter1M(b *testing.B) {
	st := benchStore(b)
	p := benchProgram(b, st, `filter action = "REJECT" and dstport = 22`)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	start := cpuTime()
	for b.Loop() {
		st.Read(func(v model.View) { n = p.Count(v) })
	}
	reportCPU(b, start)
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds()/1e6, "Mrecords/s")
	if n == 0 {
		b.Fatal("no matches: the benchmark measures nothing")
	}
}

// benchStats times a stats query over the 1M-record ring.
func benchStats(b *testing.B, text string) {
	st := benchStore(b)
	p := benchProgram(b, st, text)
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	start := cpuTime()
	for b.Loop() {
		st.Read(func(v model.View) { res = p.Run(v) })
	}
	reportCPU(b, start)
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds()/1e6, "Mrecords/s")
	if len(res.Rows) == 0 {
		b.Fatal("no groups")
	}
}

// BenchmarkStatsByDstPort1M counts by one small key, the headline's.
func BenchmarkStatsByDstPort1M(b *testing.B) {
	benchStats(b, `stats count(*) as n by dstport | sort n desc | limit 5`)
}

func BenchmarkStatsByDstAddrPort1M(b *testing.B) {
	benchStats(b, `stats count(*) by dstaddr, dstport`)
}

func BenchmarkFilterRejectStats1M(b *testing.B) {
	st := benchStore(b)
	p := benchProgram(b, st, `filter action = "REJECT" | stats count(*) as n by dstaddr, dstport | sort n desc | limit 20`)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		st.Read(func(v model.View) { p.Run(v) })
	}
	reportCPU(b, start)
}

func BenchmarkParseCompile(b *testing.B) {
	names := model.NewInterner()
	const text = `fields @timestamp, srcAddr, dstAddr, dstPort, action | filter action = "REJECT" and isIpInSubnet(srcaddr, "10.0.0.0/8") | stats count() as rejects by dstAddr, dstPort | sort rejects desc | limit 20`
	b.ReportAllocs()
	for b.Loop() {
		q, err := Parse(text)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Compile(q, names, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageLike is the slow path: the record rendered as text for
// every record, in one reused buffer.
func BenchmarkMessageLike1M(b *testing.B) {
	st := benchStore(b)
	p := benchProgram(b, st, `filter @message like "REJECT"`)
	b.ReportAllocs()
	for b.Loop() {
		st.Read(func(v model.View) { p.Count(v) })
	}
}

// BenchmarkRunChunks is the headless path after decompression: lines cut
// into 1 MiB chunks, parsed and aggregated by two workers.
func BenchmarkRunChunks1M(b *testing.B) {
	var text []byte
	for _, r := range capture(1_000_000) {
		r.custom = false
		text = append(text, r.line()...)
		text = append(text, '\n')
	}
	for _, tc := range []struct{ name, query string }{
		{"headline", `filter action = "REJECT" | stats count(*) as n by dstport | sort n desc | limit 5`},
		{"reject-stats", `filter action = "REJECT" | stats count(*) as n by dstaddr, dstport | sort n desc | limit 20`},
		{"all-stats", `stats count(*) as n by dstaddr, dstport | sort n desc | limit 20`},
		// @message tested on the raw line: a selective literal, then a
		// pattern whose literal is in a third of the lines.
		{"message-like", `filter @message like "eni-00000003 10.0.1.50" | stats count(*)`},
		{"message-regex", `filter @message like /eni-0000000[0-1].* 443 6 / | stats count(*)`},
		{"message-regex-reject", `filter @message like /eni-0000000[0-1].*REJECT/ | stats count(*)`},
		{"message-regex-fold", `filter @message =~ /(?i)ENI-0000000[0-1] .* reject/ | stats count(*)`},
		{"rows", `filter action = "REJECT" | fields srcaddr, dstaddr, dstport`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			start := cpuTime()
			defer reportCPU(b, start)
			for b.Loop() {
				p := benchProgram(b, nil, tc.query)
				p.RunChunks(feedChunks(text), 2, nil, nil)
			}
		})
	}
}

// feedChunks cuts text into 1 MiB chunks of whole lines, as the readers
// do, and sends them on the channel it returns.
func feedChunks(text []byte) <-chan *Chunk {
	ch := make(chan *Chunk, 4)
	go func() {
		seq := 0
		for off := 0; off < len(text); seq++ {
			end := min(off+1<<20, len(text))
			for end < len(text) && text[end-1] != '\n' {
				end++
			}
			ch <- &Chunk{Seq: seq, Data: text[off:end], Origin: "bench", FirstLine: 1}
			off = end
		}
		close(ch)
	}()
	return ch
}

// BenchmarkWords1M runs each kind of bare word over a million records:
// none may allocate per record.
func BenchmarkWords1M(b *testing.B) {
	st := benchStore(b)
	for _, text := range []string{"10.0.2.21", "ssh reject", "10.0.0.0/16 postgres", "6789012", "~eni3"} {
		b.Run(text, func(b *testing.B) {
			pred, _, status, err := CompileBar(text, st.Names(), Options{})
			if status != Valid || err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				st.Read(func(v model.View) {
					for i := 0; i < v.Len(); i++ {
						pred(v.At(i))
					}
				})
			}
		})
	}
}
