package file

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// deniedFS is a folder tree in which one sub-folder cannot be listed.
type deniedFS struct {
	fs.FS
	denied string
}

func (d deniedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == d.denied {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return fs.ReadDir(d.FS, name)
}

// One unreadable sub-folder is skipped and named; every other capture of
// the tree is read.
func TestUnreadableSubfolderSkipped(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"2024/01/01/a.log", "2024/01/02/b.log", "2024/01/03/c.log"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, full, []byte(rec1+"\n"))
	}
	old := openTree
	openTree = func(root string) fs.FS { return deniedFS{os.DirFS(root), "2024/01/02"} }
	defer func() { openTree = old }()
	got, err := collect(t, New([]string{dir}, Options{}))
	var origins []string
	for _, l := range got {
		origins = append(origins, filepath.Base(l.origin))
	}
	if strings.Join(origins, ",") != "a.log,c.log" {
		t.Fatalf("read %v, want a.log and c.log", origins)
	}
	if err == nil || !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), filepath.Join(dir, "2024", "01", "02")) {
		t.Fatalf("want the unreadable folder named, got %v", err)
	}
}
