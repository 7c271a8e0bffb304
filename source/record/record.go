// Package record writes what sources emit to a file, as received, so a
// session can be replayed later with --replay. It wraps any source, as
// replay does, and knows of flow-log formats only enough to declare, with
// a header line, the format each line was read with.
package record

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
)

// Options say how a recording is opened.
type Options struct {
	// Override is --format, which wins over header lines.
	Override *model.Format
	// Force replaces an existing file; without it one is refused.
	Force bool
	// Inputs are the paths being read; the recording may not be one of
	// them (or a file inside a directory among them would be re-read).
	Inputs []string
	// OnError hears the first write failure at the moment it happens.
	OnError func(error)
}

// Recorder writes every line the wrapped sources emit. Lines from
// CloudWatch carry no header, so when the format the next line is read
// with differs from the one the file last declared, the recorder writes a
// header line first (as S3 files begin with one); the replay then reads
// every line with the format it was ingested with.
type Recorder struct {
	path    string
	onError func(error)

	mu       sync.Mutex
	file     *os.File
	gz       *gzip.Writer
	w        *bufio.Writer
	formats  *model.FormatTracker // the format in force in each origin
	declared *model.Format        // format the file's next line is read with
	lines    int64
	err      error // first write error; recording stops there
	running  int   // wrapped sources still running; the last one closes
}

// Errors Open returns for a path the user should change (a usage error).
var (
	ErrExists  = errors.New("the file exists; choose another name or add --force to replace it")
	ErrIsInput = errors.New("the file is also an input; recording into it would destroy or re-read it")
)

// Open creates path for a recording; a name ending in .gz is written
// gzip-compressed. An existing file is refused unless opt.Force, and a
// path that is also an input always is.
func Open(path string, opt Options) (*Recorder, error) {
	if err := notAnInput(path, opt.Inputs); err != nil {
		return nil, err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if opt.Force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("--record %s: %w", path, ErrExists)
	}
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	r := &Recorder{path: path, onError: opt.OnError, file: f, formats: model.NewFormatTracker(opt.Override), declared: model.DefaultFormat}
	var w io.Writer = f
	if strings.HasSuffix(path, ".gz") {
		r.gz = gzip.NewWriter(f)
		w = r.gz
	}
	r.w = bufio.NewWriterSize(w, 64<<10)
	return r, nil
}

// notAnInput refuses a recording path that is one of the inputs, or lies
// inside an input directory.
func notAnInput(path string, inputs []string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	st, statErr := os.Stat(path)
	for _, in := range inputs {
		if in == "-" {
			continue
		}
		inAbs, err := filepath.Abs(in)
		if err != nil {
			continue
		}
		same := inAbs == abs
		if ist, err := os.Stat(in); err == nil {
			if statErr == nil && os.SameFile(st, ist) {
				same = true
			}
			if ist.IsDir() {
				if rel, err := filepath.Rel(inAbs, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					same = true
				}
			}
		}
		if same {
			return fmt.Errorf("--record %s: %w", path, ErrIsInput)
		}
	}
	return nil
}

// write records one batch and flushes it, so a crash loses at most the
// batch being written.
func (r *Recorder) write(b model.Batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.w == nil {
		return
	}
	for i := range b.Events {
		ev := &b.Events[i]
		if hf, ok := r.formats.Header(ev.Origin, ev.Line, b.Format); ok {
			r.declared = hf
		} else if f := r.formats.Format(ev.Origin, b.Format); !sameFormat(f, r.declared) {
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

func (r *Recorder) header(f *model.Format) {
	for i, id := range f.Fields {
		if i > 0 {
			r.w.WriteByte(' ')
		}
		r.w.WriteString(f.Name(id))
	}
	r.w.WriteByte('\n')
}

// fail keeps the first write error and tells OnError at once.
func (r *Recorder) fail(err error) {
	if r.err != nil {
		return
	}
	r.err = fmt.Errorf("--record %s: %w (recording stopped; the session goes on)", r.path, err)
	if r.onError != nil {
		r.onError(r.err)
	}
}

func sameFormat(a, b *model.Format) bool {
	return a == b || slices.Equal(a.Fields, b.Fields)
}

// Path is the file being written.
func (r *Recorder) Path() string { return r.path }

// Err is the first write error, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Lines is how many lines have been recorded.
func (r *Recorder) Lines() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lines
}

// Close flushes, finishes the gzip stream and closes the file; it returns
// the first error seen. It may be called more than once, and while a
// wrapped source is still blocked in a read (stdin): what that source
// emits afterwards is not recorded.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return r.err
	}
	if err := r.w.Flush(); err != nil {
		r.fail(err)
	}
	if r.gz != nil {
		if err := r.gz.Close(); err != nil {
			r.fail(err)
		}
	}
	if err := r.file.Close(); err != nil {
		r.fail(err)
	}
	r.w = nil
	return r.err
}

// Wrap makes each source record what it emits before handing it on. The
// file is closed when the last wrapped source returns, so it is complete
// once source.RunAll has returned; Close finishes it sooner.
func (r *Recorder) Wrap(srcs []source.Source) []source.Source {
	out := make([]source.Source, len(srcs))
	r.mu.Lock()
	r.running = len(srcs)
	r.mu.Unlock()
	for i, s := range srcs {
		out[i] = &recordingSource{inner: s, rec: r}
	}
	return out
}

// recordingSource is a source whose batches are recorded before they are
// emitted. It reports health, so a recording failure shows in the status
// bar even for sources that have none of their own.
type recordingSource struct {
	inner source.Source
	rec   *Recorder
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

// Status is the wrapped source's status, with a recording failure added.
func (s *recordingSource) Status() source.Status {
	var st source.Status
	if rep, ok := s.inner.(source.Reporter); ok {
		st = rep.Status()
	}
	if err := s.rec.Err(); err != nil && st.LastError == "" {
		st.LastError = err.Error()
	}
	return st
}
