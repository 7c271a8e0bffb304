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
	switch strings.ToLower(filepath.Ext(strings.TrimSuffix(path, ".gz"))) {
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
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return 0, fmt.Errorf("export: %s already exists; type another name", path)
	}
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
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
	visitSelection(store, sel, func(f *model.Flow, x *model.Ext) {
		buf = enc.Append(buf, format, f, x)
		n++
	}, func() {
		w.Write(buf)
		buf = buf[:0]
	})
	w.Write(buf)
	err = w.Flush()
	if zw != nil && err == nil {
		err = zw.Close()
	}
	if err != nil {
		file.Close()
		return n, fmt.Errorf("export: write %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return n, fmt.Errorf("export: close %s: %w", path, err)
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
