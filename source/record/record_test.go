package record

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
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
						b.WriteString(f.Action().String())
					} else {
						b.WriteString(f.Status().String())
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
	ingestAll(srcs, s, nil, func(i int, err error) { t.Errorf("source %d: %v", i, err) })
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
			rec, err := Open(filepath.Join(dir, name), Options{})
			if err != nil {
				t.Fatal(err)
			}
			srcs := rec.Wrap([]source.Source{file.New([]string{s3}, file.Options{}), file.New([]string{plain}, file.Options{}), cw})
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

// ingestAll feeds every source into the store, each through its own
// ingester, as the terminal UI does.
func ingestAll(srcs []source.Source, store *model.Store, override *model.Format, onErr func(i int, err error)) {
	ins := make([]*model.Ingester, len(srcs))
	for i := range srcs {
		ins[i] = model.NewIngester(store, override)
	}
	source.RunAll(context.Background(), srcs, func(i int, b model.Batch) { ins[i].Ingest(b) }, onErr)
}

// TestRecordOverrideFormatWritesHeader: with --format the recording
// declares the format, so it replays without repeating the flag.
func TestRecordOverrideFormatWritesHeader(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.log")
	os.WriteFile(in, []byte("eni-9 10.0.0.1 10.0.0.2 ACCEPT\n"), 0o644)
	override := model.MustParseFormat("${interface-id} ${srcaddr} ${dstaddr} ${action}")
	out := filepath.Join(dir, "out.log")
	rec, err := Open(out, Options{Override: override, Inputs: []string{in}})
	if err != nil {
		t.Fatal(err)
	}
	s := model.NewStore(10)
	ingestAll(rec.Wrap([]source.Source{file.New([]string{in}, file.Options{})}), s, override, func(i int, err error) { t.Error(err) })
	got, _ := os.ReadFile(out)
	if want := "interface-id srcaddr dstaddr action\neni-9 10.0.0.1 10.0.0.2 ACCEPT\n"; string(got) != want {
		t.Errorf("recorded %q, want %q", got, want)
	}
	replayed := ingestInto(t, []source.Source{file.New([]string{out}, file.Options{})}, 0)
	if a, b := records(s), records(replayed); !slices.Equal(a, b) {
		t.Errorf("replay without --format: %q, want %q", b, a)
	}
}

func TestRecordOpenErrorNamesFlag(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "missing", "out.log"), Options{})
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
	var heard []error
	rec, err := Open("/dev/full", Options{Force: true, OnError: func(err error) { heard = append(heard, err) }})
	if err != nil {
		t.Fatal(err)
	}
	cw := &cloudwatchLike{batches: [][]string{{"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1 2 ACCEPT OK"}}}
	srcs := rec.Wrap([]source.Source{cw})
	s := model.NewStore(10)
	var finalErr error
	ingestAll(srcs, s, nil, func(i int, err error) { finalErr = err })
	if len(heard) != 1 || !strings.Contains(heard[0].Error(), "/dev/full") {
		t.Errorf("OnError heard %v, want the failure once, at once", heard)
	}
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

// An existing recording is refused unless forced, and is left untouched.
func TestRecordRefusesExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cap.log")
	os.WriteFile(path, []byte("precious\n"), 0o644)
	if _, err := Open(path, Options{}); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("error %v, want ErrExists naming --force", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious\n" {
		t.Fatalf("refused recording changed the file: %q", b)
	}
	r, err := Open(path, Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("--force left %q", b)
	}
}

// A recording that is also an input is refused, even forced: by the same
// name, by another spelling of it, through a link, or inside an input
// directory.
func TestRecordRefusesAnInput(t *testing.T) {
	dir := t.TempDir()
	capture := filepath.Join(dir, "cap.log")
	os.WriteFile(capture, []byte("precious\n"), 0o644)
	link := filepath.Join(t.TempDir(), "link.log")
	if err := os.Symlink(capture, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		inputs []string
	}{
		{capture, []string{capture}},
		{filepath.Join(dir, ".", "sub", "..", "cap.log"), []string{capture}},
		{link, []string{capture}},
		{capture, []string{"-", link}},
		{filepath.Join(dir, "new.log"), []string{dir}},
	} {
		if _, err := Open(tc.path, Options{Force: true, Inputs: tc.inputs}); !errors.Is(err, ErrIsInput) {
			t.Errorf("Open(%q) with inputs %q: %v, want ErrIsInput", tc.path, tc.inputs, err)
		}
	}
	if b, _ := os.ReadFile(capture); string(b) != "precious\n" {
		t.Fatalf("the input changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.log")); err == nil {
		t.Fatal("a refused recording was created")
	}
}

// stuckStdin emits one batch and then blocks in a read that ignores
// cancellation, as stdin does while its writer stays open.
type stuckStdin struct{ block chan struct{} }

func (s *stuckStdin) Name() string { return "stdin" }
func (s *stuckStdin) Run(ctx context.Context, emit source.Emit) error {
	emit(model.Batch{Events: []model.Event{{Origin: "-", Line: []byte("2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1 2 ACCEPT OK")}}})
	<-s.block
	return nil
}

// Quitting while stdin is still open finishes the gzip stream: Close does
// not wait for the blocked source, and the file reads back whole.
func TestRecordCloseFinishesGzipWhileASourceIsBlocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cap.log.gz")
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := &stuckStdin{block: make(chan struct{})}
	defer close(src.block)
	emitted := make(chan struct{})
	go r.Wrap([]source.Source{src})[0].Run(context.Background(), func(model.Batch) { close(emitted) })
	<-emitted
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("recording is not a finished gzip stream: %v (read %q)", err, b)
	}
	if string(b) != "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1 2 ACCEPT OK\n" {
		t.Fatalf("recorded %q", b)
	}
}
