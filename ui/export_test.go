package ui

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model/export"
)

func TestExportMarkedRowsToCSV(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("j", "m", "j", "j", "j", "j", "m") // mark the record from 10.0.9.9 and the telnet attempt
	d.keys("ctrl+s")
	if !strings.Contains(d.footerLine(), "2 marked records") {
		t.Fatalf("export prompt should say what it will write: %q", d.footerLine())
	}
	path := filepath.Join(t.TempDir(), "marked.csv")
	d.keys("ctrl+u")
	d.typeText(path)
	d.keys("enter")
	if !strings.Contains(d.footerLine(), "wrote 2 records") {
		t.Fatalf("confirmation missing: %q", d.footerLine())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "version,account-id,interface-id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log-status\n" +
		"2,123456789012,eni-0a1b2c3d4e5f60002,203.0.113.50,10.0.2.10,51516,23,6,1,40,1700000032,1700000060,REJECT,OK\n" +
		"2,123456789012,eni-evil?]0;pwned?,10.0.9.9,10.0.2.10,1234,80,6,3,180,1700000036,1700000096,ACCEPT,OK\n" // control bytes replaced, as model/export writes CSV
	if string(data) != want {
		t.Fatalf("exported:\n%q\nwant:\n%q", data, want)
	}

	// The same name again is refused rather than overwritten.
	d.keys("ctrl+s", "ctrl+u")
	d.typeText(path)
	d.keys("enter")
	if !strings.Contains(d.footerLine(), "already exists") {
		t.Fatalf("existing file should be refused: %q", d.footerLine())
	}
}

func TestExportFilteredViewToJSONLines(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	d.applyFilter("reject")
	d.keys("ctrl+s", "ctrl+u")
	path := filepath.Join(t.TempDir(), "rejects.jsonl")
	d.typeText(path)
	d.keys("enter")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the 2 filtered records, got:\n%s", data)
	}
	for i, port := range []float64{22, 23} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if rec["action"] != "REJECT" || rec["dstport"] != port {
			t.Errorf("record %d = %v, want REJECT to port %v", i, rec, port)
		}
	}
}

func TestExportWholeBufferAsText(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("ctrl+s", "ctrl+u")
	path := filepath.Join(t.TempDir(), "all.txt")
	d.typeText(path)
	d.keys("enter")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A header line first, as S3 delivery writes, so the file reads back.
	if n := strings.Count(string(data), "\n"); n != 10 || !strings.HasPrefix(string(data), "version account-id ") {
		t.Fatalf("want a header and all 9 records, got %d lines:\n%s", n, data)
	}
}

func TestExportGzip(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("ctrl+s", "ctrl+u")
	path := filepath.Join(t.TempDir(), "all.jsonl.gz")
	d.typeText(path)
	d.keys("enter")
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	zr, err := gzip.NewReader(file)
	if err != nil {
		t.Fatalf("export to .gz is not gzip: %v", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 9 || !strings.HasPrefix(string(data), "{") {
		t.Fatalf("want 9 JSON lines, got:\n%s", data)
	}
}

// The suggested file name is shown whole at 80 columns, not scrolled to
// its tail.
func TestExportPromptShowsWholeNameAt80Columns(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.applyFilter("reject")
	d.keys("ctrl+s")
	name := d.m.export.input.Value()
	if got := d.footerLine(); !strings.Contains(got, "save to: "+name) || cellWidth(got) > 80 {
		t.Errorf("export prompt %q should show the whole name %q within 80 cells", got, name)
	}
	wide := newDriver(t, fixtureConfig(fixtureStore(t)), 160, 24)
	wide.keys("ctrl+s")
	if got := wide.footerLine(); !strings.Contains(got, wide.m.export.input.Value()+"  .csv .jsonl .txt") {
		t.Errorf("the formats should follow the name on a wide terminal: %q", got)
	}
}

// The suggested name is replaced by the first character typed or the
// first paste, and kept by keys that edit it.
func TestExportPromptTypingReplacesSuggestedName(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 80, 24)
	d.keys("ctrl+s")
	d.typeText("out.csv")
	if got := d.m.export.input.Value(); got != "out.csv" {
		t.Errorf("typing over the suggestion gives %q, want out.csv", got)
	}

	d.keys("esc", "ctrl+s")
	suggested := d.m.export.input.Value()
	d.keys("backspace", "backspace", "backspace")
	d.typeText("txt")
	if got, want := d.m.export.input.Value(), strings.TrimSuffix(suggested, "csv")+"txt"; got != want {
		t.Errorf("editing the suggestion gives %q, want %q", got, want)
	}

	d.keys("esc", "ctrl+s")
	d.send(tea.PasteMsg{Content: "/tmp/pasted.jsonl"})
	if got := d.m.export.input.Value(); got != "/tmp/pasted.jsonl" {
		t.Errorf("pasting over the suggestion gives %q", got)
	}
}

// TestExportKindIgnoresCase: ALL.JSONL.GZ is gzip-compressed JSON lines,
// as all.jsonl.gz is; the upper-case .GZ was compressed but its inner
// .JSONL was not seen, and the file held CSV.
func TestExportKindIgnoresCase(t *testing.T) {
	for name, want := range map[string]export.Kind{
		"ALL.JSONL.GZ": export.JSON, "all.Jsonl.Gz": export.JSON, "x.TXT.GZ": export.Text,
		"x.LOG": export.Text, "x.CSV.GZ": export.CSV, "x.jsonl.gz": export.JSON,
	} {
		if got := exportKindFor(name); got != want {
			t.Errorf("%s exports as %v, want %v", name, got, want)
		}
	}
}
