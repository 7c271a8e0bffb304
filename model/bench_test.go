package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"
)

// benchLines makes n realistic default-format lines: 40 interfaces, mixed
// private and public addresses, ephemeral ports, a few REJECTs and NODATAs.
func benchLines(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		switch {
		case i%97 == 0:
			out[i] = fmt.Appendf(nil, "2 123456789012 eni-0a1b2c3d4e5f6%04d - - - - - - - %d %d - NODATA", i%40, 1795000000+i/50, 1795000060+i/50)
		default:
			action := "ACCEPT"
			if i%11 == 0 {
				action = "REJECT"
			}
			out[i] = fmt.Appendf(nil, "2 123456789012 eni-0a1b2c3d4e5f6%04d 10.0.%d.%d 52.94.%d.%d %d %d 6 %d %d %d %d %s OK",
				i%40, i%4, 1+i%250, i%256, 1+i%199, 1024+(i*7919)%64000, []int{443, 80, 22, 5432}[i%4], 1+i%300, 40+(i*31)%90000,
				1795000000+i/50, 1795000030+i/50, action)
		}
	}
	return out
}

// benchV5Lines makes n lines of the 29-field v5 format.
func benchV5Lines(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "5 10.0.%d.%d 52.95.%d.%d %d 443 6 %d %d IPv4 %d %d 123456789012 vpc-0a1b2c3d4e5f60718 subnet-0a11b22c33d44e55%d i-0c50d5961bcb2d4%02d eni-0a1b2c3d4e5f6%04d us-east-1 use1-az%d - - ACCEPT %d 10.0.%d.%d 52.95.%d.%d - S3 8 egress OK",
			i%4, 1+i%250, i%256, 1+i%199, 1024+(i*7919)%64000, 1795000000+i/50, 1795000030+i/50, 1+i%300, 40+(i*31)%90000,
			i%3, i%40, i%40, 1+i%4, []int{0, 2, 3, 18, 19}[i%5], i%4, 1+i%250, i%256, 1+i%199)
	}
	return out
}

func benchParse(b *testing.B, format *Format, lines [][]byte) {
	names := NewInterner()
	p := NewParser(format, names)
	var f Flow
	var x Ext
	for _, l := range lines { // intern the repeated strings once, as a long run does
		if err := p.Parse(l, &f, &x); err != nil {
			b.Fatalf("%s: %v", l, err)
		}
	}
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	b.SetBytes(n / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		p.Parse(lines[i], &f, &x)
		if i++; i == len(lines) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "records/cpu-s")
	}
}

// BenchmarkParseDefault: target 0 allocs and ≥ 3 million records/s on one core.
func BenchmarkParseDefault(b *testing.B) { benchParse(b, DefaultFormat, benchLines(4096)) }

// BenchmarkParseManyInterfaces reads records of 2,000 interfaces with
// random ids, as a capture of a large account holds.
func BenchmarkParseManyInterfaces(b *testing.B) {
	lines := make([][]byte, 1<<14)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, "2 123456789012 eni-%017x 10.0.1.2 52.94.3.4 40000 443 6 10 840 1795000000 1795000060 ACCEPT OK",
			uint64(i*7919%2000)*0x9E3779B97F4A7C15>>4)
	}
	benchParse(b, DefaultFormat, lines)
}

// BenchmarkParseSpread reads lines as a busy VPC writes them: addresses
// anywhere in their range and ports, packet and byte counts of every
// length, so that no branch on a field's length can be learnt.
func BenchmarkParseSpread(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 7))
	lines := make([][]byte, 1<<14)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, "2 123456789012 eni-0a1b2c3d4e5f6%04d 10.%d.%d.%d %d.%d.%d.%d %d %d %d %d %d %d %d REJECT OK",
			r.IntN(400), r.IntN(256), r.IntN(256), 1+r.IntN(254), 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254),
			1024+r.IntN(64000), r.IntN(65536)>>r.IntN(14), []int{6, 6, 6, 17, 1}[r.IntN(5)], 1+r.IntN(5000)>>r.IntN(10),
			40+r.IntN(5000000)>>r.IntN(20), 1795000000+i/50, 1795000000+i/50+r.IntN(60))
	}
	benchParse(b, DefaultFormat, lines)
}

