package ui

import (
	"image/color"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func rgb(c color.Color) string {
	if c == nil {
		return ""
	}
	r, g, b, _ := c.RGBA()
	return strings.ToUpper(string([]byte{hex(r >> 12), hex(r >> 8 & 15), hex(g >> 12), hex(g >> 8 & 15), hex(b >> 12), hex(b >> 8 & 15)}))
}

func hex(v uint32) byte { return "0123456789abcdef"[v&15] }

func TestThemes(t *testing.T) {
	fg := func(s lipgloss.Style) string { return rgb(s.GetForeground()) }
	dark := NewStyles(ThemeChoice{Name: "auto"}.resolve(Theme{Dark: true}))
	cb := NewStyles(ThemeChoice{Name: "colorblind"}.resolve(Theme{Dark: true}))
	cbLight := NewStyles(ThemeChoice{Name: "colorblind"}.resolve(Theme{Dark: false}))
	if fg(cb.Accept) != "56B4E9" || fg(cb.Reject) != "E69F00" || fg(cbLight.Accept) != "0072B2" || fg(cbLight.Reject) != "D55E00" {
		t.Errorf("colour-blind palette: accept %s/%s reject %s/%s", fg(cb.Accept), fg(cbLight.Accept), fg(cb.Reject), fg(cbLight.Reject))
	}
	if fg(dark.Accept) == fg(cb.Accept) {
		t.Error("the default palette is the colour-blind one")
	}
	// A fixed theme ignores what the terminal reports.
	if th := (ThemeChoice{Name: "light"}).resolve(Theme{Dark: true}); th.Dark {
		t.Error("light theme on a dark terminal is dark")
	}
	if th := (ThemeChoice{Name: "none"}).resolve(Theme{Dark: true}); !th.NoColor {
		t.Error("theme none keeps colour")
	}

	o, err := ParseStyleOverrides(map[string]string{"reject": "#ff5f87 bold", "cursor": "bg:236 underline"})
	if err != nil {
		t.Fatal(err)
	}
	s := NewStyles(ThemeChoice{Name: "colorblind", Overrides: o}.resolve(Theme{Dark: true}))
	if fg(s.Reject) != "FF5F87" || !s.Reject.GetBold() || !s.Cursor.GetUnderline() || s.Cursor.GetBackground() == nil {
		t.Errorf("overrides not applied: reject %s bold %v", fg(s.Reject), s.Reject.GetBold())
	}
	if fg(s.Accept) != "56B4E9" {
		t.Error("an override reset the theme's other styles")
	}
	plain := NewStyles(ThemeChoice{Overrides: o}.resolve(Theme{Dark: true, NoColor: true}))
	if _, none := plain.Reject.GetForeground().(lipgloss.NoColor); !none || !plain.Reject.GetBold() {
		t.Errorf("NO_COLOR: an override's colour is drawn (%v) or its bold lost", plain.Reject.GetForeground())
	}

	for m, want := range map[string]string{
		"rejct":  "rejct: no such style (styles: absent, accept,",
		"reject": `reject: "pink" is not a colour`,
	} {
		_, err := ParseStyleOverrides(map[string]string{m: "pink"})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", m, err, want)
		}
	}
}

// FuzzStyleOverrides: any value parses or fails with the style's name, and
// a parsed one builds styles without panicking.
func FuzzStyleOverrides(f *testing.F) {
	for _, s := range []string{"#ff5f87 bold", "bg:236 underline", "12", "pink", "bg:", "#zzzzzz", ""} {
		f.Add("reject", s)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		o, err := ParseStyleOverrides(map[string]string{name: value})
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("error does not name the style: %v", err)
			}
			return
		}
		NewStyles(Theme{Dark: true, Overrides: o})
		NewStyles(Theme{NoColor: true, Overrides: o})
	})
}
