// Package file reads flow-log captures from local files, directories in the
// S3 delivery layout, and stdin, plain or gzip, once or following growth
// like `tail -F`.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/envelope"
)

// errNoCaptures: a directory argument held nothing to read.
var errNoCaptures = errors.New("no capture files found in it (checksum and note files are not read)")

// Options say how the paths are read.
type Options struct {
	// Follow keeps reading plain files as they grow, across truncation
	// and rotation, and picks up new files in named directories.
	Follow bool
	// Poll is how often a followed file is checked (default 250ms).
	Poll time.Duration
	// Stdin is what "-" reads (default os.Stdin).
	Stdin io.Reader
	// Columns, when set, says which fields a columnar file (Parquet) need
	// have read: a query names a few; nil reads them all. FieldNone asks
	// about fields flowtail does not know.
	Columns func(model.FieldID) bool
	// MaxOpen caps the followed files open at once (default: a quarter
	// of the descriptor limit, from 4 to 512).
	MaxOpen int
}

func (o Options) maxOpen() int {
	if o.MaxOpen > 0 {
		return o.MaxOpen
	}
	return defaultMaxOpen()
}

// Source reads paths in order: each FILE as given, each DIR expanded to its
// captures in time order, "-" for stdin.
type Source struct {
	paths []string
	opt   Options

	mu     sync.Mutex
	status source.Status
	read   atomic.Int64 // bytes read from the files, for the progress line

	// once and dec read the paths that are read to their end, one after
	// another, so a directory of many captures costs one set of buffers,
	// not one each.
	once *lineReader
	dec  decoder
	env  envelope.Decoder
}

// New returns a source for FILE, DIR and "-" arguments. Paths are opened
// when it runs, so a missing file is reported without stopping the others.
func New(paths []string, opt Options) *Source {
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	if opt.Stdin == nil {
		opt.Stdin = os.Stdin
	}
	mode := "file"
	if opt.Follow {
		mode = "follow"
	}
	return &Source{paths: paths, opt: opt, status: source.Status{Mode: mode}}
}

// Name is what the status bar shows.
func (s *Source) Name() string {
	if len(s.paths) == 1 {
		if s.paths[0] == "-" {
			return "stdin"
		}
		return filepath.Base(s.paths[0])
	}
	return fmt.Sprintf("%d paths", len(s.paths))
}

// Status reports the mode, the last error and how much is read.
func (s *Source) Status() source.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Read = s.read.Load()
	return st
}

// countingReader counts the bytes read from a file for the progress line.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sizeOf is the bytes the paths hold now (stdin and what cannot be read
// count nothing), for the progress line.
func sizeOf(paths []string) int64 {
	var total int64
	for _, p := range paths {
		if p == "-" {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			continue
		}
		if !info.IsDir() {
			total += info.Size()
			continue
		}
		files, _, _ := listDir(p)
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil {
				total += fi.Size()
			}
		}
	}
	return total
}

func (s *Source) noteError(err error) {
	s.mu.Lock()
	s.status.LastError = err.Error()
	s.mu.Unlock()
}

// Run reads every path. Without Follow it returns when all are read, with
// the errors of paths that could not be read joined together; the others
// are read regardless.
func (s *Source) Run(ctx context.Context, emit source.Emit) error {
	var errs []error
	fail := func(err error) {
		errs = append(errs, err)
		s.noteError(err)
	}
	stop := func() error { return ctx.Err() }
	size := sizeOf(s.paths)
	s.mu.Lock()
	s.status.Size = size
	s.mu.Unlock()
	defer func() { // read to the end (following goes on from there)
		s.mu.Lock()
		s.status.Loaded = true
		s.mu.Unlock()
	}()
	var follow []*follower
	dirs := map[string]map[string]bool{}
	for _, p := range s.paths {
		if p == "-" {
			if err := s.readStream(source.Interruptible(ctx, s.opt.Stdin), "-", emit, stop); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fail(&fs.PathError{Op: "read", Path: "stdin", Err: err})
			}
			continue
		}
		info, err := os.Stat(p)
		switch {
		case err != nil && s.opt.Follow && errors.Is(err, os.ErrNotExist):
			follow = append(follow, &follower{path: p}) // like tail -F: wait for it
			continue
		case err != nil:
			fail(err)
			continue
		}
		files := []string{p}
		if info.IsDir() {
			var skipped []error
			files, skipped, err = listDir(p)
			for _, e := range skipped {
				fail(e) // one unreadable folder; the rest is read
			}
			if err != nil {
				fail(err)
				continue
			}
			if len(files) == 0 && !s.opt.Follow {
				fail(&fs.PathError{Op: "read", Path: p, Err: errNoCaptures})
			}
			dirs[p] = map[string]bool{}
			for _, f := range files {
				dirs[p][f] = true
			}
		}
		for _, f := range files {
			fl, err := s.readFile(f, emit, stop, s.opt.Follow)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				fail(err)
			}
			if fl != nil {
				follow = append(follow, fl)
			}
		}
	}
	if !s.opt.Follow || len(follow) == 0 && len(dirs) == 0 {
		// Read once, or nothing left that can grow (gzip files, stdin).
		return errors.Join(errs...)
	}
	s.mu.Lock()
	s.status.Loaded = true
	s.mu.Unlock()
	return s.followAll(ctx, follow, dirs, emit)
}

