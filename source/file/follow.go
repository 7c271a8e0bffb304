package file

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flowtail/flowtail/source"
)

// follower is one followed path: the open file, its identity when opened,
// and the reader holding a partial last line until its newline arrives.
type follower struct {
	path string
	f    *os.File // nil while the path does not exist
	info os.FileInfo
	src  io.Reader
	rd   *lineReader
}

// read emits what was appended since the last read; progress says whether
// any bytes came.
func (fl *follower) read(emit source.Emit, stop func() error) (progress bool, err error) {
	for {
		if err := stop(); err != nil {
			return progress, err
		}
		n, err := fl.rd.fill(fl.src)
		fl.rd.end += n
		if n > 0 {
			progress = true
			fl.rd.split(emit)
		}
		if err == io.EOF || (n == 0 && err == nil) {
			return progress, nil
		}
		if err != nil {
			return progress, err
		}
	}
}

// check looks for the three things `tail -F` survives: the path replaced by
// a new file (rotation), the file shrinking (truncation), and the path
// appearing after it was missing.
func (fl *follower) check(emit source.Emit, stop func() error) error {
	info, err := os.Stat(fl.path)
	if err != nil {
		return nil // rotated away and not recreated yet: keep the old file
	}
	if fl.f != nil && os.SameFile(fl.info, info) {
		pos, err := fl.f.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		if info.Size() < pos {
			if _, err := fl.f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			fl.rd.reset()
		}
		fl.info = info
		return nil
	}
	if fl.f != nil {
		// Rotated: read what was written to the old file before the
		// rename; its last line may lack a newline, and it ends here.
		if _, err := fl.read(emit, stop); err != nil {
			return err
		}
		fl.rd.finish(emit)
		fl.f.Close()
		fl.f = nil
	}
	f, err := os.Open(fl.path)
	if err != nil {
		return nil
	}
	if fl.info, err = f.Stat(); err != nil {
		f.Close()
		return nil
	}
	fl.f, fl.src = f, f
	fl.rd.reset()
	return nil
}

// followAll polls every followed file until ctx ends, and rescans the named
// directories for new captures.
func (s *Source) followAll(ctx context.Context, follow []*follower, dirs map[string]map[string]bool, emit source.Emit) error {
	stop := func() error { return ctx.Err() }
	defer func() {
		for _, fl := range follow {
			if fl.f != nil {
				fl.f.Close()
			}
		}
	}()
	tick := time.NewTicker(s.opt.Poll)
	defer tick.Stop()
	rescan := 0
	for {
		progress := false
		for _, fl := range follow {
			if fl.f != nil {
				p, err := fl.read(emit, stop)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err != nil {
					s.noteError(fmt.Errorf("follow %s: %w", fl.path, err))
				}
				progress = progress || p
			}
			if err := fl.check(emit, stop); err != nil {
				s.noteError(fmt.Errorf("follow %s: %w", fl.path, err))
			}
		}
		s.noteWaiting(follow)
		if rescan++; rescan%8 == 0 {
			follow = append(follow, s.newFiles(dirs, emit, stop)...)
		}
		if progress {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// noteWaiting names, for the status bar, a followed file that has not
// appeared yet ("waiting for FILE to appear", as tail -F says).
func (s *Source) noteWaiting(follow []*follower) {
	waiting := ""
	n := 0
	for _, fl := range follow {
		if fl.f == nil {
			if n == 0 {
				waiting = fl.path
			}
			n++
		}
	}
	if n > 1 {
		waiting += fmt.Sprintf(" and %d more", n-1)
	}
	s.mu.Lock()
	s.status.Waiting = waiting
	s.mu.Unlock()
}

// newFiles reads captures that appeared in followed directories since the
// last scan, such as objects an `aws s3 sync` keeps adding.
func (s *Source) newFiles(dirs map[string]map[string]bool, emit source.Emit, stop func() error) []*follower {
	var out []*follower
	for dir, seen := range dirs {
		files, err := listDir(dir)
		if err != nil {
			s.noteError(fmt.Errorf("rescan %s: %w", dir, err))
			continue
		}
		for _, f := range files {
			if seen[f] {
				continue
			}
			seen[f] = true
			fl, err := s.readFile(f, emit, stop, true)
			if err != nil {
				s.noteError(err)
			}
			if fl != nil {
				out = append(out, fl)
			}
		}
	}
	return out
}
