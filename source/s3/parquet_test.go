package s3_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/flowtail/flowtail/internal/s3test"
	"github.com/flowtail/flowtail/model"
	filesrc "github.com/flowtail/flowtail/source/file"
	s3src "github.com/flowtail/flowtail/source/s3"
)

// flows decodes what a source emits into comparable records.
type flows struct {
	mu  sync.Mutex
	dec *model.Decoder
	out []string
}

func newFlows() *flows { return &flows{dec: model.NewDecoder(model.NewInterner(), nil)} }

func (fl *flows) emit(b model.Batch) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	var f model.Flow
	var x model.Ext
	for i := range b.Events {
		if res, _ := fl.dec.Decode(&b.Events[i], b.Format, &f, &x); res == model.ResultRecord {
			fl.out = append(fl.out, fmt.Sprintf("%v %v %d %d %d %d %d %d", f.SrcAddr(&x), f.DstAddr(&x), f.SrcPort, f.DstPort, f.Proto, f.Bytes, f.Start, f.End))
		}
	}
}

func (fl *flows) sorted() []string {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	out := slices.Clone(fl.out)
	sort.Strings(out)
	return out
}

// A Parquet object is read with ranged GETs into the same records as the
// text capture it was written from, read from disk.
func TestParquetObject(t *testing.T) {
	data, err := os.ReadFile("../../testdata/envelopes/records.parquet")
	if err != nil {
		t.Fatal(err)
	}
	local := newFlows()
	if err := filesrc.New([]string{"../../testdata/envelopes/plain.log"}, filesrc.Options{}).Run(context.Background(), local.emit); err != nil {
		t.Fatal(err)
	}
	want := local.sorted()
	if len(want) == 0 {
		t.Fatal("no records in plain.log")
	}
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	key := "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/10/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20260310T1200Z_abcd1234.log.parquet"
	fk.Put(t, "logs", key, data)
	for _, url := range []string{"s3://logs", "s3://logs/" + key} {
		got := newFlows()
		src := newSource(t, s3src.ClientOptions{}, s3src.Config{}, url)
		if err := src.Run(context.Background(), got.emit); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if g := got.sorted(); !slices.Equal(g, want) {
			t.Fatalf("%s: %d records from Parquet, want the %d of the text capture", url, len(g), len(want))
		}
	}
	for _, k := range fk.Gets() {
		if !strings.HasSuffix(k, ".parquet") {
			t.Errorf("fetched %s", k)
		}
	}
}