// sharedReader is the one line reader every stream and followed file is
// read through, one after another.
func (s *Source) sharedReader() *lineReader {
	if s.once == nil {
		s.once = newLineReader("")
	}
	return s.once
}

// onceReader is the shared reader for a stream read to its end, reset for
// origin.
func (s *Source) onceReader(origin string) *lineReader {
	r := s.sharedReader()
	r.reset()
	r.origin = origin
	return r
}

func (s *Source) readStream(r io.Reader, origin string, emit source.Emit, stop func() error) error {
	rd, compressed, err := s.dec.open(r)
	if err != nil {
		return err
	}
	rd, kind, err := s.dec.sniff(rd, compressed)
	if err != nil {
		return err
	}
	return s.readKind(kind, rd, nil, origin, emit, stop)
}

// readKind reads a stream to its end by what its bytes are: lines of text,
// or an envelope. at, when not nil, reads the same stream at any offset
// (a file), which Parquet needs.
func (s *Source) readKind(kind envelope.Kind, rd io.Reader, at sizedReaderAt, origin string, emit source.Emit, stop func() error) error {
	switch kind {
	case envelope.Text:
		return s.onceReader(origin).readAll(rd, emit, stop)
	case envelope.Parquet:
		if at == nil {
			return ErrParquet
		}
		size, err := at.size()
		if err != nil {
			return err
		}
		return s.env.ReadParquet(at, size, origin, s.opt.Columns, emit, stop)
	}
	err := s.env.Read(kind, rd, origin, emit, stop)
	if errors.Is(err, ErrTrailing) {
		// Lines say after which line they stopped; an envelope says this.
		err = fmt.Errorf("%w after the records before them were read", err)
	}
	return err
}

// readFile reads a file to its end. When following, a plain file is
// returned as a follower positioned at its end (its partial last line
// kept), closed until it grows; gzip files, FIFOs and devices are read once.
func (s *Source) readFile(path string, emit source.Emit, stop func() error, follow bool) (*follower, error) {
	f, err := OpenStoppable(path, stop)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var at sizedReaderAt
	if info.Mode().IsRegular() {
		at = fileAt{f}
	} else {
		follow = false // a FIFO or device: read as a stream to its end, as stdin is; it cannot seek
	}
	rd, compressed, err := s.dec.open(countingReader{f, &s.read})
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	kind := envelope.Text
	if !follow || compressed {
		if rd, kind, err = s.dec.sniff(rd, compressed); err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
	} else {
		kind = s.dec.kindOf() // only text lines are followed; an envelope is read once
	}
	if !follow || compressed || kind != envelope.Text {
		if err := s.readKind(kind, rd, at, path, emit, stop); err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		return nil, nil
	}
	fl := &follower{path: path, info: info, grew: time.Now()}
	if _, err := fl.readFrom(s.sharedReader(), rd, emit, stop); err != nil {
		return fl, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if now, err := f.Stat(); err == nil {
		fl.info = now
	}
	return fl, nil
}

// OpenStoppable opens path; opening a named pipe waits for a writer (as
// cat does), so that wait ends when stop says so instead of holding the
// program past an interrupt.
func OpenStoppable(path string, stop func() error) (*os.File, error) {
	if st, err := os.Stat(path); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		return os.Open(path)
	}
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case o := <-ch:
			return o.f, o.err
		case <-tick.C:
			if err := stop(); err != nil {
				go func() { // a writer may still come: close what it opens
					if o := <-ch; o.f != nil {
						o.f.Close()
					}
				}()
				return nil, err
			}
		}
	}
}
