package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Theme is what the styles depend on: the terminal's background and
// whether colour may be used at all (NO_COLOR, or a terminal without it).
type Theme struct {
	Dark      bool
	NoColor   bool
	Palette   Palette
	Overrides *StyleOverrides // the user's styles by name (theme.go)
}

// Styles holds every style the TUI draws with. It is built once per theme
// change, never per row or per cell: lipgloss styles are values that are
// cheap to apply but not free to build.
type Styles struct {
	Theme Theme

	App      lipgloss.Style // everything else
	Title    lipgloss.Style // program name in the tab bar
	Tab      lipgloss.Style
	TabOn    lipgloss.Style
	Header   lipgloss.Style // table column headers
	Cursor   lipgloss.Style // the selected row
	Marked   lipgloss.Style // the mark gutter
	Accept   lipgloss.Style
	Reject   lipgloss.Style
	NoData   lipgloss.Style // NODATA / SKIPDATA rows
	Dim      lipgloss.Style
	Label    lipgloss.Style // field names in the detail view
	Value    lipgloss.Style
	Absent   lipgloss.Style
	Section  lipgloss.Style // headings in the detail and help views
	Status   lipgloss.Style // the status bar
	StatusOn lipgloss.Style // highlighted status item (PAUSED, filter)
	Warn     lipgloss.Style
	Error    lipgloss.Style
	Valid    lipgloss.Style // filter state markers
	Pending  lipgloss.Style
	Invalid  lipgloss.Style

	Help  help.Styles
	Input textinput.Styles
}

// NewStyles builds the styles for a theme. Without colour, the cursor row
// is reversed and REJECT is bold so both stay visible on any terminal.
func NewStyles(t Theme) Styles {
	ld := lipgloss.LightDark(t.Dark)
	c := func(light, dark string) lipgloss.Style {
		if t.NoColor {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(ld(lipgloss.Color(light), lipgloss.Color(dark)))
	}
	s := Styles{Theme: t}
	s.App = lipgloss.NewStyle()
	s.Title = c("#5a3fc0", "#b4a1ff").Bold(true)
	s.Tab = c("#6b6b6b", "#8a8a8a")
	s.TabOn = c("#1a1a1a", "#f0f0f0").Bold(true).Underline(true)
	s.Header = c("#444444", "#bcbcbc").Bold(true)
	s.Accept = c("#1d7a32", "#5fd787")
	s.Reject = c("#b3261e", "#ff6b6b").Bold(true)
	s.NoData = c("#8a6d00", "#d7af5f")
	s.Dim = c("#767676", "#8a8a8a")
	s.Label = c("#4f4f9f", "#87afff")
	s.Value = lipgloss.NewStyle()
	s.Absent = c("#9e9e9e", "#6c6c6c").Italic(true)
	s.Section = c("#5a3fc0", "#b4a1ff").Bold(true)
	s.Warn = c("#8a6d00", "#ffd75f")
	s.Error = c("#b3261e", "#ff6b6b").Bold(true)
	s.Valid = c("#1d7a32", "#5fd787")
	s.Pending = c("#8a6d00", "#ffd75f")
	s.Invalid = c("#b3261e", "#ff6b6b").Bold(true)
	s.Marked = c("#a05a00", "#ffaf00").Bold(true)
	if t.NoColor {
		s.Cursor = lipgloss.NewStyle().Reverse(true)
		s.Status = lipgloss.NewStyle().Reverse(true)
		s.StatusOn = lipgloss.NewStyle().Reverse(true).Bold(true)
		s.TabOn = lipgloss.NewStyle().Bold(true).Underline(true)
		s.Header = lipgloss.NewStyle().Bold(true).Underline(true)
		s.Absent = lipgloss.NewStyle().Italic(true)
		s.Dim = lipgloss.NewStyle()
	} else {
		s.Cursor = lipgloss.NewStyle().Background(ld(lipgloss.Color("#d0d7ff"), lipgloss.Color("#3a3f5c"))).Bold(true)
		s.Status = lipgloss.NewStyle().
			Foreground(ld(lipgloss.Color("#1a1a1a"), lipgloss.Color("#e4e4e4"))).
			Background(ld(lipgloss.Color("#dcdcdc"), lipgloss.Color("#303030")))
		s.StatusOn = s.Status.Foreground(ld(lipgloss.Color("#5a3fc0"), lipgloss.Color("#ffd75f"))).Bold(true)
	}

	s.Help = help.DefaultStyles(t.Dark)
	if t.NoColor {
		plain := lipgloss.NewStyle()
		s.Help = help.Styles{Ellipsis: plain, ShortKey: plain.Bold(true), ShortDesc: plain,
			ShortSeparator: plain, FullKey: plain.Bold(true), FullDesc: plain, FullSeparator: plain}
	}
	s.Input = textinput.DefaultStyles(t.Dark)
	s.Input.Cursor.Blink = false
	applyPalette(&s, t)
	t.Overrides.apply(&s, t.NoColor)
	return s
}
