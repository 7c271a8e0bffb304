package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/flowtail/flowtail/source"
)

// Following many files: a file holds a descriptor only while it grows, and
// no buffer of its own. Every read goes through the source's one line
// reader; what a follower keeps between reads is its position, its line
// number and the partial last line waiting for its newline. A file that
// stops growing for idleAfter is closed and then only looked at with stat,
// every idleEvery polls, until it grows, is truncated or is replaced. At
// most maxOpen files are open at once (fewer when the system runs out of
// descriptors), so a directory of 100,000 captures under `ulimit -n 256`
// loses nothing. A file closed while idle that is then appended to and
// rotated away before the next look loses that last append, as `tail -F`
// with a closed file would.
const (
	idleAfter = 5 * time.Second
	idleEvery = 4
)

// follower is one followed path.
type follower struct {
	path     string
	f        *os.File    // open while the file grows; nil when idle or missing
	info     os.FileInfo // identity and size when last seen; nil while missing
	pos      int64       // bytes of the file consumed, pending included
	pending  []byte      // a partial last line waiting for its newline
	lineNo   int64
	skipping bool      // dropping the rest of a line already reported as too long
	grew     time.Time // when the file last grew
}

// readFrom emits the lines of src through the shared reader r, continuing
// from the follower's state, until src has no more for now; the partial
// last line stays with the follower. progress says whether bytes came.
func (fl *follower) readFrom(r *lineReader, src io.Reader, emit source.Emit, stop func() error) (progress bool, err error) {
	r.reset()
	r.origin, r.lineNo, r.skipping = fl.path, fl.lineNo, fl.skipping
	r.end = copy(r.buf, fl.pending)
	defer func() {
		fl.lineNo, fl.skipping = r.lineNo, r.skipping
		fl.pending = append(fl.pending[:0], r.buf[r.start:r.end]...)
		if cap(fl.pending) > 4096 && len(fl.pending) < cap(fl.pending)/4 {
			fl.pending = append([]byte(nil), fl.pending...) // a long line passed: give its room back
		}
		r.reset()
	}()
	atStart := fl.pos == 0
	for {
		if err := stop(); err != nil {
			return progress, err
		}
		n, err := r.fill(src)
		r.end += n
		fl.pos += int64(n)
		if n > 0 {
			progress = true
			if atStart && bytes.HasPrefix(r.buf[r.start:r.end], []byte(utf8BOM)) {
				r.start += len(utf8BOM) // the file's first bytes: not part of its first line
			}
			atStart = false
			r.split(emit)
		}
		if err == io.EOF || (n == 0 && err == nil) {
			return progress, nil
		}
		if err != nil {
			return progress, err
		}
	}
}

// restart emits a partial last line that will get no newline (its file
// was replaced) and starts the path over.
func (fl *follower) restart(r *lineReader, emit source.Emit) {
	if len(fl.pending) > 0 && !fl.skipping {
		r.reset()
		r.origin, r.lineNo = fl.path, fl.lineNo
		r.end = copy(r.buf, fl.pending)
		r.finish(emit)
	}
	fl.pending, fl.lineNo, fl.skipping, fl.pos = fl.pending[:0], 0, false, 0
}

// followSet is the set of followed files and the descriptors they hold.
type followSet struct {
	s       *Source
	rd      *lineReader
	emit    source.Emit
	stop    func() error
	list    []*follower
	open    int // followers holding a descriptor
	maxOpen int
}

