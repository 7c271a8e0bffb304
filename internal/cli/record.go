package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
)

// recorder writes every line the sources emit, as received, to the
// --record file so the session can be replayed later with --replay. Lines
// from CloudWatch carry no header, so when the format the next line is read
// with differs from the one the file last declared, the recorder writes a
// header line first (as S3 files begin with one); the replay then reads
// every line with the format it was ingested with.
type recorder struct {
	path string

	mu       sync.Mutex
	file     *os.File
	gz       *gzip.Writer
	w        *bufio.Writer
	override *model.Format            // --format, which wins over headers
	byOrigin map[string]*model.Format // last header seen per origin
	declared *model.Format            // format the file's next line is read with
	lines    int64
	err      error // first write error; recording stops there
	running  int   // wrapped sources still running; the last one closes
}

// openRecorder creates (or truncates) path; a name ending in .gz is
// written gzip-compressed.
func openRecorder(path string, override *model.Format) (*recorder, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	r := &recorder{path: path, file: f, override: override, byOrigin: map[string]*model.Format{}, declared: model.DefaultFormat}
	var w io.Writer = f
	if strings.HasSuffix(path, ".gz") {
		r.gz = gzip.NewWriter(f)
		w = r.gz
	}
	r.w = bufio.NewWriterSize(w, 64<<10)
	return r, nil
}

// write records one batch and flushes it, so a crash loses at most the
// batch being written.
func (r *recorder) write(b model.Batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.w == nil {
		return
	}
	for i := range b.Events {
		ev := &b.Events[i]
		if hf := headerOf(ev.Line); hf != nil {
			r.byOrigin[ev.Origin] = hf
			r.declared = hf
		} else if f := formatFor(r.override, r.byOrigin, ev.Origin, b.Format); !sameFormat(f, r.declared) {
			r.header(f)
			r.declared = f
		}
		r.w.Write(ev.Line)
		r.w.WriteByte('\n')
		r.lines++
	}
	if err := r.w.Flush(); err != nil {
		r.fail(err)
		return
	}
	if r.gz != nil {
		if err := r.gz.Flush(); err != nil {
			r.fail(err)
		}
	}
}

func (r *recorder) header(f *model.Format) {
	for i, id := range f.Fields {
		if i > 0 {
			r.w.WriteByte(' ')
		}
		r.w.WriteString(id.Name())
	}
	r.w.WriteByte('\n')
}

func (r *recorder) fail(err error) {
	r.err = fmt.Errorf("--record %s: %w (recording stopped; the session goes on)", r.path, err)
}

// headerOf recognises a header line the way the decoder does.
func headerOf(line []byte) *model.Format {
	if !mayBeHeader(line) {
		return nil
	}
	return model.HeaderFormat(line)
}

// mayBeHeader is the cheap first test for a header line, which begins
// with a letter or "$"; most records begin with a digit.
func mayBeHeader(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	c := line[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '$'
}

func sameFormat(a, b *model.Format) bool {
	return a == b || slices.Equal(a.Fields, b.Fields)
}

// Err is the first write error, if any.
func (r *recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Lines is how many lines have been recorded.
func (r *recorder) Lines() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lines
}

// Close flushes and closes the file; it returns the first error seen.
func (r *recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return r.err
	}
	if err := r.w.Flush(); err != nil && r.err == nil {
		r.fail(err)
	}
	if r.gz != nil {
		if err := r.gz.Close(); err != nil && r.err == nil {
			r.fail(err)
		}
	}
	if err := r.file.Close(); err != nil && r.err == nil {
		r.fail(err)
	}
	r.w = nil
	return r.err
}

// wrap makes each source record what it emits before handing it on. The
// file is closed when the last wrapped source returns, so it is complete
// once ingestAll (or source.RunAll) has returned.
func (r *recorder) wrap(srcs []source.Source) []source.Source {
	out := make([]source.Source, len(srcs))
	r.running = len(srcs)
	for i, s := range srcs {
		rs := &recordingSource{inner: s, rec: r}
		if rep, ok := s.(source.Reporter); ok {
			out[i] = &recordingReporter{rs, rep}
		} else {
			out[i] = rs
		}
	}
	return out
}

// recordSources wraps srcs when --record is set.
func (o *options) recordSources(srcs []source.Source) ([]source.Source, error) {
	if o.record == "" || len(srcs) == 0 {
		return srcs, nil
	}
	r, err := openRecorder(o.record, o.overrideFormat())
	if err != nil {
		return nil, err
	}
	return r.wrap(srcs), nil
}

// recordingSource is a source whose batches are recorded before they are
// emitted.
type recordingSource struct {
	inner source.Source
	rec   *recorder
}

func (s *recordingSource) Name() string { return s.inner.Name() }

// Run records each batch, then emits it. When recording fails the error
// is returned with the source's own result so it is not lost.
func (s *recordingSource) Run(ctx context.Context, emit source.Emit) error {
	err := s.inner.Run(ctx, func(b model.Batch) {
		s.rec.write(b)
		emit(b)
	})
	s.rec.mu.Lock()
	s.rec.running--
	last := s.rec.running == 0
	s.rec.mu.Unlock()
	if last {
		if cerr := s.rec.Close(); cerr != nil && err == nil {
			return cerr
		}
	}
	return err
}

// recordingReporter keeps the wrapped source's status visible and adds a
// recording failure to it.
type recordingReporter struct {
	*recordingSource
	rep source.Reporter
}

func (s *recordingReporter) Status() source.Status {
	st := s.rep.Status()
	if err := s.rec.Err(); err != nil && st.LastError == "" {
		st.LastError = err.Error()
	}
	return st
}
