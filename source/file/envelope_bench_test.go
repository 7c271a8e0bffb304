package file

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"
)

// benchRecords is how many records each input benchmark decodes per op:
// go test ./source/file -run XXX -bench Decode -benchtime 1x
const benchRecords = 1_000_000

func benchLines(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2 123456789012 eni-0a1b2c3d4e5f%05d 10.0.%d.%d 10.1.%d.%d %d 443 6 %d %d %d %d %s OK",
			i%64, i/256%256, i%256, i/7%256, i%251, 1024+i%60000, 1+i%300, 40+i%90000, 1700000000+i/1000, 1700000060+i/1000, []string{"ACCEPT", "REJECT"}[i%3/2])
	}
	return out
}

// decodeAll reads data through a Streamer and decodes every event into
// records, as ingestion does; it returns the records decoded.
func decodeAll(b *testing.B, data []byte, parquetFile bool) int {
	return decodeWith(b, data, parquetFile, Options{})
}

func decodeWith(b *testing.B, data []byte, parquetFile bool, opt Options) int {
	st := NewStreamer(opt)
	dec := model.NewDecoder(model.NewInterner(), nil)
	var f model.Flow
	var x model.Ext
	n := 0
	emit := func(bt model.Batch) {
		for i := range bt.Events {
			if res, _ := dec.Decode(&bt.Events[i], bt.Format, &f, &x); res == model.ResultRecord {
				n++
			}
		}
	}
	var err error
	if parquetFile {
		err = st.ReadAt(b.Context(), bytes.NewReader(data), int64(len(data)), "bench", emit)
	} else {
		err = st.Read(b.Context(), bytes.NewReader(data), "bench", emit)
	}
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// peakHeap samples the heap in use while fn runs.
func peakHeap(fn func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}

func runDecode(b *testing.B, data []byte, parquetFile bool) {
	runDecodeWith(b, data, parquetFile, Options{})
}

func runDecodeWith(b *testing.B, data []byte, parquetFile bool, opt Options) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ResetTimer()
	var n int
	cpu0 := cpuTime()
	peak := peakHeap(func() {
		for range b.N {
			n = decodeWith(b, data, parquetFile, opt)
		}
	})
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if n != benchRecords {
		b.Fatalf("%d records, want %d", n, benchRecords)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	// On a shared machine, records per CPU second compares inputs fairly.
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(1<<20), "peak-MiB")
}

func BenchmarkDecodePlainText(b *testing.B) {
	data := []byte(strings.Join(benchLines(benchRecords), "\n") + "\n")
	runDecode(b, data, false)
}

// BenchmarkDecodePlainTextGzip is text as S3 delivers it (.log.gz), the
// twin of the Parquet file's gzip pages.
func BenchmarkDecodePlainTextGzip(b *testing.B) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte(strings.Join(benchLines(benchRecords), "\n") + "\n"))
	w.Close()
	runDecode(b, z.Bytes(), false)
}

// BenchmarkDecodeSubscriptionJSON reads payloads as CloudWatch Logs
// writes them: the log group and stream first, then logEvents.
func BenchmarkDecodeSubscriptionJSON(b *testing.B) {
	runDecode(b, subscriptionPayloads(false), false)
}

// The same payloads with their keys sorted (as a re-encoding map writes
// them): logEvents comes before the log group, so each payload is held
// whole before its events are read.
func BenchmarkDecodeSubscriptionJSONSortedKeys(b *testing.B) {
	runDecode(b, subscriptionPayloads(true), false)
}

