package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/file"
)

// cloudwatchLike emits batches the way the CloudWatch source does: no
// header lines, the format given with the batch.
type cloudwatchLike struct {
	format  *model.Format
	batches [][]string
}

func (c *cloudwatchLike) Name() string { return "cw" }

func (c *cloudwatchLike) Run(ctx context.Context, emit source.Emit) error {
	for _, lines := range c.batches {
		var b model.Batch
		b.Format = c.format
		for _, l := range lines {
			b.Events = append(b.Events, model.Event{Line: []byte(l), Origin: "/aws/vpc/flows", Stream: "eni-0cw"})
		}
		emit(b)
	}
	return nil
}

func (c *cloudwatchLike) Status() source.Status { return source.Status{Mode: "live"} }

// records renders every record of a store, one line each, sorted: the
// comparison does not depend on how the sources interleaved.
func records(s *model.Store) []string {
	var out []string
	s.Read(func(v model.View) {
		for i := 0; i < v.Len(); i++ {
			f, x := v.At(i)
			var b strings.Builder
			for _, id := range model.KnownFields() {
				if !model.Present(f, x, id) {
					continue
				}
				fmt.Fprintf(&b, "%s=", id.Name())
				switch id.Kind() {
				case model.KindAddr:
					b.WriteString(model.Addr(f, x, id).String())
				case model.KindString:
					sid, _ := model.StrID(f, x, id)
					b.WriteString(v.Names().Name(sid))
				case model.KindEnum:
					if id == model.FieldAction {
						b.WriteString(f.Action.String())
					} else {
						b.WriteString(f.Status.String())
					}
				default:
					n, _ := model.Int(f, x, id)
					fmt.Fprint(&b, n)
				}
				b.WriteByte(' ')
			}
			out = append(out, b.String())
		}
	})
	slices.Sort(out)
	return out
}

func ingestInto(t *testing.T, srcs []source.Source, malformed uint64) *model.Store {
	t.Helper()
	s := model.NewStore(1000)
	ingestAll(context.Background(), srcs, s, nil, func(i int, err error) { t.Errorf("source %d: %v", i, err) })
	if c := s.Counters(); c.Malformed != malformed {
		t.Errorf("%d malformed lines, want %d: %+v", c.Malformed, malformed, s.MalformedLines())
	}
	return s
}

const s3Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status vpc-id"

// TestRecordReplaysAsIngested records a session mixing an S3-style file
// (custom format declared by its header), a default-format file and a
// CloudWatch-like source whose custom format comes with each batch, then
// reads the recording back and expects exactly the same records.
func TestRecordReplaysAsIngested(t *testing.T) {
	for _, name := range []string{"session.log", "session.log.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s3 := filepath.Join(dir, "s3.log")
			os.WriteFile(s3, []byte(s3Header+"\n"+
				"3 111 eni-0s3 10.0.0.1 10.0.0.2 40000 443 6 3 180 1700000000 1700000060 ACCEPT 2 OK vpc-1\n"+
				"3 111 eni-0s3 10.0.0.2 10.0.0.1 443 40000 6 3 180 1700000000 1700000060 REJECT 18 OK vpc-1\n"), 0o644)
			plain := filepath.Join(dir, "plain.log")
			os.WriteFile(plain, []byte(
				"2 222 eni-0pl 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n"+
					"this line is not a record\n"+
					"2 222 eni-0pl 2001:db8::1 2001:db8::2 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK\n"), 0o644)
			cw := &cloudwatchLike{
				format: model.MustParseFormat("${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${tcp-flags} ${log-status}"),
				batches: [][]string{
					{"3 eni-0cw 10.1.0.1 10.1.0.2 50000 5432 6 1 60 1700000100 1700000160 ACCEPT 2 OK"},
					{"3 eni-0cw 10.1.0.2 10.1.0.1 5432 50000 6 1 60 1700000100 1700000160 ACCEPT 18 OK",
						"3 eni-0cw 10.1.0.1 10.1.0.2 50000 5432 6 1 60 1700000160 1700000220 ACCEPT 1 OK"},
				},
			}
			rec, err := openRecorder(filepath.Join(dir, name), nil)
			if err != nil {
				t.Fatal(err)
			}
			srcs := rec.wrap([]source.Source{file.New([]string{s3}, file.Options{}), file.New([]string{plain}, file.Options{}), cw})
			if _, ok := srcs[2].(source.Reporter); !ok {
				t.Error("a reporting source lost its Status when recorded")
			}
			if _, ok := srcs[0].(source.Reporter); !ok {
				t.Error("the file source lost its Status when recorded")
			}
			live := ingestInto(t, srcs, 1)
			if rec.Lines() != 2+3+3+1 {
				t.Errorf("recorded %d lines, want 9 (headers, records and the malformed line)", rec.Lines())
			}

			data, _ := os.ReadFile(filepath.Join(dir, name))
			if gz := bytes.HasPrefix(data, []byte{0x1f, 0x8b}); gz != strings.HasSuffix(name, ".gz") {
				t.Errorf("%s: gzip = %v", name, gz)
			}
			replayed := ingestInto(t, []source.Source{file.New([]string{filepath.Join(dir, name)}, file.Options{})}, 1)
			want, got := records(live), records(replayed)
			if !slices.Equal(got, want) {
				t.Errorf("replayed records differ:\n got %q\nwant %q", got, want)
			}
			if len(want) != 7 {
				t.Errorf("%d records ingested, want 7", len(want))
			}
		})
	}
}

