package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

// Palette is the set of colours a theme draws with.
type Palette uint8

const (
	PaletteDefault Palette = iota
	// PaletteColorblind tells ACCEPT from REJECT by blue and orange (the
	// Okabe–Ito colours), which red–green colour blindness keeps apart.
	PaletteColorblind
)

// ThemeChoice is what the user asked for: a theme by name and styles
// overridden by name. The zero value follows the terminal.
type ThemeChoice struct {
	// Name is auto (follow the terminal's background), dark, light,
	// colorblind (follows the background) or none (no colour).
	Name string
	// Overrides replace styles by name; see ParseStyleOverrides.
	Overrides *StyleOverrides
}

// ThemeNames are the names ThemeChoice takes.
var ThemeNames = []string{"auto", "dark", "light", "colorblind", "none"}

// resolve turns what the terminal reports into the theme to draw with.
func (c ThemeChoice) resolve(t Theme) Theme {
	switch c.Name {
	case "dark":
		t.Dark = true
	case "light":
		t.Dark = false
	case "none":
		t.NoColor = true
	case "colorblind":
		t.Palette = PaletteColorblind
	}
	t.Overrides = c.Overrides
	return t
}

// StyleOverrides are user styles by name, parsed once.
type StyleOverrides struct {
	specs map[string]styleSpec
}

type styleSpec struct {
	fg, bg                                  string
	bold, italic, underline, reverse, faint bool
}

// styleFields names every style a theme can override.
func styleFields(s *Styles) map[string]*lipgloss.Style {
	return map[string]*lipgloss.Style{
		"title": &s.Title, "tab": &s.Tab, "tab_on": &s.TabOn, "header": &s.Header, "cursor": &s.Cursor,
		"marked": &s.Marked, "accept": &s.Accept, "reject": &s.Reject, "nodata": &s.NoData, "dim": &s.Dim,
		"label": &s.Label, "value": &s.Value, "absent": &s.Absent, "section": &s.Section, "status": &s.Status,
		"status_on": &s.StatusOn, "warn": &s.Warn, "error": &s.Error, "valid": &s.Valid, "pending": &s.Pending,
		"invalid": &s.Invalid,
	}
}

// StyleNames are the names [styles] may override.
func StyleNames() []string {
	var s Styles
	var names []string
	for n := range styleFields(&s) {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ParseStyleOverrides reads styles by name. A value is words: a colour
// (#rrggbb or an ANSI number 0–255) for the text, bg:COLOUR for the
// background, and bold, italic, underline, reverse or faint. The error
// names the style at fault.
func ParseStyleOverrides(m map[string]string) (*StyleOverrides, error) {
	if len(m) == 0 {
		return nil, nil
	}
	known := StyleNames()
	o := &StyleOverrides{specs: map[string]styleSpec{}}
	for _, name := range sortedKeys(m) {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("%s: no such style (styles: %s)", name, strings.Join(known, ", "))
		}
		var sp styleSpec
		words := strings.Fields(m[name])
		if len(words) == 0 {
			return nil, fmt.Errorf("%s: empty style", name)
		}
		for _, w := range words {
			switch {
			case w == "bold":
				sp.bold = true
			case w == "italic":
				sp.italic = true
			case w == "underline":
				sp.underline = true
			case w == "reverse":
				sp.reverse = true
			case w == "faint":
				sp.faint = true
			case strings.HasPrefix(w, "bg:") && validColour(w[3:]):
				sp.bg = w[3:]
			case validColour(w):
				sp.fg = w
			default:
				return nil, fmt.Errorf("%s: %q is not a colour (#rrggbb, 0–255, bg:COLOUR) or bold, italic, underline, reverse, faint", name, w)
			}
		}
		o.specs[name] = sp
	}
	return o, nil
}

func validColour(s string) bool {
	if len(s) == 7 && s[0] == '#' {
		_, err := strconv.ParseUint(s[1:], 16, 32)
		return err == nil
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 255
}

// apply replaces the named styles; without colour only the attributes
// are kept.
func (o *StyleOverrides) apply(s *Styles, noColor bool) {
	if o == nil {
		return
	}
	fields := styleFields(s)
	for name, sp := range o.specs {
		st := lipgloss.NewStyle()
		if !noColor && sp.fg != "" {
			st = st.Foreground(lipgloss.Color(sp.fg))
		}
		if !noColor && sp.bg != "" {
			st = st.Background(lipgloss.Color(sp.bg))
		}
		st = st.Bold(sp.bold).Italic(sp.italic).Underline(sp.underline).Reverse(sp.reverse).Faint(sp.faint)
		*fields[name] = st
	}
}

// applyPalette recolours the styles that carry meaning for the
// colour-blind-safe palette.
func applyPalette(s *Styles, t Theme) {
	if t.Palette != PaletteColorblind || t.NoColor {
		return
	}
	ld := lipgloss.LightDark(t.Dark)
	c := func(light, dark string) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(ld(lipgloss.Color(light), lipgloss.Color(dark)))
	}
	// Blue for what passed, orange/vermillion for what was refused, reddish
	// purple for records without data: distinct under protanopia,
	// deuteranopia and tritanopia.
	s.Accept = c("#0072B2", "#56B4E9")
	s.Valid = s.Accept
	s.Reject = c("#D55E00", "#E69F00").Bold(true)
	s.Error = s.Reject
	s.Invalid = s.Reject
	s.NoData = c("#CC79A7", "#CC79A7")
	s.Warn = c("#8a6d00", "#F0E442")
	s.Pending = s.Warn
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
