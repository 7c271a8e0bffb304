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

// A link to a capture in a directory argument is read as the capture; a
// link to a folder and a link to nothing are named, not followed or
// dropped in silence.
func TestLinksInADirectory(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	write(t, filepath.Join(elsewhere, "b.log"), []byte(rec1+"\n"))
	write(t, filepath.Join(dir, "a.log"), []byte(rec1+"\n"))
	for link, target := range map[string]string{
		"b.log": filepath.Join(elsewhere, "b.log"), "folder": elsewhere, "gone.log": filepath.Join(elsewhere, "missing.log"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	files, skipped, err := Captures(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if strings.Join(names, ",") != "a.log,b.log" {
		t.Errorf("read %v, want a.log and the link b.log", names)
	}
	var said []string
	for _, e := range skipped {
		said = append(said, e.Error())
	}
	text := strings.Join(said, "\n")
	if len(skipped) != 2 || !strings.Contains(text, filepath.Join(dir, "folder")+": a link to a folder is not followed") ||
		!strings.Contains(text, filepath.Join(dir, "gone.log")) {
		t.Errorf("skipped:\n%s\nwant the folder link and the broken link named", text)
	}
}