func subscriptionPayloads(sorted bool) []byte {
	lines := benchLines(benchRecords)
	type ev struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	type payload struct { // CloudWatch Logs' order
		MessageType         string   `json:"messageType"`
		Owner               string   `json:"owner"`
		LogGroup            string   `json:"logGroup"`
		LogStream           string   `json:"logStream"`
		SubscriptionFilters []string `json:"subscriptionFilters"`
		LogEvents           []ev     `json:"logEvents"`
	}
	var buf bytes.Buffer
	for i := 0; i < len(lines); i += 1000 { // payloads of 1,000 events, as subscriptions batch them
		evs := make([]ev, 0, 1000)
		for j := i; j < i+1000 && j < len(lines); j++ {
			evs = append(evs, ev{fmt.Sprintf("%056d", j), 1700000000000 + int64(j), lines[j]})
		}
		p := payload{"DATA_MESSAGE", "123456789012", "/vpc/flowlogs", fmt.Sprintf("eni-0a1b2c3d4e5f%05d", i/1000%64), []string{"f"}, evs}
		var out []byte
		if sorted {
			out, _ = json.Marshal(map[string]any{"messageType": p.MessageType, "owner": p.Owner, "logGroup": p.LogGroup,
				"logStream": p.LogStream, "subscriptionFilters": p.SubscriptionFilters, "logEvents": p.LogEvents})
		} else {
			out, _ = json.Marshal(p)
		}
		buf.Write(out)
	}
	return buf.Bytes()
}

func BenchmarkDecodeJSONLines(b *testing.B) {
	names := strings.Fields("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
	var buf bytes.Buffer
	for _, l := range benchLines(benchRecords) {
		buf.WriteByte('{')
		for k, tok := range strings.Fields(l) {
			if k > 0 {
				buf.WriteByte(',')
			}
			if tok[0] >= '0' && tok[0] <= '9' && !strings.Contains(tok, ".") && k != 1 {
				fmt.Fprintf(&buf, "%q:%s", names[k], tok)
			} else {
				fmt.Fprintf(&buf, "%q:%q", names[k], tok)
			}
		}
		buf.WriteString("}\n")
	}
	runDecode(b, buf.Bytes(), false)
}

func BenchmarkDecodeParquet(b *testing.B) {
	runDecode(b, benchParquet(b), true)
}

// A query that names two fields reads two columns.
func BenchmarkDecodeParquetTwoColumns(b *testing.B) {
	runDecodeWith(b, benchParquet(b), true, Options{Columns: func(id model.FieldID) bool {
		return id == model.FieldDstPort || id == model.FieldAction
	}})
}

// The same records with their strings and small numbers
// dictionary-encoded, as writers of Parquet commonly store them.
func BenchmarkDecodeParquetDictionary(b *testing.B) {
	runDecode(b, benchParquetDict(b), true)
}

func benchParquet(b *testing.B) []byte {
	return writeBenchParquet[awsRow](b, func(r awsRow) awsRow { return r })
}

// awsDictRow is awsRow with dictionary-encoded columns.
type awsDictRow struct {
	Version     *int32  `parquet:"version,optional,dict"`
	AccountID   *string `parquet:"account_id,optional,dict"`
	InterfaceID *string `parquet:"interface_id,optional,dict"`
	Srcaddr     *string `parquet:"srcaddr,optional,dict"`
	Dstaddr     *string `parquet:"dstaddr,optional,dict"`
	Srcport     *int32  `parquet:"srcport,optional"`
	Dstport     *int32  `parquet:"dstport,optional,dict"`
	Protocol    *int32  `parquet:"protocol,optional,dict"`
	Packets     *int64  `parquet:"packets,optional"`
	Bytes       *int64  `parquet:"bytes,optional"`
	Start       *int64  `parquet:"start,optional"`
	End         *int64  `parquet:"end,optional"`
	Action      *string `parquet:"action,optional,dict"`
	LogStatus   *string `parquet:"log_status,optional,dict"`
}

func benchParquetDict(b *testing.B) []byte {
	return writeBenchParquet[awsDictRow](b, func(r awsRow) awsDictRow { return awsDictRow(r) })
}

// writeBenchParquet writes the benchmark's records as Parquet rows of
// type T, gzip-compressed as AWS delivers them.
func writeBenchParquet[T any](b *testing.B, row func(awsRow) T) []byte {
	lines := benchLines(benchRecords)
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.Compression(&parquet.Gzip), parquet.MaxRowsPerRowGroup(128<<10))
	rows := make([]T, 0, 4096)
	for i, l := range lines {
		rows = append(rows, row(rowOf(b, strings.Fields(l))))
		if len(rows) == cap(rows) || i == len(lines)-1 {
			if _, err := w.Write(rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
