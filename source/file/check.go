package file

import (
	"errors"
	"io/fs"
	"os"
	"strings"
)

// Check finds, before anything is shown, the paths that cannot give a
// single record: a missing or unreadable file, a folder that cannot be
// walked or that holds no capture. With follow a missing path is waited
// for (like tail -F) and an empty folder may still fill, so neither is an
// error then. "-" (stdin) is not checked.
func Check(paths []string, follow bool) error {
	var errs []error
	for _, p := range paths {
		if p == "-" {
			continue
		}
		info, err := os.Stat(p)
		switch {
		case err != nil && follow && errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		case info.IsDir():
			files, skipped, err := listDir(p) // an unreadable sub-folder is named as it is read
			switch {
			case err != nil:
				errs = append(errs, err)
			case len(files) == 0 && len(skipped) > 0 && !follow:
				errs = append(errs, skipped...)
			case len(files) == 0 && !follow:
				errs = append(errs, &fs.PathError{Op: "read", Path: p, Err: errNoCaptures})
			}
			continue
		case info.Mode()&fs.ModeNamedPipe != 0:
			continue // opening it would wait for a writer; reading it does
		}
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Close()
	}
	if len(errs) == 0 {
		return nil
	}
	return checkError(errs)
}

// checkError lists every path's problem on one line, for a terminal.
type checkError []error

func (e checkError) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return "nothing to read: " + strings.Join(msgs, "; ")
}

func (e checkError) Unwrap() []error { return e }