// TestRecordThroughOptions goes through the --record flag path the UI uses
// (sources, then recordSources).
func TestRecordThroughOptions(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.log")
	line := "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK"
	os.WriteFile(in, []byte(line+"\n"), 0o644)
	o := options{paths: []string{in}, record: filepath.Join(dir, "out.log"), buffer: 10}
	srcs, err := o.recordSources([]source.Source{file.New(o.paths, file.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	ingestInto(t, srcs, 0)
	got, _ := os.ReadFile(o.record)
	if string(got) != line+"\n" {
		t.Errorf("recorded %q, want the line as received", got)
	}
}

// TestRecordOverrideFormatWritesHeader: with --format the recording
// declares the format, so it replays without repeating the flag.
func TestRecordOverrideFormatWritesHeader(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.log")
	os.WriteFile(in, []byte("eni-9 10.0.0.1 10.0.0.2 ACCEPT\n"), 0o644)
	o := options{paths: []string{in}, record: filepath.Join(dir, "out.log"), format: "${interface-id} ${srcaddr} ${dstaddr} ${action}"}
	srcs, err := o.recordSources([]source.Source{file.New(o.paths, file.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	s := model.NewStore(10)
	ingestAll(context.Background(), srcs, s, o.overrideFormat(), func(i int, err error) { t.Error(err) })
	got, _ := os.ReadFile(o.record)
	if want := "interface-id srcaddr dstaddr action\neni-9 10.0.0.1 10.0.0.2 ACCEPT\n"; string(got) != want {
		t.Errorf("recorded %q, want %q", got, want)
	}
	replayed := ingestInto(t, []source.Source{file.New([]string{o.record}, file.Options{})}, 0)
	if a, b := records(s), records(replayed); !slices.Equal(a, b) {
		t.Errorf("replay without --format: %q, want %q", b, a)
	}
}

func TestRecordOpenErrorNamesFlag(t *testing.T) {
	o := options{paths: []string{"x"}, record: filepath.Join(t.TempDir(), "missing", "out.log")}
	_, err := o.recordSources([]source.Source{file.New(o.paths, file.Options{})})
	if err == nil || !strings.HasPrefix(err.Error(), "--record: open ") || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("error %v, want it to name --record and the cause", err)
	}
}

// TestRecordWriteFailureIsReported: a full disk stops recording, not the
// session, and the source's status says so.
func TestRecordWriteFailureIsReported(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	rec, err := openRecorder("/dev/full", nil)
	if err != nil {
		t.Fatal(err)
	}
	cw := &cloudwatchLike{batches: [][]string{{"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1 2 ACCEPT OK"}}}
	srcs := rec.wrap([]source.Source{cw})
	s := model.NewStore(10)
	var finalErr error
	ingestAll(context.Background(), srcs, s, nil, func(i int, err error) { finalErr = err })
	if s.Len() != 1 {
		t.Errorf("%d records ingested, want 1: the session goes on", s.Len())
	}
	if finalErr == nil || !strings.Contains(finalErr.Error(), "recording stopped") {
		t.Errorf("final error %v, want the recording failure", finalErr)
	}
	if st := srcs[0].(source.Reporter).Status(); !strings.Contains(st.LastError, "/dev/full") {
		t.Errorf("status %+v does not show the recording failure", st)
	}
}