// BenchmarkScanBaseline walks the same lines byte by byte doing nothing
// but find the separators: the floor any parser of this text pays. On a
// shared or slow machine, compare ParseDefault with it rather than with
// the absolute target.
func BenchmarkScanBaseline(b *testing.B) {
	lines := benchLines(4096)
	b.ReportAllocs()
	i, seps := 0, 0
	for b.Loop() {
		for _, c := range lines[i] {
			if c == ' ' || c == '\t' {
				seps++
			}
		}
		if i++; i == len(lines) {
			i = 0
		}
	}
	if seps == 0 {
		b.Fatal("no separators")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParseV5 reads the 29-field v5 format of the AWS example.
func BenchmarkParseV5(b *testing.B) {
	benchParse(b, MustParseFormat(v5Format29), benchV5Lines(4096))
}

// BenchmarkIngest is the full path from a batch to the ring: format choice,
// parse, append (with eviction once the ring is full).
func BenchmarkIngest(b *testing.B) {
	lines := benchLines(maxBatchForBench)
	batch := Batch{Events: make([]Event, len(lines))}
	for i, l := range lines {
		batch.Events[i] = Event{Line: l, Origin: "bench.log", LineNo: int64(i + 1)}
	}
	store := NewStore(100_000)
	in := NewIngester(store, nil)
	in.Ingest(batch)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		in.Ingest(batch)
	}
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "records/s")
}

// maxBatchForBench is the batch size sources emit at most.
const maxBatchForBench = 4096

// BenchmarkRingAppend is the cost of adding a parsed record to a full ring.
func BenchmarkRingAppend(b *testing.B) {
	lines := benchLines(1024)
	names := NewInterner()
	flows := make([]Flow, len(lines))
	p := NewParser(DefaultFormat, names)
	var x Ext
	for i, l := range lines {
		if err := p.Parse(l, &flows[i], &x); err != nil {
			b.Fatal(err)
		}
	}
	store := NewStore(1 << 16)
	b.ReportAllocs()
	b.ResetTimer()
	const per = 1024
	for b.Loop() {
		store.Append(func(a Appender) {
			for i := range per {
				a.Add(&flows[i], &x)
			}
		})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*per), "ns/record")
}

// BenchmarkBytesPerRecord reports the size of a stored record and the heap
// a full store of default-format IPv4 records really takes, per record
// (target ≤ 64).
func BenchmarkBytesPerRecord(b *testing.B) {
	const n = 1_000_000
	lines := benchLines(4096)
	b.ReportAllocs()
	var perRecord float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		store := NewStore(n)
		in := NewIngester(store, nil)
		evs := make([]Event, len(lines))
		for i, l := range lines {
			evs[i] = Event{Line: l, Origin: "bench.log"}
		}
		for added := 0; added < n; added += len(evs) {
			in.Ingest(Batch{Events: evs[:min(len(evs), n-added)]})
		}
		evs = nil
		runtime.GC()
		runtime.ReadMemStats(&after)
		if store.Len() != n {
			b.Fatalf("store holds %d", store.Len())
		}
		perRecord = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(store)
	}
	b.ReportMetric(float64(unsafe.Sizeof(Flow{})), "sizeof-Flow")
	b.ReportMetric(perRecord, "heap-bytes/record")
	if perRecord > 64 {
		b.Errorf("a stored default-format record takes %.1f bytes, the budget is 64", perRecord)
	}
}

// BenchmarkDecodeLines is a parallel loader's worker: a chunk of lines
// parsed into a Decoded, per line (the parse plus picking the format and
// keeping the record).
func BenchmarkDecodeLines(b *testing.B) {
	lines := benchLines(4096)
	var data []byte
	for _, l := range lines {
		data = append(append(data, l...), '\n')
	}
	dec := NewDecoder(NewInterner(), nil)
	var out Decoded
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		dec.DecodeLines(&out, data, "bench", "", 1, nil)
	}
	if out.Records() != len(lines) {
		b.Fatalf("%d records of %d lines", out.Records(), len(lines))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
}