func errTooManyOpen(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

func (fs *followSet) close(fl *follower) {
	if fl.f != nil {
		fl.f.Close()
		fl.f = nil
		fs.open--
	}
}

// closeQuietest closes the open follower other than keep that grew least
// recently; false when there is none.
func (fs *followSet) closeQuietest(keep *follower) bool {
	var q *follower
	for _, fl := range fs.list {
		if fl.f != nil && fl != keep && (q == nil || fl.grew.Before(q.grew)) {
			q = fl
		}
	}
	if q == nil {
		return false
	}
	fs.close(q)
	return true
}

// reopen opens a closed follower's file at its position. It closes the file
// quiet longest when the cap, or the system, allows no more; when nothing
// can be closed the file waits for a later poll (ok false, no error).
func (fs *followSet) reopen(fl *follower) (ok bool, err error) {
	for attempt := 0; ; attempt++ {
		if fs.open >= fs.maxOpen && !fs.closeQuietest(fl) {
			return false, nil
		}
		f, err := os.Open(fl.path)
		if errTooManyOpen(err) {
			if attempt >= 3 || fs.open == 0 {
				return false, nil // not ours to free: try again later, nothing is lost
			}
			fs.maxOpen = max(1, fs.open-1) // the system's limit is below ours
			continue
		}
		if err != nil {
			return false, err
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return false, err
		}
		if fl.info != nil && !os.SameFile(fl.info, info) || info.Size() < fl.pos {
			fl.restart(fs.rd, fs.emit) // replaced or truncated while closed
		}
		if _, err := f.Seek(fl.pos, io.SeekStart); err != nil {
			f.Close()
			return false, err
		}
		fl.f, fl.info = f, info
		fs.open++
		return true, nil
	}
}

// poll reads one follower: an open one is read and checked for rotation
// and truncation; a closed one is looked at with stat (when look is set)
// and opened when there is something new. progress: bytes came.
func (fs *followSet) poll(fl *follower, look bool, now time.Time) (progress bool, err error) {
	if fl.f == nil {
		if !look {
			return false, nil
		}
		info, err := os.Stat(fl.path)
		if err != nil {
			return false, nil // missing: wait for it, like tail -F
		}
		if fl.info != nil && os.SameFile(fl.info, info) && info.Size() == fl.pos {
			return false, nil // idle
		}
		if ok, err := fs.reopen(fl); !ok {
			return false, err
		}
		fl.grew = now
	}
	p, err := fl.readFrom(fs.rd, fl.f, fs.emit, fs.stop)
	if err != nil {
		return p, err
	}
	if p {
		fl.grew = now
	}
	if err := fs.check(fl); err != nil {
		return p, err
	}
	if fl.f != nil && now.Sub(fl.grew) >= idleAfter {
		fs.close(fl)
	}
	return p, nil
}

// check looks for what `tail -F` survives in an open file: the path
// replaced by a new file (rotation) and the file shrinking (truncation).
func (fs *followSet) check(fl *follower) error {
	info, err := os.Stat(fl.path)
	if err != nil {
		return nil // rotated away and not recreated yet: keep the old file
	}
	if os.SameFile(fl.info, info) {
		if info.Size() < fl.pos {
			if _, err := fl.f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			fl.pending, fl.lineNo, fl.skipping, fl.pos = fl.pending[:0], 0, false, 0
		}
		fl.info = info
		return nil
	}
	// Rotated: read what was written to the old file before the rename;
	// its last line may lack a newline, and it ends here. The new file
	// is opened by the next poll.
	if _, err := fl.readFrom(fs.rd, fl.f, fs.emit, fs.stop); err != nil {
		return err
	}
	fl.restart(fs.rd, fs.emit)
	fs.close(fl)
	fl.info = nil
	return nil
}

// followAll polls every followed file until ctx ends, and rescans the named
// directories for new captures.
func (s *Source) followAll(ctx context.Context, follow []*follower, dirs map[string]map[string]bool, emit source.Emit) error {
	fs := &followSet{s: s, rd: s.sharedReader(), emit: emit, stop: func() error { return ctx.Err() },
		list: follow, maxOpen: s.opt.maxOpen()}
	defer func() {
		for _, fl := range fs.list {
			fs.close(fl)
			// The read ends: a last line still waiting for its newline
			// will get none here, so it is read as reading the file once
			// would read it, not dropped without a word.
			fl.restart(fs.rd, emit)
		}
	}()
	tick := time.NewTicker(s.opt.Poll)
	defer tick.Stop()
	for polls := 0; ; polls++ {
		progress := false
		look := polls%idleEvery == 0
		now := time.Now()
		for _, fl := range fs.list {
			p, err := fs.poll(fl, look, now)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				s.noteError(fmt.Errorf("follow %s: %w", fl.path, err))
			}
			progress = progress || p
		}
		s.noteWaiting(fs.list)
		if polls%8 == 7 {
			fs.list = append(fs.list, s.newFiles(dirs, emit, fs.stop)...)
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
		if fl.info == nil { // never seen (an idle file is closed but known)
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
		files, skipped, err := listDir(dir)
		for _, e := range skipped {
			s.noteError(fmt.Errorf("rescan: %w", e))
		}
		if err != nil {
			s.noteError(fmt.Errorf("rescan %s: %w", dir, err))
			continue
		}
		for _, f := range files {
			if seen[f] {
				continue
			}
			// An empty file is left for a later scan: its first bytes say
			// whether it is gzip, and a writer may not have put them there yet.
			if st, err := os.Stat(f); err == nil && st.Size() == 0 {
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
