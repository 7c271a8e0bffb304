package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckFindsWhatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	good := filepath.Join(dir, "good.log")
	os.WriteFile(good, []byte("2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n"), 0o644)
	missing := filepath.Join(dir, "missing.log")

	if err := Check([]string{good, "-"}, false); err != nil {
		t.Errorf("a readable file: %v", err)
	}
	err := Check([]string{good, missing, empty}, false)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "no such file") ||
		!strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "no capture files") {
		t.Errorf("missing file and empty folder: %v", err)
	}
	if err := Check([]string{missing, empty}, true); err != nil {
		t.Errorf("with follow a missing file is waited for and a folder may fill: %v", err)
	}
	if os.Getuid() != 0 {
		locked := filepath.Join(dir, "locked.log")
		os.WriteFile(locked, []byte("x\n"), 0o000)
		if err := Check([]string{locked}, false); err == nil {
			t.Error("an unreadable file passes")
		}
	}
}
