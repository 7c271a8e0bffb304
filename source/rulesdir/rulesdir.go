// Package rulesdir loads the security groups, network ACLs, interfaces,
// subnets and prefix lists saved from `aws ec2 describe-*` commands, so a
// replayed capture can be explained with the rules as they were.
package rulesdir

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowtail/flowtail/model/rules"
)

// Warning names a file that was skipped and why.
type Warning struct {
	Path string
	Err  error
}

func (w Warning) Error() string { return w.Err.Error() }

// Result is what a directory held.
type Result struct {
	Snapshot *rules.Snapshot
	Loaded   []string  // files read, in order
	Warnings []Warning // files skipped
}

// Load reads every .json file under dir (or dir itself when it is a file).
// A file that is not one of the describe-* shapes is named in a warning and
// skipped; the error is for a directory that cannot be read or holds no
// rules at all.
func Load(dir string) (*Result, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if !st.IsDir() {
		return LoadFS(os.DirFS(filepath.Dir(dir)), filepath.Base(dir), filepath.Dir(dir))
	}
	return LoadFS(os.DirFS(dir), ".", dir)
}

// LoadFS is Load over a file system (the embedded demo rules); display is
// the directory name warnings are reported under.
func LoadFS(fsys fs.FS, root, display string) (*Result, error) {
	res := &Result{Snapshot: rules.NewSnapshot()}
	var files []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			res.Warnings = append(res.Warnings, Warning{shown(display, p), err})
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if p != root && !strings.EqualFold(path.Ext(p), ".json") { // a file named on its own is read as given
			res.Warnings = append(res.Warnings, Warning{shown(display, p), fmt.Errorf("rules: %s: skipped: not a .json file", shown(display, p))})
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rules: read %s: %w", display, err)
	}
	sort.Strings(files)
	for _, p := range files {
		b, err := fs.ReadFile(fsys, p)
		name := shown(display, p)
		if err != nil {
			res.Warnings = append(res.Warnings, Warning{name, fmt.Errorf("rules: %w", err)})
			continue
		}
		s, _, err := rules.Decode(b, name)
		if err != nil {
			res.Warnings = append(res.Warnings, Warning{name, fmt.Errorf("%w; skipped", err)})
			continue
		}
		res.Snapshot.Merge(s)
		res.Loaded = append(res.Loaded, name)
	}
	if len(res.Loaded) == 0 {
		where := display
		if st, err := fs.Stat(fsys, root); err == nil && !st.IsDir() {
			where = shown(display, root) // a file named on its own
		}
		if len(res.Warnings) > 0 {
			return res, fmt.Errorf("rules: no describe-* JSON could be read in %s (%d files skipped; first: %v)", where, len(res.Warnings), res.Warnings[0].Err)
		}
		return res, fmt.Errorf("rules: no .json files in %s: save them with aws ec2 describe-network-interfaces, describe-security-groups, describe-network-acls", display)
	}
	return res, nil
}

func shown(dir, p string) string {
	if p == "." {
		return dir
	}
	return filepath.Join(dir, filepath.FromSlash(p))
}
