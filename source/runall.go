package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/flowtail/flowtail/model"
)

// RunAll runs every source at once, each into emit from its own goroutine
// (emit must be safe for that), until all end or ctx is done. onErr hears
// each source's final error; a source stopped by ctx has none.
func RunAll(ctx context.Context, srcs []Source, emit func(i int, b model.Batch), onErr func(i int, err error)) {
	var wg sync.WaitGroup
	for i, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Run(ctx, func(b model.Batch) { emit(i, b) })
			if err != nil && !errors.Is(err, context.Canceled) {
				onErr(i, err)
			}
		}()
	}
	wg.Wait()
}

// Errors splits a source's final error into one error per cause, each
// naming where it happened: file errors name their path, others get the
// source's name.
func Errors(src Source, err error) []error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for i, e := range errs {
		var pe *fs.PathError
		if !errors.As(e, &pe) {
			errs[i] = fmt.Errorf("%s: %w", src.Name(), e)
		}
	}
	return errs
}
