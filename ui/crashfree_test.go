package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Messages shorter than the terminal went through a helper that sliced
// past their end: the footer panicked on the first short error. Export to
// a folder that does not exist is one; the screen must show the error.
func TestShortFooterErrorsAreShown(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, fixtureConfig(fixtureStore(t)), size[0], size[1])
			missing := filepath.Join(t.TempDir(), "no", "such", "x.csv")
			d.keys("ctrl+s", "ctrl+u")
			d.typeText(missing)
			d.keys("enter")
			foot := d.footerLine()
			if !strings.Contains(foot, "export: no folder") {
				t.Fatalf("footer %q does not say what failed", foot)
			}
		})
	}
}
