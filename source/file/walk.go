package file

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Captures lists the capture files of a directory argument in the order
// they are read; a directory with none is an error that names it. A
// sub-folder that cannot be read is named in skipped (an *fs.PathError)
// and the rest is listed.
func Captures(dir string) (files []string, skipped []error, err error) {
	files, skipped, err = listDir(dir)
	if err == nil && len(files) == 0 && len(skipped) == 0 {
		err = &fs.PathError{Op: "read", Path: dir, Err: errNoCaptures}
	}
	return files, skipped, err
}

// listDir returns the capture files under dir, in the time order of their
// records. S3 delivery names each object
// {account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
// under date folders (yyyy/mm/dd[/HH] or Hive-style year=/month=/day=[/hour=]),
// so the name's timestamp orders files across accounts and regions, the
// folders order files without one, and the path breaks ties.
//
// A sub-folder that cannot be read is left out and named in skipped; the
// rest of the tree is read. Only an unreadable dir itself fails.
func listDir(dir string) (files []string, skipped []error, err error) {
	return listTree(openTree(dir), dir)
}

// openTree is the file system listDir walks; tests put a folder no one
// can read in it (root can read any folder on disk).
var openTree = func(dir string) fs.FS { return os.DirFS(dir) }

// listTree is listDir over fsys, whose root is the folder named dir.
func listTree(fsys fs.FS, dir string) ([]string, []error, error) {
	type entry struct {
		path string
		at   time.Time
	}
	var files []entry
	var skipped []error
	err := fs.WalkDir(fsys, ".", func(rel string, d fs.DirEntry, err error) error {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err != nil {
			if rel == "." {
				return &fs.PathError{Op: "read", Path: dir, Err: unwrapPath(err)}
			}
			skipped = append(skipped, &fs.PathError{Op: "read folder", Path: path, Err: unwrapPath(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if rel != "." && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// A link to a capture is read as the capture; a link to a
			// folder is named, not followed, so a loop cannot hold the walk.
			info, err := fs.Stat(fsys, rel)
			switch {
			case err != nil:
				skipped = append(skipped, &fs.PathError{Op: "read link", Path: path, Err: unwrapPath(err)})
				return nil
			case info.IsDir():
				skipped = append(skipped, &fs.PathError{Op: "read", Path: path, Err: errFolderLink})
				return nil
			case !info.Mode().IsRegular() || !isCapture(name):
				return nil
			}
			files = append(files, entry{path, fileTime(path)})
			return nil
		}
		if !d.Type().IsRegular() || !isCapture(name) {
			return nil
		}
		files = append(files, entry{path, fileTime(path)})
		return nil
	})
	if err != nil {
		return nil, skipped, err
	}
	sort.SliceStable(files, func(i, j int) bool {
		if !files[i].at.Equal(files[j].at) {
			return files[i].at.Before(files[j].at)
		}
		return files[i].path < files[j].path
	})
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, skipped, nil
}

// errFolderLink says why a link to a folder inside a directory argument
// was not read.
var errFolderLink = errors.New("a link to a folder is not followed (name the folder itself to read it)")

// unwrapPath drops an *fs.PathError's own path (relative to the tree), so
// the error can name the full one.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isCapture leaves out files a delivery tree holds that are not captures
// (checksums, notes); content decides text, gzip, JSON, CSV or Parquet.
func isCapture(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md5", ".sha256", ".md", ".crc":
		return false
	}
	return true
}

// fileTime is the time a capture's path says it covers: the file name's
// YYYYMMDDTHHmmZ stamp, else the date folders, else the zero time.
func fileTime(path string) time.Time {
	if t, ok := nameTime(filepath.Base(path)); ok {
		return t
	}
	return folderTime(filepath.Dir(path))
}

// nameTime finds a YYYYMMDDTHHmmZ stamp in a file name.
func nameTime(name string) (time.Time, bool) {
	for i := 0; i+14 <= len(name); i++ {
		s := name[i : i+14]
		if s[8] != 'T' || s[13] != 'Z' || !digits(s[:8]) || !digits(s[9:13]) {
			continue
		}
		t, err := time.Parse("20060102T1504Z", s)
		if err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// folderTime reads yyyy/mm/dd[/HH] or year=/month=/day=[/hour=] folders.
func folderTime(dir string) time.Time {
	parts := strings.Split(filepath.ToSlash(dir), "/")
	var ymdh [4]int
	n := 0
	for _, p := range parts {
		key, val, hive := strings.Cut(p, "=")
		if hive {
			idx := map[string]int{"year": 0, "month": 1, "day": 2, "hour": 3}
			if k, ok := idx[key]; ok && digits(val) {
				ymdh[k], _ = strconv.Atoi(val)
				n = max(n, k+1)
			}
			continue
		}
		if !digits(p) {
			n = 0 // a plain date path must be consecutive folders
			continue
		}
		v, _ := strconv.Atoi(p)
		switch {
		case len(p) == 4 && n == 0:
			ymdh[0], n = v, 1
		case len(p) <= 2 && n >= 1 && n < 4:
			ymdh[n] = v
			n++
		}
	}
	if ymdh[0] == 0 {
		return time.Time{}
	}
	if ymdh[1] == 0 {
		ymdh[1] = 1
	}
	if ymdh[2] == 0 {
		ymdh[2] = 1
	}
	return time.Date(ymdh[0], time.Month(ymdh[1]), ymdh[2], ymdh[3], 0, 0, 0, time.UTC)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
