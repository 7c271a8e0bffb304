package source

import (
	"context"
	"errors"
	"io/fs"
	"sort"
	"sync"
	"testing"

	"github.com/flowtail/flowtail/model"
)

type stub struct {
	name  string
	lines []string
	err   error
	block bool // wait for ctx after the lines
}

func (s *stub) Name() string { return s.name }
func (s *stub) Run(ctx context.Context, emit Emit) error {
	for _, l := range s.lines {
		emit(model.Batch{Events: []model.Event{{Origin: s.name, Line: []byte(l)}}})
	}
	if s.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return s.err
}

// RunAll gives every line of every source to emit with the source's index,
// and each final error once; a source stopped by ctx reports none.
func TestRunAllFansInAndSplitsErrors(t *testing.T) {
	boom := errors.New("boom")
	srcs := []Source{
		&stub{name: "a", lines: []string{"a1", "a2"}},
		&stub{name: "b", lines: []string{"b1"}, err: boom},
		&stub{name: "c", lines: []string{"c1"}, block: true},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got []string
	errs := map[int]error{}
	seen := 0
	RunAll(ctx, srcs, func(i int, b model.Batch) {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range b.Events {
			got = append(got, srcs[i].Name()+":"+string(ev.Line))
		}
		if seen++; seen == 4 {
			cancel()
		}
	}, func(i int, err error) {
		mu.Lock()
		defer mu.Unlock()
		errs[i] = err
	})
	sort.Strings(got)
	want := []string{"a:a1", "a:a2", "b:b1", "c:c1"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if len(errs) != 1 || !errors.Is(errs[1], boom) {
		t.Fatalf("errors %v, want only b's", errs)
	}
}

// Errors names the source for errors that do not name a path, and splits
// joined errors into one per cause.
func TestErrorsNameWhere(t *testing.T) {
	pe := &fs.PathError{Op: "open", Path: "/x/y.log", Err: fs.ErrPermission}
	got := Errors(&stub{name: "files"}, errors.Join(pe, errors.New("gzip: bad header")))
	if len(got) != 2 || got[0].Error() != "open /x/y.log: permission denied" || got[1].Error() != "files: gzip: bad header" {
		t.Fatalf("got %q", got)
	}
}
