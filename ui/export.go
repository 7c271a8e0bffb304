package ui

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/klauspost/compress/gzip"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
)

// exportDoneMsg reports a finished export.
type exportDoneMsg struct {
	path string
	n    int
	kind export.Kind
	err  error
}

// exportKindFor picks the encoding from the file name: .json/.jsonl/.ndjson
// give JSON lines, .txt/.log flow-log text, anything else CSV; a further
// .gz compresses it.
func exportKindFor(path string) export.Kind {
	switch filepath.Ext(strings.TrimSuffix(strings.ToLower(path), ".gz")) {
	case ".json", ".jsonl", ".ndjson":
		return export.JSON
	case ".txt", ".log":
		return export.Text
	}
	return export.CSV
}

// exportSelection is what ctrl+s writes: the marked rows when there are
// any, else the filter's matches, else the whole buffer (seqs nil, up to
// next). It is fixed when the user asks, so records arriving during the
// export do not change what "the view" meant.
type exportSelection struct {
	seqs   []uint64
	all    bool
	next   uint64
	what   string
	nCount int
}

func currentSelection(sh *Shared, fp *flowsPane) exportSelection {
	if fp != nil && len(fp.marks) > 0 {
		seqs := make([]uint64, 0, len(fp.marks))
		for s := range fp.marks {
			seqs = append(seqs, s)
		}
		slices.Sort(seqs)
		return exportSelection{seqs: seqs, what: "marked", nCount: len(seqs)}
	}
	if sh.Filter != nil && sh.Matches != nil {
		return exportSelection{seqs: slices.Clone(sh.Matches.Seqs), what: "filtered", nCount: len(sh.Matches.Seqs)}
	}
	c := sh.Store.Counters()
	return exportSelection{all: true, next: c.Seen, what: "buffered", nCount: int(c.Seen - c.Evicted)}
}

// exportCmd writes the selection to path off the UI goroutine. It reads
// the store in chunks so ingest is never held up for long, and names the
// columns after the fields the exported records actually carry.
func exportCmd(store *model.Store, sel exportSelection, path string) tea.Cmd {
	return func() tea.Msg {
		kind := exportKindFor(path)
		n, err := writeExport(store, sel, path, kind)
		return exportDoneMsg{path: path, n: n, kind: kind, err: err}
	}
}

func writeExport(store *model.Store, sel exportSelection, path string, kind export.Kind) (int, error) {
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	format, err := exportFormat(store, sel)
	if err != nil {
		return 0, err
	}
	if _, err := os.Lstat(path); err == nil {
		return 0, fmt.Errorf("export: %s already exists; type another name", path)
	}
	// The records go to a temporary file beside the target, renamed only
	// once complete: a failed export leaves no partial file to block a retry.
	dir := filepath.Dir(path)
	file, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.part")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("export: no folder %s; type another name", dir)
	}
	if err != nil {
		return 0, fmt.Errorf("export: cannot write in %s: %w", dir, unwrapPath(err))
	}
	tmp := file.Name()
	n, err := encodeSelection(file, store, sel, path, kind, format)
	if cerr := file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("export: close %s: %w", path, cerr)
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = publish(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return n, err
	}
	return n, nil
}

// publish gives the finished temporary file its name, never replacing a
// file that appeared meanwhile (a hard link fails when the name exists).
func publish(tmp, path string) error {
	err := os.Link(tmp, path)
	switch {
	case err == nil:
		return os.Remove(tmp)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("export: %s already exists; type another name", path)
	}
	// A file system without hard links: rename, having checked above.
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// unwrapPath drops the operation and temporary name from a path error:
// the user named the target, not the temporary file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func encodeSelection(file *os.File, store *model.Store, sel exportSelection, path string, kind export.Kind, format *model.Format) (int, error) {
	var out io.Writer = file
	var zw *gzip.Writer
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zw = gzip.NewWriter(file)
		out = zw
	}
	w := bufio.NewWriterSize(out, 1<<16)
	enc := export.NewEncoder(kind, store.Names())
	buf := enc.Header(nil, format)
	n := 0
	var werr error
	visitSelection(store, sel, func(f *model.Flow, x *model.Ext) {
		buf = enc.Append(buf, format, f, x)
		n++
	}, func() {
		if werr == nil {
			_, werr = w.Write(buf)
		}
		buf = buf[:0]
	})
	if werr == nil {
		_, werr = w.Write(buf)
	}
	if werr == nil {
		werr = w.Flush()
	}
	if zw != nil && werr == nil {
		werr = zw.Close()
	}
	if werr != nil {
		return n, fmt.Errorf("export: write %s: %w", path, unwrapPath(werr))
	}
	return n, nil
}

// exportFormat is the known fields any selected record carries, in AWS
// order, then the unknown names of the records' own formats in order of
// first use: CSV gets one column per field in use.
func exportFormat(store *model.Store, sel exportSelection) (*model.Format, error) {
	var used [model.FieldOpaque0]bool
	var unknown []string
	seen := map[string]bool{}
	fields := model.KnownFields()
	visitSelection(store, sel, func(f *model.Flow, x *model.Ext) {
		for _, id := range fields {
			if !used[id] && model.Present(f, x, id) {
				used[id] = true
			}
		}
		if x == nil {
			return
		}
		rf := model.FormatOf(f)
		for _, id := range rf.Unknown() {
			if name := rf.Name(id); x.Has(id) && !seen[model.FoldName(name)] {
				seen[model.FoldName(name)] = true
				unknown = append(unknown, name)
			}
		}
	}, func() {})
	var names []string
	for id, on := range used {
		if on {
			names = append(names, model.FieldID(id).Name())
		}
	}
	names = append(names, unknown...)
	if len(names) == 0 {
		return nil, errors.New("export: nothing to write (the selection is empty or has left the buffer)")
	}
	return model.ParseFormat(strings.Join(names, " "))
}

// visitSelection calls each for every selected record still in the ring,
// oldest first, in chunks; flush runs after each chunk, outside the lock.
func visitSelection(store *model.Store, sel exportSelection, each func(*model.Flow, *model.Ext), flush func()) {
	eachChunk(store, sel.seqs, sel.all, sel.next, filterChunk, func(_ uint64, f *model.Flow, x *model.Ext) { each(f, x) }, flush)
}
